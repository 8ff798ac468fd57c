"""Settings: the only place that reads the environment.

`Settings.from_env()` is called at entry points (CLI, create_app, worker, jobs) and
passed down. It fails fast with a ConfigError naming every missing or malformed
variable. Secrets have no defaults, except in demo mode where a secret key is
generated once and kept under `var/`.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from urllib.parse import urlsplit

from tracker.errors import ConfigError

DEFAULT_VAR_DIR = Path("var")
DEMO_AS_OF_FILE = "demo_as_of"  # under var/: the demo's "today"


def _default_database_url(var_dir: Path) -> str:
    return f"sqlite:///{(var_dir / 'tracker.db').resolve()}"


@dataclass(frozen=True)
class Settings:
    """Every setting the service reads; see the README's configuration table."""

    database_url: str
    secret_key: str
    redis_url: str | None = None
    var_dir: Path = DEFAULT_VAR_DIR
    scraper_cache_dir: Path = DEFAULT_VAR_DIR / "cache"
    congress_gov_api_key: str | None = None
    openstates_api_key: str | None = None
    legiscan_api_key: str | None = None
    legiscan_monthly_cap: int = 30000
    text_max_bytes: int = 50_000_000  # bill documents larger than this are not downloaded
    # PostgreSQL connections per process: kept open, and extra ones opened under load.
    db_pool_size: int = 5
    db_max_overflow: int = 10
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "mh-policy-tracker <noreply@localhost>"
    base_url: str = "http://127.0.0.1:5000"
    # False when BASE_URL was not set: `tracker serve/demo` then use the address they bind.
    base_url_set: bool = False
    census_geocoder_url: str = "https://geocoding.geo.census.gov/geocoder"
    # Communicating with Congress: unset = House/Senate letters use forms, email or print.
    cwc_url: str | None = None
    cwc_api_key: str | None = None
    cwc_delivery_agent: str = "mh-policy-tracker"
    cwc_agent_phone: str | None = None  # xxx-xxx-xxxx, required with CWC_URL
    offline: bool = False  # never reach the network (demo, tests)
    sync_sources: tuple[str, ...] = ()  # what the scheduled sync runs; empty = every source
    sync_jurisdictions: tuple[str, ...] = ()  # states for Open States / LegiScan syncs
    demo: bool = False
    trusted_hosts: tuple[str, ...] = ()  # Host headers accepted besides BASE_URL's and loopback
    proxy_fix_hops: int = 0  # reverse proxies in front whose X-Forwarded-For/-Proto to trust
    site_admin_emails: tuple[str, ...] = ()  # who sees /jobs (default: first org's admins)
    # The day the app treats as today (dashboard windows, scores, default brief week,
    # alerts). The demo sets it to the day after its newest action so a frozen corpus
    # still shows movement; unset in production.
    as_of: date | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def today(self) -> date:
        """Today, or the `as_of` day when one is set."""
        return self.as_of or date.today()

    def now(self) -> datetime:
        """Now (UTC), or noon UTC of the `as_of` day when one is set."""
        if self.as_of is None:
            return datetime.now(UTC)
        return datetime.combine(self.as_of, time(12), tzinfo=UTC)

    @property
    def embedded(self) -> bool:
        """True when jobs run in-process because no Redis is configured."""
        return not self.redis_url

    def served_at(self, host: str, port: int) -> Settings:
        """These settings for a server bound to host:port; BASE_URL, when set, wins."""
        if self.base_url_set:
            return self
        shown = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        if ":" in shown:
            shown = f"[{shown}]"
        return replace(self, base_url=f"http://{shown}:{port}")

    def with_(self, **changes: object) -> Settings:
        """A copy with some fields replaced (tests, the demo)."""
        return replace(self, **changes)

    @classmethod
    def from_env(
        cls, env: dict[str, str] | None = None, *, demo: bool = False, need_secret: bool = True
    ) -> Settings:
        """Read and validate settings; raise ConfigError naming every bad variable.

        Commands that sign nothing (migrations, job status) pass `need_secret=False`.
        """
        env = dict(os.environ if env is None else env)
        errors: list[str] = []
        var_dir = Path(env.get("TRACKER_VAR_DIR") or DEFAULT_VAR_DIR)

        database_url = env.get("DATABASE_URL") or _default_database_url(var_dir)
        if not database_url.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            errors.append(
                "DATABASE_URL must start with sqlite:// or postgresql:// "
                f"(got {_redact(database_url)!r})"
            )

        redis_url = env.get("REDIS_URL") or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            errors.append(f"REDIS_URL must start with redis:// or rediss:// (got {redis_url!r})")

        secret_key = env.get("SECRET_KEY") or ""
        if not secret_key and (demo or (var_dir / "secret_key").exists()):
            # The demo made one under var/: commands run after `make demo` reuse it.
            secret_key = _demo_secret(var_dir)
        if not secret_key:
            if need_secret:
                errors.append(
                    "SECRET_KEY is required (any long random string; `make demo` makes one)"
                )
        elif len(secret_key) < 16:
            errors.append("SECRET_KEY must be at least 16 characters")

        ints: dict[str, int] = {}
        for name, default in (
            ("SMTP_PORT", 25),
            ("LEGISCAN_MONTHLY_CAP", 30000),
            ("TEXT_MAX_BYTES", 50_000_000),
            ("PROXY_FIX_HOPS", 0),
            ("DATABASE_POOL_SIZE", 5),
            ("DATABASE_MAX_OVERFLOW", 10),
        ):
            raw = env.get(name)
            try:
                ints[name] = int(raw) if raw else default
            except ValueError:
                errors.append(f"{name} must be an integer (got {raw!r})")
                ints[name] = default
            if ints[name] < 0:
                errors.append(f"{name} must not be negative (got {raw!r})")

        bools: dict[str, bool] = {}
        for name in ("SMTP_STARTTLS", "TRACKER_OFFLINE"):
            raw = (env.get(name) or "").strip().lower()
            if raw in ("", "0", "false", "no", "off"):
                bools[name] = False
            elif raw in ("1", "true", "yes", "on"):
                bools[name] = True
            else:
                errors.append(f"{name} must be true or false (got {raw!r})")
                bools[name] = False

        base_url = env.get("BASE_URL") or "http://127.0.0.1:5000"
        if urlsplit(base_url).scheme not in ("http", "https"):
            errors.append(f"BASE_URL must be an http(s) URL (got {base_url!r})")

        cwc_url = (env.get("CWC_URL") or "").rstrip("/") or None
        if cwc_url and urlsplit(cwc_url).scheme not in ("http", "https"):
            errors.append(f"CWC_URL must be an http(s) URL (got {cwc_url!r})")
        if cwc_url and not re.fullmatch(r"\d{3}-\d{3}-\d{4}", env.get("CWC_AGENT_PHONE") or ""):
            errors.append("CWC_AGENT_PHONE (xxx-xxx-xxxx) is required with CWC_URL")
        as_of: date | None = None
        raw_as_of = (env.get("TRACKER_AS_OF") or "").strip()
        if not raw_as_of and (var_dir / DEMO_AS_OF_FILE).exists():
            # `tracker demo` wrote it: later commands on the demo data share its day.
            raw_as_of = (var_dir / DEMO_AS_OF_FILE).read_text().strip()
        if raw_as_of:
            try:
                as_of = date.fromisoformat(raw_as_of)
            except ValueError:
                errors.append(f"TRACKER_AS_OF must be a date YYYY-MM-DD (got {raw_as_of!r})")

        if errors:
            raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(errors))

        return cls(
            database_url=database_url,
            secret_key=secret_key,
            redis_url=redis_url,
            var_dir=var_dir,
            scraper_cache_dir=Path(env.get("SCRAPER_CACHE_DIR") or var_dir / "cache"),
            congress_gov_api_key=env.get("CONGRESS_GOV_API_KEY") or None,
            openstates_api_key=env.get("OPENSTATES_API_KEY") or None,
            legiscan_api_key=env.get("LEGISCAN_API_KEY") or None,
            legiscan_monthly_cap=ints["LEGISCAN_MONTHLY_CAP"],
            text_max_bytes=ints["TEXT_MAX_BYTES"],
            db_pool_size=ints["DATABASE_POOL_SIZE"],
            db_max_overflow=ints["DATABASE_MAX_OVERFLOW"],
            smtp_host=env.get("SMTP_HOST") or "127.0.0.1",
            smtp_port=ints["SMTP_PORT"],
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=bools["SMTP_STARTTLS"],
            mail_from=env.get("MAIL_FROM") or "mh-policy-tracker <noreply@localhost>",
            base_url=base_url.rstrip("/"),
            base_url_set=bool(env.get("BASE_URL")),
            cwc_url=cwc_url,
            cwc_api_key=env.get("CWC_API_KEY") or None,
            cwc_delivery_agent=env.get("CWC_DELIVERY_AGENT") or "mh-policy-tracker",
            cwc_agent_phone=env.get("CWC_AGENT_PHONE") or None,
            census_geocoder_url=env.get("CENSUS_GEOCODER_URL")
            or "https://geocoding.geo.census.gov/geocoder",
            offline=bools["TRACKER_OFFLINE"] or demo,
            demo=demo,
            sync_sources=_names(env.get("SYNC_SOURCES")),
            sync_jurisdictions=_names(env.get("SYNC_JURISDICTIONS")),
            trusted_hosts=_names(env.get("TRUSTED_HOSTS")),
            proxy_fix_hops=ints["PROXY_FIX_HOPS"],
            site_admin_emails=_names(env.get("SITE_ADMIN_EMAILS")),
            as_of=as_of,
        )


def _names(raw: str | None) -> tuple[str, ...]:
    """A comma- or space-separated list (`ca, ny wa`) as lower-case names."""
    return tuple(n.lower() for n in (raw or "").replace(",", " ").split())


def _demo_secret(var_dir: Path) -> str:
    """The demo's secret key: generated once, kept in var/secret_key (mode 600)."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(parts.password, "***")
    return url
