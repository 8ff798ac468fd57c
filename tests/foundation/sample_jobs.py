"""Job functions used to exercise the runner (importable by dotted path, like real jobs)."""

from __future__ import annotations

from sqlalchemy import func, select

from tracker.db import session_scope
from tracker.jobs import job_settings
from tracker.models import Organization


def add_org(name: str) -> dict:
    """Create an organization row in the job's database and report the count."""
    with session_scope(job_settings()) as session:
        session.add(Organization(name=name, slug=name.lower()))
        session.commit()
        return {"orgs": session.scalar(select(func.count()).select_from(Organization))}


def fail(reason: str) -> None:
    """Always fails, so failure handling can be seen."""
    raise RuntimeError(reason)
