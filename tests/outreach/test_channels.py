"""Delivery channels from the office's data: CWC (valid XML, a local HTTP endpoint,
exactly once), the web-form hand-off, and calls with caller-reported outcomes."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from lxml import etree
from sqlalchemy import select

from outreach import campaigns, constituents, cwc, delivery, handoff, letters
from outreach.geocode import manual_divisions
from outreach.letters import Submission
from outreach.models import DeliveryAttempt, Letter
from tests.conftest import csrf_token, free_port, sign_in
from tests.outreach.conftest import FREMONT
from tests.outreach.test_targeting import _bill, _campaign, _federal_members
from tracker.errors import InvalidInput, SourceUnavailable

AGENT = "Bay Area Coalition <letters@coalition.example.org>"


class CwcServer(BaseHTTPRequestHandler):
    """A loopback stand-in for the CWC endpoint: records each POST, answers `status`."""

    received: list[tuple[str, bytes]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, body))
        self.send_response(type(self).status)
        self.end_headers()
        self.wfile.write(b"accepted" if type(self).status == 200 else b"try later")

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


@pytest.fixture
def cwc_endpoint():  # noqa: ANN201
    CwcServer.received, CwcServer.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), CwcServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/cwc", CwcServer
    server.shutdown()


def _cwc(settings, url: str, **extra):  # noqa: ANN001, ANN003, ANN202
    return settings.with_(cwc_url=url, cwc_agent_phone="202-555-0100", mail_from=AGENT, **extra)


def _person(**extra) -> Submission:
    values = dict(
        name="Jordan Rivera",
        email="jordan@example.net",
        address="39510 Paseo Padre Pkwy",
        consent_send=True,
        prefix="Mx.",
    )
    values.update(extra)
    return Submission(**values)


@pytest.fixture
def federal(db, org, people):  # noqa: ANN001, ANN201
    _federal_members(db)
    return _campaign(db, org, _bill(db, "us-hr2741.jsonl"), "peer-support")


def _fremont():  # noqa: ANN202
    return manual_divisions(**{**FREMONT, "zip_code": "94538"})


def test_each_office_gets_the_channel_its_data_allows(db, settings, federal):
    with_cwc = settings.with_(
        cwc_url="http://127.0.0.1:9/cwc", cwc_agent_phone="202-555-0100", mail_from=AGENT
    )
    constituent = letters.submit(db, federal, _person(), _fremont(), with_cwc)
    channels = {x.legislator.name: (x.delivery, x.recipient) for x in constituent.letters}
    assert channels == {
        "Ro Khanna": ("cwc", "HCA17"),  # House: CWC office code from the district
        "Alex Padilla": ("form", "https://www.padilla.senate.gov/contact/"),
        "Adam Schiff": ("form", "https://www.schiff.senate.gov/contact/get-in-touch/"),
    }
    # Without CWC configured, or without a street address, the House office is on paper.
    plain = letters.submit(db, federal, _person(email="b@example.net"), _fremont(), settings)
    assert {x.legislator.name: x.delivery for x in plain.letters}["Ro Khanna"] == "print"


def test_cwc_xml_is_valid_against_the_schema(db, settings, federal):
    with_cwc = settings.with_(
        cwc_url="http://127.0.0.1:9/cwc", cwc_agent_phone="202-555-0100", mail_from=AGENT
    )
    constituent = letters.submit(db, federal, _person(), _fremont(), with_cwc)
    [letter] = [x for x in constituent.letters if x.delivery == "cwc"]
    xml = cwc.build_message(with_cwc, letter)
    cwc.validate(xml)  # raises when invalid
    doc = etree.fromstring(xml)
    assert doc.findtext("Delivery/DeliveryId") == letter.idempotency_key
    assert doc.findtext("Recipient/MemberOffice") == "HCA17"
    assert doc.findtext("Constituent/Zip") == "94538"
    assert doc.findtext("Message/Bills/Bill/BillTypeAbbreviation") == "HR"
    assert doc.findtext("Message/Bills/Bill/BillNumber") == "2741"
    assert doc.findtext("Message/ConstituentMessage") == letter.body
    # The schema does reject a broken message.
    broken = xml.replace(b"<Zip>94538</Zip>", b"<Zip>ninety</Zip>")
    with pytest.raises(InvalidInput, match="not valid"):
        cwc.validate(broken)


def test_cwc_letter_is_posted_once_to_the_configured_endpoint(db, settings, federal, cwc_endpoint):
    url, server = cwc_endpoint
    with_cwc = settings.with_(
        cwc_url=url, cwc_api_key="k", cwc_agent_phone="202-555-0100", mail_from=AGENT
    )
    constituent = letters.submit(db, federal, _person(), _fremont(), with_cwc)
    ids = letters.confirm(db, constituent)
    [letter] = [x for x in constituent.letters if x.delivery == "cwc"]
    assert letter.id in ids
    # The endpoint is down for a moment: nothing is lost, the letter is queued again.
    server.status = 503
    with pytest.raises(SourceUnavailable, match="CWC 503"):
        delivery.deliver_letter(db, with_cwc, letter.id)
    assert db.get(Letter, letter.id).state == "queued"
    server.status = 200
    assert delivery.deliver_letter(db, with_cwc, letter.id)["outcome"] == "sent"
    again = delivery.deliver_letter(db, with_cwc, letter.id)
    assert again["outcome"] == "skipped"
    accepted = [body for _, body in server.received]
    assert len(accepted) == 2  # the 503 try and the accepted one; never a third
    path, body = server.received[-1]
    assert path == "/cwc/v2/message?apikey=k"
    cwc.validate(body)
    assert etree.fromstring(body).findtext("Delivery/DeliveryId") == letter.idempotency_key
    outcomes = db.scalars(
        select(DeliveryAttempt.outcome).where(DeliveryAttempt.letter_id == letter.id)
    ).all()
    assert outcomes == ["error", "sent"]


class SilentCwc(BaseHTTPRequestHandler):
    """Reads the whole request, keeps it, and hangs up without an answer."""

    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802
        type(self).received.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.close_connection = True

    def log_message(self, *args) -> None:  # noqa: ANN002
        pass


def test_cwc_answer_lost_after_the_request_is_unknown_never_resent(db, settings, federal):
    SilentCwc.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), SilentCwc)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with_cwc = _cwc(settings, f"http://127.0.0.1:{server.server_address[1]}/cwc")
        constituent = letters.submit(db, federal, _person(), _fremont(), with_cwc)
        letters.confirm(db, constituent)
        [letter] = [x for x in constituent.letters if x.delivery == "cwc"]
        assert delivery.deliver_letter(db, with_cwc, letter.id)["outcome"] == "unknown"
        assert delivery.deliver_letter(db, with_cwc, letter.id)["outcome"] == "skipped"
    finally:
        server.shutdown()
    db.expire_all()
    letter = db.get(Letter, letter.id)
    assert letter.state == "failed" and "outcome unknown" in letter.last_error
    assert len(SilentCwc.received) == 1  # it did arrive, once; the service does not resend


def test_cwc_refused_connection_is_retried_not_lost(db, settings, federal):
    down = f"http://127.0.0.1:{free_port()}/cwc"
    with_cwc = _cwc(settings, down)
    constituent = letters.submit(db, federal, _person(), _fremont(), with_cwc)
    letters.confirm(db, constituent)
    [letter] = [x for x in constituent.letters if x.delivery == "cwc"]
    with pytest.raises(SourceUnavailable, match="CWC unreachable"):
        delivery.deliver_letter(db, with_cwc, letter.id)
    assert db.get(Letter, letter.id).state == "queued"


def test_web_form_hand_off_gives_text_opens_the_form_and_records_it(app, db, settings, federal):
    constituent = letters.submit(db, federal, _person(), _fremont(), settings)
    letters.confirm(db, constituent)
    [padilla] = [x for x in constituent.letters if x.legislator.name == "Alex Padilla"]
    client = app.test_client()
    token = constituents.link_token(settings.secret_key, constituent, "data")
    page = client.get(f"/act/status/{token}").get_data(as_text=True)
    assert f'id="text-{padilla.id}"' in page and "I urge you to support HR 2741" in page
    opened = client.get(f"/act/status/{token}/form/{padilla.id}")
    assert opened.status_code == 302
    assert opened.headers["Location"] == "https://www.padilla.senate.gov/contact/"
    csrf = csrf_token(client, f"/act/status/{token}")
    client.post(f"/act/status/{token}/form/{padilla.id}", data={"csrf_token": csrf})
    db.expire_all()
    letter = db.get(Letter, padilla.id)
    assert letter.state == "sent"
    outcomes = [a.outcome for a in letter.attempts_log]
    assert outcomes == ["opened", "handed-off"]


def test_call_outcome_is_recorded_and_counted(app, db, settings, campaign, org, make_org_user):
    campaign.ask = "call"
    db.commit()
    constituent = letters.submit(db, campaign, _person(), manual_divisions(**FREMONT), settings)
    assert {x.delivery for x in constituent.letters} == {"call"}
    letters.confirm(db, constituent)
    lee = next(x for x in constituent.letters if x.legislator.name == "Alex Lee")
    client = app.test_client()
    token = constituents.link_token(settings.secret_key, constituent, "data")
    page = client.get(f"/act/status/{token}").get_data(as_text=True)
    assert "Hello, I am a constituent calling Assemblymember Lee" in page
    assert re.search(r'href="tel:[^"]+"', page), "no office phone shown"
    csrf = csrf_token(client, f"/act/status/{token}")
    client.post(f"/act/status/{token}/call/{lee.id}", data={"csrf_token": csrf, "outcome": "busy"})
    db.expire_all()
    assert (db.get(Letter, lee.id).state, db.get(Letter, lee.id).call_outcome) == (
        "queued",
        "busy",
    )
    client.post(
        f"/act/status/{token}/call/{lee.id}", data={"csrf_token": csrf, "outcome": "reached"}
    )
    db.expire_all()
    assert (db.get(Letter, lee.id).state, db.get(Letter, lee.id).call_outcome) == (
        "sent",
        "reached",
    )
    results = campaigns.campaign_results(db, org.id, campaign.id)
    assert results["calls"] == {"reached": 1, "voicemail": 0, "busy": 0}
    assert results["channels"] == {"call": 2}
    _, user, password = make_org_user(org.name, "advocate@example.org", "advocate")
    advocate = app.test_client()
    sign_in(advocate, user.email, password)
    assert "reached staff 1" in advocate.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    with pytest.raises(InvalidInput):
        handoff.record_call(db, db.get(Letter, lee.id), "hung up")


def test_the_act_page_previews_the_letter_in_each_channels_form(settings, db, federal):
    from web import create_app

    app = create_app(_cwc(settings, "http://127.0.0.1:9/cwc"))
    client = app.test_client()
    page = client.post(
        "/act/peer-support",
        data={
            "csrf_token": csrf_token(client, "/act/peer-support"),
            "prefix": "Mx.",
            "name": "Jordan Rivera",
            "email": "jordan@example.net",
            "address": "39510 Paseo Padre Pkwy",
            "website": "",
            "action": "lookup",
            **FREMONT,
            "zip_code": "94538",
        },
    ).get_data(as_text=True)
    assert 'id="preview-form"' in page and 'id="preview-cwc"' in page
    assert "From: Mx. Jordan Rivera, 39510 Paseo Padre Pkwy, Fremont, CA 94538" in page
    assert "On the office&#39;s web form" in page or "On the office's web form" in page
    assert "the office&#39;s web contact form (you complete it)" in page
