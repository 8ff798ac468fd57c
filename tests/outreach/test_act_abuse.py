"""Public campaign abuse and outages (issue #13): plus-addressing and Gmail dots share one
per-email limit; a Redis outage is a 503 asking to retry, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from outreach.models import Constituent
from tests.conftest import csrf_token, free_port
from tests.outreach.test_web_act import _form, _manual, act_app  # noqa: F401 - fixture
from web.limits import normalize_email


@pytest.mark.parametrize(
    "address, key",
    [
        ("Dana+1@Example.org", "dana@example.org"),
        ("dana@example.org", "dana@example.org"),
        ("d.a.n.a+x@googlemail.com", "dana@gmail.com"),
        ("D.ana@gmail.com", "dana@gmail.com"),
        ("d.ana@example.org", "d.ana@example.org"),  # dots matter outside Gmail
        ("not-an-address", "not-an-address"),
    ],
)
def test_addresses_normalize_to_one_mailbox(address: str, key: str) -> None:
    assert normalize_email(address) == key


def _submit(app, email: str, ip: str):  # noqa: ANN001, ANN202
    client = app.test_client()
    env = {"REMOTE_ADDR": ip}
    token = csrf_token(client, "/act/crisis-ca")
    base = {**_form(client, "/act/crisis-ca"), **_manual(), "csrf_token": token, "email": email}
    client.post("/act/crisis-ca", data={**base, "action": "lookup"}, environ_base=env)
    return client.post(
        "/act/crisis-ca",
        data={**base, "action": "submit", "consent_send": "y"},
        environ_base=env,
    )


def test_plus_addressing_does_not_bypass_the_per_email_limit(act_app, smtp, db) -> None:  # noqa: ANN001, F811
    codes = [_submit(act_app, f"dana+{i}@example.org", f"10.0.3.{i}").status_code for i in range(4)]
    # The same mailbox again is a duplicate (400, nothing stored); the limit, keyed on the
    # normalized mailbox, still counts it: the fourth is refused outright.
    assert codes == [302, 400, 400, 429]
    assert len(db.scalars(select(Constituent)).all()) == 1


def test_redis_down_asks_the_constituent_to_retry(smtp_settings, campaign, db) -> None:  # noqa: ANN001
    from web import create_app

    app = create_app(smtp_settings.with_(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    app.config.update(TESTING=True)
    try:
        response = _submit(app, "lee@example.org", "10.0.4.1")
        assert response.status_code == 503
        assert "try again in a minute" in response.get_data(as_text=True)
    finally:
        app.extensions["tracker.engine"].dispose()


def test_one_mailbox_writes_each_office_once_per_campaign(act_app, smtp, db) -> None:  # noqa: ANN001, F811
    from outreach.models import Letter

    first = _submit(act_app, "Sam.Lee@gmail.com", "10.0.5.1")
    assert first.status_code == 302
    again = _submit(act_app, "samlee+again@googlemail.com", "10.0.5.2")
    assert again.status_code == 400
    assert "already written to every office" in again.get_data(as_text=True)
    letters = db.scalars(select(Letter)).all()
    assert len({letter.legislator_id for letter in letters}) == len(letters)


def test_confirmation_emails_are_capped_per_mailbox_per_hour(act_app, smtp, db, campaign) -> None:  # noqa: ANN001, F811
    from outreach import notices
    from tracker.models import utcnow

    db.add_all(
        Constituent(
            organization_id=campaign.organization_id,
            campaign_id=campaign.id,
            name="x",
            email=f"kim+{i}@example.org",
            link_nonce=str(i),
            confirmation_sent_at=utcnow(),
        )
        for i in range(notices.MAX_CONFIRMATIONS_PER_HOUR)
    )
    db.commit()
    assert notices.confirmations_last_hour(db, "KIM@example.org") == 3
    assert notices.confirmations_last_hour(db, "other@example.org") == 0
    response = _submit(act_app, "kim@example.org", "10.0.6.1")
    assert response.status_code == 302
    kim = db.scalars(select(Constituent).where(Constituent.email == "kim@example.org")).one()
    assert kim.confirmation_sent_at is None  # capped: no fourth mail this hour
    assert not [m for m in smtp.messages if "kim@example.org" in str(m["To"])]


def test_reconcile_never_resets_a_letter_a_live_worker_may_hold(act_app, smtp, db) -> None:  # noqa: ANN001, F811
    from datetime import timedelta

    from outreach import delivery, jobs
    from outreach.models import Letter
    from tracker.models import utcnow

    assert jobs._longest_send_job() < delivery.MIN_STALE_SECONDS
    assert _submit(act_app, "ray@example.org", "10.0.7.1").status_code == 302
    letter = db.scalars(select(Letter)).first()
    letter.delivery, letter.state, letter.smtp_phase = "email", "sending", "connect"
    letter.sending_at = utcnow() - timedelta(seconds=60)  # a worker claimed it a minute ago
    db.commit()
    requeued: list[int] = []
    assert delivery.reconcile(db, requeued.append, stale_seconds=0)["requeued"] == 0
    db.refresh(letter)
    assert letter.state == "sending" and requeued == []
    letter.sending_at = utcnow() - timedelta(seconds=delivery.MIN_STALE_SECONDS + 60)
    db.commit()
    assert delivery.reconcile(db, requeued.append, stale_seconds=0)["requeued"] == 1
