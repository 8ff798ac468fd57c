"""Prepare testimony for a hearing on a tracked bill: fill a template, export, log it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from outreach import testimony as tk
from outreach.templates import TemplateProblem
from tracker import parity_enforcement as pe
from tracker.models import Bill, BillVersion, Event, EventBill
from tracker.models.provisions import VersionProvisions
from web.auth import current_user, has_role, login_required
from web.db import db, settings
from web.text import version_texts
from web.views.common import org_id
from web.views.forms import TestimonyForm, options

bp = Blueprint("testimony", __name__)


def _load(event_id: int, bill_id: str) -> tuple[Event, Bill]:
    event = db().get(Event, event_id)
    bill = db().get(Bill, bill_id)
    on_agenda = db().scalar(
        select(EventBill.bill_id).where(
            EventBill.event_id == event_id, EventBill.bill_id == bill_id
        )
    )
    if event is None or bill is None or on_agenda is None:
        abort(404)
    return event, bill


def _bill_quote(bill: Bill) -> str:
    """A default quote: the 988 fee or trust-fund clause of the bill's latest text."""
    row = db().scalar(
        select(VersionProvisions)
        .where(VersionProvisions.bill_id == bill.id)
        .order_by(VersionProvisions.version_id.desc())
    )
    for key in ("fee", "trust_fund", "anti_diversion") if row is not None else ():
        found = row.data.get(key)
        if found:
            ev = found.get("imposed") if key == "fee" else found
            if ev:
                return f"“{ev['quote']}” ({ev['section']})"
    return _parity_quote(bill)


def _parity_quote(bill: Bill) -> str:
    """Else the heaviest parity-enforcement element of the bill's latest text, if any."""
    version = db().scalar(
        select(BillVersion)
        .where(BillVersion.bill_id == bill.id, BillVersion.text_sha256.is_not(None))
        .order_by(BillVersion.position.desc(), BillVersion.id.desc())
    )
    if version is None or version.text_sha256 is None:
        return ""
    text = version_texts(settings(), db(), [version.text_sha256]).get(version.text_sha256, "")
    found = pe.elements(text)
    rubric = pe.load_rubric(settings().var_dir)
    ranked = sorted(
        (k for k in rubric.elements if k in found),
        key=lambda k: -int(rubric.elements[k].get("weight", 0)),
    )
    if not ranked:
        return ""
    ev = found[ranked[0]]
    return f"“{ev['quote']}” ({ev['section']})" if ev.get("section") else f"“{ev['quote']}”"


@bp.route("/hearings/<int:event_id>/testimony/<path:bill_id>", methods=["GET", "POST"])
@login_required
def prepare(event_id: int, bill_id: str):  # noqa: ANN201
    event, bill = _load(event_id, bill_id)
    starters = tk.starters()
    form = TestimonyForm()
    form.starter.choices = options((k, s.name or k) for k, s in starters.items())
    if request.method == "GET":
        form.quote.data = _bill_quote(bill)
        link = tk.written_link(db(), org_id(), event)
        form.written_testimony.data = link.url if link else ""
    rendered, problem, status = None, None, 200
    if request.method == "POST":
        if not has_role("advocate"):
            abort(403)
        if form.validate():
            if form.written_testimony.data:
                tk.save_link(db(), org_id(), event, form.written_testimony.data)
                db().commit()
            source = (
                tk.testimony_source(form.body.data)
                if (form.body.data or "").strip()
                else starters.get(form.starter.data) or next(iter(starters.values()))
            )
            values = tk.hearing_values(db(), org_id(), event, bill, form.data)
            try:
                rendered = tk.render_testimony(source, values)
            except TemplateProblem as exc:
                problem, status = str(exc), 400
            action = request.form.get("action", "preview")
            if rendered is not None and action == "docx":
                return Response(
                    tk.to_docx(rendered),
                    mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    headers={"Content-Disposition": "attachment; filename=testimony.docx"},
                )
            if rendered is not None and action == "pdf":
                return Response(
                    tk.to_pdf(rendered),
                    mimetype="application/pdf",
                    headers={"Content-Disposition": "attachment; filename=testimony.pdf"},
                )
            if rendered is not None and action == "log":
                user = current_user()
                meeting = tk.log_testimony(
                    db(),
                    org_id(),
                    user.id if user else None,
                    event,
                    bill,
                    form.speaker.data,
                    form.position.data,
                    form.ask.data,
                    rendered.body,
                )
                db().commit()
                flash("Testimony logged in the meeting log and on the bill.")
                return redirect(url_for("meetings.show", meeting_id=meeting.id))
        else:
            status = 400
    chair, members = tk.committee_members(db(), event)
    return render_template(
        "testimony/prepare.html",
        event=event,
        bill=bill,
        form=form,
        rendered=rendered,
        problem=problem,
        checklist=tk.CHECKLIST,
        chair=chair,
        members=members,
        starters=starters,
    ), status
