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
    assert codes == [302, 302, 302, 429]
    assert len(db.scalars(select(Constituent)).all()) == 3


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
