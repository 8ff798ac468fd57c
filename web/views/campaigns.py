"""Advocates' side of campaigns: template editor with live preview and language check,
campaign setup, results (letters per office and district, failures, quotable stories),
print batches and CSV. Everything is scoped to the signed-in user's organization.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select

from outreach import campaigns, delivery, hearings
from outreach import templates as tpl
from outreach.jobs import enqueue_confirmation, enqueue_hearing_alert, enqueue_letter
from outreach.language import rules_for_organization
from outreach.models import Campaign, LanguageTerm, LetterTemplate
from tracker.errors import InvalidInput
from tracker.models import Committee, Legislator
from tracker.terms import serving
from web.auth import current_user, login_required, role_required
from web.db import db, settings
from web.views.common import org_id
from web.views.forms import CampaignForm, TemplateForm, TermForm, options

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


def _render(page: str, **context):  # noqa: ANN003, ANN202
    return render_template(page, merge_fields=tpl.MERGE_FIELDS, **context)


def _templates() -> list[LetterTemplate]:
    return list(
        db().scalars(
            select(LetterTemplate)
            .where(LetterTemplate.organization_id == org_id())
            .order_by(LetterTemplate.name)
        )
    )


@bp.route("/")
@login_required
def index():  # noqa: ANN201
    """Campaigns and templates of the organization."""
    campaigns = db().scalars(
        select(Campaign).where(Campaign.organization_id == org_id()).order_by(Campaign.id.desc())
    )
    return _render(
        "outreach/campaigns.html",
        campaigns=list(campaigns),
        templates=_templates(),
        starters=tpl.starter_templates(),
        term_form=TermForm(),
    )


def _check(subject: str, body: str) -> dict:
    """Problems with line numbers, a sample preview, and language findings."""
    source = tpl.TemplateSource(body=(body or "").replace("\r\n", "\n"), subject=subject or "")
    result = tpl.check_template(source, render_sample=False)
    preview = None
    if result.ok:
        try:
            preview = tpl.render(source, tpl.SAMPLE_CONTEXT)
        except tpl.TemplateProblem as exc:
            result.problems.append(exc)
    rules = rules_for_organization(db(), org_id())
    return {
        "problems": [
            {"line": p.line, "part": p.part, "message": p.message} for p in result.problems
        ],
        "preview": {"subject": preview.subject, "body": preview.body} if preview else None,
        "language": [
            {
                "line": f.line,
                "matched": f.matched,
                "suggestions": list(f.suggestions),
                "reason": f.reason,
            }
            for f in rules.check(source.body)
        ],  # fmt: skip
    }


@bp.route("/templates/preview", methods=["POST"])
@role_required("advocate")
def preview():  # noqa: ANN201
    """Live preview for the editor (JSON; the script inserts it as text, never as HTML)."""
    data = request.get_json(silent=True) or {}
    body, subject = str(data.get("body") or ""), str(data.get("subject") or "")
    if len(body) + len(subject) > tpl.MAX_SOURCE:
        return jsonify({"problems": [{"line": None, "part": "body",
                                      "message": "template too long"}]}), 400  # fmt: skip
    return jsonify(_check(subject, body))


@bp.route("/templates/new", methods=["GET", "POST"])
@role_required("advocate")
def template_new():  # noqa: ANN201
    """Write a template, optionally starting from a starter."""
    form = TemplateForm()
    starter = tpl.starter_templates().get(request.args.get("starter", ""))
    if request.method == "GET" and starter:
        form.name.data, form.subject.data, form.body.data = (
            starter.name, starter.subject, starter.body,
        )  # fmt: skip
    check = None
    if form.validate_on_submit():
        source = tpl.TemplateSource(
            body=form.body.data.replace("\r\n", "\n"), subject=form.subject.data or ""
        )
        try:
            template = campaigns.create_template(
                db(), org_id(), form.name.data, source, current_user()
            )
        except tpl.TemplateProblem:
            check = _check(form.subject.data, form.body.data)
        except InvalidInput as exc:
            form.name.errors.append(str(exc))
        else:
            flash(f"Saved template “{template.name}”.")
            return redirect(url_for("campaigns.template_edit", template_id=template.id))
    if form.body.data and check is None:
        check = _check(form.subject.data, form.body.data)
    status = 400 if form.errors or (check and check["problems"]) else 200
    if request.method == "GET":
        status = 200
    return _render("outreach/template_edit.html", form=form, check=check, template=None), status


@bp.route("/templates/<int:template_id>", methods=["GET", "POST"])
@role_required("advocate")
def template_edit(template_id: int):  # noqa: ANN201
    """Edit a template: saving a change makes a new version (letters keep theirs)."""
    template = campaigns.get_template(db(), org_id(), template_id)
    form = TemplateForm()
    if request.method == "GET":
        form.name.data = template.name
        form.subject.data = template.current.subject
        form.body.data = template.current.body
    check = None
    if form.validate_on_submit():
        try:
            version = campaigns.save_version(
                db(), template, form.subject.data or "", form.body.data, current_user()
            )
        except tpl.TemplateProblem:
            check = _check(form.subject.data, form.body.data)
        else:
            flash(f"Saved version {version.number}.")
            return redirect(url_for("campaigns.template_edit", template_id=template.id))
    check = check or _check(form.subject.data, form.body.data)
    status = 400 if request.method == "POST" else 200
    return _render("outreach/template_edit.html", form=form, check=check, template=template), status


def _campaign_form() -> CampaignForm:
    form = CampaignForm()
    form.template_id.choices = options([(t.id, t.name) for t in _templates()])
    committees = db().scalars(select(Committee).order_by(Committee.jurisdiction_id, Committee.name))
    form.target_committee_id.choices = options(
        [(0, "Any committee")]
        + [
            (c.id, f"{c.jurisdiction_id.upper()} {c.chamber or ''} {c.name}".replace("  ", " "))
            for c in committees
        ]
    )
    legislators = db().scalars(
        select(Legislator)
        .where(serving(settings().today()))
        .order_by(Legislator.jurisdiction_id, Legislator.name)
        .limit(5000)
    )
    form.target_office_ids.choices = options(
        (leg.id, f"{leg.jurisdiction_id.upper()} {leg.name}") for leg in legislators
    )
    return form


@bp.route("/new", methods=["GET", "POST"])
@role_required("advocate")
def campaign_new():  # noqa: ANN201
    """Set up a campaign."""
    form = _campaign_form()
    if not form.template_id.choices:
        flash("Write a letter template first.")
        return redirect(url_for("campaigns.template_new"))
    if form.validate_on_submit():
        try:
            template = campaigns.get_template(db(), org_id(), form.template_id.data)
            campaign = campaigns.create_campaign(
                db(),
                org_id(),
                form.title.data,
                template,
                slug=form.slug.data or None,
                intro=form.intro.data or "",
                bill_id=(form.bill_id.data or "").strip() or None,
                target_level=form.target_level.data,
                target_chambers=form.target_chambers.data,
                target_committee_id=form.target_committee_id.data or None,
                target_sponsors=form.target_sponsors.data,
                target_mode=form.target_mode.data,
                target_office_ids=form.target_office_ids.data,
                subject=form.subject.data or "",
                ask=form.ask.data or "write",
                translations={
                    "es": {
                        "title": form.title_es.data or "",
                        "intro": form.intro_es.data or "",
                        "editable_default": form.editable_default_es.data or "",
                    }
                },
                editable_default=form.editable_default.data or "",
                daily_cap_per_office=form.daily_cap_per_office.data,
                user=current_user(),
            )
        except InvalidInput as exc:
            form.title.errors.append(str(exc))
        else:
            flash(f"Campaign is live at /act/{campaign.slug}.")
            return redirect(url_for("campaigns.results", campaign_id=campaign.id))
    status = 400 if form.errors else 200
    return _render("outreach/campaign_new.html", form=form), status


@bp.route("/<int:campaign_id>")
@login_required
def results(campaign_id: int):  # noqa: ANN201
    """Letters per office and per district, failures, and stories that may be quoted."""
    data = campaigns.campaign_results(db(), org_id(), campaign_id)
    upcoming = hearings.hearing_summaries(db(), data["campaign"])
    return _render("outreach/results.html", form=FlaskForm(), hearings=upcoming, **data)


@bp.route("/<int:campaign_id>/status", methods=["POST"])
@role_required("advocate")
def set_status(campaign_id: int):  # noqa: ANN201
    """Open or close a campaign."""
    campaign = campaigns.campaign_for_org(db(), org_id(), campaign_id)
    FlaskForm().validate_on_submit() or abort(400)
    status = request.form.get("status")
    if status not in ("open", "closed"):
        abort(400)
    campaign.status = status
    db().commit()
    return redirect(url_for("campaigns.results", campaign_id=campaign.id))


@bp.route("/<int:campaign_id>/retry", methods=["POST"])
@role_required("advocate")
def retry(campaign_id: int):  # noqa: ANN201
    """Try failed letters (not those with an unknown outcome) and unsent confirmations again."""
    FlaskForm().validate_on_submit() or abort(400)
    letter_ids, people = campaigns.retry_failures(db(), org_id(), campaign_id)
    for letter_id in letter_ids:
        enqueue_letter(settings(), letter_id)
    for constituent_id in people:
        enqueue_confirmation(settings(), constituent_id)
    flash(f"Trying again: {len(letter_ids)} letter(s), {len(people)} confirmation email(s).")
    return redirect(url_for("campaigns.results", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/hearings/<int:event_id>/alert", methods=["POST"])
@role_required("advocate")
def hearing_alert(campaign_id: int, event_id: int):  # noqa: ANN201
    """One click: alert past supporters in the committee members' districts, once."""
    FlaskForm().validate_on_submit() or abort(400)
    try:
        alert = hearings.create_alert(
            db(), org_id(), campaign_id, event_id, getattr(current_user(), "id", None)
        )
    except InvalidInput as exc:
        flash(str(exc))
    else:
        enqueue_hearing_alert(settings(), alert.id)
        flash(f"Hearing alert on its way to {alert.recipients} supporter(s).")
    return redirect(url_for("campaigns.results", campaign_id=campaign_id))


@bp.route("/<int:campaign_id>/letters.csv")
@login_required
def letters_csv(campaign_id: int) -> Response:
    """All confirmed letters as CSV for hand delivery."""
    campaign = campaigns.campaign_for_org(db(), org_id(), campaign_id)
    return Response(
        delivery.letters_csv(db(), org_id(), campaign.id),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{campaign.slug}-letters.csv"'},
    )


@bp.route("/<int:campaign_id>/print/<int:legislator_id>", methods=["POST"])
@role_required("advocate")
def print_batch(campaign_id: int, legislator_id: int) -> Response:
    """A PDF batch of the paper letters to one office (marks them sent)."""
    campaign = campaigns.campaign_for_org(db(), org_id(), campaign_id)
    FlaskForm().validate_on_submit() or abort(400)
    pdf = delivery.print_batch_pdf(db(), org_id(), campaign.id, legislator_id)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{campaign.slug}-{legislator_id}.pdf"'
        },
    )


@bp.route("/language-terms", methods=["POST"])
@role_required("advocate")
def add_term():  # noqa: ANN201
    """Add a phrase to the organization's language list."""
    form = TermForm()
    if form.validate_on_submit():
        phrase = " ".join(form.phrase.data.split())
        exists = (
            db()
            .scalars(
                select(LanguageTerm).where(
                    LanguageTerm.organization_id == org_id(), LanguageTerm.phrase == phrase
                )
            )
            .first()
        )
        if exists is None:
            db().add(
                LanguageTerm(
                    organization_id=org_id(),
                    phrase=phrase,
                    suggestions=[s.strip() for s in (form.suggestions.data or "").split(";")
                                 if s.strip()],
                    reason=form.reason.data or "",
                )
            )  # fmt: skip
            db().commit()
        flash(f"“{phrase}” will be flagged in your templates and letters.")
    else:
        flash("Enter a phrase to flag.")
    return redirect(url_for("campaigns.index"))
