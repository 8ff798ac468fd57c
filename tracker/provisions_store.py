"""Store the 988 provisions of each texted bill version (run by the tagging job).

`store_provisions(session, bill_ids)` reads every version of those bills that has an
extracted text, runs tracker.provisions.extract and writes one version_provisions row
per version; a row computed from the same text by the same extractor version is left
alone, so reruns change nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import provisions
from tracker.models import BillVersion
from tracker.models.provisions import VersionProvisions
from tracker.models.tagging import ExtractedText


def store_provisions(
    session: Session, bill_ids: list[str], text_dir: Path | None = None
) -> dict[str, int]:
    """(Re)compute the provisions of the bills' texted versions and commit; row counts.

    The text comes from `extracted_texts`, else from `text_dir/<sha256>.txt` (where the
    collection area keeps it: SCRAPER_CACHE_DIR/text)."""
    counts = {"computed": 0, "unchanged": 0}
    if not bill_ids:
        return counts
    rows = session.execute(
        select(BillVersion, ExtractedText.text)
        .outerjoin(ExtractedText, ExtractedText.sha256 == BillVersion.text_sha256)
        .where(BillVersion.bill_id.in_(bill_ids), BillVersion.text_sha256.is_not(None))
    ).all()
    existing = {
        p.version_id: p
        for p in session.scalars(
            select(VersionProvisions).where(VersionProvisions.bill_id.in_(bill_ids))
        )
    }
    for version, text in rows:
        old = existing.get(version.id)
        if (
            old is not None
            and old.text_sha256 == version.text_sha256
            and old.extractor_version == provisions.EXTRACTOR_VERSION
        ):
            counts["unchanged"] += 1
            continue
        if not text and text_dir is not None:
            path = text_dir / f"{version.text_sha256}.txt"
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
        if not text:
            continue
        data = provisions.extract(text).to_dict()
        row = old or VersionProvisions(version_id=version.id)
        _fill(row, version, data)
        session.add(row)
        counts["computed"] += 1
    session.commit()
    return counts


def _fill(row: VersionProvisions, version: BillVersion, data: dict[str, Any]) -> None:
    flat = provisions.summary(data)
    row.bill_id = version.bill_id
    row.text_sha256 = version.text_sha256 or ""
    row.extractor_version = provisions.EXTRACTOR_VERSION
    row.has_fee = data["fee"] is not None
    row.fee_cents = flat["fee_cents"]
    row.trust_fund = data["trust_fund"] is not None
    row.anti_diversion = data["anti_diversion"] is not None
    row.appropriations_total = flat["appropriations"]
    row.study_only = flat["study_only"]
    row.data = data
