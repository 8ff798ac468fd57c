"""The second opinion: a small statistical classifier beside the rule tagger.

TF-IDF word 1-2-grams of a bill's title, abstract and subjects and one logistic
regression per core topic (scikit-learn, CPU only, trains in well under a second),
trained on the labeled bills the project ships (`tracker/taxonomy/labeled_*.jsonl`, a
copy of shared/fixtures/tagging) plus the organization's own verdicts
(`tracker.corrections.confirmed_labels`).

It never changes a tag. Where it disagrees with the rules (it is sure a topic applies
that the rules did not assign, or sure it does not apply where they did), the bill goes
on that organization's review queue with the words that pushed it hardest as the
reason ("peer specialist", "loan repayment"). Evidence quotes stay the rule tagger's.

Models are versioned like the taxonomy: `<taxonomy version>+clf.<12 hex>` where the hex
is a hash of the training rows and settings, so the same data gives the same version
and `tracker tag train` skips the work. The model is stored in the database
(`tagger_models`, zlib-compressed JSON of the vocabulary, idf and coefficients: no
pickles, a few hundred KB). A new model rewrites exactly the stored opinions whose
outcome changed (`score_for_org`); the rules are not re-run.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from tracker.models import Bill, Organization, utcnow
from tracker.models.tagging import BillTopic, SecondOpinion, TaggerModel, TopicCorrection

LABELED = (
    Path(__file__).parent / "taxonomy" / "labeled_dev.jsonl",
    Path(__file__).parent / "taxonomy" / "labeled_hard_negatives.jsonl",
)
TOPICS = ("parity", "crisis", "workforce")
SETTINGS = {"ngram_range": [1, 2], "min_df": 1, "sublinear_tf": True, "C": 4.0}
# The classifier disagrees when it is this sure against the rules' call.
SURE_YES = 0.7
SURE_NO = 0.2
TOP_FEATURES = 3
KEEP_MODELS = 3  # per organization; older ones are deleted


@dataclass(frozen=True)
class Example:
    """One training bill: its text and the topics known to apply or not."""

    id: str
    text: str
    labels: dict[str, bool]


def bill_text(title: str | None, abstract: str | None, subjects: Iterable[str] = ()) -> str:
    """The text the classifier reads: what the bill says about itself."""
    return " ".join(p for p in (title or "", abstract or "", "; ".join(subjects)) if p)


def shipped_examples() -> list[Example]:
    """The hand-labeled bills the project ships (labels for every core topic)."""
    out = []
    for path in LABELED:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append(example_from_row(row))
    return out


def example_from_row(row: dict[str, Any]) -> Example:
    """A labeled JSON row ({"id", "title", "abstract", "topics"}) as an Example."""
    topics = set(row.get("topics") or [])
    return Example(
        id=str(row["id"]),
        text=bill_text(row.get("title"), row.get("abstract"), row.get("subjects") or []),
        labels={t: t in topics for t in TOPICS},
    )


def correction_examples(session: Session, org_id: int) -> list[Example]:
    """The organization's direct verdicts on core topics as training rows."""
    from tracker.corrections import confirmed_labels

    labels: dict[str, dict[str, bool]] = {}
    for bill_id, topic, present in confirmed_labels(session, org_id):
        if topic in TOPICS:
            labels.setdefault(bill_id, {})[topic] = present
    if not labels:
        return []
    bills = session.scalars(
        select(Bill).where(Bill.id.in_(list(labels))).options(selectinload(Bill.subjects))
    )
    return [
        Example(
            id=b.id,
            text=bill_text(b.title, b.abstract, [s.subject for s in b.subjects]),
            labels=labels[b.id],
        )
        for b in bills
    ]


# --------------------------------------------------------------------- the model


@dataclass
class Model:
    """A fitted classifier: vocabulary, idf and one linear model per topic."""

    version: str
    vocabulary: dict[str, int]
    idf: list[float]
    coef: dict[str, list[float]]
    intercept: dict[str, float]
    settings: dict[str, Any] = field(default_factory=lambda: dict(SETTINGS))
    training: dict[str, Any] = field(default_factory=dict)
    _vectorizer: Any = field(default=None, repr=False, compare=False)

    def vectorizer(self) -> Any:
        """The fitted TfidfVectorizer rebuilt from the stored vocabulary and idf."""
        if self._vectorizer is None:
            import numpy as np

            vec = _new_vectorizer(self.settings, vocabulary=self.vocabulary)
            vec.idf_ = np.asarray(self.idf)
            self._vectorizer = vec
        return self._vectorizer

    def probabilities(self, texts: Sequence[str]) -> dict[str, list[float]]:
        """topic -> P(topic) for each text."""
        import numpy as np

        x = self.vectorizer().transform(list(texts))
        out = {}
        for topic, coef in self.coef.items():
            z = x @ np.asarray(coef) + self.intercept[topic]
            out[topic] = [float(v) for v in 1.0 / (1.0 + np.exp(-z))]
        return out

    def reasons(self, text: str, topic: str, toward: bool, k: int = TOP_FEATURES) -> list[dict]:
        """The k n-grams of `text` pushing hardest toward yes (toward=True) or no."""
        x = self.vectorizer().transform([text]).tocoo()
        names = self._names()
        coef = self.coef[topic]
        pushes = [(float(coef[j] * v), names[j]) for j, v in zip(x.col, x.data, strict=True)]
        pushes = [p for p in pushes if (p[0] > 0) == toward and p[0] != 0]
        pushes.sort(key=lambda p: (-abs(p[0]), p[1]))
        return [{"feature": n, "weight": round(w, 3)} for w, n in pushes[:k]]

    def _names(self) -> list[str]:
        names = [""] * len(self.vocabulary)
        for term, j in self.vocabulary.items():
            names[j] = term
        return names

    def to_blob(self) -> bytes:
        """Compressed JSON (never pickle: a database row must not be able to run code)."""
        data = {
            "version": self.version,
            "vocabulary": self.vocabulary,
            "idf": [round(v, 6) for v in self.idf],
            "coef": {t: [round(v, 6) for v in c] for t, c in self.coef.items()},
            "intercept": self.intercept,
            "settings": self.settings,
            "training": self.training,
        }
        return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 9)

    @classmethod
    def from_blob(cls, blob: bytes) -> Model:
        """The model stored by `to_blob`."""
        return cls(**json.loads(zlib.decompress(blob)))


def _new_vectorizer(settings: dict[str, Any], vocabulary: dict[str, int] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=tuple(settings["ngram_range"]),
        min_df=settings["min_df"],
        sublinear_tf=settings["sublinear_tf"],
        lowercase=True,
        stop_words="english",
        # Digits matter ("988") but long numbers (dollar amounts, dates) are noise.
        token_pattern=r"(?u)\b(?:[a-z]\w+|\d{3})\b",
        vocabulary=vocabulary,
    )


def model_version(examples: Sequence[Example], taxonomy_version: str) -> str:
    """The version a model trained on `examples` gets (same data, same version)."""
    h = hashlib.sha256(json.dumps(SETTINGS, sort_keys=True).encode())
    for ex in sorted(examples, key=lambda e: e.id):
        h.update(json.dumps([ex.id, ex.text, sorted(ex.labels.items())]).encode())
    return f"{taxonomy_version}+clf.{h.hexdigest()[:12]}"


def train(examples: Sequence[Example], taxonomy_version: str = "") -> Model:
    """Fit the vectorizer on every example and one logistic regression per topic on
    the examples labeled for that topic (a correction labels only its own topic)."""
    from sklearn.linear_model import LogisticRegression

    if not taxonomy_version:
        from tracker.taxonomy import load_taxonomy

        taxonomy_version = load_taxonomy().version
    examples = _dedupe(examples)
    vec = _new_vectorizer(SETTINGS)
    x = vec.fit_transform([e.text for e in examples])
    coef, intercept, counts = {}, {}, {}
    for topic in TOPICS:
        rows = [i for i, e in enumerate(examples) if topic in e.labels]
        y = [int(examples[i].labels[topic]) for i in rows]
        counts[topic] = {"rows": len(rows), "positive": sum(y)}
        if len(set(y)) < 2:  # nothing to learn: never disagree
            coef[topic], intercept[topic] = [0.0] * x.shape[1], -10.0
            continue
        clf = LogisticRegression(C=SETTINGS["C"], class_weight="balanced", max_iter=2000)
        clf.fit(x[rows], y)
        coef[topic] = [float(v) for v in clf.coef_[0]]
        intercept[topic] = float(clf.intercept_[0])
    return Model(
        version=model_version(examples, taxonomy_version),
        vocabulary={k: int(v) for k, v in vec.vocabulary_.items()},
        idf=[float(v) for v in vec.idf_],
        coef=coef,
        intercept=intercept,
        training={"examples": len(examples), "topics": counts},
        _vectorizer=vec,
    )


def _dedupe(examples: Sequence[Example]) -> list[Example]:
    """One row per id; a later row (an organization's verdict) overrides labels it names."""
    merged: dict[str, Example] = {}
    for ex in examples:
        old = merged.get(ex.id)
        merged[ex.id] = (
            ex if old is None else Example(ex.id, ex.text or old.text, {**old.labels, **ex.labels})
        )
    return list(merged.values())


def disagrees(probability: float, rules_say: bool) -> bool:
    """True when the classifier is sure of the opposite of the rules' call."""
    return probability < SURE_NO if rules_say else probability >= SURE_YES


# ---------------------------------------------------------- cross-validation


def group_key(ex: Example) -> str:
    """Near-identical bills (reintroductions, companions) share a key and a fold."""
    words = re.findall(r"[a-z]+", ex.text.lower())
    return " ".join(words[:12]) or ex.id


@dataclass
class CrossValidation:
    """Out-of-fold probabilities and, per fold, which ids trained and which were scored."""

    probabilities: dict[str, dict[str, float]]
    folds: list[tuple[set[str], set[str]]]


def cross_validate(
    examples: Sequence[Example],
    k: int = 5,
    trainer: Callable[[Sequence[Example]], Model] = train,
) -> CrossValidation:
    """Score every example with a model that never saw it (nor its near-copies)."""
    from sklearn.model_selection import GroupKFold

    examples = _dedupe(examples)
    groups = [group_key(e) for e in examples]
    strata = ["".join("1" if e.labels.get(t) else "0" for t in TOPICS) for e in examples]
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=0)
    probabilities: dict[str, dict[str, float]] = {}
    folds = []
    for train_idx, test_idx in splitter.split(examples, strata, groups):
        fit = [examples[i] for i in train_idx]
        held = [examples[i] for i in test_idx]
        model = trainer(fit)
        probs = model.probabilities([e.text for e in held])
        for n, ex in enumerate(held):
            probabilities[ex.id] = {t: float(probs[t][n]) for t in probs}
        folds.append(({e.id for e in fit}, {e.id for e in held}))
    return CrossValidation(probabilities, folds)


# ------------------------------------------------------------- in the database


def current_model(session: Session, org_id: int) -> tuple[TaggerModel, Model] | None:
    """The organization's newest stored model (row and loaded model), if any."""
    row = session.scalars(
        select(TaggerModel)
        .where(TaggerModel.organization_id == org_id)
        .order_by(TaggerModel.created_at.desc(), TaggerModel.id.desc())
        .limit(1)
    ).first()
    return (row, Model.from_blob(row.blob)) if row is not None else None


def train_for_org(session: Session, org_id: int) -> dict[str, Any]:
    """Train the organization's model if its data changed, store it and re-score; commits."""
    from tracker.taxonomy import load_taxonomy

    examples = shipped_examples() + correction_examples(session, org_id)
    version = model_version(_dedupe(examples), load_taxonomy().version)
    current = current_model(session, org_id)
    if current is not None and current[0].version == version:
        return {"org": org_id, "version": version, "trained": False, "changed": 0}
    model = train(examples)
    blob = model.to_blob()
    session.add(
        TaggerModel(
            organization_id=org_id,
            version=model.version,
            topics=list(TOPICS),
            blob=blob,
            training=model.training,
        )
    )
    session.flush()
    old = session.scalars(
        select(TaggerModel.id)
        .where(TaggerModel.organization_id == org_id)
        .order_by(TaggerModel.created_at.desc(), TaggerModel.id.desc())
        .offset(KEEP_MODELS)
    ).all()
    if old:
        session.execute(delete(TaggerModel).where(TaggerModel.id.in_(old)))
    session.commit()
    summary = score_for_org(session, org_id, model)
    return {"org": org_id, "version": model.version, "trained": True, "bytes": len(blob), **summary}


def train_all(session: Session, org_slug: str | None = None) -> list[dict[str, Any]]:
    """`tracker tag train`: every organization's model (or one's, by slug)."""
    from tracker.errors import NotFound

    stmt = select(Organization.id).order_by(Organization.id)
    if org_slug:
        stmt = stmt.where(Organization.slug == org_slug)
    ids = list(session.scalars(stmt))
    if org_slug and not ids:
        raise NotFound(f"no organization with slug {org_slug!r}")
    return [train_for_org(session, org_id) for org_id in ids]


def score_for_org(
    session: Session,
    org_id: int,
    model: Model,
    bill_ids: Iterable[str] | None = None,
    batch: int = 2000,
) -> dict[str, int]:
    """Compare the classifier with the rules on bills (all when None) and store the
    disagreements; only rows whose outcome changed are written. Commits.

    A (bill, topic) the organization already judged is skipped: its verdict stands.
    Outcome = the classifier disagrees, and with which top features; a probability
    that moves without changing either is not rewritten."""
    stmt = select(Bill.id).order_by(Bill.id)
    if bill_ids is not None:
        wanted = list(dict.fromkeys(bill_ids))
        stmt = stmt.where(Bill.id.in_(wanted))
    ids = list(session.scalars(stmt))
    judged = set(
        session.execute(
            select(TopicCorrection.bill_id, TopicCorrection.topic).where(
                TopicCorrection.organization_id == org_id
            )
        ).all()
    )
    counts = {"scored": 0, "disagreements": 0, "written": 0, "removed": 0}
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        counts_chunk = _score_chunk(session, org_id, model, chunk, judged)
        for key, value in counts_chunk.items():
            counts[key] += value
    session.commit()
    return counts


def _score_chunk(
    session: Session, org_id: int, model: Model, ids: list[str], judged: set[tuple[str, str]]
) -> dict[str, int]:
    bills = list(
        session.scalars(select(Bill).where(Bill.id.in_(ids)).options(selectinload(Bill.subjects)))
    )
    texts = [bill_text(b.title, b.abstract, [s.subject for s in b.subjects]) for b in bills]
    probs = model.probabilities(texts) if bills else {}
    tagged = set(
        session.execute(
            select(BillTopic.bill_id, BillTopic.topic).where(
                BillTopic.bill_id.in_(ids), BillTopic.topic.in_(list(model.coef))
            )
        ).all()
    )
    new: dict[tuple[str, str], dict[str, Any]] = {}
    for n, bill in enumerate(bills):
        for topic in model.coef:
            p = float(probs[topic][n])
            says = (bill.id, topic) in tagged
            if (bill.id, topic) in judged or not disagrees(p, says):
                continue
            new[(bill.id, topic)] = {
                "probability": round(p, 4),
                "rules_say": says,
                "reasons": model.reasons(texts[n], topic, toward=not says),
            }
    old = {
        (r.bill_id, r.topic): r
        for r in session.scalars(
            select(SecondOpinion).where(
                SecondOpinion.organization_id == org_id, SecondOpinion.bill_id.in_(ids)
            )
        )
    }
    written = removed = 0
    for key, row in old.items():
        if key not in new:
            session.delete(row)
            removed += 1
    for key, value in new.items():
        row = old.get(key)
        if row is not None and (row.rules_say, row.reasons) == (
            value["rules_say"],
            value["reasons"],
        ):
            continue  # same outcome: leave it alone
        if row is None:
            row = SecondOpinion(organization_id=org_id, bill_id=key[0], topic=key[1])
            session.add(row)
        row.probability = value["probability"]
        row.rules_say = value["rules_say"]
        row.reasons = value["reasons"]
        row.model_version = model.version
        row.scored_at = utcnow()
        written += 1
    return {
        "scored": len(bills),
        "disagreements": len(new),
        "written": written,
        "removed": removed,
    }


def score_new_bills(session: Session, bill_ids: Sequence[str]) -> dict[str, int]:
    """After the rules (re)tag bills: every organization's classifier looks at them."""
    total = {"scored": 0, "disagreements": 0, "written": 0, "removed": 0}
    for org_id in session.scalars(select(TaggerModel.organization_id).distinct()):
        found = current_model(session, org_id)
        if found is None:
            continue
        for key, value in score_for_org(session, org_id, found[1], bill_ids).items():
            total[key] += value
    return total
