"""Compose one letter: the campaign's template rendered for one office, made to read well.

Three things in outreach are called "template"; this module joins them:

- a **letter template** (`LetterTemplate` / `TemplateVersion` rows, `outreach.templates`
  renders them in the sandbox): the advocate's text with merge fields;
- a **starter** (`outreach/starters/*.j2`): a packaged letter template to copy from;
- a **page template** (`web/templates/outreach/*.html`, `outreach/templates/briefs/`):
  Flask/Jinja HTML for the site and the brief, never used for letters.

Rendering is the sandbox's job; `tidy` then fixes what merge fields do to prose: a bill
title ending in "." followed by the template's own period ("procedures.."), and the
blank paragraph left where an optional field was empty. The subject is the campaign's
own when it has one, else the template's.
"""

from __future__ import annotations

import re
from typing import Any

from outreach import templates as tpl
from outreach.models import Campaign, Constituent, TemplateVersion
from outreach.targeting import legislator_fields
from tracker.models import Bill, Legislator, Organization

# A sentence mark followed by a stray period ("procedures..", "now?."), but not an
# ellipsis ("..."): keep the first mark.
_DOUBLED = re.compile(r"(?<!\.)([.!?])\.(?!\.)")
_SPACE_BEFORE_MARK = re.compile(r"[ \t]+([.,;:!?])(?=\s|$)")
_BLANK_RUN = re.compile(r"\n[ \t]*(?:\n[ \t]*)+\n")


def tidy(text: str) -> str:
    """Prose fixes after merging: no doubled periods, no empty paragraphs."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines)
    text = _DOUBLED.sub(r"\1", text)
    text = _SPACE_BEFORE_MARK.sub(r"\1", text)
    text = _BLANK_RUN.sub("\n\n", text)
    return text.strip("\n") + "\n"


def bill_fields(bill: Bill | None) -> dict[str, str]:
    """The `bill` merge fields."""
    if bill is None:
        return {}
    return {
        "identifier": bill.identifier,
        "title": bill.title,
        "status": bill.status.replace("_", " "),
        "url": bill.url or "",
    }


def constituent_fields(constituent: Constituent) -> dict[str, str]:
    """The `constituent` merge fields."""
    return {
        "name": constituent.name,
        "first_name": constituent.name.split()[0] if constituent.name else "",
        "city": constituent.city,
        "state": constituent.state.upper(),
        "story": constituent.story,
        "message": constituent.message,
    }


def letter_values(
    constituent: Constituent,
    legislator: Legislator,
    campaign: Campaign,
    organization: Organization | None,
) -> dict[str, dict[str, Any]]:
    """Every merge field for one letter."""
    return {
        "constituent": constituent_fields(constituent),
        "legislator": legislator_fields(legislator),
        "bill": bill_fields(campaign.bill),
        "organization": {"name": organization.name if organization else ""},
    }


def version_source(
    version: TemplateVersion, campaign: Campaign | None = None
) -> tpl.TemplateSource:
    """A stored version as a TemplateSource, with the campaign's subject when it has one."""
    subject = (campaign.subject if campaign is not None else "") or version.subject
    return tpl.TemplateSource(body=version.body, subject=subject)


def compose(source: tpl.TemplateSource, values: dict[str, dict[str, Any]]) -> tpl.Rendered:
    """Render in the sandbox, then tidy the prose of both parts."""
    rendered = tpl.render(source, values)
    subject = _DOUBLED.sub(r"\1", rendered.subject).strip()
    return tpl.Rendered(subject=subject, body=tidy(rendered.body))


CHANNEL_LABELS = {
    "email": "By email to the office",
    "cwc": "Through Communicating with Congress (the House and Senate system)",
    "form": "On the office's web form (you paste it in)",
    "print": "On paper, delivered by the organization",
    "call": "By phone: your script",
}


def channel_preview(
    channel: str, rendered: tpl.Rendered, legislator: Legislator, constituent: Constituent
) -> str:
    """The letter as it will look in its channel: mail headers, CWC fields, the form's
    text, the printed page's address block, or the call script."""
    name, title = legislator.name, legislator_fields(legislator)["title"]
    if channel == "email":
        return (
            f"To: {name} <{legislator.email}>\nReply-To: {constituent.name} "
            f"<{constituent.email}>\nSubject: {rendered.subject}\n\n{rendered.body}"
        )
    if channel == "cwc":
        return (
            f"Office: {title} {name}\nFrom: {constituent.prefix} {constituent.name}, "
            f"{constituent.address}, {constituent.city}, {constituent.state.upper()} "
            f"{constituent.zip}\nEmail: {constituent.email}\nTopic: Health\n"
            f"Subject: {rendered.subject}\n\n{rendered.body}"
        )
    if channel == "form":
        return f"Subject: {rendered.subject}\n\n{rendered.body}"
    if channel == "print":
        address = next((o.get("address") for o in legislator.offices or [] if o.get("address")), "")
        return f"{title} {name}\n{address}\n\n{rendered.body}".replace("\n\n\n", "\n\n")
    if channel == "call":
        paragraphs = [p for p in rendered.body.split("\n\n") if p.strip()]
        where = f", from {constituent.city}" if constituent.city else ""
        return "\n\n".join(
            [
                f"Hello, I am a constituent calling {title} {legislator.family_name or name}'s "
                f"office. My name is {constituent.name}{where}.",
                *paragraphs[1:3],
                "Thank you for passing this on.",
            ]
        )
    return rendered.body
