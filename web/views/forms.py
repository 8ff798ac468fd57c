"""WTForms forms for every POST in the web app (Flask-WTF adds the CSRF token)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
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
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

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
