"""Topic corrections on the bill page and the organization's review queue (/review).

Views parse the form and call `tracker.corrections`; what a correction means (per
organization, carried up and down the topic tree) lives there.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from tracker import corrections
from tracker.errors import InvalidInput, NotFound
from tracker.tagging_queries import corrections_for
from web import enrich
from web.auth import current_user, has_role, login_required, role_required
from web.db import db
from web.views.common import org_id
from web.views.forms import ButtonForm, CorrectionForm

bp = Blueprint("corrections", __name__)


def panel(bill_id: str, topics: list[enrich.TopicView]) -> dict[str, Any]:
    """What `bills/_corrections.html` shows for one bill and the caller's organization."""
    labels = enrich.topic_labels()
    shown = {t.key for t in topics}
    rows = sorted(
        corrections_for(db(), org_id(), [bill_id]).get(bill_id, {}).values(),
        key=lambda r: r.updated_at,
        reverse=True,
    )
    can_edit = has_role("advocate")
    return {
        "labels": labels,
        "rows": rows,
        "can_edit": can_edit,
        "add_form": CorrectionForm(prefix="add", formdata=None).with_topics(
            [(k, v) for k, v in labels.items() if k not in shown]
        )
        if can_edit
        else None,
        "button": ButtonForm(),
    }


@bp.route("/bills/<path:bill_id>/corrections", methods=["POST"])
@role_required("advocate")
def record(bill_id: str):  # noqa: ANN201
    """Store the member's verdict, then go back to the bill (or the review queue)."""
    prefix = request.form.get("form", "add")
    if prefix not in ("add", "tag"):
        abort(400)
    form = CorrectionForm(prefix=prefix).with_topics(list(enrich.topic_labels().items()))
    back = _back(form.next.data, bill_id)
    if not form.validate():
        problems = "; ".join(
            f"{getattr(form, k).label.text}: {v[0]}" for k, v in form.errors.items()
        )
        flash(f"Correction not saved. {problems}")
        return redirect(back)
    user = current_user()
    try:
        row = corrections.record_correction(
            db(),
            org_id(),
            user.id if user else None,
            bill_id,
            form.topic.data,
            form.verdict.data,
            form.note.data or "",
        )
    except NotFound:
        abort(404)
    except InvalidInput as exc:
        flash(f"Correction not saved. {exc}")
        return redirect(back)
    verb = {"confirm": "Confirmed", "reject": "Rejected", "add": "Added"}[row.verdict]
    flash(f"{verb} {enrich.topic_labels().get(row.topic, row.topic)} for your organization.")
    return redirect(back)


@bp.route("/corrections/<int:correction_id>/undo", methods=["POST"])
@role_required("advocate")
def undo(correction_id: int):  # noqa: ANN201
    """Remove one of the organization's corrections (and what it implied)."""
    if not ButtonForm().validate():
        abort(400)
    try:
        bill_id = corrections.undo_correction(db(), org_id(), correction_id)
    except NotFound:
        abort(404)
    flash("Correction removed; the tagger's call applies again.")
    return redirect(url_for("bills.show", bill_id=bill_id) + "#corrections-h")


def _back(target: str | None, bill_id: str) -> str:
    """Only our own review page or the bill page: never an outside URL."""
    if target and target.startswith("/review") and "//" not in target:
        return target
    return url_for("bills.show", bill_id=bill_id) + "#corrections-h"


@bp.route("/review")
@login_required
def review():  # noqa: ANN201
    """Bills the tagger is least sure about for the organization's topics."""
    labels = enrich.topic_labels()
    topics = corrections.org_topics(db(), org_id())
    wanted = request.args.get("topic", "")
    if wanted and wanted not in labels:
        abort(404)
    items, total = corrections.review_queue(
        db(), org_id(), [wanted] if wanted else topics, limit=100
    )
    forms = {}
    if has_role("advocate"):
        for item in items:
            form = CorrectionForm(prefix="tag", formdata=None).with_topics([(item.topic, "")])
            form.topic.data, form.next.data = item.topic, request.full_path
            forms[(item.bill.id, item.topic)] = form
    return render_template(
        "corrections/review.html",
        items=items,
        total=total,
        labels=labels,
        topics=topics,
        wanted=wanted,
        forms=forms,
    )
