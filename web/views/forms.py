"""Every form of the web app, one convention: a WTForms class here per form a page posts
(Flask-WTF adds the CSRF token), grouped by the page that shows it (views import them from
here; none defines its own). Labels that constituents read are lazily translated.
"""

from __future__ import annotations

from collections.abc import Iterable

import us
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from outreach import letters
from outreach import templates as tpl
from outreach import testimony as tk
from outreach.briefs import render as brief_render
from outreach.channels import CWC_PREFIXES
from outreach.models import POSITIONS as MEETING_POSITIONS
from tracker import corrections
from tracker.accounts import ROLES
from tracker.models import Watchlist
from tracker.models.web import ALERT_KINDS, CHANNELS, FREQUENCIES


def options(pairs: Iterable[tuple[object, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the SelectChoice list WTForms 3.3+ wants (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


POSITIONS = [("monitor", "Monitor"), ("support", "Support"), ("oppose", "Oppose")]
PRIORITIES = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
KIND_LABELS = {
    "status": "Status changes",
    "action": "New actions",
    "hearing": "Hearings scheduled",
    "search": "New bills matching saved searches",
}


class ButtonForm(FlaskForm):
    """A form with only the CSRF token (delete, revoke, retry buttons)."""


class WatchForm(FlaskForm):
    """Add a bill to one of the organization's watchlists."""

    bill_id = HiddenField(validators=[DataRequired(), Length(max=120)])
    watchlist_id = SelectField("Watchlist", coerce=int, validators=[DataRequired()])
    position = SelectField("Position", choices=options(POSITIONS), default="monitor")
    priority = SelectField("Priority", choices=options(PRIORITIES), default="medium")
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])

    @classmethod
    def for_watchlists(cls, watchlists: list[Watchlist], bill_id: str = "") -> WatchForm:
        """A form whose watchlist choices are the organization's lists."""
        form = cls(bill_id=bill_id) if bill_id else cls()
        form.watchlist_id.choices = options([(w.id, w.name) for w in watchlists])
        return form


class WatchlistForm(FlaskForm):
    """Create a watchlist."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])


class EntryForm(FlaskForm):
    """Edit a watchlist entry."""

    position = SelectField("Position", choices=options(POSITIONS))
    priority = SelectField("Priority", choices=options(PRIORITIES))
    owner_id = SelectField("Owner", coerce=int)
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=5000)])


class SaveSearchForm(FlaskForm):
    """Save a bill search to be alerted about new matches."""

    name = StringField("Name for this search", validators=[DataRequired(), Length(max=200)])
    query = HiddenField(validators=[Length(max=2000)])


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (usable without JS)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubscriptionForm(FlaskForm):
    """How the current user wants alerts."""

    channel = SelectField("Send by", choices=options([(c, c.capitalize()) for c in CHANNELS]))
    frequency = SelectField(
        "When",
        choices=options(
            [(f, "As it happens" if f == "immediate" else "Daily digest") for f in FREQUENCIES]
        ),
    )
    kinds = MultiCheckboxField(
        "About",
        choices=options([(k, KIND_LABELS[k]) for k in ALERT_KINDS]),
        default=list(ALERT_KINDS),
    )
    webhook_url = URLField(
        "Webhook URL (for webhooks)",
        validators=[Optional(), URL(require_tld=False), Length(max=500)],
    )

    def validate(self, extra_validators: dict | None = None) -> bool:
        """Field checks, then: webhooks need a URL (Optional() skips empty fields)."""
        ok = super().validate(extra_validators)
        if self.channel.data == "webhook" and not self.webhook_url.data:
            self.webhook_url.errors = [*self.webhook_url.errors, "Enter the URL to POST alerts to."]
            ok = False
        return ok

    def validate_webhook_url(self, field: URLField) -> None:
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError("Use an http(s) URL.")
        if field.data:
            from tracker.alerts import check_webhook_url
            from tracker.errors import InvalidInput

            try:
                check_webhook_url(field.data, resolve=False)
            except InvalidInput as exc:
                raise ValidationError("Use a public address, not one inside this network.") from exc

    def validate_kinds(self, field: MultiCheckboxField) -> None:
        if not field.data:
            raise ValidationError("Pick at least one kind of alert.")


class InviteForm(FlaskForm):
    """Invite someone to the organization."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(
        "Role", choices=options([(r, r.capitalize()) for r in ROLES]), default="viewer"
    )


class UserForm(FlaskForm):
    """Change a team member's role or deactivate them."""

    role = SelectField("Role", choices=options([(r, r.capitalize()) for r in ROLES]))
    active = BooleanField("Active")


class PasswordForm(FlaskForm):
    """Choose a password (invitation acceptance and reset)."""

    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=10, max=200, message="Use 10 to 200 characters.")],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


class AcceptInviteForm(PasswordForm):
    """Accept an invitation: name and password."""

    name = StringField("Your name", validators=[Optional(), Length(max=200)])


class ForgotForm(FlaskForm):
    """Ask for a password-reset link."""

    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])


class TokenForm(FlaskForm):
    """Create an API token."""

    name = StringField("Token name", validators=[DataRequired(), Length(max=100)])


# --- Signing in (web/auth.py) -------------------------------------------------


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


_PLACES = {s.abbr: s for s in [*us.states.STATES_AND_TERRITORIES, us.states.DC]}
STATE_CHOICES = [("", _l("Choose a state"))] + sorted(
    ((abbr, _PLACES[abbr].name) for abbr in {*(s.abbr for s in us.states.STATES), "DC", "PR"}),
    key=lambda choice: choice[1],
)


# --- The public campaign page (/act) (web/views/act.py) -----------------------


class ActForm(FlaskForm):
    """The campaign form: who you are, where you live, your words, your consents."""

    prefix = SelectField(
        _l("Title"),
        choices=options([("", _l("None"))] + [(p, p) for p in CWC_PREFIXES]),
        validators=[Optional()],
        default="",
    )
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    address = StringField(_l("Street address"), validators=[Optional(), Length(max=300)])
    state = SelectField(_l("State"), choices=options(STATE_CHOICES), validators=[Optional()])
    congressional_district = StringField(
        _l("Congressional district"), validators=[Optional(), Length(max=40)]
    )
    upper_district = StringField(
        _l("State senate district"), validators=[Optional(), Length(max=40)]
    )
    lower_district = StringField(
        _l("State house / assembly district"), validators=[Optional(), Length(max=40)]
    )
    city = StringField(_l("City"), validators=[Optional(), Length(max=120)])
    zip_code = StringField(_l("ZIP code"), validators=[Optional(), Length(max=10)])
    message = TextAreaField(
        _l("Your words (this part of the letter is yours to change)"),
        validators=[Optional(), Length(max=letters.LIMITS["message"])],
    )
    story = TextAreaField(
        _l("Your story (optional)"), validators=[Optional(), Length(max=letters.LIMITS["story"])]
    )
    consent_send = BooleanField(_l("Send this letter to my legislators on my behalf"))
    consent_contact = BooleanField(_l("The organization may contact me about this campaign"))
    consent_quote = BooleanField(_l("My story may be quoted (first name and city only)"))
    website = StringField(_l("Leave this field empty"), validators=[Optional()])  # honeypot


# --- Letter templates, campaigns, flagged terms (web/views/campaigns.py) ------


class TemplateForm(FlaskForm):
    name = StringField("Template name", validators=[DataRequired(), Length(max=200)])
    subject = StringField("Subject", validators=[Optional(), Length(max=1000)])
    body = TextAreaField("Letter", validators=[DataRequired(), Length(max=tpl.MAX_SOURCE)])


class CampaignForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    slug = StringField("Web address /act/...", validators=[Optional(), Length(max=100)])
    intro = TextAreaField("Introduction for constituents", validators=[Length(max=5000)])
    template_id = SelectField("Letter template", coerce=int)
    subject = StringField(
        "Subject line (empty = the template's)", validators=[Optional(), Length(max=300)]
    )
    bill_id = StringField("Bill id (e.g. ca-20212022-ab1331)", validators=[Length(max=120)])
    ask = SelectField(
        "Constituents",
        choices=[
            ("write", "Write a letter"),
            ("call", "Call the office (phone numbers and a script)"),
        ],
        default="write",
    )
    target_level = SelectField(
        "Write to",
        choices=options([("state", "State legislators"), ("federal", "Members of Congress"),
                 ("both", "Both")]),
    )  # fmt: skip
    target_chambers = SelectMultipleField(
        "Chambers (none = all)",
        choices=options(
            [("upper", "Senate"), ("lower", "House / Assembly"), ("legislature", "Unicameral")]
        ),
    )
    target_mode = SelectField(
        "Whose offices",
        choices=[("district", "Each constituent's own legislators"),
                 ("committee", "Every member of the committee below"),
                 ("offices", "The offices chosen below")],
        default="district",
    )  # fmt: skip
    target_committee_id = SelectField("Committee (only its members)", coerce=int)
    target_office_ids = SelectMultipleField("Offices", coerce=int, validate_choice=False)
    target_sponsors = SelectField(
        "Sponsors of the bill",
        choices=options([("any", "Sponsors or not"), ("only", "Only sponsors"),
                 ("exclude", "Everyone but sponsors")]),
    )  # fmt: skip
    editable_default = TextAreaField(
        "Starting text of the editable part", validators=[Length(max=5000)]
    )
    title_es = StringField("Title in Spanish (optional)", validators=[Length(max=300)])
    intro_es = TextAreaField("Introduction in Spanish", validators=[Length(max=5000)])
    editable_default_es = TextAreaField(
        "Starting text of the editable part, in Spanish", validators=[Length(max=5000)]
    )
    daily_cap_per_office = IntegerField(
        "Daily cap per office", default=500, validators=[NumberRange(min=1, max=100000)]
    )


class TermForm(FlaskForm):
    phrase = StringField("Phrase to flag", validators=[DataRequired(), Length(max=200)])
    suggestions = StringField("Suggestions (separate with ;)", validators=[Length(max=500)])
    reason = StringField("Why", validators=[Length(max=500)])


# --- Meetings with legislators (web/views/meetings.py) ------------------------


class BillRow(Form):
    bill = StringField("Bill (tracker id or name)", validators=[Optional(), Length(max=200)])
    ask = StringField("Our ask", validators=[Optional(), Length(max=2000)])
    position = SelectField(
        "Their stated position",
        choices=options([(p, p.replace("_", " ")) for p in MEETING_POSITIONS]),
        default="unknown",
    )


class FollowUpRow(Form):
    description = StringField("Follow-up", validators=[Optional(), Length(max=2000)])
    due_date = DateField("Due", validators=[Optional()])
    assignee_id = SelectField("Who", coerce=int, default=0, validate_choice=False)


class MeetingForm(FlaskForm):
    # No class default: the view fills in the deployment's day (`Settings.today`, which
    # follows TRACKER_AS_OF), not the machine's.
    date = DateField("Date", validators=[DataRequired()])
    kind = SelectField(
        "Kind",
        choices=options([("meeting", "Meeting"), ("call", "Call"), ("virtual", "Video call")]),
    )
    location = StringField("Where", validators=[Optional(), Length(max=300)])
    # Checkboxes for the legislators found so far (and those already chosen), never a
    # select over every legislator: `find` narrows it (a POST without JS, live with JS).
    legislator_ids = MultiCheckboxField("Legislators", coerce=int, validate_choice=False)
    find = StringField("Find legislators by name", validators=[Optional(), Length(max=100)])
    staff = TextAreaField(
        "Their staff (one per line: name, title)", validators=[Optional(), Length(max=5000)]
    )
    our_attendees = TextAreaField("Our attendees", validators=[Optional(), Length(max=5000)])
    asks = TextAreaField("Asks", validators=[Optional(), Length(max=10000)])
    outcome = TextAreaField("Outcome", validators=[Optional(), Length(max=10000)])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=10000)])
    bills = FieldList(FormField(BillRow), min_entries=3, max_entries=10)
    follow_ups = FieldList(FormField(FollowUpRow), min_entries=3, max_entries=10)


# --- Testimony drafts (web/views/testimony.py) --------------------------------


class TestimonyForm(FlaskForm):
    starter = SelectField("Starter template", choices=[])
    body = TextAreaField("Template", validators=[Optional(), Length(max=20000)])
    speaker = StringField("Who testifies", validators=[DataRequired(), Length(max=200)])
    position = SelectField("Position", choices=options((p, p) for p in tk.POSITIONS))
    ask = StringField("The ask", validators=[DataRequired(), Length(max=500)])
    facts = TextAreaField("One or two facts, with sources", validators=[Length(max=2000)])
    quote = TextAreaField("A quote from the bill", validators=[Length(max=1000)])
    written_testimony = URLField(
        "Where this committee takes written testimony",
        validators=[Optional(), URL(require_tld=True), Length(max=500)],
    )


# --- Parity-enforcement profiles (web/views/parity.py) --------------------------


class ParityNoteForm(FlaskForm):
    """An organization's private note on a state's parity profile, or on one element."""

    element = SelectField("Note on", choices=[], validate_choice=True)
    body = TextAreaField(
        "Note (private to your organization; leave empty to delete)",
        validators=[Optional(), Length(max=5000)],
    )


# --- The weekly brief (web/views/briefs.py) -----------------------------------


class SubscriberForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[Optional(), Length(max=200)])


class ArchiveForm(FlaskForm):
    fmt = SelectField("Format", choices=options([(f, f.upper()) for f in brief_render.FORMATS]))


# --- Tag corrections (web/views/corrections.py) -------------------------------


class CorrectionForm(FlaskForm):
    """Confirm, reject or add one topic on one bill, with an optional note."""

    topic = SelectField("Topic", validators=[DataRequired()])
    verdict = HiddenField(validators=[DataRequired()])
    note = TextAreaField(
        "Note (optional)", validators=[Optional(), Length(max=corrections.MAX_NOTE)]
    )
    next = HiddenField()

    def with_topics(self, topics: list[tuple[str, str]]) -> CorrectionForm:
        """Offer these (id, label) topics."""
        self.topic.choices = topics
        return self
