"""Near-copies and model legislation across states: MinHash over word shingles + LSH.

Text is lower-cased, reduced to words, and cut into overlapping 5-word shingles; each
bill's shingle set becomes a 128-permutation MinHash, and an LSH index finds pairs
whose estimated Jaccard similarity is above the threshold without comparing every
pair. The stored similarity is the MinHash estimate (shown as a percentage).

At scale the index lives in the database, not in one process: each bill's signature
and its LSH band keys are stored (`store_signatures`, only for documents that changed),
and a chunk of bills finds its candidates with one join on the bands (`match_similar`),
so the daily run is jobs of at most SIMILARITY_CHUNK bills that any worker can take.

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
    return text or _title_document(bill.title, bill.abstract)


def _title_document(title: str | None, abstract: str | None) -> str:
    return f"{title or ''}\n{abstract or ''}"


# --- similarity in chunks: stored signatures, LSH bands in the database ----------------
# Any worker can take a chunk of bills: it stores their signatures (only where the
# compared document changed), then finds their near-copies among every stored signature
# through the band index. A pair is found by whichever of its two bills' chunks runs
# second, so chunks need no order; each chunk replaces the rows of its own bills, in
# both directions.

SIMILARITY_CHUNK = 500
SIGNATURE_VERSION = f"s{SHINGLE_WORDS}p{NUM_PERM}"  # a change of shingling re-signs everything


@lru_cache(maxsize=8)
def band_ranges(threshold: float = DEFAULT_THRESHOLD, num_perm: int = NUM_PERM):  # noqa: ANN201
    """datasketch's own bands and rows for this threshold ((start, end) per band), so the
    stored bands find the candidates its in-memory MinHashLSH would."""
    from datasketch import MinHashLSH

    return tuple(MinHashLSH(threshold=threshold, num_perm=num_perm).hashranges)


def _band_keys(hashvalues, ranges) -> list[int]:  # noqa: ANN001 - a numpy uint64 array
    import hashlib

    return [
        int.from_bytes(
            hashlib.blake2b(hashvalues[a:b].tobytes(), digest_size=8).digest(),
            "little",
            signed=True,
        )
        for a, b in ranges
    ]


def store_signatures(
    session: Session, bill_ids: Iterable[str], threshold: float = DEFAULT_THRESHOLD
) -> dict[str, int]:
    """Sign these bills' documents where they changed since they were last signed; commits.

    Unchanged bills cost one look at their newest text's sha256: no text is read.
    """
    import hashlib

    from tracker.models import Bill
    from tracker.models.tagging import BillSignature, SignatureBand
    from tracker.tagging_queries import latest_text_shas, latest_version_texts

    ids = list(dict.fromkeys(bill_ids))
    if not ids:
        return {"signed": 0, "unchanged": 0}
    text_shas = latest_text_shas(session, ids)
    titles = {
        bid: _title_document(title, abstract)
        for bid, title, abstract in session.execute(
            select(Bill.id, Bill.title, Bill.abstract).where(Bill.id.in_(ids))
        )
    }
    keys = {
        bid: f"{SIGNATURE_VERSION}:text:{text_shas[bid]}"
        if bid in text_shas
        else f"{SIGNATURE_VERSION}:title:{hashlib.sha256(doc.encode()).hexdigest()}"
        for bid, doc in titles.items()
    }
    stored = dict(
        session.execute(
            select(BillSignature.bill_id, BillSignature.doc_key).where(
                BillSignature.bill_id.in_(list(keys))
            )
        ).all()
    )
    changed = [bid for bid, key in keys.items() if stored.get(bid) != key]
    if changed:
        texts = latest_version_texts(session, [b for b in changed if b in text_shas])
        ranges = band_ranges(threshold)
        signatures, bands = [], []
        for bid in changed:
            sig = signature(texts[bid][2] if bid in texts else titles[bid])
            values = None if sig is None else sig.hashvalues.astype("<u8")
            signatures.append(
                {
                    "bill_id": bid,
                    "doc_key": keys[bid],
                    "hashvalues": None if values is None else values.tobytes(),
                }
            )
            if values is not None:
                bands += [
                    {"bill_id": bid, "band": i, "key": k}
                    for i, k in enumerate(_band_keys(values, ranges))
                ]
        session.execute(delete(BillSignature).where(BillSignature.bill_id.in_(changed)))
        session.execute(delete(SignatureBand).where(SignatureBand.bill_id.in_(changed)))
        session.execute(BillSignature.__table__.insert(), signatures)
        if bands:
            session.execute(SignatureBand.__table__.insert(), bands)
    session.commit()
    return {"signed": len(changed), "unchanged": len(keys) - len(changed)}


def match_similar(
    session: Session, bill_ids: Iterable[str], threshold: float = DEFAULT_THRESHOLD
) -> set[tuple[str, str]]:
    """Find these bills' near-copies among every stored signature and replace their
    similar-bill rows (both directions); commits. Returns the pairs (a < b) found."""
    import numpy as np
    from sqlalchemy.orm import aliased

    from tracker.models.tagging import BillSignature, SignatureBand, SimilarBill

    targets = sorted(set(bill_ids))
    if not targets:
        return set()
    mine, other = aliased(SignatureBand), aliased(SignatureBand)
    candidates = session.execute(
        select(mine.bill_id, other.bill_id)
        .join(
            other,
            (other.band == mine.band) & (other.key == mine.key) & (other.bill_id != mine.bill_id),
        )
        .where(mine.bill_id.in_(targets))
        .distinct()
    ).all()
    needed = set(targets) | {b for _, b in candidates}
    values = {
        bid: np.frombuffer(raw, dtype="<u8")
        for bid, raw in session.execute(
            select(BillSignature.bill_id, BillSignature.hashvalues).where(
                BillSignature.bill_id.in_(sorted(needed)), BillSignature.hashvalues.is_not(None)
            )
        )
    }
    pairs: dict[tuple[str, str], float] = {}
    for a, b in candidates:
        pair = (a, b) if a < b else (b, a)
        if pair in pairs or a not in values or b not in values:
            continue
        # MinHash.jaccard: the share of equal hash values.
        sim = float(np.count_nonzero(values[a] == values[b])) / len(values[a])
        if sim >= threshold:
            pairs[pair] = sim
    session.execute(
        delete(SimilarBill).where(
            or_(SimilarBill.bill_id.in_(targets), SimilarBill.other_bill_id.in_(targets))
        )
    )
    rows = [
        row
        for (a, b), sim in pairs.items()
        for row in (
            {"bill_id": a, "other_bill_id": b, "similarity": sim},
            {"bill_id": b, "other_bill_id": a, "similarity": sim},
        )
    ]
    if rows:
        session.execute(SimilarBill.__table__.insert(), rows)
    session.commit()
    return set(pairs)


def update_similar_bills(
    session: Session,
    bill_ids: Iterable[str] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    chunk: int = SIMILARITY_CHUNK,
) -> dict[str, int]:
    """Sign every bill (only changed documents are recomputed), then recompute similar
    pairs for `bill_ids` (all bills when None) against every bill, `chunk` bills at a
    time; commits. The fleet runs the same two steps per chunk as jobs
    (`tracker.tasks.update_similarity`)."""
    from tracker.models import Bill

    every = list(session.scalars(select(Bill.id).order_by(Bill.id)))
    for i in range(0, len(every), chunk):
        store_signatures(session, every[i : i + chunk], threshold)
    targets = every if bill_ids is None else sorted(set(bill_ids))
    pairs: set[tuple[str, str]] = set()
    for i in range(0, len(targets), chunk):
        pairs |= match_similar(session, targets[i : i + chunk], threshold)
    return {"bills": len(every), "pairs": len(pairs)}


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
