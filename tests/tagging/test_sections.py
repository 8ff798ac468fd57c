"""Evidence in a bill's text names its section, and relevance reflects where it sits."""

from __future__ import annotations

from pathlib import Path

from tracker import scoring
from tracker.sections import SectionIndex, _openings, section_at
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
    # Nor is a Missouri cross-reference the PDF wrapped onto its own printed line
    # ("... given to the term in section\n52 376.1550.\n53 2. In addition"): HB 1723's
    # text there is still section 376.1553.
    hb1723 = _text("mo/HB1723_full_text.md")
    labels = [label for _, label in SectionIndex(hb1723).headings()]
    assert not any(label.startswith("Section 376.1550") for label in labels)
    at = hb1723.index("punishable by a fine of up to five hundred dollars")
    assert section_at(hb1723, at) == "Section 376.1553.4"


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


def _two_scan_openings(text: str, end: int) -> list[tuple[int, dict]]:
    """The line openings as first written: a `^` scan for headings, another for
    enumerators, enumerators at a heading's start dropped (the reference for the one
    newline-led scan SectionIndex runs)."""
    import re

    from tracker.sections import _ENUM_BODY, _HEADING_BODY

    heads = [m for m in re.finditer(f"^{_HEADING_BODY}", text, re.M) if m.start() <= end]
    starts = {m.start() for m in heads}
    enums = [
        m
        for m in re.finditer(f"^{_ENUM_BODY}", text, re.M)
        if m.start() <= end and m.start() not in starts
    ]
    return sorted((m.start(), m.groupdict()) for m in heads + enums)


def test_one_newline_led_scan_finds_the_headings_and_enumerators_of_two_line_scans():
    import random

    def clean(found: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
        return [(s, {k: v for k, v in g.items() if v is not None}) for s, g in found]

    pieces = [
        "\n",
        "\n\n",
        " ",
        "\t",
        "## ",
        "SEC. 3.",
        "Section A.",
        "Sec. 12",
        "478.001.",
        " 1.",
        "(a)",
        "(12)",
        "a.",
        "3 ",
        "text",
        "Section 319(j) of",
        "SECTION 2",
    ]
    rnd = random.Random(5)
    texts = ["".join(rnd.choices(pieces, k=rnd.randint(1, 30))) for _ in range(3000)]
    texts += [_text(p) for p in ("wa/HB1477-1.md", "us/h1058_enr.XML", "mo/HB2075_full_text.md")]
    for text in texts:
        for end in (len(text), len(text) // 2):
            found = [(s, m.groupdict()) for s, m in _openings(text, end)]
            assert clean(found) == clean(_two_scan_openings(text, end)), text


def test_openings_capture_groups_are_in_the_order_section_index_unpacks():
    from tracker.sections import _LINE_OPENING, _NEXT_LINE_OPENING

    for rx in (_LINE_OPENING, _NEXT_LINE_OPENING):
        names = sorted(rx.groupindex, key=rx.groupindex.get)
        assert names == ["rsmo", "rsub", "word", "num", "paren", "dot"]
        assert rx.groups == 6
