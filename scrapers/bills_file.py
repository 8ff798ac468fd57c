"""The simple bill import formats: bills-jsonl and bills-csv.

For lists from other trackers or spreadsheets. Status is never taken from the file:
it is derived from the dated actions like for every other source.

bills-jsonl: one JSON object per line:
    {"jurisdiction": "ca", "session": "20232024", "identifier": "AB 308",
     "title": "...", "abstract": "...", "introduced_date": "2025-01-23" | null,
     "actions": [{"date": "2025-01-23", "chamber": "lower", "description": "..."}],
     "sponsors": [{"name": "...", "role": "primary" | "cosponsor", "party": "D" | null}],
     "subjects": ["..."], "source_urls": ["https://..."],
     "versions": [{"note": "Introduced", "url": "https://...", "date": "2025-01-23",
                   "media_type": "application/pdf", "source_doc": "legiscan:2861602",
                   "source_hash": "..."}]}
`versions` is optional; `tracker texts fetch` downloads and extracts each version's text.
Other keys (`status_text`, `retrieved_from`) are ignored. `chamber` is lower, upper,
executive, legislature or null (House/Assembly/Senate/Governor are accepted too).

bills-csv: a header row and one row per bill with columns
    jurisdiction, session, identifier, title, abstract, introduced_date,
    actions, sponsors, subjects, source_urls
where `actions` holds one action per line as `YYYY-MM-DD | chamber | description`,
`sponsors` one per line as `name | role | party`, and `subjects` / `source_urls`
one value per line (or separated by `;`).

A line that does not parse is reported as a Failure (quarantined with its line number)
and the rest of the file still imports.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from scrapers import guard
from scrapers.base import Failure, Scraper
from scrapers.federal import loc_sponsor_name
from tracker.errors import InvalidInput
from tracker.ids import normalize_identifier
from tracker.records import ActionRecord, BillRecord, SourceRef, SponsorRecord, VersionRecord

MAX_TITLE = 2000
MAX_ABSTRACT = 20000
MAX_ACTION = 5000
CSV_COLUMNS = (
    "jurisdiction",
    "session",
    "identifier",
    "title",
    "abstract",
    "introduced_date",
    "actions",
    "sponsors",
    "subjects",
    "source_urls",
)
_CHAMBERS = {
    "lower": "lower",
    "house": "lower",
    "assembly": "lower",
    "upper": "upper",
    "senate": "upper",
    "executive": "executive",
    "governor": "executive",
    "president": "executive",
    "legislature": "legislature",
    "joint": "legislature",
}
_JURISDICTION = re.compile(r"^[a-z]{2}$")


_LOC_NAME = re.compile(r"^(Rep|Sen|Del)\. [^,]+, .+\[[A-Z]-[A-Z]{2}(-\d+)?\]$")


def _text(value: Any, limit: int) -> str:
    text = re.sub(r"\s+", " ", str(value or "")).strip()
    if len(text) > limit:  # past any real field: a corrupt row, not one to cut and store
        raise InvalidInput(f"a text field is {len(text)} characters; limit {limit}")
    return text


def _date(value: Any, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise InvalidInput(f"{field}: not a YYYY-MM-DD date: {value!r}") from exc


def _chamber(value: Any) -> str | None:
    if value in (None, ""):
        return None
    chamber = _CHAMBERS.get(str(value).strip().lower())
    if chamber is None:
        raise InvalidInput(
            f"unknown chamber {value!r} (use lower, upper, executive or legislature)"
        )
    return chamber


def bill_from_mapping(data: Mapping[str, Any], source: str = "bills-jsonl") -> BillRecord:
    """One bill object of the simple format -> BillRecord (InvalidInput names the field)."""
    if not isinstance(data, Mapping):
        raise InvalidInput("each line must be a JSON object")
    jurisdiction = str(data.get("jurisdiction") or "").strip().lower()
    if not _JURISDICTION.match(jurisdiction):
        raise InvalidInput(
            f"jurisdiction must be 'us' or a two-letter state code, got {jurisdiction!r}"
        )
    session = _text(data.get("session"), 80)
    if not session:
        raise InvalidInput("session is required")
    identifier = normalize_identifier(_text(data.get("identifier"), 60))
    actions = []
    for i, item in enumerate(data.get("actions") or []):
        if not isinstance(item, Mapping):
            raise InvalidInput(f"actions[{i}] must be an object")
        when = _date(item.get("date"), f"actions[{i}].date")
        description = _text(item.get("description"), MAX_ACTION)
        if when is None or not description:
            raise InvalidInput(f"actions[{i}] needs a date and a description")
        actions.append(
            ActionRecord(date=when, description=description, chamber=_chamber(item.get("chamber")))
        )
    sponsors = []
    for i, item in enumerate(data.get("sponsors") or []):
        if not isinstance(item, Mapping) or not _text(item.get("name"), 200):
            raise InvalidInput(f"sponsors[{i}] needs a name")
        role = str(item.get("role") or "primary").strip().lower()
        if role not in ("primary", "cosponsor"):
            raise InvalidInput(f"sponsors[{i}].role must be primary or cosponsor, got {role!r}")
        name = _text(item["name"], 200)
        if _LOC_NAME.match(name):
            name = loc_sponsor_name(name)  # "Rep. Sewell, Terri A. [D-AL-7]" as Congress.gov
        sponsors.append(
            SponsorRecord(
                name=name,
                role=role,
                party=_text(item.get("party"), 40) or None,
            )
        )
    urls = [str(u).strip() for u in data.get("source_urls") or [] if str(u).strip()]
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(f"source_urls: not an http(s) URL: {url[:100]!r}")
    versions = []
    for i, item in enumerate(data.get("versions") or []):
        url = str(item.get("url") or "").strip() if isinstance(item, Mapping) else ""
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(f"versions[{i}].url must be an http(s) URL")
        versions.append(
            VersionRecord(
                note=_text(item.get("note"), 300),
                url=url[:500],
                date=_date(item.get("date"), f"versions[{i}].date"),
                media_type=_text(item.get("media_type"), 80) or None,
                source_doc=_text(item.get("source_doc"), 120) or None,
                source_hash=_text(item.get("source_hash"), 64) or None,
            )
        )
    return BillRecord(
        jurisdiction=jurisdiction,
        session=session,
        identifier=identifier,
        versions=versions,
        title=_text(data.get("title"), MAX_TITLE),
        abstract=_text(data.get("abstract"), MAX_ABSTRACT),
        actions=sorted(actions, key=lambda a: a.date),
        sponsors=sponsors,
        subjects=[_text(s, 200) for s in data.get("subjects") or [] if _text(s, 200)],
        introduced_date=_date(data.get("introduced_date"), "introduced_date"),
        url=urls[0] if urls else None,
        sources=[SourceRef(source=source, url=u[:500]) for u in urls[:20]]
        or [SourceRef(source=source)],
    )


def _lines(cell: str) -> list[str]:
    parts = (
        re.split(r"[\r\n]+|;(?=\s*\S)", cell or "")
        if "\n" in (cell or "")
        else ((cell or "").split(";"))
    )
    return [p.strip() for p in parts if p.strip()]


def row_to_mapping(row: Mapping[str, str]) -> dict[str, Any]:
    """A bills-csv row -> the bills-jsonl object shape."""
    actions = []
    for line in re.split(r"[\r\n]+", row.get("actions") or ""):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) != 3:
            raise InvalidInput(
                f"actions: expected 'date | chamber | description', got {line[:80]!r}"
            )
        actions.append({"date": parts[0], "chamber": parts[1] or None, "description": parts[2]})
    sponsors = []
    for line in re.split(r"[\r\n]+", row.get("sponsors") or ""):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + ["", ""]
        sponsors.append(
            {"name": parts[0], "role": parts[1] or "primary", "party": parts[2] or None}
        )
    return {
        "jurisdiction": row.get("jurisdiction"),
        "session": row.get("session"),
        "identifier": row.get("identifier"),
        "title": row.get("title"),
        "abstract": row.get("abstract"),
        "introduced_date": row.get("introduced_date") or None,
        "actions": actions,
        "sponsors": sponsors,
        "subjects": _lines(row.get("subjects") or ""),
        "source_urls": _lines(row.get("source_urls") or ""),
    }


def parse_jsonl(text: str, origin: str = "bills.jsonl") -> Iterator[BillRecord | Failure]:
    """Each line -> BillRecord, or a Failure naming the line and the problem."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            row = guard.expect_mapping(guard.load_json(line, f"line {number}"), f"line {number}")
            yield bill_from_mapping(row, "bills-jsonl")
        except guard.RECORD_ERRORS as exc:
            yield Failure("bills-jsonl", f"line {number}: {exc}", url=where, source_id=where)


def parse_csv(text: str, origin: str = "bills.csv") -> Iterator[BillRecord | Failure]:
    """Each row -> BillRecord, or a Failure naming the row and the problem."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [
        c for c in ("jurisdiction", "session", "identifier") if c not in (reader.fieldnames or [])
    ]
    if missing:
        raise InvalidInput(f"{origin}: CSV header lacks {', '.join(missing)}")
    for number, row in enumerate(reader, start=2):
        where = f"{origin}:{number}"
        try:
            yield bill_from_mapping(row_to_mapping(row), "bills-csv")
        except guard.RECORD_ERRORS as exc:
            yield Failure("bills-csv", f"row {number}: {exc}", url=where, source_id=where)


class BillsJsonlImporter(Scraper):
    """`tracker import --source bills-jsonl FILE` (offline only)."""

    source = "bills-jsonl"
    suffixes = (".jsonl", ".ndjson")

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """Every line of a bills-jsonl file."""
        yield from parse_jsonl(path.read_text(encoding="utf-8"), origin=path.name)


class BillsCsvImporter(Scraper):
    """`tracker import --source bills-csv FILE` (offline only)."""

    source = "bills-csv"
    suffixes = (".csv",)

    def parse_file(
        self, path: Path, *, session: str | None = None, jurisdiction: str | None = None
    ) -> Iterator[Any]:
        """Every row of a bills-csv file."""
        yield from parse_csv(path.read_text(encoding="utf-8-sig"), origin=path.name)
