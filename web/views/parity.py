"""/parity/<state>: a state's parity-enforcement profile (public), from bill texts.

For each bill of the state with a texted version, the enforcement elements its latest
text states (tracker.parity_enforcement) with quote and section, and the strength grade
from the rubric (default tracker/taxonomy/parity_enforcement.yaml, or the deployment's
VAR_DIR/parity_rubric.yaml) with its reasons.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from tracker import parity_enforcement as pe
from tracker.models import Bill, BillVersion
from web.db import db, settings
from web.text import version_texts

bp = Blueprint("parity", __name__)


@bp.route("/parity/<state>")
def profile(state: str):  # noqa: ANN201
    code = state.strip().lower()
    if not code.isalpha() or len(code) > 3:
        abort(404)
    rubric = pe.load_rubric(settings().var_dir)
    versions = (
        db()
        .execute(
            select(BillVersion, Bill)
            .join(Bill, Bill.id == BillVersion.bill_id)
            .where(Bill.jurisdiction_id == code, BillVersion.text_sha256.is_not(None))
            .order_by(Bill.identifier, BillVersion.position)
        )
        .all()
    )
    latest: dict[str, tuple[BillVersion, Bill]] = {}
    for v, b in versions:
        latest[b.id] = (v, b)  # ordered by position: the last one wins
    texts = version_texts(settings(), db(), [v.text_sha256 for v, _ in latest.values()])
    bills = []
    for v, b in latest.values():
        found = pe.elements(texts.get(v.text_sha256 or "", ""))
        if found:
            bills.append(
                {"bill": b, "version": v, "found": found, "grade": pe.grade(found, rubric)}
            )
    bills.sort(key=lambda r: -r["grade"]["score"])
    return render_template("parity/profile.html", state=code.upper(), bills=bills, rubric=rubric)
