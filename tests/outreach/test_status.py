"""Honest status: what the constituent sees when mail works and when it does not, the
retry that delivers once, the organization's retry button, and BASE_URL from the port."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import requests
from sqlalchemy import select

from outreach import notices
from outreach.models import Constituent, Letter
from tests.conftest import csrf_token, free_port, sign_in
from tests.outreach.conftest import FREMONT
from tests.outreach.smtp import start_smtp
from tracker.models import utcnow


def _submit(client) -> str:  # noqa: ANN001
    """Look up Fremont's districts and submit; returns the status page's path."""
    form = {
        "csrf_token": csrf_token(client, "/act/crisis-ca"),
        "name": "Jordan Rivera",
        "email": "jordan@example.net",
        "message": "Please vote yes.",
        "website": "",
        **FREMONT,
    }
    client.post("/act/crisis-ca", data={**form, "action": "lookup"})
    done = client.post("/act/crisis-ca", data={**form, "action": "submit", "consent_send": "y"})
    assert done.status_code == 302 and "/act/status/" in done.headers["Location"]
    return done.headers["Location"]


def _app(settings):  # noqa: ANN001, ANN202
    from web import create_app

    app = create_app(settings)
    app.config.update(TESTING=True)
    return app


def test_smtp_down_at_submit_page_says_so_and_the_retry_delivers_once(
    settings, db, campaign, monkeypatch
):
    port = free_port()  # nothing listens here yet: the mail server is down
    monkeypatch.setenv("SMTP_PORT", str(port))
    client = _app(settings.with_(smtp_port=port)).test_client()
    status_path = _submit(client)
    page = client.get(status_path).get_data(as_text=True)
    assert "We could not send email right now" in page and "Confirmation sent" not in page
    assert "come back to this page" in page
    constituent = db.scalars(select(Constituent)).one()
    assert constituent.confirmation_attempts == 1 and constituent.confirmation_sent_at is None
    assert constituent.confirmation_retry_at > utcnow() + timedelta(seconds=30)
    assert "SMTP" in constituent.confirmation_error or "connect" in constituent.confirmation_error

    controller, handler = start_smtp(port)  # the server comes back
    try:
        # Before the backoff wait is over, a visit does not send.
        client.get(status_path)
        assert handler.messages == []
        constituent.confirmation_retry_at = utcnow() - timedelta(seconds=1)
        db.commit()
        assert notices.unsent_confirmations(db, stale_seconds=900) == [constituent.id]
        page = client.get(status_path).get_data(as_text=True)
        assert "Confirmation sent" in page
        assert len(handler.to("jordan@example.net")) == 1
        # Coming back, or the reconciler running, sends nothing more.
        client.get(status_path)
        db.expire_all()
        assert notices.unsent_confirmations(db, stale_seconds=0) == []
        assert len(handler.messages) == 1
    finally:
        controller.stop()


def test_status_page_shows_each_letters_channel_and_state(smtp_settings, smtp, db, campaign):
    client = _app(smtp_settings).test_client()
    status_path = _submit(client)
    page = client.get(status_path).get_data(as_text=True)
    assert "Confirmation sent" in page
    rows = re.findall(r'<tr data-channel="(\w+)" data-state="(\w+)"><td>([^<]+)</td>', page)
    assert rows == [
        ("email", "draft", "Assemblymember Alex Lee"),
        ("email", "draft", "Senator Aisha Wahab"),
    ]
    [mail] = smtp.to("jordan@example.net")
    confirm = re.search(r"http://[^/]+(/act/confirm/\S+)", mail.get_content()).group(1)
    client.post(confirm, data={"csrf_token": csrf_token(client, confirm)})
    page = client.get(status_path).get_data(as_text=True)
    assert page.count('data-state="sent"') == 2 and "You confirmed on" in page


def test_campaign_page_shows_failures_and_the_retry_button_sends_once(
    settings, db, campaign, org, make_org_user, monkeypatch
):
    port = free_port()
    monkeypatch.setenv("SMTP_PORT", str(port))
    app = _app(settings.with_(smtp_port=port))
    public = app.test_client()
    _submit(public)
    constituent = db.scalars(select(Constituent)).one()
    # A letter that failed earlier (office refused it) is retried too.
    letter = constituent.letters[0]
    letter.state, letter.last_error = "failed", "RCPT TO refused: 550 mailbox full"
    db.commit()
    advocate = app.test_client()
    _, user, password = make_org_user(org.name, "advocate@example.org", "advocate")
    sign_in(advocate, user.email, password)
    page = advocate.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "1 confirmation email(s) could not be sent yet" in page
    assert "550 mailbox full" in page and 'id="retry"' in page
    controller, handler = start_smtp(port)
    try:
        token = csrf_token(advocate, f"/campaigns/{campaign.id}")
        advocate.post(f"/campaigns/{campaign.id}/retry", data={"csrf_token": token})
        db.expire_all()
        assert len(handler.to("jordan@example.net")) == 1
        assert db.get(Letter, letter.id).state == "sent"
        assert len(handler.to("assemblymember.lee@assembly.ca.gov")) == 1
        advocate.post(f"/campaigns/{campaign.id}/retry", data={"csrf_token": token})
        assert len(handler.messages) == 2
    finally:
        controller.stop()


def test_base_url_follows_the_port_the_server_listens_on(settings, db, campaign, smtp):
    from web.cli import make_server

    smtp_port = int(__import__("os").environ["SMTP_PORT"])
    server = make_server(settings.with_(smtp_port=smtp_port), "127.0.0.1", 0, threads=2)
    port = server.effective_port
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        web = requests.Session()
        base = f"http://127.0.0.1:{port}"
        html = web.get(f"{base}/act/crisis-ca", timeout=10).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        form = {
            "csrf_token": token,
            "name": "Jordan Rivera",
            "email": "jordan@example.net",
            "website": "",
            **FREMONT,
        }
        web.post(f"{base}/act/crisis-ca", data={**form, "action": "lookup"}, timeout=10)
        web.post(
            f"{base}/act/crisis-ca",
            data={**form, "action": "submit", "consent_send": "y"},
            timeout=10,
        )
        [mail] = smtp.to("jordan@example.net")
        links = re.findall(r"(http://\S+)/act/(?:confirm|my-data)/", mail.get_content())
        assert links == [base, base] and port != 5000
        # An explicit BASE_URL wins over the bound address.
        explicit = settings.with_(base_url="https://act.example.org", base_url_set=True)
        assert explicit.served_at("0.0.0.0", port).base_url == "https://act.example.org"
        assert settings.served_at("0.0.0.0", 5101).base_url == "http://127.0.0.1:5101"
    finally:
        server.close()
