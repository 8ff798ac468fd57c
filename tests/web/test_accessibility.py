"""WCAG 2.2 AA in headless Chromium with axe-core (vendored: tests/vendor/axe.min.js, MPL-2.0,
npm axe-core 4.10.3), keyboard-only use of the watchlist form, visible focus, Problems: None.

No network: axe is injected from the file; the app runs on a loopback port.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, WATCHED

pytestmark = pytest.mark.browser
AXE = Path(__file__).parents[1] / "vendor" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def _sign_in(page, base: str, email: str) -> None:  # noqa: ANN001
    page.goto(base + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def _serious(page) -> list[str]:  # noqa: ANN001
    """axe violations of impact serious or critical on the current page, one line each."""
    # Evaluated through the DevTools protocol: the app's CSP (script-src 'self') stays on.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    assert result["passes"], "axe checked nothing"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_every_page_has_no_serious_axe_violations(live_server, browser_page, world, db):  # noqa: ANN001
    page = browser_page
    problems: dict[str, list[str]] = {}
    for path in ("/login", "/password/forgot", "/api/docs"):
        page.goto(live_server + path)
        assert page.get_attribute("html", "lang") == "en"
        problems[path] = _serious(page)
    _sign_in(page, live_server, world["users"][("alpha", "admin")].email)
    paths = [
        "/",
        "/bills?q=988",
        "/bills?q=988&status=enacted&jurisdiction=zz",
        f"/bills/{WATCHED}",
        "/watchlists",
        "/legislators",
        f"/legislators/{world['legislator']}",
        "/alerts",
        "/jobs",
        "/admin/users",
        "/account/tokens",
        "/campaigns/",
        "/meetings/",
        "/meetings/new",
        "/briefs/",
        "/api/docs",
        f"/watchlists/{world['alpha']['watchlist']}",
        "/campaigns/templates/new",
    ]
    for path in paths:
        response = page.goto(live_server + path)
        assert response.status < 400 or path.endswith("zz"), path
        problems[path] = _serious(page)
    assert {p: v for p, v in problems.items() if v} == {}
    # The check can fail: an unlabeled field and low-contrast text are caught.
    page.evaluate(
        """() => { const i = document.createElement('input');
        document.querySelector('main').append(i);
        const p = document.createElement('p'); p.textContent = 'faint'; p.style.color = '#ccc';
        document.querySelector('main').append(p); }"""
    )
    caught = " ".join(_serious(page))
    assert "label" in caught and "color-contrast" in caught


def test_watchlist_form_on_the_bill_page_works_by_keyboard_alone(
    live_server, browser_page, world, db
):  # noqa: ANN001
    from tracker.models import WatchlistEntry

    page = browser_page
    _sign_in(page, live_server, world["users"][("alpha", "advocate")].email)
    page.goto(f"{live_server}/bills/{WATCHED}")
    # The skip link is the first stop and is visible when focused.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
    # Tab to the entry's "Edit" disclosure, open it with Enter, change position by keys.
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").startswith("Edit on"):
            break
    else:
        pytest.fail("the Edit disclosure is not reachable by Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "focused control shows no outline"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the position select
    assert page.evaluate("document.activeElement.name").endswith("-position")
    page.keyboard.press("End")  # last option: oppose... or the select's last choice
    chosen = page.evaluate("document.activeElement.value")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Save changes":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/bills/{WATCHED}#watch-h")
    db.expire_all()
    entry = db.query(WatchlistEntry).filter_by(bill_id=WATCHED).order_by(WatchlistEntry.id).first()
    assert entry.position == chosen and chosen != "support"
    assert "Saved:" in page.inner_text("main")


def test_problems_none_is_not_shown_as_an_error(live_server, browser_page, world):  # noqa: ANN001
    page = browser_page
    _sign_in(page, live_server, world["users"][("alpha", "admin")].email)
    page.goto(live_server + "/campaigns/templates/new")
    page.fill("[name=subject]", "Support crisis care")
    page.fill("[name=body]", "Dear {{ legislator.salutation }},\nPlease fund 988.\n")
    none = page.locator("#problems li").first
    page.locator("#problems li", has_text="None").wait_for(timeout=10000)
    color = none.evaluate("e => getComputedStyle(e).color")
    assert color != "rgb(163, 38, 42)", "'None' is drawn in the error red"
