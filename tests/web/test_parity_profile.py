"""Parity-enforcement elements and grade on the real WA SB 6228 session law; /parity/wa."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from tracker import parity_enforcement as pe
from tracker.models import Bill, BillVersion
from tracker.textextract import extract, store_version_text

TEXT = Path(__file__).resolve().parents[1] / "fixtures" / "texts" / "wa" / "SB6228-S2.SL.md"


def test_sb6228_prior_auth_limits_and_asam_criteria():
    found = pe.elements(extract(TEXT.read_bytes()).text)
    assert found["prior_auth_limits"]["section"] == "Section 6(1)"
    assert (
        "may not require an enrollee to obtain prior authorization"
        in (found["prior_auth_limits"]["quote"])
    )
    assert found["medical_necessity"]["section"].startswith("Section 6")
    assert "must be based on the standard set of criteria" in found["medical_necessity"]["quote"]
    assert "insurance commissioner" in found["enforcer"]["quote"]
    for absent in ("nqtl_analysis", "market_conduct", "penalties"):
        assert absent not in found  # the session law does not say these
    g = pe.grade(found, pe.load_rubric())
    assert (g["grade"], g["score"]) == ("C", 5)
    assert g["reasons"][0].startswith("Medical-necessity criteria standards (+2, Section 6")


def test_a_deployment_rubric_overrides_the_default(tmp_path):
    (tmp_path / "parity_rubric.yaml").write_text(
        "version: local-1\nelements:\n  prior_auth_limits: {label: PA limits, weight: 10}\n"
        "grades:\n  - {grade: A, min: 10}\n  - {grade: none, min: 0}\n"
    )
    rubric = pe.load_rubric(tmp_path)
    found = pe.elements(extract(TEXT.read_bytes()).text)
    assert pe.grade(found, rubric) == {
        "grade": "A",
        "score": 10,
        "reasons": ["PA limits (+10, Section 6(1))"],
        "rubric_version": "local-1",
    }


def test_profile_page_shows_elements_sections_and_reasons(app: Flask, db, world) -> None:  # noqa: ANN001
    bill = db.query(Bill).filter_by(jurisdiction_id="wa").first()
    v = BillVersion(bill_id=bill.id, url="https://example.invalid/6228", note="Session law")
    db.add(v)
    db.flush()
    store_version_text(db, v, TEXT.read_bytes(), "text/plain")
    db.commit()
    res = app.test_client().get("/parity/wa")
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert 'class="grade">C<' in html and "Section 6(1)" in html
    assert "Prior-authorization limits for MH/SUD (+2, Section 6(1))" in html
    assert html.count("not found") >= 4
    assert app.test_client().get("/parity/w%3Ca").status_code == 404
