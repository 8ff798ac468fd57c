"""Public campaign pages: /act/<slug> (find my legislators, write, consent), confirmation
by email, and the constituent's own data page (download, delete).

Abuse controls: CSRF on every form, a honeypot field, per-IP and per-email rate limits
(Flask-Limiter), size limits on every field, and nothing is sent before the person
confirms from their inbox. The honeypot answers exactly like a real submission so bots
learn nothing, but stores and sends nothing.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeTimedSerializer

from outreach import campaigns, compose, constituents, handoff, hearings, letters, notices
from outreach import templates as tpl
from outreach.channels import channel_for
from outreach.geocode import DistrictMatch, Located, WhereInput, locate
from outreach.jobs import enqueue_confirmation, enqueue_letter
from outreach.language import rules_for_organization
from outreach.models import Constituent
from outreach.targeting import legislator_fields, plan
from tracker.errors import InvalidInput
from tracker.models import Organization
from web.db import db, settings
from web.i18n import campaign_text
from web.limits import limiter, normalize_email
from web.views.forms import ActForm

bp = Blueprint("act", __name__, url_prefix="/act")

# Per IP: lookups and submissions together. Per email: submissions only.
IP_LIMIT = "20 per minute;100 per hour"
EMAIL_LIMIT = "3 per hour;10 per day"


def _email_key() -> str:
    return "email:" + normalize_email(request.form.get("email") or "")[:254]


def _not_submit() -> bool:
    return request.method != "POST" or request.form.get("action") != "submit"


def _where(form: ActForm) -> Located:
    """The form's place fields, looked up by `outreach.geocode.locate`."""
    return locate(
        settings(),
        db(),
        WhereInput(
            address=form.address.data or "",
            state=form.state.data or "",
            congressional_district=form.congressional_district.data or "",
            upper_district=form.upper_district.data or "",
            lower_district=form.lower_district.data or "",
            city=form.city.data or "",
            zip_code=form.zip_code.data or "",
            zip_choice=request.form.get("zip_choice", ""),
        ),
    )


def _where_key(form: ActForm) -> list[str]:
    """What the districts were looked up from; a change means look them up again."""
    return [
        " ".join((f.data or "").split()).lower()
        for f in (
            form.address,
            form.state,
            form.congressional_district,
            form.upper_district,
            form.lower_district,
            form.zip_code,
        )
    ] + [request.form.get("zip_choice", "")]


def _remember(slug: str, match: DistrictMatch, form: ActForm) -> None:
    session["act"] = {
        "slug": slug,
        "key": _where_key(form),
        "state": match.state,
        "division_ids": match.division_ids,
        "city": match.city,
        "zip": match.zip,
        "source": match.source,
    }


def _recall(slug: str, form: ActForm) -> DistrictMatch | None:
    data = session.get("act")
    if not data or data.get("slug") != slug or data.get("key") != _where_key(form):
        return None
    return DistrictMatch(
        state=data["state"],
        city=data.get("city", ""),
        zip=data.get("zip", ""),
        source=data.get("source", "manual"),
        division_ids=list(data.get("division_ids") or []),
    )


@bp.route("/<slug>", methods=["GET", "POST"])
@limiter.limit(IP_LIMIT, methods=["POST"])
@limiter.limit(EMAIL_LIMIT, key_func=_email_key, methods=["POST"], exempt_when=_not_submit)
def campaign_page(slug: str):  # noqa: ANN201
    """Step 1: who and where. Step 2: their legislators, the letter, story, consents."""
    campaign = campaigns.open_campaign(db(), slug)
    organization = db().get(Organization, campaign.organization_id)
    form = ActForm()
    if request.method == "GET":
        form.message.data = campaign_text(campaign, "editable_default")
        return _page(campaign, organization, form, step=1)
    action = request.form.get("action", "lookup")
    if not form.validate_on_submit():
        return _page(campaign, organization, form, step=1, status=400)
    if form.website.data:
        # Honeypot filled: a bot. Answer as a real submission does (a redirect to a status
        # page saying the confirmation went out); store and send nothing.
        return redirect(url_for("act.status", token=_decoy_token(slug, form.email.data)))
    match = _recall(slug, form)
    if action == "lookup" or match is None:
        located = _where(form)
        match = located.match
        if match is None:
            return _page(
                campaign,
                organization,
                form,
                step=1,
                problem=located.problem,
                pickers=located.show_pickers,
                zip_options=located.zip_options,
                status=400,
            )
        _remember(slug, match, form)
        return _page(campaign, organization, form, step=2, match=match)
    submission = letters.Submission(
        name=form.name.data,
        email=form.email.data,
        address=form.address.data or "",
        message=form.message.data or "",
        story=form.story.data or "",
        consent_send=form.consent_send.data,
        consent_contact=form.consent_contact.data,
        consent_quote=form.consent_quote.data,
        prefix=form.prefix.data or "",
        language=str(get_locale() or "en"),
    )
    try:
        constituent = letters.submit(db(), campaign, submission, match, settings())
    except InvalidInput as exc:
        return _page(
            campaign, organization, form, step=2, match=match, problem=exc.args[0], status=400
        )
    session.pop("act", None)
    # Embedded mode sends now; with RQ a worker does. Either way the status page reads
    # what happened from the constituent row, so it never claims a mail went out that
    # did not.
    enqueue_confirmation(settings(), constituent.id)
    token = constituents.link_token(settings().secret_key, constituent, "data")
    return redirect(url_for("act.status", token=token))


def _page(
    campaign,  # noqa: ANN001
    organization: Organization,
    form: ActForm,
    *,
    step: int,
    match: DistrictMatch | None = None,
    problem: str | None = None,
    pickers: bool = False,
    zip_options: list[tuple[str, str]] | None = None,
    status: int = 200,
):  # noqa: ANN202
    targeting = (
        plan(db(), campaign, match.division_ids, match.state, day=settings().today())
        if match
        else None
    )
    chosen = targeting.legislators if targeting else []
    preview = None
    findings = []
    channels: dict[str, dict] = {}
    office_channels: dict[int, str] = {}
    if chosen:
        constituent_values = {
            "name": form.name.data or "",
            "first_name": (form.name.data or "").split(" ")[0],
            "city": match.city,
            "state": match.state.upper(),
            "story": form.story.data or "",
            "message": form.message.data or campaign.editable_default,
        }
        values = {
            "constituent": constituent_values,
            "legislator": legislator_fields(chosen[0]),
            "bill": compose.bill_fields(campaign.bill),
            "organization": {"name": organization.name},
        }
        person = Constituent(
            name=form.name.data or "",
            email=form.email.data or "",
            address=form.address.data or "",
            city=match.city,
            state=match.state,
            zip=match.zip,
            prefix=form.prefix.data or "",
        )
        try:
            source = compose.version_source(campaign.template.current, campaign)
            preview = compose.compose(source, values)
            for leg in chosen:
                channel, _ = channel_for(leg, campaign, person, settings())
                office_channels[leg.id] = channel
                if channel in channels:
                    continue
                rendered = compose.compose(source, {**values, "legislator": legislator_fields(leg)})
                channels[channel] = {
                    "label": compose.CHANNEL_LABELS[channel],
                    "to": leg,
                    "text": compose.channel_preview(channel, rendered, leg, person),
                }
        except tpl.TemplateProblem as exc:
            problem = f"This campaign's letter has a problem: {exc}"
        rules = rules_for_organization(db(), campaign.organization_id)
        findings = rules.check(form.message.data or "") + rules.check(form.story.data or "")
    return (
        render_template(
            "outreach/act.html",
            campaign=campaign,
            organization=organization,
            form=form,
            step=step if chosen or step == 1 else 1,
            legislators=[(leg, legislator_fields(leg)) for leg in chosen],
            match=match,
            preview=preview,
            channel_previews=channels,
            office_channels=office_channels,
            channel_names=constituents.CHANNEL_NAMES,
            findings=findings,
            targeting=targeting,
            problem=problem
            or (
                (targeting.out_of_state or "This campaign has no letters for your districts.")
                if match and not chosen
                else None
            ),
            pickers=pickers or bool(form.state.data),
            zip_options=zip_options or [],
        ),
        status if (chosen or step == 1) else 400,
    )


DECOY_SALT = "act-decoy"


def _decoy_token(slug: str, email: str) -> str:
    """A signed status link for a honeypot submission: it names no stored row."""
    return URLSafeTimedSerializer(settings().secret_key, salt=DECOY_SALT).dumps(
        {"s": slug, "e": email[:254]}
    )


def _decoy(token: str) -> dict | None:
    """The honeypot submission a status token stands for, or None for a real token."""
    try:
        data = URLSafeTimedSerializer(settings().secret_key, salt=DECOY_SALT).loads(
            token, max_age=constituents.DATA_MAX_AGE
        )
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def _decoy_status(decoy: dict, token: str):  # noqa: ANN202
    """The status page a real submitter sees right after the confirmation email went out."""
    campaign = campaigns.open_campaign(db(), str(decoy.get("s")))
    person = SimpleNamespace(
        email=str(decoy.get("e", "")), confirmed_at=None, confirmation_retry_at=None
    )
    return render_template(
        "outreach/act_status.html",
        constituent=person,
        campaign=campaign,
        confirmation="sent",
        letters=[],
        token=token,
        form=FlaskForm(),
        call_outcomes=handoff.CALL_OUTCOMES,
    )


@bp.route("/status/<token>")
@limiter.limit(IP_LIMIT)
def status(token: str):  # noqa: ANN201
    """Your letters: was the confirmation sent, and each letter's channel and state."""
    decoy = _decoy(token)
    if decoy is not None:
        return _decoy_status(decoy, token)
    constituent = constituents.constituent_from_token(db(), settings().secret_key, token, "data")
    if notices.confirmation_due(constituent):
        # The wait after a failed try is over: coming back to this page tries again.
        enqueue_confirmation(settings(), constituent.id)
        db().refresh(constituent)
    return render_template(
        "outreach/act_status.html",
        constituent=constituent,
        campaign=constituent.campaign,
        confirmation=notices.confirmation_state(constituent),
        letters=constituents.letter_statuses(constituent),
        token=token,
        form=FlaskForm(),
        call_outcomes=handoff.CALL_OUTCOMES,
    )


@bp.route("/status/<token>/form/<int:letter_id>")
@limiter.limit(IP_LIMIT)
def open_form(token: str, letter_id: int):  # noqa: ANN201
    """Record that the office's web form was opened, then go there."""
    constituent = constituents.constituent_from_token(db(), settings().secret_key, token, "data")
    letter = handoff.own_letter(constituent, letter_id, "form")
    try:
        return redirect(handoff.form_opened(db(), letter))
    except InvalidInput as exc:
        abort(400, str(exc))


@bp.route("/status/<token>/form/<int:letter_id>", methods=["POST"])
@limiter.limit(IP_LIMIT)
def form_sent(token: str, letter_id: int):  # noqa: ANN201
    """The constituent reports sending the office's form."""
    constituent = constituents.constituent_from_token(db(), settings().secret_key, token, "data")
    FlaskForm().validate_on_submit() or _csrf_failed()
    try:
        handoff.form_sent(db(), handoff.own_letter(constituent, letter_id, "form"))
    except InvalidInput as exc:
        abort(400, str(exc))
    return redirect(url_for("act.status", token=token))


@bp.route("/status/<token>/call/<int:letter_id>", methods=["POST"])
@limiter.limit(IP_LIMIT)
def call_outcome(token: str, letter_id: int):  # noqa: ANN201
    """The caller reports how the call went: reached staff, voicemail, busy."""
    constituent = constituents.constituent_from_token(db(), settings().secret_key, token, "data")
    FlaskForm().validate_on_submit() or _csrf_failed()
    letter = handoff.own_letter(constituent, letter_id, "call")
    try:
        handoff.record_call(db(), letter, request.form.get("outcome", ""))
    except InvalidInput as exc:
        abort(400, str(exc))
    return redirect(url_for("act.status", token=token))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@limiter.limit(IP_LIMIT, methods=["POST"])
def unsubscribe(token: str):  # noqa: ANN201
    """Stop hearing alerts and other contact from this campaign (a button, for scanners)."""
    constituent = constituents.constituent_from_token(
        db(), settings().secret_key, token, "unsubscribe"
    )
    done = False
    if request.method == "POST":
        FlaskForm().validate_on_submit() or _csrf_failed()
        hearings.unsubscribe(db(), constituent)
        done = True
    return render_template(
        "outreach/act_unsubscribe.html",
        constituent=constituent,
        campaign=constituent.campaign,
        done=done or constituent.contact_unsubscribed_at is not None,
        form=FlaskForm(),
    )


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(IP_LIMIT, methods=["POST"])
def confirm(token: str):  # noqa: ANN201
    """Show the letters; the POST (a button, so link scanners confirm nothing) sends them."""
    constituent = constituents.constituent_from_token(db(), settings().secret_key, token, "confirm")
    rules = rules_for_organization(db(), constituent.organization_id)
    if request.method == "POST":
        FlaskForm().validate_on_submit() or _csrf_failed()
        ids = letters.confirm(db(), constituent)
        for letter_id in ids:
            enqueue_letter(settings(), letter_id)
        return render_template(
            "outreach/act_confirmed.html",
            constituent=constituent,
            data_token=constituents.link_token(settings().secret_key, constituent, "data"),
        )
    findings = rules.check(constituent.message) + rules.check(constituent.story)
    return render_template(
        "outreach/act_confirm.html",
        constituent=constituent,
        form=FlaskForm(),
        findings=findings,
        data_token=constituents.link_token(settings().secret_key, constituent, "data"),
    )


def _csrf_failed() -> None:
    from flask import abort

    abort(400, "The form expired; reload the page and try again.")


@bp.route("/my-data/<token>")
def my_data(token: str):  # noqa: ANN201
    """Everything we hold about you, with download and delete."""
    constituent = constituents.constituent_from_token(db(), settings().secret_key, token, "data")
    return render_template(
        "outreach/act_my_data.html",
        constituent=constituent,
        data=constituents.export_data(constituent),
        token=token,
        form=FlaskForm(),
    )


@bp.route("/my-data/<token>/download")
def my_data_download(token: str) -> Response:
    """Your data as a JSON file."""
    constituent = constituents.constituent_from_token(db(), settings().secret_key, token, "data")
    body = json.dumps(constituents.export_data(constituent), indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-letter-data.json"'},
    )


@bp.route("/my-data/<token>/delete", methods=["POST"])
@limiter.limit(IP_LIMIT)
def my_data_delete(token: str):  # noqa: ANN201
    """Delete your data and any letter not yet sent."""
    constituent = constituents.constituent_from_token(db(), settings().secret_key, token, "data")
    FlaskForm().validate_on_submit() or _csrf_failed()
    count = constituents.delete_data(db(), constituent)
    return render_template("outreach/act_deleted.html", count=count)
