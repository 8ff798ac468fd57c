"""Near-copies and model legislation across states: MinHash over word shingles + LSH.

Text is lower-cased, reduced to words, and cut into overlapping 5-word shingles; each
bill's shingle set becomes a 128-permutation MinHash, and an LSH index finds pairs
whose estimated Jaccard similarity is above the threshold without comparing every
pair. The stored similarity is the MinHash estimate (shown as a percentage).

`shared_passages(a, b)` gives the runs of text two documents share (for the page), and
`model_act_matches(text)` says how much of a bill is one of the bundled model acts
(tracker/model_acts/acts.yaml: interstate compacts, from real enacted copies), by exact
shingle containment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

SHINGLE_WORDS = 5
NUM_PERM = 128
DEFAULT_THRESHOLD = 0.5
MIN_SHINGLES = 8  # fewer than this and any overlap is noise (a bare short title)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


MODEL_ACTS_DIR = Path(__file__).with_name("model_acts")
MODEL_ACT_MIN_SHARE = 0.5  # at least half of the model act's shingles are in the bill
PASSAGE_MIN_WORDS = 12


# Printed line numbers opening a line ("12 disorder or co-occurring ...", state PDFs) and
# running page headers ("HB 2064 2") differ between two printings of the same words.
_FURNITURE = re.compile(r"(?m)^[ \t]*(?:\d{1,3}[ \t]+(?=\S)|[A-Z]{1,3} ?\d{1,5} \d{1,3}[ \t]*$)")


def _words(text: str) -> list[str]:
    return _WORD.findall(_FURNITURE.sub(" ", text).lower())


def shingles(text: str, k: int = SHINGLE_WORDS) -> set[str]:
    """The set of k-word shingles of a text (lower-cased, punctuation, printed line
    numbers and page headers dropped)."""
    words = _words(text)
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
    from tracker.models.tagging import SimilarBill

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


def _word_spans(text: str) -> list[tuple[int, int, str]]:
    # Same words as `_words`, with their offsets in `text` (furniture blanked in place).
    blanked = _FURNITURE.sub(lambda m: " " * len(m.group(0)), text).lower()
    return [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(blanked)]


def shared_passages(
    text: str, other: str, min_words: int = PASSAGE_MIN_WORDS, limit: int = 3
) -> list[str]:
    """The longest runs of `text` (as written there) whose every 5-word shingle also
    occurs in `other`, longest first: what two near-copies have in common."""
    theirs = shingles(other)
    words = _word_spans(text)
    k = SHINGLE_WORDS
    runs: list[tuple[int, int]] = []  # word index ranges [i, j)
    start = None
    for i in range(len(words) - k + 1):
        hit = " ".join(w for _, _, w in words[i : i + k]) in theirs
        if hit and start is None:
            start = i
        elif not hit and start is not None:
            runs.append((start, i - 1 + k))
            start = None
    if start is not None:
        runs.append((start, len(words)))
    runs = [r for r in runs if r[1] - r[0] >= min_words]
    runs.sort(key=lambda r: r[0] - r[1])
    return [text[words[i][0] : words[j - 1][1]] for i, j in runs[:limit]]


@dataclass(frozen=True)
class ModelAct:
    """A model act bills copy, with the real text it is recognized by."""

    id: str
    name: str
    reference: str
    source: str
    text: str


@dataclass(frozen=True)
class ModelActMatch:
    """How much of a bill is a model act, and how much of the act the bill holds."""

    act: ModelAct
    bill_share: float  # of the bill's shingles, the share that are the act's
    act_share: float  # of the act's shingles, the share the bill holds

    @property
    def percent(self) -> int:
        """Share of the bill that is the model act, as a whole percentage."""
        return round(100 * self.bill_share)

    @property
    def act_percent(self) -> int:
        """Share of the model act found in the bill, as a whole percentage."""
        return round(100 * self.act_share)


@lru_cache(maxsize=1)
def model_acts() -> tuple[ModelAct, ...]:
    """The bundled model acts (tracker/model_acts/acts.yaml)."""
    import yaml

    rows = yaml.safe_load((MODEL_ACTS_DIR / "acts.yaml").read_text(encoding="utf-8"))
    return tuple(
        ModelAct(
            id=r["id"],
            name=r["name"],
            reference=r["reference"],
            source=r["source"],
            text=(MODEL_ACTS_DIR / r["text"]).read_text(encoding="utf-8"),
        )
        for r in rows
    )


@lru_cache(maxsize=8)
def _act_shingles(act_id: str) -> frozenset[str]:
    act = next(a for a in model_acts() if a.id == act_id)
    return frozenset(shingles(act.text))


def model_act_matches(text: str, min_share: float = MODEL_ACT_MIN_SHARE) -> list[ModelActMatch]:
    """The model acts a bill's text holds (most of the act present), best first."""
    mine = shingles(text or "")
    if len(mine) < MIN_SHINGLES:
        return []
    out = []
    for act in model_acts():
        theirs = _act_shingles(act.id)
        common = len(mine & theirs)
        if theirs and common / len(theirs) >= min_share:
            out.append(ModelActMatch(act, common / len(mine), common / len(theirs)))
    return sorted(out, key=lambda m: -m.act_share)
