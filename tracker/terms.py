"""Who is in office: a legislator serves on a day inside their term (open ends count).

One home for the rule, used by campaign targeting, the legislator directory and the
meeting form, so a member whose term ended is never listed or written to as current.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, or_

from tracker.models import Legislator


def serving(day: date | None = None) -> ColumnElement[bool]:
    """SQL condition: the legislator's term covers `day` (today by default)."""
    day = day or date.today()
    return and_(
        or_(Legislator.term_start.is_(None), Legislator.term_start <= day),
        or_(Legislator.term_end.is_(None), Legislator.term_end >= day),
    )


def is_serving(legislator: Legislator, day: date | None = None) -> bool:
    """The same rule for one loaded legislator."""
    day = day or date.today()
    starts, ends = legislator.term_start, legislator.term_end
    return (starts is None or starts <= day) and (ends is None or ends >= day)
