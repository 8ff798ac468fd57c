"""The campaign flow and the template editor's live preview in headless Chromium."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from outreach.models import Letter
from tests.conftest import free_port

pytestmark = pytest.mark.browser


@pytest.fixture
def served(smtp_settings, campaign):  # noqa: ANN001, ANN201
    """The app on a free loopback port; confirmation links point at it."""
    from werkzeug.serving import make_server

    from web import create_app

    port = free_port()
    app = create_app(smtp_settings.with_(base_url=f"http://127.0.0.1:{port}"))
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)
    app.extensions["tracker.engine"].dispose()


def test_campaign_flow_in_headless_chromium(served, browser_page, smtp, db):
    page = browser_page
    page.goto(f"{served}/act/crisis-ca")
    assert "988" in page.inner_text(".lifeline")
    page.fill("#name", "Jordan Rivera")
    page.fill("#email", "jordan@example.net")
    page.click("#pickers summary")
    page.select_option("#state", "CA")
    page.fill("#congressional_district", "17")
    page.fill("#upper_district", "10")
    page.fill("#lower_district", "24")
    page.fill("#city", "Fremont")
    page.click("#find")
    legislators = page.inner_text("#legislators")
    assert "Assemblymember Alex Lee" in legislators and "Senator Aisha Wahab" in legislators
    assert page.inner_text("#preview").startswith("Dear Assemblymember Lee,")
    page.fill("#story", "My sister suffers from depression and waited 11 weeks.")
    page.click("button[value=lookup]")  # update: the language check appears beside
    assert "lives with" in page.inner_text("#language")
    page.check("#consent_send")
    page.check("#consent_quote")
    page.click("#send")
    assert "Confirmation sent" in page.inner_text("#confirmation-text")
    assert "Nothing has been sent" in page.inner_text("#confirmation-text")
    [mail] = smtp.to("jordan@example.net")
    confirm = re.search(r"(http://127\.0\.0\.1:\d+/act/confirm/\S+)", mail.get_content()).group(1)
    page.goto(confirm)
    assert "Dear Senator Wahab" in page.inner_text("main")
    page.click("#confirm-send")
    assert "on their way" in page.inner_text("#confirmed")
    db.expire_all()
    assert {x.state for x in db.scalars(select(Letter))} == {"sent"}
    [to_wahab] = smtp.to("senator.wahab@senate.ca.gov")
    assert "waited 11 weeks" in to_wahab.get_content()


def test_template_editor_live_preview_runs_under_the_csp(served, browser_page, make_org_user, org):
    from playwright.sync_api import expect

    _, user, password = make_org_user(org.name, "adv@example.org", "advocate")
    page = browser_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{served}/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.goto(f"{served}/campaigns/templates/new")
    page.fill("#subject", "About {{ bill.identifier }}")
    page.fill("#body", "{{ legislator.salutation }},\nThe mentally ill deserve care.")
    expect(page.locator("#preview-body")).to_contain_text("Dear Senator Wahab")
    assert page.inner_text("#preview-subject") == "About SB 855"
    assert "people with mental illness" in page.inner_text("#language")
    page.fill("#body", "{{ legislator.__class__ }}")
    expect(page.locator("#problems")).to_contain_text("__class__")
    assert "line 1" in page.inner_text("#problems")
    assert not [e for e in errors if "Content Security Policy" in e]


def test_spanish_campaign_page_in_headless_chromium(served, browser_page, smtp, db, campaign):
    campaign.translations = {"es": {"title": "Financien los servicios de crisis"}}
    db.commit()
    page = browser_page
    page.goto(f"{served}/act/crisis-ca")
    assert page.get_attribute("html", "lang") == "en"
    page.click("#languages a[lang=es]")
    assert page.get_attribute("html", "lang") == "es"
    assert page.inner_text("h1") == "Financien los servicios de crisis"
    assert page.inner_text("#find") == "Buscar a mis legisladores"
    assert "Su nombre" in page.inner_text("label[for=name]")
    # The choice is remembered on the next page without ?lang.
    page.goto(f"{served}/act/crisis-ca")
    assert page.get_attribute("html", "lang") == "es"
    page.fill("#name", "Jordan Rivera")
    page.fill("#email", "jordan@example.net")
    page.click("#pickers summary")
    page.select_option("#state", "CA")
    page.fill("#congressional_district", "17")
    page.fill("#upper_district", "10")
    page.fill("#lower_district", "24")
    page.click("#find")
    assert "Su carta va dirigida a" in page.inner_text("#legislators")
    page.check("#consent_send")
    page.click("#send")
    assert page.get_attribute("html", "lang") == "es"
    assert "Confirmación enviada" in page.inner_text("#confirmation-text")
    assert "esperando que confirme por correo" in page.inner_text("#letters")
    page.screenshot(path="/tmp/h12/status_es.png", full_page=True)
    [mail] = smtp.to("jordan@example.net")
    assert mail["Subject"] == "Confirme su carta: Financien los servicios de crisis"
    assert "Todavía no se ha enviado nada" in mail.get_content()
