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


def test_who_enforces_quotes_the_words_that_triggered_it_on_real_text():
    """SB 6228 Section 10: the commissioner decides when carriers must use new ASAM
    criteria. Section 9(1) ("in collaboration with the insurance commissioner, shall
    convene a work group") only consults it and is not quoted."""
    found = pe.elements(extract(TEXT.read_bytes()).text)["enforcer"]
    assert [w["who"] for w in found["who"]] == ["insurance commissioner"]
    assert found["words"] == "office of the insurance commissioner shall jointly determine"
    assert found["words"] in found["quote"] and found["section"] == "Section 10"
    assert "in collaboration with" not in found["quote"]
    assert found["denied"] == []


def test_a_denied_private_right_of_action_names_no_enforcer_on_real_text():
    """WA HB 1600 (988 signs): "not intended to create a private right of action"."""
    text = extract((TEXT.parent / "HB1600-1.md").read_bytes()).text
    (w,) = pe.enforcers(text)
    assert (w["who"], w["denied"], w["words"]) == (
        "private right of action",
        True,
        "private right of action",
    )
    assert "This section is not intended to create a private right of action" in w["quote"]
    assert "enforcer" not in pe.elements(text)
    # A text naming no insurance regulator acting (HB 1939: compact commissioners only).
    compact = TEXT.parent / "HB1939-S.SL.md"
    assert pe.enforcers(extract(compact.read_bytes()).text) == []


def test_attorney_general_and_private_action_patterns_quote_their_words():
    """Phrases as statutes word them; no real bundled text grants either (see docs)."""
    text = (
        "Section 3. The attorney general may enforce this section. "
        "An enrollee aggrieved by a violation may bring a civil action for damages."
    )
    who = {w["who"]: w for w in pe.enforcers(text)}
    assert who["attorney general"]["words"] == "attorney general may enforce"
    assert (
        who["private right of action"]["words"]
        == "enrollee aggrieved by a violation may bring a civil action"
    )
    assert not any(w["denied"] for w in who.values())


def test_parity_index_nav_and_bill_page_lead_to_the_state_profile(app: Flask, db, world) -> None:  # noqa: ANN001
    """The real SB 6228 session law on a WA bill: /parity lists Washington with its grade,
    the signed-in nav has the page beside 988 funding, the bill page links the profile."""
    from tests.conftest import sign_in
    from tests.web.conftest import PASSWORD

    bill = db.query(Bill).filter_by(jurisdiction_id="wa", identifier="SB 6228").one()
    v = BillVersion(bill_id=bill.id, url="https://example.invalid/6228", note="Session law")
    db.add(v)
    db.flush()
    store_version_text(db, v, TEXT.read_bytes(), "text/plain")
    db.commit()
    html = app.test_client().get("/parity").get_data(as_text=True)
    row = html[html.index('<table class="compact" id="parity-states">') :]
    assert '<a href="/parity/wa">Washington</a>' in row
    assert 'class="grade">C<' in row and "(score 5)" in row
    assert "Prior-authorization limits for MH/SUD (+2, SB 6228 Section 6(1))" in row
    assert f'href="/bills/{bill.id}">SB 6228</a>' in row
    # The world's other texted bill (us-118-hr498, two toy versions) states no element.
    assert "/parity/us" not in html
    profile = app.test_client().get("/parity/wa").get_data(as_text=True)
    assert 'id="state-grade"' in profile and 'href="/parity"' in profile

    client = app.test_client()
    sign_in(client, world["users"][("alpha", "viewer")].email, PASSWORD)
    nav = client.get("/").get_data(as_text=True)
    assert nav.index('href="/988"') < nav.index('href="/parity"')
    page = client.get(f"/bills/{bill.id}").get_data(as_text=True)
    assert 'href="/parity/wa">WA\'s parity-enforcement profile</a>' in page
    assert "Prior-authorization limits for MH/SUD" in page
    other = client.get("/bills/us-118-hr498").get_data(as_text=True)
    assert 'id="parity-h"' not in other  # its text states no element: no link
