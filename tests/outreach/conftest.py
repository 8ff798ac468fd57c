"""Outreach fixtures: real legislators, a campaign, an SMTP server on loopback."""

from __future__ import annotations

import pytest

from outreach import campaigns, templates
from tests.conftest import free_port
from tests.outreach.people import load_people
from tests.outreach.smtp import start_smtp


@pytest.fixture
def smtp(settings, monkeypatch):  # noqa: ANN001, ANN201
    """(handler, settings pointing at it): aiosmtpd on a free loopback port."""
    port = free_port()
    controller, handler = start_smtp(port)
    monkeypatch.setenv("SMTP_PORT", str(port))
    yield handler
    controller.stop()


@pytest.fixture
def smtp_settings(settings, smtp):  # noqa: ANN001, ANN201
    """Settings whose SMTP port is the test server's."""
    import os

    return settings.with_(smtp_port=int(os.environ["SMTP_PORT"]))


@pytest.fixture
def people(db) -> dict[str, int]:  # noqa: ANN001
    """Real CA legislators and Sen. Schiff from Open States YAML, ingested."""
    return load_people(db)


@pytest.fixture
def org(db):  # noqa: ANN001, ANN201
    from tracker.accounts import create_org

    return create_org(db, "Bay Area Mental Health Coalition")


@pytest.fixture
def campaign(db, org, people, bill):  # noqa: ANN001, ANN201
    """A state-legislature campaign in CA about AB 1331 using the 988 starter."""
    starter = templates.starter_templates()["support-988-funding"]
    template = campaigns.create_template(db, org.id, "988 letter", starter)
    return campaigns.create_campaign(
        db,
        org.id,
        "Fund crisis services",
        template,
        slug="crisis-ca",
        bill_id=bill.id,
        target_level="state",
        editable_default="Please vote yes.",
    )


FREMONT = {
    "state": "CA",
    "congressional_district": "17",
    "upper_district": "10",
    "lower_district": "24",
    "city": "Fremont",
    "zip_code": "94538",
}


@pytest.fixture
def bill(db):  # noqa: ANN001, ANN201
    """CA AB 1331 (2021-22), from the demo corpus line copied to tests/fixtures/demo_bills."""
    import json

    from scrapers.bills_file import bill_from_mapping
    from tests.conftest import FIXTURES
    from tracker.ingest import ingest
    from tracker.models import Bill

    line = (FIXTURES / "demo_bills" / "ca-ab1331.jsonl").read_text().strip()
    ingest(db, [bill_from_mapping(json.loads(line))])
    return db.query(Bill).one()
