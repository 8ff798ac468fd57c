"""Render a `Brief` as HTML (email-ready, inline CSS), PDF, Markdown, DOCX, CSV or XLSX.

Untrusted text (scraped titles, actions, abstracts, org-entered names) is:
- HTML/PDF: autoescaped by Jinja2; links only for http(s) URLs;
- Markdown: Markdown/HTML metacharacters backslash-escaped, newlines folded;
- CSV: cells starting with = + - @ (or tab/CR) prefixed with ' so spreadsheets do not run
  them as formulas (OWASP "CSV injection");
- XLSX: every text cell neutralized like CSV's and stored as a string cell, never a formula.

Templates use their own `jinja2.Environment(undefined=StrictUndefined)`, not Flask's, so
the weekly job renders without an app.
"""

from __future__ import annotations

import base64
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from outreach.briefs.charts import STAGE_LABELS
from outreach.briefs.data import HEARING_WINDOW_DAYS, PRIORITY_RANK, BillRow, Brief, shorten
from tracker.cells import neutralize, safe_csv_writer
from tracker.errors import InvalidInput

log = logging.getLogger(__name__)

FORMATS = ("html", "pdf", "md", "docx", "csv", "xlsx")
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
TABLE_COLUMNS = (
    "Topic",
    "Jurisdiction",
    "Bill",
    "Title",
    "Status",
    "Status date",
    "Last action date",
    "Last action",
    "Position",
    "Priority",
    "Score",
    "Passage likelihood",
    "Changed this period",
    "Summary",
    "URL",
)

# Inline styles: mail clients drop <style> blocks, so every element carries its own.
_FONT = "font-family:Arial,Helvetica,sans-serif;"
STYLES = {
    "body": "margin:0;padding:0;background:#f4f4f4;" + _FONT + "color:#1a1a1a;",
    "wrap": "max-width:960px;margin:0 auto;padding:16px 20px;background:#ffffff;",
    "kicker": "margin:0;font-size:12px;text-transform:uppercase;letter-spacing:1px;color:#2171b5;",
    "h1": "margin:4px 0 2px 0;font-size:24px;color:#08306b;",
    "h2": "margin:22px 0 8px 0;font-size:18px;color:#08306b;border-bottom:2px solid #c6dbef;"
    "padding-bottom:3px;",
    "h3": "margin:16px 0 6px 0;font-size:15px;color:#1a1a1a;",
    "meta": "margin:0 0 10px 0;font-size:12px;color:#555555;",
    "p": "margin:6px 0;font-size:13px;line-height:1.4;",
    "banner": "margin:12px 0;padding:10px 12px;background:#fff7e6;border-left:4px solid #e6550d;"
    "font-size:14px;",
    "stats": "border-collapse:separate;border-spacing:6px;margin:0 -6px;",
    "stat": "background:#eef4fb;padding:8px 12px;text-align:center;min-width:90px;",
    "statnum": "font-size:22px;font-weight:bold;color:#08306b;",
    "statlabel": "font-size:11px;color:#444444;",
    "table": "border-collapse:collapse;width:100%;margin:6px 0 10px 0;font-size:12px;",
    "th": "text-align:left;background:#08306b;color:#ffffff;padding:5px 6px;font-size:12px;",
    "thn": "text-align:right;background:#08306b;color:#ffffff;padding:5px 6px;font-size:12px;",
    "td": "border-bottom:1px solid #dddddd;padding:5px 6px;vertical-align:top;",
    "tdb": "border-bottom:1px solid #dddddd;padding:5px 6px;vertical-align:top;"
    "white-space:nowrap;font-weight:bold;",
    "tdn": "border-bottom:1px solid #dddddd;padding:5px 6px;vertical-align:top;text-align:right;",
    "summary": "margin-top:3px;color:#555555;font-size:11px;",
    # PDF grid (see brief.html): font-size 0 on rows drops the gaps between inline blocks.
    "grid": "margin:6px 0 10px 0;width:100%;",
    "ghead": "background:#08306b;color:#ffffff;font-size:0;",
    "gh": "display:inline-block;vertical-align:top;box-sizing:border-box;padding:4px 5px;"
    "font-size:12px;font-weight:bold;",
    "grow": "border-bottom:1px solid #dddddd;font-size:0;page-break-inside:avoid;",
    "gtd": "display:inline-block;vertical-align:top;box-sizing:border-box;padding:4px 5px;"
    "font-size:12px;",
    "gtdb": "display:inline-block;vertical-align:top;box-sizing:border-box;padding:4px 5px;"
    "font-size:12px;font-weight:bold;",
    "gtdn": "display:inline-block;vertical-align:top;box-sizing:border-box;padding:4px 5px;"
    "font-size:12px;text-align:right;",
    "muted": "color:#666666;font-size:11px;font-weight:normal;",
    "img": "max-width:100%;height:auto;border:0;",
    "foot": "margin:20px 0 0 0;font-size:11px;color:#666666;",
}

# Print is denser than a screen: PDF uses the same styles at 80% of the type size.
PDF_STYLES = {
    key: re.sub(r"font-size:(\d+)px", lambda m: f"font-size:{int(m.group(1)) * 0.8:.1f}px", value)
    for key, value in STYLES.items()
}
# Paper is white: the screen's grey page behind the white column would fill the end of the
# last PDF page with an empty grey box (WeasyPrint paints the body's background on pages).
PDF_STYLES["body"] = PDF_STYLES["body"].replace("background:#f4f4f4;", "background:#ffffff;")
PDF_STYLES["wrap"] = "max-width:none;margin:0;padding:0;background:#ffffff;"
PDF_FONT = "Arial, Helvetica, sans-serif"  # the page-number footer too, not the serif default
# Titles and actions longer than this are cut in the reading formats' tables (the full
# text is in CSV/XLSX): some official titles run to a page.
CLIP_CHARS = 180

_env: Environment | None = None


def _environment() -> Environment:
    global _env
    if _env is None:
        _env = Environment(
            loader=PackageLoader("outreach", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
    return _env


def stage_label(stage: str | None) -> str:
    """A stage's display label ('in_committee' -> 'In committee')."""
    if not stage:
        return ""
    return STAGE_LABELS.get(stage, stage.replace("_", " "))


def _score(value: int | float | None) -> str:
    return "" if value is None else str(round(value))


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None (no javascript: or data: links from scraped data)."""
    if url and re.match(r"^https?://[^\s\"'<>]+$", url.strip(), re.IGNORECASE):
        return url.strip()
    return None


def _bill_link(row: BillRow) -> Markup:
    label = escape(f"{row.jurisdiction} {row.identifier}")
    url = safe_url(row.url)
    if url:
        return Markup('<a href="{}" style="color:#08306b;">{}</a>').format(url, label)
    return Markup(label)


def _headline_cells(brief: Brief) -> list[tuple[str, int]]:
    h = brief.headline
    period = "this week" if brief.is_week else "this period"
    return [
        ("Tracked bills", h.tracked),
        (f"New {period}", h.new),
        (f"Moved {period}", h.moved),
        ("Enacted", h.enacted),
        ("Failed or vetoed", h.failed),
        (f"Hearings next {HEARING_WINDOW_DAYS} days", len(brief.hearings)),
    ]


def no_changes_text(brief: Brief) -> str:
    """'No changes this week' (or '... in this period' for other ranges)."""
    return "No changes this week" if brief.is_week else "No changes in this period"


# Reading formats (HTML, email, PDF, Markdown, DOCX) show at most this many bills per
# topic: every bill that moved or is new, then the org's priorities and the best scores.
# A 160-page PDF or a clipped 1 MB email is read by nobody; CSV and XLSX always carry
# every row, and `full=True` (`tracker brief --full`) puts every row in any format.
READING_ROWS_PER_TOPIC = 25


@dataclass
class ShownTable:
    """A topic table as a reading format shows it."""

    key: str
    label: str
    rows: list[BillRow]
    total: int

    @property
    def hidden(self) -> int:
        """Rows left out (they are in the CSV/XLSX)."""
        return self.total - len(self.rows)


def reading_tables(brief: Brief, limit: int | None = READING_ROWS_PER_TOPIC) -> list[ShownTable]:
    """The topic tables cut to `limit` rows each (None: all), movers and priorities first."""
    active = {c.row.bill_id for c in brief.changes} | {r.bill_id for r in brief.new_bills}
    out = []
    for table in brief.topics:
        rows = table.rows
        if limit is not None and len(rows) > limit:
            ranked = sorted(
                rows,
                key=lambda r: (
                    r.bill_id not in active,
                    PRIORITY_RANK.get(r.priority, 9),
                    -(r.score or 0),
                ),
            )
            keep = {r.bill_id for r in ranked[:limit]}
            rows = [r for r in rows if r.bill_id in keep]
        out.append(ShownTable(table.key, table.label, rows, len(table.rows)))
    return out


def hidden_note(table: ShownTable) -> str:
    """The line under a cut table."""
    return (
        f"…and {table.hidden} more tracked bills in this topic (every bill is in the CSV and "
        "XLSX downloads)."
    )


# --- images -------------------------------------------------------------------------------


def svg_images(brief: Brief) -> list[tuple[str, str, str]]:
    """(name, alt text, SVG) for the brief's two pictures."""
    return [
        ("topic-stage", "Tracked bills by topic and stage", brief.chart_svg()),
        ("state-map", "Bill activity by state (tile grid map)", brief.map_svg()),
    ]


def png_available() -> bool:
    """True when cairosvg and the system cairo library (libcairo2) can rasterize SVG."""
    try:
        import cairosvg  # noqa: F401
    except (ImportError, OSError):  # cairocffi raises OSError when libcairo2 is missing
        return False
    return True


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """Rasterize SVG with cairosvg (for DOCX and mail clients that do not show SVG)."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), scale=scale)


def png_images(brief: Brief) -> list[tuple[str, str, bytes]]:
    """(name, alt, PNG) for the pictures; empty, with a warning, when cairo is missing."""
    if not png_available():
        log.warning("libcairo2 is not installed: brief pictures are left out of DOCX and email")
        return []
    return [(name, alt, svg_to_png(svg)) for name, alt, svg in svg_images(brief)]


def _data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _svg_width(svg: str) -> str:
    match = re.search(r"width='(\d+)'", svg)
    return match.group(1) if match else "600"


# --- HTML and PDF -------------------------------------------------------------------------


def render_html(
    brief: Brief,
    images: str = "svg",
    for_pdf: bool = False,
    limit: int | None = READING_ROWS_PER_TOPIC,
) -> str:
    """The brief as one HTML document with inline CSS.

    images: "svg" embeds the charts as SVG data URIs (files, the web page, PDF);
    "cid" references `cid:<name>` parts the mailer attaches as PNG; "none" leaves them out.
    """
    pictures: list[tuple[str, str, str]] = []
    for name, alt, svg in svg_images(brief):
        if images == "svg":
            pictures.append((alt, _data_uri("image/svg+xml", svg.encode("utf-8")), _svg_width(svg)))
        elif images == "cid":
            pictures.append((alt, f"cid:{name}", _svg_width(svg)))
        elif images != "none":
            raise InvalidInput(f"images must be svg, cid or none (got {images!r})")
    z_generated = brief.generated_at.astimezone(_zone(brief.timezone))
    return (
        _environment()
        .get_template("briefs/brief.html")
        .render(
            brief=brief,
            s=PDF_STYLES if for_pdf else STYLES,
            for_pdf=for_pdf,
            pdf_font=PDF_FONT,
            images=pictures,
            generated=z_generated.strftime("%Y-%m-%d %H:%M %Z"),
            headline_cells=_headline_cells(brief),
            no_changes_text=no_changes_text(brief),
            hearing_days=HEARING_WINDOW_DAYS,
            stage=stage_label,
            score=_score,
            bill_link=_bill_link,
            tables=reading_tables(brief, limit),
            hidden_note=hidden_note,
            clip=lambda text: text if limit is None else shorten(text, CLIP_CHARS),
        )
    )


def _zone(name: str):  # noqa: ANN202 - ZoneInfo
    from outreach.briefs.data import zone

    return zone(name)


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint the finished HTML; only data: URIs are fetched (no network, no files)."""
    from weasyprint import HTML

    try:
        from weasyprint.urls import URLFetcher
    except ImportError:  # WeasyPrint < 68: a plain fetcher function
        from weasyprint import default_url_fetcher

        def fetcher(url: str, *args: Any, **kwargs: Any) -> dict:
            if not url.startswith("data:"):
                raise ValueError(f"brief PDFs fetch nothing but data: URIs (not {url[:60]})")
            return default_url_fetcher(url, *args, **kwargs)

        return HTML(string=html, url_fetcher=fetcher).write_pdf()
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=("data",))).write_pdf()


def render_pdf(brief: Brief, limit: int | None = READING_ROWS_PER_TOPIC) -> bytes:
    """The brief as PDF (WeasyPrint), charts as vector SVG."""
    return html_to_pdf(render_html(brief, images="svg", for_pdf=True, limit=limit))


# --- Markdown -----------------------------------------------------------------------------

# Only what can start markup mid-line: emphasis, code, links/images, raw HTML, table cells,
# strikethrough; "_" only at a word edge (New_York is plain text in CommonMark) and "&"
# only where it would spell an entity. Every call site puts the text after a prefix
# ("# ", "- ", "| "), so line-start markers (#, -, 1.) need no escape ("May 1-31" stays).
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~])|(?<=\])\(|(?<!\w)_|_(?!\w)|&(?=#?\w+;)")


def md_escape(text: Any) -> str:
    """Untrusted text made inert in Markdown: one line, metacharacters escaped."""
    flat = " ".join(str(text or "").split())
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), flat)


def _md_table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return out + [""]


def _md_link(row: BillRow) -> str:
    label = md_escape(f"{row.jurisdiction} {row.identifier}")
    url = safe_url(row.url)
    # <...> keeps parentheses in URLs from ending the link; safe_url already rules out < > ".
    return f"[{label}](<{url}>)" if url else label


def render_markdown(
    brief: Brief,
    image_names: dict[str, str] | None = None,
    limit: int | None = READING_ROWS_PER_TOPIC,
    with_images: bool = True,
) -> str:
    """The brief as Markdown. Images only where `image_names` names them (files, cid:).

    No data URIs: a 28 KB base64 blob is unreadable in a Markdown file; without names the
    charts are left to the HTML and PDF editions.
    """
    h = brief.headline
    kind = "Weekly policy brief" if brief.is_week else "Policy brief"
    lines = [
        f"# {md_escape(brief.org_name)}: {kind}, {md_escape(brief.period_label)}",
        "",
        f"{brief.start.isoformat()} to {brief.end.isoformat()} ({md_escape(brief.timezone)})",
        "",
    ]
    if brief.no_changes:
        lines += [
            f"**{no_changes_text(brief)}.** None of the {h.tracked} tracked bills moved and "
            "no new bills came into scope.",
            "",
        ]
    lines += ["## Headline numbers", ""]
    lines += [f"- {label}: **{value}**" for label, value in _headline_cells(brief)] + [""]
    if brief.by_topic:
        lines += _md_table(
            ["Topic", "Tracked", "New", "Moved", "Enacted", "Failed or vetoed"],
            [[t.label, t.tracked, t.new, t.moved, t.enacted, t.failed] for t in brief.by_topic],
        )
    lines += ["## What changed", ""]
    if brief.changes:
        lines += _md_table(
            ["Bill", "Title", "From", "To", "Action", "Date"],
            [],
        )[:2]
        for c in brief.changes:
            cells = [
                _md_link(c.row),
                md_escape(c.row.title),
                md_escape(stage_label(c.old_stage)),
                f"**{md_escape(stage_label(c.new_stage))}**",
                md_escape(c.action),
                c.action_date.isoformat() if c.action_date else "",
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    else:
        lines += [f"{no_changes_text(brief)}.", ""]
    if brief.text_changes:
        lines += ["### What changed in the latest version", ""]
        for t in brief.text_changes:
            when = f" ({t.version_date.isoformat()})" if t.version_date else ""
            lines.append(
                f"- {_md_link(t.row)} **{md_escape(t.version)}**{when}, since "
                f"{md_escape(t.since)}: {md_escape(t.summary)}."
            )
        lines.append("")
    lines += ["### New bills in scope", ""]
    if brief.new_bills:
        lines += [
            f"- {_md_link(r)}: {md_escape(r.title)} "
            f"(introduced {r.introduced.isoformat() if r.introduced else 'n/a'}; "
            f"{md_escape(stage_label(r.stage))})"
            for r in brief.new_bills
        ] + [""]
    else:
        lines += ["No new bills came into scope.", ""]
    lines += [f"### Hearings in the next {HEARING_WINDOW_DAYS} days", ""]
    if brief.hearings:
        lines += [
            f"- {hr.start:%a %b %d, %-I:%M %p %Z}, {md_escape(hr.jurisdiction)}"
            f"{(' ' + md_escape(hr.location)) if hr.location else ''}: {md_escape(hr.name)} "
            f"({md_escape(', '.join(hr.bills))})"
            for hr in brief.hearings
        ] + [""]
    else:
        lines += ["No hearings on tracked bills are scheduled.", ""]
    lines += ["### Bills with momentum", ""]
    if brief.momentum:
        lines += [
            f"- {_md_link(r)}: {md_escape(r.title)} ({md_escape(stage_label(r.stage))}; "
            f"{md_escape(r.momentum)})"
            for r in brief.momentum
        ] + [""]
    else:
        lines += ["No tracked bill is picking up speed.", ""]
    if with_images and image_names:
        lines += ["## At a glance", ""]
        for name, alt, _svg in svg_images(brief):
            if target := image_names.get(name):
                lines += [f"![{md_escape(alt)}](<{target}>)", ""]
    elif with_images:
        lines += ["The charts are in the HTML and PDF editions of this brief.", ""]
    lines += ["## Bills by topic", ""]
    for table in reading_tables(brief, limit):
        lines += [f"### {md_escape(table.label)} ({table.total})", ""]
        lines += ["| Bill | Title | Status | Last action | Position | Priority | Score | Summary |"]
        lines += ["|---|---|---|---|---|---|---|---|"]
        for r in table.rows:
            last = f"{r.last_action_date.isoformat()}: " if r.last_action_date else ""
            cells = [
                _md_link(r),
                md_escape(r.title),
                md_escape(stage_label(r.stage)),
                md_escape(last + r.last_action),
                md_escape(r.position),
                md_escape(r.priority),
                _score(r.score),
                md_escape(r.summary),
            ]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        if table.hidden:
            lines += [md_escape(hidden_note(table)), ""]
    if not brief.topics:
        lines += ["No bills are tracked yet: add bills to a watchlist to fill this brief.", ""]
    lines += ["## Outreach", ""]
    o = brief.outreach
    if not o.available:
        lines += ["Outreach records are not set up for this organization.", ""]
    elif o.empty:
        lines += ["No letters sent, meetings logged or follow-ups open in this period.", ""]
    else:
        lines += [
            f"{o.letters_total} letters sent, {len(o.meetings)} meetings logged, "
            f"{len(o.open_follow_ups)} follow-ups open.",
            "",
        ]
        if o.letters_by_campaign:
            lines += _md_table(
                ["Campaign", "Letters sent"], [list(x) for x in o.letters_by_campaign]
            )
        if o.letters_by_office:
            lines += _md_table(
                ["Office", "Letters received"], [list(x) for x in o.letters_by_office]
            )
        if o.meetings:
            lines += _md_table(
                ["Date", "Meeting with", "Bill", "Outcome"],
                [[m["date"], m["with"], m["bill"], m["outcome"]] for m in o.meetings],
            )
        if o.open_follow_ups:
            lines += _md_table(
                ["Due", "Follow-up", "Owner", "Overdue"],
                [
                    [f["due"], f["what"], f["owner"], "overdue" if f["overdue"] else ""]
                    for f in o.open_follow_ups
                ],
            )
    lines += [
        f"_Stages are derived from each bill's dated actions as of {brief.end.isoformat()}._",
        "",
    ]
    return "\n".join(lines)


# --- table formats ------------------------------------------------------------------------


def table_rows(brief: Brief) -> list[list[Any]]:
    """The bill tables flattened: one row per (topic, bill), TABLE_COLUMNS order."""
    moved = {c.row.bill_id: c for c in brief.changes}
    new = {r.bill_id for r in brief.new_bills}
    out: list[list[Any]] = []
    for label, r in brief.all_rows():
        change = moved.get(r.bill_id)
        if change:
            changed = f"{stage_label(change.old_stage)} -> {stage_label(change.new_stage)}"
        elif r.bill_id in new:
            changed = "new"
        else:
            changed = ""
        out.append(
            [
                label,
                r.jurisdiction,
                r.identifier,
                r.title,
                stage_label(r.stage),
                r.stage_date,
                r.last_action_date,
                r.last_action,
                r.position,
                r.priority,
                r.score,
                r.likelihood,
                changed,
                r.summary,
                r.url or "",
            ]
        )
    return out


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """A cell value as CSV text; formula-looking text gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(brief: Brief) -> bytes:
    """The bill tables as CSV (UTF-8 with BOM so Excel reads accents right)."""
    buf = io.StringIO()
    writer = safe_csv_writer(buf, lineterminator="\r\n")
    writer.writerow(TABLE_COLUMNS)
    for row in table_rows(brief):
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _sheet_title(label: str, used: set[str]) -> str:
    title = re.sub(r"[\[\]:*?/\\]", " ", label).strip()[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        suffix = f" {n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title


def render_xlsx(brief: Brief) -> bytes:
    """The brief's tables as a workbook: Summary, Changes, one sheet per topic, All bills."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)

    def sheet(title: str, headers: list[str], rows: list[list[Any]], widths: list[int]) -> None:
        ws = wb.create_sheet(_sheet_title(title, used))
        for i, w in enumerate(widths):
            ws.column_dimensions[chr(65 + i)].width = w
        ws.freeze_panes = "A2"
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            cells = []
            for value in row:
                if isinstance(value, str):
                    # The one neutralization every export uses (controls dropped, a
                    # formula-looking text quoted), and typed as a string below.
                    value = neutralize(value)
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    # A string cell, never a formula, whatever the scraped text starts with.
                    cell.data_type = "s"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, float):
                    cell.number_format = "0.00"
                cells.append(cell)
            ws.append(cells)

    h = brief.headline
    summary = [
        ["Organization", brief.org_name],
        ["From", brief.start],
        ["To", brief.end],
        ["Time zone", brief.timezone],
        *[[label, value] for label, value in _headline_cells(brief)],
    ]
    if brief.no_changes:
        summary.append(["Note", f"{no_changes_text(brief)}: none of the {h.tracked} bills moved"])
    summary += [[f"Topic: {t.label}", t.tracked] for t in brief.by_topic]
    sheet("Summary", ["Item", "Value"], summary, [28, 60])
    sheet(
        "Changes",
        ["Jurisdiction", "Bill", "Title", "From", "To", "Action", "Action date"],
        [
            [
                c.row.jurisdiction,
                c.row.identifier,
                c.row.title,
                stage_label(c.old_stage),
                stage_label(c.new_stage),
                c.action,
                c.action_date,
            ]
            for c in brief.changes
        ]
        or [["", "", no_changes_text(brief), "", "", "", None]],
        [12, 14, 50, 20, 20, 50, 12],
    )
    widths = [22, 8, 14, 50, 18, 12, 12, 50, 10, 10, 8, 10, 26, 60, 40]
    rows = table_rows(brief)
    for table in brief.topics:
        sheet(table.label, list(TABLE_COLUMNS), [r for r in rows if r[0] == table.label], widths)
    sheet("All bills", list(TABLE_COLUMNS), rows, widths)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- DOCX ---------------------------------------------------------------------------------


def render_docx(brief: Brief, limit: int | None = READING_ROWS_PER_TOPIC) -> bytes:
    """The brief as a Word document, with the charts as PNG."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Inches, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Inches(11), Inches(8.5)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(0.6))
    doc.styles["Normal"].font.size = Pt(9)
    kind = "Weekly policy brief" if brief.is_week else "Policy brief"
    doc.add_heading(f"{brief.org_name}: {kind}", level=0)
    doc.add_paragraph(
        f"{brief.period_label} ({brief.start.isoformat()} to {brief.end.isoformat()}, "
        f"{brief.timezone})"
    )
    if brief.no_changes:
        para = doc.add_paragraph()
        para.add_run(f"{no_changes_text(brief)}.").bold = True
        para.add_run(
            f" None of the {brief.headline.tracked} tracked bills moved and no new bills came "
            "into scope."
        )

    def table(headers: list[str], rows: list[list[Any]]) -> None:
        t = doc.add_table(rows=1, cols=len(headers))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, headers, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for row in rows:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = _docx_text(value)

    doc.add_heading("Headline numbers", level=1)
    table(["Measure", "Count"], [[label, value] for label, value in _headline_cells(brief)])
    if brief.by_topic:
        doc.add_paragraph()
        table(
            ["Topic", "Tracked", "New", "Moved", "Enacted", "Failed or vetoed"],
            [[t.label, t.tracked, t.new, t.moved, t.enacted, t.failed] for t in brief.by_topic],
        )
    doc.add_heading("What changed", level=1)
    if brief.changes:
        table(
            ["Bill", "Title", "From", "To", "Action", "Date"],
            [
                [
                    f"{c.row.jurisdiction} {c.row.identifier}",
                    c.row.title,
                    stage_label(c.old_stage),
                    stage_label(c.new_stage),
                    c.action,
                    c.action_date,
                ]
                for c in brief.changes
            ],
        )
    else:
        doc.add_paragraph(f"{no_changes_text(brief)}.")
    doc.add_heading("New bills in scope", level=2)
    if brief.new_bills:
        table(
            ["Bill", "Title", "Introduced", "Stage"],
            [
                [f"{r.jurisdiction} {r.identifier}", r.title, r.introduced, stage_label(r.stage)]
                for r in brief.new_bills
            ],
        )
    else:
        doc.add_paragraph("No new bills came into scope.")
    doc.add_heading(f"Hearings in the next {HEARING_WINDOW_DAYS} days", level=2)
    if brief.hearings:
        table(
            ["When", "Where", "Hearing", "Tracked bills"],
            [
                [
                    hr.start.strftime("%a %b %d, %-I:%M %p %Z"),
                    f"{hr.jurisdiction} {hr.location}".strip(),
                    hr.name,
                    ", ".join(hr.bills),
                ]
                for hr in brief.hearings
            ],
        )
    else:
        doc.add_paragraph("No hearings on tracked bills are scheduled.")
    doc.add_heading("Bills with momentum", level=2)
    if brief.momentum:
        table(
            ["Bill", "Title", "Stage", "Why"],
            [
                [f"{r.jurisdiction} {r.identifier}", r.title, stage_label(r.stage), r.momentum]
                for r in brief.momentum
            ],
        )
    else:
        doc.add_paragraph("No tracked bill is picking up speed.")
    doc.add_heading("At a glance", level=1)
    pictures = png_images(brief)
    if not pictures:
        doc.add_paragraph("(Charts need the cairo library on the server; see the PDF or HTML.)")
    for _name, alt, png in pictures:
        doc.add_picture(io.BytesIO(png), width=Inches(6.5))
        doc.add_paragraph().add_run(alt).italic = True
    doc.add_heading("Bills by topic", level=1)
    for t in reading_tables(brief, limit):
        doc.add_heading(f"{t.label} ({t.total})", level=2)
        table(
            ["Bill", "Title", "Status", "Last action", "Position", "Priority", "Score", "Summary"],
            [
                [
                    f"{r.jurisdiction} {r.identifier}",
                    r.title,
                    stage_label(r.stage),
                    (f"{r.last_action_date.isoformat()}: " if r.last_action_date else "")
                    + r.last_action,
                    r.position,
                    r.priority,
                    _score(r.score),
                    r.summary,
                ]
                for r in t.rows
            ],
        )
        if t.hidden:
            doc.add_paragraph(hidden_note(t))
    if not brief.topics:
        doc.add_paragraph("No bills are tracked yet: add bills to a watchlist to fill this brief.")
    doc.add_heading("Outreach", level=1)
    o = brief.outreach
    if not o.available:
        doc.add_paragraph("Outreach records are not set up for this organization.")
    elif o.empty:
        doc.add_paragraph("No letters sent, meetings logged or follow-ups open in this period.")
    else:
        doc.add_paragraph(
            f"{o.letters_total} letters sent, {len(o.meetings)} meetings logged, "
            f"{len(o.open_follow_ups)} follow-ups open."
        )
        if o.letters_by_campaign:
            table(["Campaign", "Letters sent"], [list(x) for x in o.letters_by_campaign])
        if o.letters_by_office:
            table(["Office", "Letters received"], [list(x) for x in o.letters_by_office])
        if o.meetings:
            table(
                ["Date", "Meeting with", "Bill", "Outcome"],
                [[m["date"], m["with"], m["bill"], m["outcome"]] for m in o.meetings],
            )
        if o.open_follow_ups:
            table(
                ["Due", "Follow-up", "Owner", "Overdue"],
                [
                    [f["due"], f["what"], f["owner"], "overdue" if f["overdue"] else ""]
                    for f in o.open_follow_ups
                ],
            )
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _docx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    # XML 1.0 forbids most control characters; scraped text sometimes carries them.
    return _XML_BAD.sub("", str(value))


# --- dispatch -----------------------------------------------------------------------------

RENDERERS: dict[str, Callable[[Brief, int | None], bytes]] = {
    "html": lambda b, limit: render_html(b, limit=limit).encode("utf-8"),
    "pdf": lambda b, limit: render_pdf(b, limit=limit),
    "md": lambda b, limit: render_markdown(b, limit=limit).encode("utf-8"),
    "docx": lambda b, limit: render_docx(b, limit=limit),
    "csv": lambda b, _limit: render_csv(b),
    "xlsx": lambda b, _limit: render_xlsx(b),
}


def render(brief: Brief, fmt: str, full: bool = False) -> bytes:
    """The brief in format `fmt` (one of FORMATS) as bytes; `full` puts every bill in."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})") from None
    return renderer(brief, None if full else READING_ROWS_PER_TOPIC)


def filename(brief: Brief, fmt: str) -> str:
    """A download name like 'brief-acme-2024-03-04-2024-03-10.pdf'."""
    return f"brief-{brief.org_slug}-{brief.start.isoformat()}-{brief.end.isoformat()}.{fmt}"
