"""Every format built from the demo bills and read back: HTML, PDF (pypdf), Markdown,
DOCX (python-docx), CSV and XLSX (openpyxl), with content and escaping asserted."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session

from outreach.briefs import render as brief_render
from outreach.briefs.data import build_brief
from tests.briefs.conftest import ENACTED_WEEK, QUIET_WEEK
from tests.briefs.demo_data import demo_rows, to_record
from tracker.ingest import ingest
from tracker.models import Watchlist, WatchlistEntry

# Constructed for these tests (not from any source): the kind of text a scraper could
# bring in, put on top of a real demo bill's history.
HOSTILE_TITLE = (
    '=HYPERLINK("http://evil.example/x","Click")<script>alert(1)</script> *bold* '
    "[x](javascript:alert(2))"
)
HOSTILE_ABSTRACT = "@SUM(A1:A9) <img src=x onerror=alert(3)> | pipe | # heading"


@pytest.fixture
def brief(db: Session, org):  # noqa: ANN001, ANN201
    """The enacted week, with one extra bill carrying hostile text (real WA HB 1939 history)."""
    row = next(r for r in demo_rows() if r["identifier"] == "HB 1939")
    record = to_record(row)
    record.session = "hostile-copy"
    record.title = HOSTILE_TITLE
    record.abstract = HOSTILE_ABSTRACT
    record.url = "javascript:alert(4)"
    ingest(db, [record])
    wl = db.query(Watchlist).filter_by(organization_id=org.id).one()
    db.add(WatchlistEntry(watchlist_id=wl.id, bill_id="wa-hostilecopy-hb1939", position="oppose"))
    db.commit()
    return build_brief(
        db, org, date.fromisoformat(ENACTED_WEEK[0]), date.fromisoformat(ENACTED_WEEK[1])
    )


@pytest.fixture
def quiet(db: Session, org):  # noqa: ANN001, ANN201
    """A week in which nothing happened."""
    return build_brief(
        db, org, date.fromisoformat(QUIET_WEEK[0]), date.fromisoformat(QUIET_WEEK[1])
    )


def test_html_is_escaped_and_email_ready(brief):
    html = brief_render.render_html(brief)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:" not in html.split("<body", 1)[1].replace("[x](javascript:alert(2))", "")
    assert 'href="javascript' not in html
    assert "WA HB 1939" in html and "SOCIAL WORK LICENSURE COMPACT" in html
    assert "To governor/president &rarr; <strong>Enacted</strong>" in html
    # Email-ready: styles inline on elements, no external stylesheet, charts embedded.
    assert "<link" not in html and 'style="' in html
    assert html.count("data:image/svg+xml;base64,") == 2


def test_html_for_email_references_cid_images(brief):
    html = brief_render.render_html(brief, images="cid")
    assert 'src="cid:topic-stage"' in html and 'src="cid:state-map"' in html
    assert "data:image" not in html


def test_pdf_reads_back_with_the_changes_and_tables(brief):
    pdf = brief_render.render(brief, "pdf")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert "Weekly policy brief".upper() in flat.upper()
    assert "Demo Coalition" in flat
    assert "What changed" in flat
    assert "WA HB 1939" in flat and "SOCIAL WORK LICENSURE COMPACT" in flat
    assert "Approved March 19, 2024 9:42 AM" in flat
    assert "Bills by topic" in flat and "Outreach" in flat
    # The hostile title is printed as text, tags and all.
    assert "<script>alert(1)</script>" in flat
    assert len(reader.pages) >= 2


def test_markdown_escapes_untrusted_text(brief):
    md = brief_render.render_markdown(brief)
    assert "# Demo Coalition: Weekly policy brief, Mar 18" in md
    assert "<script>" not in md and "\\<script\\>" in md
    assert "](javascript:" not in md
    assert "\\[x\\]\\(javascript:alert(2))" in md  # no link: its brackets are escaped
    assert "\\*bold\\*" in md
    # Table cells cannot be split by a | in scraped text.
    assert "\\| pipe \\|" in md
    assert "[WA HB 1939](<https://" in md
    assert md.count("![") == 0 and "data:" not in md  # charts: HTML/PDF, or named files
    # Ordinary text is not over-escaped.
    assert "\\-" not in md and "\\." not in md
    named = brief_render.render_markdown(brief, image_names={"topic-stage": "topics.png"})
    assert "](<topics.png>)" in named


def test_markdown_leaves_ordinary_punctuation_alone():
    assert brief_render.md_escape("May 1-31 (New_York) #1 & more!") == (
        "May 1-31 (New_York) #1 & more!"
    )
    assert brief_render.md_escape("_a_ *b* `c` <d> [e](f) g|h &amp;") == (
        "\\_a\\_ \\*b\\* \\`c\\` \\<d\\> \\[e\\]\\(f) g\\|h \\&amp;"
    )


def test_docx_reads_back_with_tables_and_both_pictures(brief):
    data = brief_render.render(brief, "docx")
    doc = Document(io.BytesIO(data))
    paragraphs = "\n".join(p.text for p in doc.paragraphs)
    assert "Demo Coalition: Weekly policy brief" in paragraphs
    assert "What changed" in paragraphs and "Bills by topic" in paragraphs
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "WA HB 1939" in cells
    assert "Approved March 19, 2024 9:42 AM" in cells
    assert HOSTILE_TITLE in cells  # stored as plain text, no markup interpretation
    assert len(doc.inline_shapes) == 2
    pngs = [p for p in doc.part.package.parts if p.content_type == "image/png"]
    assert len(pngs) == 2 and all(p.blob.startswith(b"\x89PNG") for p in pngs)


def test_csv_has_every_table_row_and_defuses_formulas(brief):
    data = brief_render.render(brief, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == list(brief_render.TABLE_COLUMNS)
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert len(body) == len(brief.all_rows())
    hb1939 = next(r for r in body if r["Bill"] == "HB 1939" and r["Title"].startswith("SOCIAL"))
    assert hb1939["Changed this period"] == "To governor/president -> Enacted"
    assert hb1939["Status"] == "Enacted" and hb1939["Priority"] == "high"
    hostile = next(r for r in body if "HYPERLINK" in r["Title"])
    assert hostile["Title"] == "'" + HOSTILE_TITLE
    assert hostile["Summary"] == "'" + HOSTILE_ABSTRACT
    assert hostile["URL"] == "'" * 0 + "javascript:alert(4)"  # shown, but never a link
    for row in rows[1:]:
        for cell in row:
            assert not re.match(r"^[=+\-@]", cell), cell


def test_xlsx_reads_back_with_string_cells_only(brief):
    wb = load_workbook(io.BytesIO(brief_render.render(brief, "xlsx")))
    assert wb.sheetnames[:2] == ["Summary", "Changes"] and wb.sheetnames[-1] == "All bills"
    changes = [[c.value for c in row] for row in wb["Changes"].iter_rows(min_row=2)]
    assert [
        "WA",
        "HB 1939",
        "SOCIAL WORK LICENSURE COMPACT",
        "To governor/president",
        "Enacted",
    ] in [r[:5] for r in changes]
    all_bills = wb["All bills"]
    header = [c.value for c in all_bills[1]]
    assert header == list(brief_render.TABLE_COLUMNS)
    assert all_bills.max_row - 1 == len(brief.all_rows())
    title_col = header.index("Title") + 1
    hostile = next(
        all_bills.cell(row=r, column=title_col)
        for r in range(2, all_bills.max_row + 1)
        if "HYPERLINK" in str(all_bills.cell(row=r, column=title_col).value)
    )
    # a text cell, and neutralized: a spreadsheet shows the title, never runs it
    assert hostile.value == "'" + HOSTILE_TITLE and hostile.data_type == "s"
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows(min_row=2)}
    assert summary["Tracked bills"] == brief.headline.tracked


def test_quiet_week_says_no_changes_in_every_format(quiet):
    for fmt in brief_render.FORMATS:
        data = brief_render.render(quiet, fmt)
        if fmt == "pdf":
            text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
        elif fmt == "docx":
            text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
        elif fmt == "xlsx":
            wb = load_workbook(io.BytesIO(data))
            text = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
        else:
            text = data.decode("utf-8-sig")
        if fmt == "csv":
            # The CSV is the bill tables only: all tracked bills, none changed.
            rows = list(csv.DictReader(io.StringIO(text)))
            assert len(rows) == quiet.headline.tracked
            assert {r["Changed this period"] for r in rows} == {""}
        else:
            assert "No changes this week" in " ".join(text.split()), fmt


def test_unknown_format_is_a_clear_error(brief):
    from tracker.errors import InvalidInput

    with pytest.raises(InvalidInput, match="format must be one of"):
        brief_render.render(brief, "rtf")


def test_filename_names_org_and_range(brief):
    assert (
        brief_render.filename(brief, "pdf") == f"brief-{brief.org_slug}-2024-03-18-2024-03-24.pdf"
    )


def test_reading_formats_cap_topic_tables_but_keep_movers(brief, monkeypatch):
    monkeypatch.setattr(brief_render, "READING_ROWS_PER_TOPIC", 5)
    table = max(brief.topics, key=lambda t: len(t.rows))
    assert len(table.rows) > 5
    [shown] = [t for t in brief_render.reading_tables(brief, 5) if t.key == table.key]
    assert len(shown.rows) == 5 and shown.hidden == len(table.rows) - 5
    assert "wa-202324-hb1939" in {r.bill_id for r in shown.rows}  # it moved: always shown
    html = brief_render.render_html(brief, limit=5)
    assert f"…and {shown.hidden} more tracked bills in this topic" in html
    md = brief_render.render_markdown(brief, limit=5)
    assert f"…and {shown.hidden} more tracked bills" in md
    full = brief_render.render_html(brief, limit=None)
    assert "more tracked bills in this topic" not in full
    # Spreadsheets always carry every row.
    rows = list(csv.reader(io.StringIO(brief_render.render(brief, "csv").decode("utf-8-sig"))))
    assert len(rows) - 1 == len(brief.all_rows())


def test_pdf_renderer_fetches_nothing_but_data_uris(tmp_path):
    """Even if markup slipped into the HTML, WeasyPrint would not reach the network or files."""
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):  # noqa: ANN002
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.css"
    secret.write_text("body { background: red }")
    try:
        html = (
            f'<html><head><link rel="stylesheet" href="file://{secret}"></head><body>'
            f'<img src="http://127.0.0.1:{server.server_port}/x.png"><p>text</p></body></html>'
        )
        pdf = brief_render.html_to_pdf(html)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert pdf.startswith(b"%PDF") and hits == []
    assert "text" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_without_cairo_docx_says_so_instead_of_failing(brief, monkeypatch):
    monkeypatch.setattr(brief_render, "png_available", lambda: False)
    doc = Document(io.BytesIO(brief_render.render(brief, "docx")))
    assert len(doc.inline_shapes) == 0
    assert any("Charts need the cairo library" in p.text for p in doc.paragraphs)


def test_pdf_uses_one_font_family_and_white_pages(brief):
    """The page-number footer is not serif under a sans body; no grey page background."""
    reader = PdfReader(io.BytesIO(brief_render.render(brief, "pdf")))
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    families = {f.split("-")[0].replace("Bold", "").replace("Oblique", "") for f in fonts}
    assert not any("Serif" in f and "Sans" not in f for f in fonts), fonts
    assert len(families) == 1, fonts
    html = brief_render.render_html(brief, images="svg", for_pdf=True)
    assert "#f4f4f4" not in html
