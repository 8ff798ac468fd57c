from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import requests
from click.testing import CliRunner

from app.cli import COMMANDS, cli
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_help_lists_every_command_with_a_description():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        line = next(
            (ln for ln in result.output.splitlines() if ln.strip().startswith(name + " ")), None
        )
        assert line is not None, f"{name} missing from --help"
        assert len(line.split(None, 1)) == 2, f"{name} has no one-line description"


def test_db_upgrade_creates_the_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.db").exists()


def test_bad_configuration_is_a_clean_error_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "oracle://nope")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    result = CliRunner().invoke(cli, ["jobs"])
    assert result.exit_code != 0
    assert "DATABASE_URL" in result.output


def _loaded_after(imports: str, watched: tuple[str, ...]) -> list[str]:
    code = f"import sys, {imports};print(','.join(m for m in {watched!r} if m in sys.modules))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return [m for m in proc.stdout.strip().split(",") if m]


def test_importing_the_domain_core_loads_no_flask_rq_or_requests():
    core = ", ".join(_modules_under("tracker"))
    assert _loaded_after(core, ("flask", "rq", "requests")) == []


def _modules_under(*packages: str) -> list[str]:
    """Every module of these packages (migration scripts aside: Alembic loads them)."""
    return sorted(
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_importing_the_three_core_packages_leaves_flask_out():
    modules = _modules_under("tracker", "scrapers", "outreach")
    assert {"tracker.jobs", "scrapers.pipeline", "outreach.delivery"} <= set(modules)
    assert _loaded_after(", ".join(modules), ("flask", "web", "app")) == []


def test_the_flask_check_sees_a_module_that_imports_flask():
    assert _loaded_after("web.db", ("flask",)) == ["flask"]


def test_demo_server_starts_serves_the_home_page_and_stops(tmp_path):
    port = free_port()
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
        "TRACKER_VAR_DIR": str(tmp_path / "var"),
        "HOME": str(tmp_path),
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "tracker"), "demo", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        response = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        assert response is not None, f"demo did not start: {proc.poll()} {_drain(proc)}"
        assert response.status_code == 200
        assert "988" in response.text
        _sign_in_as_demo_admin_and_see_the_watchlist(port, tmp_path / "var")
        campaign = requests.get(f"http://127.0.0.1:{port}/act/ca-mobile-crisis", timeout=10)
        assert campaign.status_code == 200 and "AB 308" in campaign.text
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    output = proc.stdout.read()
    assert "Sign in at" in output and "password:" in output


def _drain(proc: subprocess.Popen) -> str:
    proc.terminate()
    return proc.stdout.read()[-3000:]


def test_db_upgrade_creates_a_missing_var_directory(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'new' / 'dir' / 'tracker.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TRACKER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("SECRET_KEY", raising=False)  # migrations sign nothing
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "dir" / "tracker.db").exists()


def _sign_in_as_demo_admin_and_see_the_watchlist(port: int, var_dir: Path) -> None:
    import re

    base = f"http://127.0.0.1:{port}"
    with requests.Session() as browser:
        page = browser.get(f"{base}/login", timeout=10).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        password = (var_dir / "demo_admin_password").read_text().strip()
        response = browser.post(
            f"{base}/login",
            data={"email": "admin@demo.example.org", "password": password, "csrf_token": token},
            timeout=10,
        )
        assert response.status_code == 200 and "Sign in" not in response.text[:2000]
        assert "Mobile crisis teams" in response.text  # the demo watchlist on the dashboard
