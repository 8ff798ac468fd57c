"""The public campaign page: axe-core (vendored) finds no serious violations, and a
constituent can find their legislators and send using the keyboard alone."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import free_port
from tests.web.test_accessibility import _serious

pytestmark = pytest.mark.browser


@pytest.fixture
def act_server(smtp_settings, campaign):  # noqa: ANN001, ANN201
    from werkzeug.serving import make_server

    from web import create_app

    port = free_port()
    app = create_app(smtp_settings.with_(base_url=f"http://127.0.0.1:{port}"))
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}/act/{campaign.slug}"
    server.shutdown()
    app.extensions["tracker.engine"].dispose()


def _tab_to(page, element_id: str, limit: int = 60) -> None:  # noqa: ANN001
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == element_id:
            return
    pytest.fail(f"#{element_id} is not reachable with Tab")


def test_campaign_page_is_accessible_and_works_by_keyboard(act_server, browser_page, smtp):  # noqa: ANN001
    page = browser_page
    page.goto(act_server)
    assert page.get_attribute("html", "lang") in ("en", "es")
    assert _serious(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert _serious(page) == []
    _tab_to(page, "name")
    page.keyboard.type("Jordan Rivera")
    _tab_to(page, "email")
    page.keyboard.type("jordan@example.net")
    # The district pickers sit in a disclosure: open it with Enter on its summary.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    page.keyboard.press("Enter")
    _tab_to(page, "state")
    page.keyboard.type("CA")
    _tab_to(page, "upper_district")
    page.keyboard.type("10")
    _tab_to(page, "lower_district")
    page.keyboard.type("24")
    _tab_to(page, "find")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Alex Lee" in page.inner_text("#legislators")
    assert _serious(page) == []
    _tab_to(page, "consent_send")
    page.keyboard.press("Space")
    _tab_to(page, "send")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirmation-text")  # the status page after submitting
    assert smtp.to("jordan@example.net")
