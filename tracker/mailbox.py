"""One key per mailbox, for limits and duplicate checks (no Flask here: web and outreach
both use it)."""

from __future__ import annotations

GMAIL_DOMAINS = ("gmail.com", "googlemail.com")


def normalize_email(address: str) -> str:
    """Case folded, `+tag` dropped, and Gmail's dots and googlemail.com alias folded.

    Gmail ignores dots and tags; other providers may treat dots as significant, so only
    Gmail's are folded.
    """
    address = address.strip().lower()
    local, at, domain = address.rpartition("@")
    if not at:
        return address
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"
