"""Evidence in a bill's text names its section, and relevance reflects where it sits."""

from __future__ import annotations

from pathlib import Path

from tracker import scoring
from tracker.sections import SectionIndex, section_at
from tracker.tagging import tag_bill
from tracker.textextract import extract_text

TEXTS = Path(__file__).resolve().parent.parent / "fixtures" / "texts"


def _text(name: str) -> str:
    return extract_text((TEXTS / name).read_bytes())[0]


def test_section_labels_in_real_texts_of_three_styles():
    wa = _text("wa/HB1477-1.md")  # wa-law.org Markdown: "## Section 101", "1.", "a."
    at = wa.index("consistent and effective level of 988")
    assert section_at(wa, at) == "Section 101(2)(d)"
    us = _text("us/h1058_enr.XML")  # USLM: "SEC. 3.", "(a)", "(1)"
    labels = [label for _, label in SectionIndex(us).headings()]
    # The extractor keeps each enum with its text ("(A) in the first sentence, ..."), so
    # every level of SEC. 2's amendments is a heading.
    assert labels[:8] == [
        "SEC. 1",
        "SEC. 2",
        "SEC. 2(1)",
        "SEC. 2(1)(A)",
        "SEC. 2(1)(B)",
        "SEC. 2(2)",
        "SEC. 2(2)(A)",
        "SEC. 2(2)(A)(i)",
    ]
    assert {"SEC. 3", "SEC. 3(a)", "SEC. 3(a)(1)", "SEC. 3(a)(2)"} <= set(labels)
    mo = _text("mo/HB1533_full_text.md")  # Missouri PDF text with printed line numbers
    labels = [label for _, label in SectionIndex(mo).headings()]
    assert "Section 337.600(17)(a)" in labels and "Section 337.604.1(2)(b)" in labels
    # A reference in running text is not a heading.
    assert section_at("Section 319(j) of the Act is amended.\n", 10) is None


def test_a_tag_found_only_in_the_text_carries_its_section_label():
    text = _text("wa/HB1477-1.md")
    tags = {t.topic: t for t in tag_bill("An act relating to public safety", "", [], text)}
    assert "crisis" in tags
    evidence = tags["crisis"].evidence
    assert evidence and all(e.field == "text" for e in evidence)
    for e in evidence:
        assert text[e.start : e.end] == e.quote
        assert e.section and e.section.startswith("Section 1")
        assert 0 <= e.at < 1
    as_dict = tags["crisis"].as_dict()["evidence"][0]
    assert as_dict["section"] == evidence[0].section and as_dict["at"] == evidence[0].at
    # Title-only evidence keeps its old shape.
    only_title = tag_bill("988 crisis line funding act")[0].as_dict()["evidence"][0]
    assert set(only_title) == {"field", "start", "end", "quote"}


def test_relevance_reflects_where_text_evidence_sits():
    def tag(at: float) -> dict:
        ev = {"field": "text", "start": 0, "end": 5, "quote": "x", "section": "SEC. 14", "at": at}
        return {"topic": "crisis", "score": 0.9, "evidence": [ev]}

    top, deep = scoring.relevance([tag(0.02)]), scoring.relevance([tag(0.9)])
    assert top.value > deep.value
    assert "in text, SEC. 14 (90% in)" in deep.reasons[0].detail
    in_title = scoring.relevance(
        [{"topic": "crisis", "score": 0.9, "evidence": [{"field": "title", "start": 0}]}]
    )
    assert in_title.value > top.value


def test_struck_text_is_not_tagged_as_the_bills_words():
    from tracker.textextract import extract

    html = (
        b"<html><body><p>SEC. 1. The department shall report on road maintenance.</p>"
        b"<p>SEC. 2. <strike>A 988 suicide and crisis lifeline fee is imposed on each line."
        b"</strike> <ins>The department shall publish the report online.</ins></p>"
        + b"<p>The report covers bridges and highways.</p>" * 40
        + b"</body></html>"
    )
    doc = extract(html, "text/html")
    assert "988" not in doc.text  # struck words are kept as marks, not in the text
    assert any(m["kind"] == "del" and "988" in m["text"] for m in doc.marks)
    assert not {t.topic for t in tag_bill("An act relating to roads", "", [], doc.text)}
    unstruck = html.replace(b"<strike>", b"").replace(b"</strike>", b"")
    tags = {t.topic for t in tag_bill("An act relating to roads", "", [], extract(unstruck).text)}
    assert "crisis" in tags
