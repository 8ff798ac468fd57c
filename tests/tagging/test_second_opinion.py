"""The second-opinion classifier: trained without leakage, disagreements on the review
queue with their reasons, stored small and versioned, retraining rewriting only what
changed."""

from __future__ import annotations

from sqlalchemy import delete, select

from tests.tagging.helpers import ingest_demo
from tracker import second_opinion as so


def test_cross_validation_never_scores_a_bill_it_trained_on() -> None:
    examples = so.shipped_examples()
    trained_on: list[set[str]] = []
    leaks: list[str] = []

    class Recording(so.Model):
        def probabilities(self, texts):  # noqa: ANN001, ANN201
            for text in texts:
                if text in self.training["texts"]:
                    leaks.append(text[:60])
            return super().probabilities(texts)

    def trainer(rows):  # noqa: ANN001, ANN202
        model = so.train(rows, "test")
        trained_on.append({r.id for r in rows})
        fields = {
            k: getattr(model, k) for k in ("version", "vocabulary", "idf", "coef", "intercept")
        }
        return Recording(**fields, training={"texts": {r.text for r in rows}})

    cv = so.cross_validate(examples, k=5, trainer=trainer)
    assert not leaks, f"scored bills that were in the training fold: {leaks}"
    ids = {e.id for e in examples}
    assert set(cv.probabilities) == ids  # every bill scored exactly once, out of fold
    assert len(cv.folds) == len(trained_on) == 5
    for (train_ids, test_ids), seen in zip(cv.folds, trained_on, strict=True):
        assert train_ids == seen and not train_ids & test_ids
        # near-copies (same opening words) never straddle a fold
        keys = {so.group_key(e) for e in examples if e.id in train_ids}
        assert not keys & {so.group_key(e) for e in examples if e.id in test_ids}


def test_model_is_small_versioned_by_its_data_and_round_trips_without_pickle() -> None:
    examples = so.shipped_examples()
    model = so.train(examples, "2026.12.02-1")
    blob = model.to_blob()
    assert len(blob) < 500_000 and not blob.startswith(b"\x80")  # zlib JSON, not a pickle
    again = so.Model.from_blob(blob)
    text = "Peer support specialist certification and loan repayment for counselors"
    assert (
        abs(
            again.probabilities([text])["workforce"][0]
            - model.probabilities([text])["workforce"][0]
        )
        < 1e-4
    )
    assert model.version.startswith("2026.12.02-1+clf.")
    assert so.train(examples, "2026.12.02-1").version == model.version
    extra = so.Example("x", "a psychologist interstate compact", {"workforce": True})
    assert so.train([*examples, extra], "2026.12.02-1").version != model.version


def _setup(db, make_org_user):  # noqa: ANN001, ANN202
    from tracker.tagging_service import tag_bills

    ids = ingest_demo(db)
    tag_bills(db, ids)
    org, _user, _password = make_org_user()
    return ids, org.id


def test_a_disagreement_reaches_the_review_queue_with_its_reasons(db, make_org_user) -> None:  # noqa: ANN001
    from tracker.corrections import review_queue
    from tracker.models.tagging import BillTopic, SecondOpinion

    ids, org = _setup(db, make_org_user)
    model = so.train(so.shipped_examples())
    rows = db.scalars(select(BillTopic.bill_id).where(BillTopic.topic == "workforce")).all()
    # The workforce bill the classifier is surest about; pretend the rules missed it.
    from tracker.models import Bill

    bills = {b.id: b for b in db.scalars(select(Bill).where(Bill.id.in_(rows)))}
    probs = model.probabilities([so.bill_text(b.title, b.abstract) for b in bills.values()])
    best_p, best = max(zip(probs["workforce"], bills, strict=True))
    assert best_p >= so.SURE_YES, "the classifier should be sure about some real workforce bill"
    db.execute(delete(BillTopic).where(BillTopic.bill_id == best, BillTopic.topic == "workforce"))
    db.commit()
    so.score_for_org(db, org, model)
    row = db.scalars(select(SecondOpinion).where(SecondOpinion.bill_id == best)).one()
    assert row.topic == "workforce" and not row.rules_say and row.reasons
    items, _ = review_queue(db, org, ["workforce"])
    item = next(i for i in items if i.bill.id == best)
    assert item.why == "classifier says yes" and item.probability >= so.SURE_YES
    assert [r["feature"] for r in item.reasons] == [r["feature"] for r in row.reasons]
    assert all(r["weight"] > 0 for r in item.reasons)  # each one pushed toward "yes"
    words = bills[best].title.lower() + " " + (bills[best].abstract or "").lower()
    assert all(r["feature"].split()[0] in words for r in item.reasons)
    # The rules' evidence is untouched: the classifier never adds a tag
    assert not db.scalars(
        select(BillTopic).where(BillTopic.bill_id == best, BillTopic.topic == "workforce")
    ).first()


def test_retraining_rewrites_only_the_opinions_that_change(db, make_org_user) -> None:  # noqa: ANN001
    from tracker.corrections import record_correction
    from tracker.models.tagging import BillTopic, SecondOpinion, TaggerModel

    ids, org = _setup(db, make_org_user)
    first = so.train_for_org(db, org)
    assert first["trained"] and first["scored"] == len(ids)
    tagged_at = dict(db.execute(select(BillTopic.id, BillTopic.tagged_at)).all())
    before = {(r.bill_id, r.topic): (r.id, r.scored_at) for r in db.scalars(select(SecondOpinion))}
    assert before, "the demo corpus has at least one disagreement"
    # Same data: same version, nothing trained or written
    again = so.train_for_org(db, org)
    assert not again["trained"] and again["version"] == first["version"]
    assert db.scalar(select(TaggerModel.id).order_by(TaggerModel.id.desc())) == 1
    # A member judges one disagreement: the new model (new version) leaves every other
    # row as it was, and drops the judged one.
    judged = sorted(before)[0]
    record_correction(
        db,
        org,
        None,
        judged[0],
        judged[1],
        "confirm" if db.get(SecondOpinion, before[judged][0]).rules_say else "add",
    )
    third = so.train_for_org(db, org)
    assert third["trained"] and third["version"] != first["version"]
    after = {(r.bill_id, r.topic): (r.id, r.scored_at) for r in db.scalars(select(SecondOpinion))}
    assert judged not in after
    unchanged = [k for k in after if k in before and after[k] == before[k]]
    rewritten = [k for k in after if k not in before or after[k] != before[k]]
    assert third["written"] == len(rewritten) and third["removed"] == len(set(before) - set(after))
    assert len(unchanged) + len(rewritten) == len(after)
    # The rules were not re-run
    assert dict(db.execute(select(BillTopic.id, BillTopic.tagged_at)).all()) == tagged_at


def test_tag_train_command_trains_each_organization(db, make_org_user, settings) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from app.cli import cli
    from tracker.models.tagging import TaggerModel

    _setup(db, make_org_user)
    result = CliRunner().invoke(cli, ["tag", "train"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "trained" in result.output and "bill(s) scored" in result.output
    assert db.scalar(select(TaggerModel.version)) in result.output
    again = CliRunner().invoke(cli, ["tag", "train"])
    assert "unchanged (same data)" in again.output
    bad = CliRunner().invoke(cli, ["tag", "train", "--org", "nobody"])
    assert bad.exit_code != 0 and "no organization" in bad.output
