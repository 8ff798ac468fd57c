"""Fixtures for the brief tests: an organization tracking the real demo bills."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.briefs.demo_data import track_all
from tracker.accounts import create_org
from tracker.models import Organization

# Mon-Sun weeks chosen from the demo bills' real action dates.
ENACTED_WEEK = ("2024-03-18", "2024-03-24")  # WA HB 1939 approved 2024-03-19
DELIVERED_WEEK = ("2024-03-04", "2024-03-10")  # WA HB 1939 delivered to the governor 03-04
QUIET_WEEK = ("2023-10-02", "2023-10-08")  # no demo bill has an action that week


@pytest.fixture
def org(db: Session) -> Organization:
    """'Demo Coalition' in Los Angeles time, tracking every demo bill."""
    organization = create_org(db, "Demo Coalition", timezone="America/Los_Angeles")
    track_all(db, organization, priority={"wa-202324-hb1939": "high"})
    return organization
