"""The whole public campaign flow in the Flask test client, with mail on a real SMTP server."""

from __future__ import annotations

import json
import re

import pytest
import responses
from sqlalchemy import select

from outreach import letters
from outreach.geocode import manual_divisions
from outreach.letters import Submission
from outreach.models import Constituent, Letter
from tests.conftest import FIXTURES, csrf_token
from tests.outreach.conftest import FREMONT

CENSUS_URL = "https://geocoding.geo.census.gov/geocoder/geographies/onelineaddress"


@pytest.fixture
def act_app(smtp_settings, campaign):  # noqa: ANN001, ANN201
    """The app with mail going to the test SMTP server (jobs run in-process)."""
    from web import create_app

    application = create_app(smtp_settings)
    application.config.update(TESTING=True)
    yield application
    application.extensions["tracker.engine"].dispose()


def _form(client, path: str, **fields) -> dict:  # noqa: ANN001
    data = {
        "csrf_token": csrf_token(client, path),
        "name": "Jordan Rivera",
        "email": "jordan@example.net",
        "address": "",
        "message": "Crisis teams saved my friend.",
        "story": "",
        "website": "",
    }
    data.update(fields)
    return data


def _manual(**extra) -> dict:
    picks = {k: v for k, v in FREMONT.items()}
    return {**picks, **extra}


def _link(message, kind: str) -> str:  # noqa: ANN001
    text = message.get_content()
    return re.search(rf"http://127\.0\.0\.1:5000(/act/{kind}/\S+)", text).group(1)


def test_campaign_flow_lookup_submit_confirm_send_in_flask_client(act_app, smtp, db):
    client = act_app.test_client()
    page = client.get("/act/crisis-ca")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "988" in html and "Fund crisis services" in html
    # Step 1: districts by the pickers (offline: no geocoder)
    step2 = client.post(
        "/act/crisis-ca", data=_form(client, "/act/crisis-ca", **_manual(), action="lookup")
    )
    html = step2.get_data(as_text=True)
    assert step2.status_code == 200
    assert "Assemblymember Alex Lee" in html and "Senator Aisha Wahab" in html
    assert "Adam Schiff" not in html  # a state campaign
    assert "Dear Assemblymember Lee," in html  # preview
    # Step 2: story with stigmatizing wording is flagged, never blocked
    done = client.post(
        "/act/crisis-ca",
        data=_form(
            client,
            "/act/crisis-ca",
            **_manual(),
            action="submit",
            story="My brother committed suicide after waiting weeks for care.",
            consent_send="y",
            consent_quote="y",
        ),
    )
    assert done.status_code == 302 and "/act/status/" in done.headers["Location"]
    status_page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Confirmation sent" in status_page and "Nothing has been sent" in status_page
    constituent = db.scalars(select(Constituent)).one()
    assert {x.state for x in constituent.letters} == {"draft"}
    assert smtp.to("jordan@example.net"), "no confirmation email"
    assert not smtp.to("senator.wahab@senate.ca.gov"), "sent before confirmation"
    [mail] = smtp.to("jordan@example.net")
    confirm_path, data_path = _link(mail, "confirm"), _link(mail, "my-data")
    review = client.get(confirm_path)
    html = review.get_data(as_text=True)
    assert "died by suicide" in html and "Send my letters" in html
    token = csrf_token(client, confirm_path)
    sent = client.post(confirm_path, data={"csrf_token": token})
    assert sent.status_code == 200 and "on their way" in sent.get_data(as_text=True)
    db.expire_all()
    assert {(x.state, x.last_error) for x in db.scalars(select(Letter))} == {("sent", None)}
    [to_lee] = smtp.to("assemblymember.lee@assembly.ca.gov")
    assert "Crisis teams saved my friend." in to_lee.get_content()
    assert "committed suicide" in to_lee.get_content()  # advice only: their words are sent
    # confirming again sends nothing more
    again = client.post(confirm_path, data={"csrf_token": token})
    assert again.status_code == 200
    assert "already on their way" in client.get(confirm_path).get_data(as_text=True)
    assert len(smtp.to("assemblymember.lee@assembly.ca.gov")) == 1
    assert client.get(data_path).status_code == 200


@responses.activate
def test_address_lookup_uses_the_census_geocoder_when_online(act_app, smtp, db):
    responses.get(
        CENSUS_URL,
        body=(
            FIXTURES / "census_geocoder" / "onelineaddress-fremont-ca.constructed.json"
        ).read_text(),
    )
    act_app.extensions["tracker.settings"] = act_app.extensions["tracker.settings"].with_(
        offline=False
    )
    client = act_app.test_client()
    page = client.post(
        "/act/crisis-ca",
        data=_form(
            client,
            "/act/crisis-ca",
            address="39510 Paseo Padre Pkwy, Fremont, CA 94538",
            action="lookup",
        ),
    )
    assert page.status_code == 200
    assert "Senator Aisha Wahab" in page.get_data(as_text=True)


def test_offline_address_lookup_falls_back_to_pickers(act_app):
    client = act_app.test_client()
    page = client.post(
        "/act/crisis-ca",
        data=_form(
            client, "/act/crisis-ca", address="39510 Paseo Padre Pkwy, Fremont, CA", action="lookup"
        ),
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Choose your districts" in html and '<details open id="pickers">' in html


def test_honeypot_submission_looks_accepted_but_stores_and_sends_nothing(act_app, smtp, db):
    client = act_app.test_client()
    response = client.post(
        "/act/crisis-ca",
        data=_form(
            client,
            "/act/crisis-ca",
            **_manual(),
            action="submit",
            consent_send="y",
            website="http://spam.example",
        ),
    )
    # Like a real submission: a redirect to a status page saying the confirmation went out.
    assert response.status_code == 302 and "/act/status/" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Confirmation sent" in page.get_data(as_text=True)
    assert db.scalars(select(Constituent)).all() == [] and smtp.messages == []


def test_per_email_rate_limit_applies_across_ip_addresses(act_app, smtp, db):
    statuses = []
    for i in range(4):
        client = act_app.test_client()
        ip = {"REMOTE_ADDR": f"10.0.0.{i + 1}"}
        token = csrf_token(client, "/act/crisis-ca")
        client.post(
            "/act/crisis-ca",
            data={
                **_form(client, "/act/crisis-ca"),
                **_manual(),
                "csrf_token": token,
                "action": "lookup",
            },
            environ_base=ip,
        )
        r = client.post(
            "/act/crisis-ca",
            data={
                **_form(client, "/act/crisis-ca"),
                **_manual(),
                "csrf_token": token,
                "action": "submit",
                "consent_send": "y",
            },
            environ_base=ip,
        )
        statuses.append(r.status_code)
    # Repeats are refused as duplicates (400) and still count toward the limit (429).
    assert statuses == [302, 400, 400, 429]
    assert len(db.scalars(select(Constituent)).all()) == 1


def test_per_ip_rate_limit(act_app):
    client = act_app.test_client()
    token = csrf_token(client, "/act/crisis-ca")
    codes = [
        client.post(
            "/act/crisis-ca",
            data={
                **_form(client, "/act/crisis-ca"),
                **_manual(),
                "csrf_token": token,
                "email": f"p{i}@example.net",
                "action": "lookup",
            },
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        ).status_code
        for i in range(21)
    ]
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_size_limits_and_missing_consent_are_refused(act_app, db):
    client = act_app.test_client()
    client.post(
        "/act/crisis-ca", data=_form(client, "/act/crisis-ca", **_manual(), action="lookup")
    )
    too_long = client.post(
        "/act/crisis-ca",
        data=_form(
            client,
            "/act/crisis-ca",
            **_manual(),
            action="submit",
            consent_send="y",
            story="x" * 5001,
        ),
    )
    assert too_long.status_code == 400
    no_consent = client.post(
        "/act/crisis-ca", data=_form(client, "/act/crisis-ca", **_manual(), action="submit")
    )
    assert no_consent.status_code == 400
    assert "send this letter on my behalf" in no_consent.get_data(as_text=True)
    assert db.scalars(select(Constituent)).all() == []


def test_data_download_and_deletion_from_the_email_link(act_app, smtp, db):
    client = act_app.test_client()
    client.post(
        "/act/crisis-ca", data=_form(client, "/act/crisis-ca", **_manual(), action="lookup")
    )
    client.post(
        "/act/crisis-ca",
        data=_form(
            client,
            "/act/crisis-ca",
            **_manual(),
            action="submit",
            consent_send="y",
            story="I waited eleven weeks for an appointment.",
        ),
    )
    [mail] = smtp.to("jordan@example.net")
    data_path = _link(mail, "my-data")
    download = client.get(data_path + "/download")
    assert download.headers["Content-Disposition"].startswith("attachment")
    exported = json.loads(download.get_data(as_text=True))
    assert exported["email"] == "jordan@example.net"
    assert exported["story"] == "I waited eleven weeks for an appointment."
    assert [x["to"] for x in exported["letters"]] == ["Alex Lee", "Aisha Wahab"]
    deleted = client.post(data_path + "/delete", data={"csrf_token": csrf_token(client, data_path)})
    assert deleted.status_code == 200 and "deleted" in deleted.get_data(as_text=True)
    assert db.scalars(select(Constituent)).all() == [] and db.scalars(select(Letter)).all() == []
    assert client.get(data_path).status_code == 404
    assert client.get(_link(mail, "confirm")).status_code == 404  # nothing left to send


def test_every_public_page_shows_988(act_app):
    client = act_app.test_client()
    for path in ("/act/crisis-ca", "/act/crisis-ca/check-email"):
        assert "988" in client.get(path).get_data(as_text=True)


def test_zip_code_spanning_districts_asks_which_one(act_app, db):
    import csv

    from outreach.geocode import load_zip_districts

    with (FIXTURES / "zccd" / "zccd.excerpt.csv").open(newline="") as handle:
        load_zip_districts(db, csv.DictReader(handle))
    client = act_app.test_client()
    page = client.post(
        "/act/crisis-ca", data=_form(client, "/act/crisis-ca", zip_code="35005", action="lookup")
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "more than one congressional district" in html
    assert 'value="al:6"' in html and 'value="al:7"' in html
    picked = client.post(
        "/act/crisis-ca",
        data=_form(client, "/act/crisis-ca", zip_code="35005", zip_choice="al:7", action="lookup"),
    )
    # resolved to Alabama's 7th; this California campaign has no one to write to there
    assert "This campaign is about a California bill" in picked.get_data(as_text=True)
    assert "Your address is in Alabama" in picked.get_data(as_text=True)


def test_changing_the_address_on_step_two_looks_districts_up_again(act_app, db):
    client = act_app.test_client()
    client.post(
        "/act/crisis-ca", data=_form(client, "/act/crisis-ca", **_manual(), action="lookup")
    )
    # same form, but now the Senate district changed: no submission with stale districts
    moved = client.post(
        "/act/crisis-ca",
        data=_form(
            client,
            "/act/crisis-ca",
            **_manual(upper_district="39", lower_district=""),
            action="submit",
            consent_send="y",
        ),
    )
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200 and "Akilah Weber Pierson" in html
    assert "Alex Lee" not in html
    assert db.scalars(select(Constituent)).all() == []


def test_act_page_targets_who_serves_on_the_configured_day(smtp_settings, campaign, db):
    """TRACKER_AS_OF (Settings.as_of) is "today" for targeting, not the machine's clock."""
    from dataclasses import replace
    from datetime import date, timedelta

    from tracker.models import Legislator
    from web import create_app

    lee = db.scalars(select(Legislator).where(Legislator.name == "Alex Lee")).one()
    lee.term_end = date.today() - timedelta(days=1)  # gone by the machine's clock
    db.commit()

    def lookup(settings):  # noqa: ANN001, ANN202
        application = create_app(settings)
        application.config.update(TESTING=True)
        client = application.test_client()
        page = client.post(
            "/act/crisis-ca", data=_form(client, "/act/crisis-ca", **_manual(), action="lookup")
        )
        html = page.get_data(as_text=True)
        application.extensions["tracker.engine"].dispose()
        return html

    assert "Assemblymember Alex Lee" not in lookup(smtp_settings)
    as_of = replace(smtp_settings, as_of=date.today() - timedelta(days=30))
    assert "Assemblymember Alex Lee" in lookup(as_of)
    # The letters go to whom the page showed: submitting uses the same day.
    person = Submission(name="Jordan Rivera", email="jr@example.net", address="", consent_send=True)
    constituent = letters.submit(db, campaign, person, manual_divisions(**FREMONT), as_of)
    assert "Alex Lee" in {letter.legislator.name for letter in constituent.letters}
