"""How a letter reaches an office, chosen from the office's own data.

- `cwc`: House and Senate offices through Communicating with Congress (`outreach.cwc`),
  when `CWC_URL` is configured, the office has a CWC office code and the constituent
  gave what CWC requires (street address, ZIP, a title such as Ms.).
- `email`: the office publishes an email address.
- `form`: the office publishes only a web contact form (`contact_form` in
  congress-legislators, `email: https://...` in Open States). The constituent completes
  it: the status page gives the text to copy and a link that records the hand-off.
- `print`: everything else; the organization prints a batch (PDF) or a CSV and
  delivers by hand.
- `call`: the campaign asks constituents to call instead of write.

Members of Congress publish no email addresses, so federal letters go by CWC, form or
print. Each letter stores its channel in `letters.delivery`.
"""

from __future__ import annotations

import re

from outreach.models import Campaign, Constituent
from tracker.config import Settings
from tracker.models import Legislator

CHANNELS = ("cwc", "email", "form", "print", "call")
EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
CWC_PREFIXES = ("Mr.", "Ms.", "Mrs.", "Mx.", "Dr.", "Rev.")


def office_email(legislator: Legislator) -> str | None:
    """The office's published email address, if it is one."""
    email = (legislator.email or "").strip()
    return email if EMAIL_RE.match(email) else None


def contact_form(legislator: Legislator) -> str | None:
    """The office's web contact form, if it publishes one."""
    url = (legislator.contact_form_url or "").strip()
    if not url and (legislator.email or "").startswith("http"):
        url = legislator.email.strip()
    return url if url.startswith(("https://", "http://")) else None


def cwc_office_code(legislator: Legislator) -> str | None:
    """The office's CWC code: a `cwc` id when known; House codes follow from the district
    (H + state + two-digit district, 00 at large). Senate codes come only from data."""
    if legislator.jurisdiction_id != "us":
        return None
    for ext in legislator.external_ids or []:
        if ext.scheme == "cwc":
            return ext.value
    if legislator.chamber != "lower" or not legislator.district_ocd_id:
        return None
    found = re.search(r"state:([a-z]{2})(?:/cd:(\d+))?$", legislator.district_ocd_id)
    if not found:
        return None
    return f"H{found.group(1).upper()}{int(found.group(2) or 0):02d}"


def cwc_ready(constituent: Constituent) -> bool:
    """CWC needs a street address, a ZIP and a title (prefix)."""
    return bool(
        constituent.address.strip()
        and re.fullmatch(r"\d{5}(-\d{4})?", constituent.zip or "")
        and constituent.prefix in CWC_PREFIXES
    )


def channel_for(
    legislator: Legislator,
    campaign: Campaign,
    constituent: Constituent,
    settings: Settings | None = None,
) -> tuple[str, str | None]:
    """(channel, recipient) for one letter: recipient is the email, form URL or CWC code."""
    if campaign.ask == "call":
        return "call", None
    code = cwc_office_code(legislator)
    if settings is not None and settings.cwc_url and code and cwc_ready(constituent):
        return "cwc", code
    email = office_email(legislator)
    if email:
        return "email", email
    form = contact_form(legislator)
    if form:
        return "form", form[:254]
    return "print", None
