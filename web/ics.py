"""A minimal iCalendar (RFC 5545) writer for hearing calendars: escaped, folded, CRLF."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def escape_text(value: str) -> str:
    """Escape a TEXT value (backslash, semicolon, comma, newlines)."""
    return (
        (value or "")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets, never splitting a UTF-8 character."""
    out: list[str] = []
    current, size = "", 0
    limit = 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def _stamp(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, rows: list[tuple[Any, Any]], host: str) -> str:
    """A VCALENDAR with one VEVENT per (event, bill) row; events with several bills merge."""
    events: dict[int, tuple[Any, list[Any]]] = {}
    for event, bill in rows:
        events.setdefault(event.id, (event, []))[1].append(bill)
    now = _stamp(datetime.now(UTC))
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//mh-policy-tracker//hearings//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event, bills in events.values():
        bill_names = ", ".join(f"{b.jurisdiction_id.upper()} {b.identifier}" for b in bills)
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{event.id}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_stamp(event.start)}",
            f"SUMMARY:{escape_text(f'{event.name} ({bill_names})')}",
        ]
        if event.location:
            lines.append(f"LOCATION:{escape_text(event.location)}")
        # A cancelled hearing stays in the feed as CANCELLED so subscribed calendars drop it.
        status = getattr(event, "status", None)
        lines.append("STATUS:CANCELLED" if status == "cancelled" else "STATUS:CONFIRMED")
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description[:2000])}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
