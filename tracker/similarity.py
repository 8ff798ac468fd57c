"""Near-copies and model legislation across states: MinHash over word shingles + LSH.

Text is lower-cased, reduced to words, and cut into overlapping 5-word shingles; each
bill's shingle set becomes a 128-permutation MinHash, and an LSH index finds pairs
whose estimated Jaccard similarity is above the threshold without comparing every
pair. The stored similarity is the MinHash estimate (shown as a percentage).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

SHINGLE_WORDS = 5
NUM_PERM = 128
DEFAULT_THRESHOLD = 0.5
MIN_SHINGLES = 8  # fewer than this and any overlap is noise (a bare short title)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """The set of k-word shingles of a text (lower-cased, punctuation dropped)."""
    words = _WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def signature(text: str, num_perm: int = NUM_PERM):  # noqa: ANN201 - datasketch.MinHash | None
    """A MinHash of the text's shingles, or None when the text is too short to compare."""
    from datasketch import MinHash

    sh = shingles(text)
    if len(sh) < MIN_SHINGLES:
        return None
    m = MinHash(num_perm=num_perm)
    m.update_batch([s.encode("utf-8") for s in sh])
    return m


@dataclass(frozen=True)
class SimilarPair:
    """Two documents and their estimated Jaccard similarity (a < b)."""

    a: str
    b: str
    similarity: float

    @property
    def percent(self) -> int:
        """Similarity as a whole percentage."""
        return round(100 * self.similarity)


def find_similar(
    docs: Mapping[str, str], threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM
) -> list[SimilarPair]:
    """All pairs of docs whose estimated similarity is at least `threshold`."""
    from datasketch import MinHashLSH

    sigs = {key: sig for key, text in docs.items() if (sig := signature(text, num_perm))}
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for key, sig in sigs.items():
        lsh.insert(key, sig)
    pairs: dict[tuple[str, str], float] = {}
    for key, sig in sigs.items():
        for other in lsh.query(sig):
            if other == key:
                continue
            a, b = sorted((key, other))
            if (a, b) in pairs:
                continue
            sim = sigs[a].jaccard(sigs[b])
            if sim >= threshold:
                pairs[(a, b)] = sim
    return sorted(
        (SimilarPair(a, b, s) for (a, b), s in pairs.items()), key=lambda p: (-p.similarity, p.a)
    )


def bill_document(session: Session, bill) -> str:  # noqa: ANN001
    """What is compared for a bill: its latest full text, else title + abstract."""
    from tracker.tagging_queries import latest_text

    _sha, text = latest_text(session, bill)
    return text or f"{bill.title or ''}\n{bill.abstract or ''}"


def update_similar_bills(
    session: Session,
    bill_ids: Iterable[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, int]:
    """Recompute similar pairs (for `bill_ids`, or all bills) against every bill; commits."""
    from sqlalchemy.orm import selectinload

    from tracker.models import Bill
    from tracker.tagging_models import SimilarBill

    bills = list(session.scalars(select(Bill).options(selectinload(Bill.versions))))
    docs = {b.id: bill_document(session, b) for b in bills}
    targets = set(bill_ids) if bill_ids is not None else set(docs)
    pairs = [p for p in find_similar(docs, threshold) if p.a in targets or p.b in targets]
    session.execute(
        delete(SimilarBill).where(
            or_(SimilarBill.bill_id.in_(targets), SimilarBill.other_bill_id.in_(targets))
        )
    )
    for p in pairs:
        session.add(SimilarBill(bill_id=p.a, other_bill_id=p.b, similarity=p.similarity))
        session.add(SimilarBill(bill_id=p.b, other_bill_id=p.a, similarity=p.similarity))
    session.commit()
    return {"bills": len(docs), "pairs": len(pairs)}
