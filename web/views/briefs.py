"""The weekly brief at /briefs: preview, downloads in every format, archive, subscribers.

Everyone in the organization can read and download; advocates can archive a brief and
send it now; admins manage who gets the weekly email. Views parse input and call
outreach.briefs / brief_render / brief_archive; nothing here decides what a brief says.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from outreach.briefs import archive as brief_archive
from outreach.briefs import jobs as brief_jobs
from outreach.briefs import render as brief_render
from outreach.briefs.data import Brief, build_brief, last_full_week, parse_date
from outreach.briefs.models import BriefSubscriber
from tracker.errors import InvalidInput, NotFound
from tracker.jobs import enqueue
from tracker.models import Organization
from web.auth import current_user, has_role, login_required, role_required
from web.db import db, settings
from web.views.common import org_id
from web.views.forms import ArchiveForm, SubscriberForm

bp = Blueprint("briefs", __name__, url_prefix="/briefs")

# The brief preview is a standalone document with inline styles and data: images and no
# scripts; it is shown in a sandboxed iframe of /briefs only.
PREVIEW_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _org() -> Organization:
    return db().get(Organization, org_id())


def _brief() -> Brief:
    """The brief for ?from=&to= (default: last full week in the org's time zone)."""
    org = _org()
    start = parse_date(request.values.get("from"), "from")
    end = parse_date(request.values.get("to"), "to")
    return build_brief(db(), org, start, end, now=settings().now())


def _range_args(brief: Brief) -> dict[str, str]:
    return {"from": brief.start.isoformat(), "to": brief.end.isoformat()}


@bp.route("/")
@login_required
def index():  # noqa: ANN201
    """The brief for a range, with downloads, the archive and subscribers."""
    org = _org()
    brief = _brief()
    previous = last_full_week(org.timezone, settings().now())
    return render_template(
        "briefs/index.html",
        brief=brief,
        org=org,
        formats=brief_render.FORMATS,
        range_args=_range_args(brief),
        last_week={"from": previous[0].isoformat(), "to": previous[1].isoformat()},
        week_to_date={
            "from": (previous[1] + timedelta(days=1)).isoformat(),
            "to": settings().today().isoformat(),
        },
        archive=brief_archive.archived(db(), org),
        subscribers=brief_archive.subscribers(db(), org) if has_role("admin") else [],
        subscriber_form=SubscriberForm(),
        archive_form=ArchiveForm(),
        stage_label=brief_render.stage_label,
        no_changes_text=brief_render.no_changes_text(brief),
        rows_per_topic=brief_render.READING_ROWS_PER_TOPIC,
    )


@bp.route("/view")
@login_required
def view():  # noqa: ANN201
    """The brief itself as HTML (what subscribers get), for the preview frame."""
    html = brief_render.render_html(_brief())
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/download/<fmt>")
@login_required
def download(fmt: str):  # noqa: ANN201
    """The brief as a file in one format."""
    if fmt not in brief_render.FORMATS:
        raise NotFound(f"no brief format {fmt!r}")
    brief = _brief()
    content = brief_render.render(brief, fmt, full=request.args.get("full") == "1")
    return _file(content, fmt, brief_render.filename(brief, fmt))


def _file(content: bytes, fmt: str, filename: str) -> Response:
    response = Response(content, mimetype=brief_render.CONTENT_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/archive", methods=["POST"])
@role_required("advocate")
def archive():  # noqa: ANN201
    """Build the brief for the range and keep it in the archive."""
    form = ArchiveForm()
    if not form.validate_on_submit():
        raise InvalidInput("choose a format to archive")
    brief = _brief()
    fmt = form.fmt.data
    brief_archive.archive_brief(
        db(), _org(), brief.start, brief.end, fmt, brief_render.render(brief, fmt),
        brief_render.filename(brief, fmt), source="manual", user_id=current_user().id,
    )  # fmt: skip
    db().commit()
    flash(f"Archived the {fmt.upper()} brief for {brief.period_label}.")
    return redirect(url_for("briefs.index", **_range_args(brief)))


@bp.route("/archive/<int:archive_id>")
@login_required
def archived_file(archive_id: int):  # noqa: ANN201
    """Download an archived brief exactly as it was built."""
    row = brief_archive.get_archived(db(), _org(), archive_id)
    return _file(row.content, row.format, row.filename)


@bp.route("/send", methods=["POST"])
@role_required("admin")
def send():  # noqa: ANN201
    """Email the brief for the range to the subscribers now (on the briefs queue)."""
    form = FlaskForm()
    if not form.validate_on_submit():
        raise InvalidInput("the form expired; reload the page and try again")
    brief = _brief()
    handle = enqueue(
        settings(),
        brief_jobs.send_weekly_brief,
        org_id(),
        brief.start.isoformat(),
        brief.end.isoformat(),
        queue="briefs",
        network=True,
    )
    if handle.status == "failed":
        flash(f"Sending failed: {handle.error}")
    elif handle.status == "finished" and isinstance(handle.result, dict):
        flash(f"Brief {handle.result.get('status')}: {handle.result.get('sent', 0)} emails sent.")
    else:
        flash("The brief is queued for sending.")
    return redirect(url_for("briefs.index", **_range_args(brief)))


def _posted_range() -> dict[str, str]:
    """The range the page showed when a form on it was posted (back to the same week)."""
    out = {}
    for name in ("from", "to"):
        value = parse_date(request.form.get(name), name)
        if value is not None:
            out[name] = value.isoformat()
    return out


@bp.route("/subscribers", methods=["POST"])
@role_required("admin")
def add_subscriber():  # noqa: ANN201
    """Add an address to the weekly email."""
    form = SubscriberForm()
    back = _posted_range()  # a bad range fails before anything is written
    if not form.validate_on_submit():
        raise InvalidInput("enter an email address")
    sub = brief_archive.subscribe(db(), _org(), form.email.data, form.name.data or "")
    flash(f"{sub.email} will get the weekly brief.")
    return redirect(url_for("briefs.index", **back))


@bp.route("/subscribers/<int:subscriber_id>/delete", methods=["POST"])
@role_required("admin")
def remove_subscriber(subscriber_id: int):  # noqa: ANN201
    """Remove an address from the weekly email."""
    form = FlaskForm()
    if not form.validate_on_submit():
        raise InvalidInput("the form expired; reload the page and try again")
    sub = (
        db()
        .scalars(
            select(BriefSubscriber).where(
                BriefSubscriber.id == subscriber_id, BriefSubscriber.organization_id == org_id()
            )
        )
        .first()
    )
    if sub is None:
        raise NotFound("no such subscriber")
    brief_archive.unsubscribe(db(), _org(), sub.email)
    flash(f"{sub.email} will no longer get the weekly brief.")
    return redirect(url_for("briefs.index", **_posted_range()))
