"""Extraction of each format on real bill documents: PDF (the real Missouri PDFs inside
LegiScan getBillText responses), GPO bill-DTD and USLM XML, HTML and wa-law text, with
struck/inserted markup kept as marks and section labels kept as an index."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest

from tracker.errors import InvalidInput
from tracker.textextract import extract, section_at, sniff_media_type

TEXTS = Path(__file__).resolve().parents[1] / "fixtures" / "texts"


def _mo(name: str) -> bytes:
    envelope = json.loads((TEXTS / "mo" / f"{name}.json").read_text())
    return base64.b64decode(envelope["text"]["doc"])


def test_line_numbered_house_pdf_loses_line_numbers_and_page_headers():
    result = extract(_mo("HB2520"), "application/pdf")
    assert result.extractor == "pypdfium2" and result.pages == 2
    # Printed "17 program by cooperating ..." and the page header "HB 2520 2" are gone.
    assert not re.search(r"(?m)^\d{1,2} [a-z(]", result.text)
    assert "HB 2520 2" not in result.text and "EXPLANATION" not in result.text
    # Lines of one paragraph are joined again (they were split across a page break).
    assert "implement the program by cooperating with local public health agencies" in (
        " ".join(result.text.split())
    )
    labels = [s["label"] for s in result.sections]
    assert labels == ["Section A", "Section 630.1130"]
    offset = result.text.index("Statewide Mobile Mental Health Unit")
    assert section_at(result.sections, offset)["label"] == "Section 630.1130"


def test_missouri_bold_brackets_are_struck_text_not_the_bills_words():
    result = extract(_mo("SB778"))
    struck = [m for m in result.marks if m["kind"] == "del"]
    assert struck and "The board shall grant without examination" in struck[0]["text"]
    assert "The board shall grant without examination" not in result.text
    # The struck run is anchored where it stood: just before the new subsection 1.
    assert result.text[struck[0]["at"] :].lstrip().startswith("1. As used in this section")
    assert "[" not in result.text and "]" not in result.text
    renumbered = extract(_mo("HB2064"))
    assert {"kind": "del", "at": renumbered.marks[0]["at"], "text": "(9)"} in renumbered.marks


def test_senate_pdf_headers_repeating_on_every_page_are_removed():
    result = extract(_mo("SB1284"))
    assert not re.search(r"(?m)^SB 1284 \d+$", result.text)
    assert not re.search(r"(?m)^\d{1,2} \S", result.text)
    assert "professional counselor" in result.text.lower()


def test_gpo_bill_dtd_xml_keeps_section_numbers_and_headings():
    result = extract((TEXTS / "us" / "BILLS-117hr2008ih.xml").read_bytes())
    assert result.media_type == "application/xml" and result.extractor == "lxml.etree"
    assert [(s["label"], s["heading"]) for s in result.sections] == [
        ("SEC. 1", "Short title"),
        ("SEC. 2", "Nonpoint source management programs"),
    ]
    assert "SEC. 2. Nonpoint source management programs" in result.text
    assert result.text[result.sections[1]["start"] :].startswith("SEC. 2.")
    assert "dublinCore" not in result.text and "117th CONGRESS" in result.text


def test_uslm_xml_keeps_section_numbers_and_headings():
    result = extract((TEXTS / "us" / "H1058_RDS.XML").read_bytes())
    labels = [s["label"] for s in result.sections][:3]
    assert labels == ["SECTION 1", "SEC. 2", "SEC. 3"]
    assert result.sections[0]["heading"] == "SHORT TITLE."
    assert "(1) in subsection (a)(1)" in result.text  # enum and its text on one line


def test_html_strike_ins_u_and_california_markup_become_marks():
    html = (
        b"<html><head><script>var x</script></head><body>"
        b"<p>SECTION 1. Section 5150 of the Welfare and Institutions Code is amended.</p>"
        b"<p>The county <strike>may</strike> <font class='blue_text'><i>shall</i></font> "
        b"fund <del>a pilot</del> <ins>mobile crisis teams</ins> and <u>988 centers</u>.</p>"
        b"<p><span class='cd_delete'>old words</span> kept words</p></body></html>"
    )
    result = extract(html, "text/html")
    inserted = [result.text[m["start"] : m["end"]] for m in result.marks if m["kind"] == "ins"]
    struck = [m["text"] for m in result.marks if m["kind"] == "del"]
    assert inserted == ["shall", "mobile crisis teams", "988 centers"]
    assert struck == ["may", "a pilot", "old words"]
    assert "may" not in result.text.split() and "pilot" not in result.text
    assert "var x" not in result.text
    assert result.sections[0]["label"] == "SECTION 1"


def test_wa_law_markdown_bold_is_inserted_text_and_sections_are_indexed():
    result = extract((TEXTS / "wa" / "HB1477-1.md").read_bytes(), "text/markdown")
    assert result.extractor == "decode" and "**" not in result.text and "## " not in result.text
    inserted = [result.text[m["start"] : m["end"]] for m in result.marks if m["kind"] == "ins"]
    assert any("mobile rapid response crisis team" in s for s in inserted)
    assert result.sections[0]["label"] == "Section 101"
    assert "lawfilesext.leg.wa.gov" not in result.text  # the [Source](url) link text only


def test_sniffing_trusts_bytes_over_the_declared_type():
    assert sniff_media_type(_mo("HB2123"), "application/octet-stream") == "application/pdf"
    xml = (TEXTS / "us" / "BILLS-117hr2008rh.xml").read_bytes()
    assert sniff_media_type(xml, "text/html") == "application/xml"
    assert sniff_media_type(b"<html><body>x</body></html>", "application/xml") == "text/html"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7 not really a pdf", "PDF"),
        (b"", "no text"),
        (bytes(range(256)) * 40, "not readable"),
    ],
)
def test_unreadable_documents_name_the_reason(data, reason):
    with pytest.raises(InvalidInput, match=reason):
        extract(data)


def test_whitespace_patterns_that_skip_unchanged_runs_normalize_as_before():
    # The first patterns matched every lone space and newline (a `re.sub` piece each).
    import random

    from tracker import textextract

    spaces, edges = re.compile(r"[ \t\r\f\v\u00a0]+"), re.compile(r" ?\n ?")
    rnd = random.Random(7)
    for _ in range(5000):
        text = "".join(rnd.choices(" \t\n\r\f\v\u00a0ab", k=rnd.randint(0, 30)))
        assert textextract._SPACES.sub(" ", text) == spaces.sub(" ", text), repr(text)
        assert textextract._LINE_EDGES.sub("\n", text) == edges.sub("\n", text), repr(text)


def test_page_limit_is_a_parameter_and_the_public_stripper_leaves_pages_alone():
    from tracker.textextract import strip_pdf_furniture

    pdf = _mo("HB2123")
    with pytest.raises(InvalidInput, match="limit 0"):
        extract(pdf, max_pages=0)
    pages = ["HB 1 1\n1 Section 1. Text of the bill.", "HB 1 2\n2 More text."]
    strip_pdf_furniture(pages)
    assert pages == ["HB 1 1\n1 Section 1. Text of the bill.", "HB 1 2\n2 More text."]


def _joined_pages(names: list[str], copies: int) -> list[str]:
    """The page texts of real Missouri PDFs, the list repeated `copies` times."""
    import pypdfium2 as pdfium

    pages = []
    for name in names:
        doc = pdfium.PdfDocument(_mo(name))
        for i in range(len(doc)):
            textpage = doc[i].get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
        doc.close()
    return pages * copies


@pytest.mark.parametrize("block", [3_000, 40_000])
def test_pdf_text_made_block_by_block_is_the_whole_text_pass_cut_at_the_cap(monkeypatch, block):
    from tracker import textextract

    # Real pages whose brackets (struck text) and blank lines fall across many blocks; the
    # notice is in every copy. The reference is the whole-text `_finish`, then the cap.
    pages = _joined_pages(["HB2520", "SB778", "HB2064"], 4)
    raw = textextract.strip_pdf_furniture(pages)
    assert textextract._MO_EXPLANATION.search(raw) and "[" in raw
    want_text, want_marks, _ = textextract._finish([raw])
    assert any(m["kind"] == "del" for m in want_marks)
    monkeypatch.setattr(textextract, "_STREAM_BLOCK", block)
    for cap in (len(want_text) + 10, len(want_text) // 2, 5_000):
        text, marks, _ = textextract._finish_pdf(list(pages), cap)
        assert text == want_text[:cap]
        kept = [m for m in want_marks if m.get("start", m.get("at", 0)) < cap]
        assert marks == kept


def test_pdf_text_without_the_missouri_notice_keeps_its_brackets():
    from tracker import textextract

    pages = [p.replace("EXPLANATION", "Explained") for p in _joined_pages(["SB778"], 3)]
    raw = textextract.strip_pdf_furniture(pages)
    assert "[" in raw and not textextract._MO_EXPLANATION.search(raw)
    assert textextract._finish_pdf(list(pages), 10**7) == textextract._finish([raw])
