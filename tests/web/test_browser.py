"""End to end in headless Chromium (Debian's /usr/bin/chromium through Playwright):
sign in -> search "988" -> open a bill -> add it to a watchlist -> see it on the dashboard."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import free_port
from tests.web.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture
def live_url(app: Flask):  # noqa: ANN201
    """The app served by werkzeug on a free loopback port in a background thread."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def page():  # noqa: ANN201
    """A Chromium page; console errors (CSP violations included) are collected."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.console_errors = []
        # Console errors (CSP violations, script errors) and failed requests; the browser's
        # own favicon probe is the one 404 we expect.
        tab.on(
            "console",
            lambda m: (
                m.type == "error"
                and "Failed to load resource" not in m.text
                and tab.console_errors.append(m.text)
            ),
        )
        tab.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")
                and tab.console_errors.append(f"{r.status} {r.url}")
            ),
        )
        yield tab
        context.close()
        browser.close()


def test_search_open_bill_add_to_watchlist_and_see_it_on_the_dashboard(
    page,
    live_url: str,
    world: dict,  # noqa: ANN001
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{live_url}/")
    assert "/login" in page.url
    page.get_by_label("Email").fill(world["users"][("alpha", "advocate")].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_url}/")
    assert "Dashboard" in page.locator("h1").inner_text()

    page.locator("nav[aria-label=Main] summary", has_text="Track").click()  # grouped menu
    page.get_by_role("link", name="Bills", exact=True).click()
    page.get_by_label("Search").fill("988")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_url("**/bills?q=988*")
    assert "6 bills" in page.locator(".summary").inner_text()
    page.get_by_role("link", name="WA HB 1477").click()
    page.wait_for_url("**/bills/wa-202122-hb1477")
    assert "NATIONAL 988 SYSTEM" in page.locator("h1").inner_text()

    panel = page.locator("section[aria-labelledby=watch-h]")
    panel.get_by_label("Watchlist").select_option(label="alpha-secret-list")
    panel.get_by_label("Position").select_option("support")
    panel.get_by_label("Priority").select_option("high")
    panel.get_by_label("Notes").fill("Testify at the next hearing.")
    panel.get_by_role("button", name="Add to watchlist").click()
    assert "added to alpha-secret-list" in page.locator(".flash").inner_text()

    page.locator("nav[aria-label=Main] summary", has_text="Track").click()
    page.get_by_role("link", name="Dashboard").click()
    tracked = page.locator("#tracked")
    assert "WA HB 1477" in tracked.inner_text()
    assert "support" in tracked.inner_text() and "high priority" in tracked.inner_text()
    page.screenshot(path=str(ARTIFACTS / "e2e-dashboard.png"), full_page=True)
    assert page.console_errors == []


def test_pages_fit_a_phone_screen_without_sideways_scrolling(
    page,
    live_url: str,
    world: dict,  # noqa: ANN001
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_url}/login")
    page.get_by_label("Email").fill(world["users"][("alpha", "admin")].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_url}/")
    for path in (
        "/",
        "/bills?q=crisis",
        f"/bills/{world['bill']}",
        "/watchlists",
        f"/watchlists/{world['alpha']['watchlist']}",
        "/alerts",
        "/admin/users",
    ):
        page.goto(f"{live_url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"
    page.goto(f"{live_url}/bills?q=crisis")
    page.screenshot(path=str(ARTIFACTS / "phone-search.png"), full_page=True)
    assert page.console_errors == []
