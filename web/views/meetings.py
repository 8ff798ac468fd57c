"""The meeting log at /meetings: organization-private meetings, follow-ups, timelines, CSV."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from outreach import meetings as log
from tracker.errors import InvalidInput
from tracker.models import Legislator, User
from tracker.terms import serving
from web.auth import current_user, login_required, role_required
from web.db import db, settings
from web.views.common import org_id
from web.views.forms import MeetingForm, options

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


def _render(template: str, **context):  # noqa: ANN003, ANN202
    return render_template(template, **context)


PICKER_LIMIT = 25


def legislator_label(leg: Legislator) -> str:
    """ "Name (CA upper 12)": enough to tell two people of the same name apart."""
    where = " ".join(p for p in (leg.chamber or "", leg.district or "") if p)
    return f"{leg.name} ({leg.jurisdiction_id.upper()}{' ' + where if where else ''})"


def find_legislators(q: str) -> list[Legislator]:
    """Up to PICKER_LIMIT serving legislators whose name contains every word of `q` (a
    former member is not someone to meet as a legislator)."""
    words = [w for w in q.split() if w][:5]
    if not words:
        return []
    stmt = select(Legislator).where(serving())  # former members are not offered
    for word in words:
        stmt = stmt.where(Legislator.name.ilike(f"%{word.replace('%', '').replace('_', '')}%"))
    return list(db().scalars(stmt.order_by(Legislator.name, Legislator.id).limit(PICKER_LIMIT)))


@bp.route("/legislators.json")
@role_required("advocate")
def legislator_search():  # noqa: ANN201
    """Search-as-you-type for the meeting form's legislator picker."""
    q = (request.args.get("q") or "")[:100]
    return {"results": [{"id": m.id, "label": legislator_label(m)} for m in find_legislators(q)]}


def _form() -> MeetingForm:
    form = MeetingForm(date=settings().today())
    chosen = [int(v) for v in request.form.getlist("legislator_ids") if v.isdigit()]
    legislators = list(
        db().scalars(select(Legislator).where(Legislator.id.in_(chosen)).order_by(Legislator.name))
    )
    legislators += [m for m in find_legislators(form.find.data or "") if m.id not in chosen]
    form.legislator_ids.choices = options((leg.id, legislator_label(leg)) for leg in legislators)
    people = db().scalars(
        select(User).where(User.organization_id == org_id(), User.active.is_(True))
    )
    choices = [(0, "Nobody yet")] + [(u.id, u.name or u.email) for u in people]
    for row in form.follow_ups:
        row.form.assignee_id.choices = options(choices)
    return form


@bp.route("/", methods=["GET"])
@login_required
def index():  # noqa: ANN201
    """Meetings, newest first, and open follow-ups."""
    return _render(
        "outreach/meetings.html",
        meetings=log.meetings_for(db(), org_id()),
        follow_ups=log.open_follow_ups(db(), org_id()),
        today=settings().today(),
        form=FlaskForm(),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required("advocate")
def new():  # noqa: ANN201
    """Log a meeting or call."""
    form = _form()
    if "find_submit" in request.form:  # "Search" without JS: show matches, keep the rest
        return _render("outreach/meeting_new.html", form=form)
    if form.validate_on_submit():
        known = {c.value for c in form.legislator_ids.choices}
        staff = []
        for line in (form.staff.data or "").splitlines():
            name, _, title = line.partition(",")
            if name.strip():
                staff.append((name.strip(), title.strip()))
        bills = []
        for row in form.bills.entries:
            text = (row.form.bill.data or "").strip()
            if not text:
                continue
            is_id = "-" in text and " " not in text
            bills.append(
                log.BillDiscussed(
                    bill_id=text if is_id else None,
                    label="" if is_id else text,
                    ask=row.form.ask.data or "",
                    position=row.form.position.data,
                )
            )
        tasks = []
        for row in form.follow_ups.entries:
            if (row.form.description.data or "").strip():
                if row.form.due_date.data is None:
                    row.form.due_date.errors = ["give the follow-up a due date"]
                    return _render("outreach/meeting_new.html", form=form), 400
                tasks.append(
                    log.FollowUpTask(
                        row.form.description.data,
                        row.form.due_date.data,
                        row.form.assignee_id.data or None,
                    )
                )
        data = log.MeetingInput(
            date=form.date.data,
            kind=form.kind.data,
            location=form.location.data or "",
            legislator_ids=[i for i in form.legislator_ids.data if i in known],
            staff=staff,
            our_attendees=form.our_attendees.data or "",
            asks=form.asks.data or "",
            outcome=form.outcome.data or "",
            notes=form.notes.data or "",
            bills=bills,
            follow_ups=tasks,
        )
        try:
            meeting = log.log_meeting(db(), org_id(), data, current_user())
        except InvalidInput as exc:
            form.legislator_ids.errors = [str(exc)]
        else:
            flash("Meeting saved.")
            return redirect(url_for("meetings.show", meeting_id=meeting.id))
    status = 400 if request.method == "POST" else 200
    return _render("outreach/meeting_new.html", form=form), status


@bp.route("/<int:meeting_id>")
@login_required
def show(meeting_id: int):  # noqa: ANN201
    """One meeting."""
    meeting = log.get_meeting(db(), org_id(), meeting_id)
    return _render(
        "outreach/meeting.html", meeting=meeting, form=FlaskForm(), today=settings().today()
    )


@bp.route("/legislator/<int:legislator_id>")
@login_required
def timeline(legislator_id: int):  # noqa: ANN201
    """Every meeting with one legislator, newest first."""
    legislator = db().get(Legislator, legislator_id) or abort(404)
    return _render(
        "outreach/timeline.html",
        legislator=legislator,
        meetings=log.meetings_for(db(), org_id(), legislator_id),
    )


@bp.route("/follow-ups/<int:follow_up_id>/done", methods=["POST"])
@role_required("advocate")
def follow_up_done(follow_up_id: int):  # noqa: ANN201
    """Mark a follow-up done."""
    FlaskForm().validate_on_submit() or abort(400)
    task = log.complete_follow_up(db(), org_id(), follow_up_id)
    flash("Follow-up done.")
    return redirect(url_for("meetings.show", meeting_id=task.meeting_id))


@bp.route("/export.csv")
@login_required
def export() -> Response:
    """All of the organization's meetings as CSV."""
    return Response(
        log.meetings_csv(db(), org_id()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="meetings.csv"'},
    )
