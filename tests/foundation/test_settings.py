from __future__ import annotations

import pytest

from tracker.config import Settings
from tracker.errors import ConfigError


def test_settings_require_secret_key_outside_demo(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is required"):
        Settings.from_env({"TRACKER_VAR_DIR": str(tmp_path)})


def test_settings_name_every_malformed_variable(tmp_path):
    env = {
        "TRACKER_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "short",
        "DATABASE_URL": "mysql://root@localhost/x",
        "REDIS_URL": "http://localhost:6379",
        "SMTP_PORT": "twenty-five",
        "SMTP_STARTTLS": "maybe",
    }
    with pytest.raises(ConfigError) as info:
        Settings.from_env(env)
    message = str(info.value)
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_PORT", "SMTP_STARTTLS"):
        assert name in message


def test_settings_defaults_to_sqlite_under_var_and_embedded_jobs(tmp_path):
    settings = Settings.from_env({"TRACKER_VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 32})
    assert settings.database_url == f"sqlite:///{(tmp_path / 'tracker.db').resolve()}"
    assert settings.embedded is True
    assert settings.redis_url is None


def test_demo_generates_and_keeps_a_secret_key(tmp_path):
    first = Settings.from_env({"TRACKER_VAR_DIR": str(tmp_path)}, demo=True)
    second = Settings.from_env({"TRACKER_VAR_DIR": str(tmp_path)}, demo=True)
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.offline is True


def test_settings_read_api_keys_and_redis(tmp_path):
    settings = Settings.from_env(
        {
            "TRACKER_VAR_DIR": str(tmp_path),
            "SECRET_KEY": "k" * 32,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "CONGRESS_GOV_API_KEY": "cg",
            "OPENSTATES_API_KEY": "os",
            "LEGISCAN_API_KEY": "ls",
            "LEGISCAN_MONTHLY_CAP": "1000",
        }
    )
    assert settings.embedded is False
    assert (settings.congress_gov_api_key, settings.openstates_api_key) == ("cg", "os")
    assert settings.legiscan_api_key == "ls" and settings.legiscan_monthly_cap == 1000


def test_commands_that_sign_nothing_run_without_a_secret_key(tmp_path):
    settings = Settings.from_env({"TRACKER_VAR_DIR": str(tmp_path)}, need_secret=False)
    assert settings.secret_key == ""
    assert not (tmp_path / "secret_key").exists()  # no demo secret made as a side effect


def test_database_pool_size_sizes_each_processs_postgresql_pool(tmp_path):
    """A fleet fits PostgreSQL's max_connections: each process holds at most
    DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW connections (README, "Scaling out")."""
    from tracker.db import make_engine

    env = {
        "TRACKER_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 32,
        "DATABASE_URL": "postgresql://tracker@db.invalid/tracker",
    }
    default = make_engine(Settings.from_env(env)).pool
    assert (default.size(), default._max_overflow) == (5, 10)
    small = Settings.from_env({**env, "DATABASE_POOL_SIZE": "2", "DATABASE_MAX_OVERFLOW": "0"})
    pool = make_engine(small).pool  # no connection is opened until one is asked for
    assert (pool.size(), pool._max_overflow) == (2, 0)
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE must be an integer"):
        Settings.from_env({**env, "DATABASE_POOL_SIZE": "many"})
