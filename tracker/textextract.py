"""Full text from a bill version's document (HTML, XML, PDF or plain text), extracted once.

The cache key is the sha256 of the downloaded bytes: the same document is never parsed
twice, and a changed document gets a new key (so the tagger notices new text). A stored
text is re-extracted when `EXTRACTOR_VERSION` (or the library's version) changes.

Libraries: PDF through pypdfium2 (PDFium; page by page, about 50x faster than pypdf on
the Missouri bills, see docs/texts.md and bench/RESULTS.md), HTML and XML through lxml,
plain text through bs4's UnicodeDammit.

What an extraction holds (`Extraction`, stored on `tracker.models.tagging.ExtractedText`):

- `text`: the version's own words as it would read once enacted, paragraphs separated
  by a blank line. **Struck text is not in `text`** (so it is never tagged as the bill's
  words); inserted text is.
- `marks`: amendment markup, offsets into `text`, sorted by position:
  `{"kind": "ins", "start": i, "end": j}`  text[i:j] is inserted by this version
  (`<ins>`, `<u>`, GPO `<added-phrase>`, California's blue/italic inserts);
  `{"kind": "del", "at": i, "text": "..."}` struck text that stood just before text[i]
  (`<strike>`, `<s>`, `<del>`, GPO `<deleted-phrase>`, Missouri's bold `[brackets]`).
  A differ or page can rebuild the marked-up document from `text` + `marks`.
- `sections`: `{"label": "SEC. 3", "heading": "...", "start": i}` sorted by `start`; the
  section holding offset k is the last one with start <= k (`section_at`). From the XML
  structure (GPO bill DTD `<section><enum>`, USLM `<section><num>`) or, for PDF/HTML/text,
  from heading lines ("SEC. 3.", "Section 14.", "## Section 2", Missouri's "630.1130.").
- `pages`: the PDF's page count (None for other formats).

State PDFs print line numbers and a running page header ("HB 2520 2"); both are removed
(`strip_pdf_furniture`), as is Missouri's repeated "EXPLANATION - Matter enclosed in
bold-faced brackets..." notice. A document that cannot be read (encrypted PDF, a scan
with no text layer, garbage) raises `InvalidInput` with the reason; the fetcher
quarantines it and the bill still imports.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from tracker.errors import InvalidInput

EXTRACTOR_VERSION = "2"
MAX_BYTES = 50_000_000
MAX_PDF_PAGES = 5000
MAX_CHARS = 10_000_000
PDF_REOPEN_EVERY = 200
MIN_PDF_CHARS_PER_PAGE = 20  # below this on every page: a scan without a text layer

# Private-use sentinels around inserted / struck runs while the text is normalized.
_INS, _INS_END, _DEL, _DEL_END = "\ue000", "\ue001", "\ue002", "\ue003"
_SECTION_MARK = "\ue004"
_SECTION_ATTR = "_mh_section"
_SENTINELS = re.compile("[\ue000-\ue004]")
# A run of spaces becomes one space, a space next to a line end goes. The patterns skip
# what would not change (a lone space, a bare newline): `re.sub` keeps a piece per
# match, and one per word of a 10-million-character text is hundreds of MB.
_SPACES = re.compile(r"[\t\r\f\v\u00a0][ \t\r\f\v\u00a0]*| [ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n\s*")
_LINE_EDGES = re.compile(r" \n ?|\n ")

_BLOCKS = frozenset(
    "p div br li tr h1 h2 h3 h4 h5 h6 pre section article blockquote table ul ol dd dt".split()
)
_HTML_DEL = frozenset({"strike", "s", "del"})
_HTML_INS = frozenset({"ins", "u"})
_DEL_CLASSES = re.compile(r"(?i)\b(?:cd_?delete|deleted?|strike\w*|red_text|struck)\b")
_INS_CLASSES = re.compile(r"(?i)\b(?:cd_?insert|inserted|added|blue_text|underline)\b")

# XML (GPO bill DTD and USLM): structure kept as section labels and headings.
_XML_SKIP = frozenset({"metadata", "meta", "dublinCore", "toc", "processing-instruction"})
_XML_SECTIONS = frozenset({"section"})
# Bill XML elements that stand as their own paragraph (GPO bill DTD and USLM); others
# (enum, quote, term, xrefs, header-in-text, ...) run inline.
_XML_BLOCKS = frozenset(
    """section subsection paragraph subparagraph clause subclause item subitem text p
    header heading title subtitle part division chapter subchapter level content chapeau
    continuation-text quoted-block quotedContent preamble enacting-formula enactingFormula
    legis-body resolution-body engrossed-amendment-body longTitle docTitle official-title
    form preface distribution-code calendar congress session legis-num current-chamber
    action legis-type endorsement report-num docNumber currentChamber slugLine
    distributionCode docStage action-date attestation attestation-group signature signatures
    coverTitle coverText whereas resolving-clause findings purposes toc-entry""".split()
)
_XML_DEL = frozenset({"deleted-phrase", "del"})
_XML_INS = frozenset({"added-phrase", "ins"})

_HEADING_LINE = re.compile(
    r"^(?:#{1,6}\s*)?"
    r"(?P<label>(?:SEC(?:TION)?|Sec(?:tion)?)\.?\s+[0-9]+[A-Za-z]?(?:[.-][0-9]+[A-Za-z]?)*"
    r"|Section\s+[A-Z](?=\.)"
    r"|[0-9]{1,3}[A-Z]?\.[0-9]{2,4}[a-z]?(?=\.\s))"
    r"(?:\.[ \t]*(?P<heading>[^\n]{0,200})|[ \t]*)$",
    re.MULTILINE,
)
_PAGE_MARK = re.compile(
    r"\s*(?:(?:[A-Z]{1,4}\.? ?\d{1,5}|Page)\s+\d{1,4}(?:\s+of\s+\d{1,4})?"
    r"|[\u2713\u2714]|\d{1,4})\s*"
)
_LINE_NUMBER = re.compile(r"^[ \t]*\d{1,3}[ \t]+(?=\S)")
_MO_EXPLANATION = re.compile(
    r"(?is)EXPLANATION\s*[-\u2014\u2013]+\s*Matter enclosed in bold[- ]faced brackets"
    r"\s*\[thus\].{0,160}?(?:omitted (?:from|in) the law|proposed language)\.?"
    r"(?:\s*Matter in bold-face type in the above bill is proposed language\.)?"
)
_MO_BRACKETS = re.compile(r"\[([^\[\]]{1,20000})\]")


@dataclass
class Extraction:
    """The text of one document with its amendment marks and section index."""

    text: str
    media_type: str
    extractor: str
    version: str
    marks: list[dict[str, Any]] = field(default_factory=list)
    sections: list[dict[str, Any]] = field(default_factory=list)
    pages: int | None = None


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of a document's bytes (the cache key)."""
    return hashlib.sha256(data).hexdigest()


def sniff_media_type(data: bytes, media_type: str | None = None) -> str:
    """A normalized media type: application/pdf, text/html, application/xml or text/plain.

    The bytes win over the declared type: servers label PDFs `application/octet-stream`
    and XML `text/html` often enough.
    """
    declared = (media_type or "").split(";")[0].strip().lower()
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if data[:5] == b"%PDF-" or (declared == "application/pdf" and b"%PDF-" in data[:1024]):
        return "application/pdf"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "text/html"
    if head.startswith((b"<?xml", b"<bill", b"<resolution", b"<amendment-doc", b"<!doctype")):
        return "application/xml"
    if head.startswith(b"<"):
        return "text/html" if "html" in declared else "application/xml"
    if declared == "application/pdf":
        return "application/pdf"  # not a PDF after all: _pdf reports it
    return "text/plain"


@functools.cache
def library_versions() -> dict[str, str]:
    """Extractor name -> the library version it runs on (part of the extractor version)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name, dist in (("pypdfium2", "pypdfium2"), ("lxml.html", "lxml"), ("lxml.etree", "lxml")):
        try:
            out[name] = version(dist)
        except PackageNotFoundError:
            out[name] = "?"
    out["decode"] = "1"
    return out


def extractor_version(extractor: str) -> str:
    """`EXTRACTOR_VERSION` + the library version: a stored text older than this is redone."""
    return f"{EXTRACTOR_VERSION}/{library_versions().get(extractor, '?')}"[:40]


def extract(
    data: bytes,
    media_type: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_pages: int = MAX_PDF_PAGES,
) -> Extraction:
    """Extract one document; InvalidInput (with the reason) if it cannot be read."""
    if len(data) > max_bytes:
        raise InvalidInput(f"document larger than {max_bytes} bytes")
    kind = sniff_media_type(data, media_type)
    pages = None
    if kind == "application/pdf":
        # Page by page, the cap applied as the text is made: memory stays flat.
        page_texts, pages = _pdf(data, max_pages)
        text, marks, starts = _finish_pdf(page_texts, MAX_CHARS)
        del page_texts
        extractor = "pypdfium2"
    else:
        if kind == "text/html":
            raw, extractor = _html(data), "lxml.html"
        elif kind == "application/xml":
            raw, extractor = _xml(data), "lxml.etree"
        else:
            raw, extractor = _plain(data), "decode"
        held = [raw]  # handed over, so that no copy of the raw text outlives its first change
        del raw
        text, marks, starts = _finish(held)
    if not text.strip():
        raise InvalidInput("document has no text")
    if _looks_like_garbage(text):
        raise InvalidInput("document text is not readable (binary or wrongly encoded)")
    text, marks = text[:MAX_CHARS], [m for m in marks if m.get("start", m.get("at", 0)) < MAX_CHARS]
    return Extraction(
        text=text,
        media_type=kind,
        extractor=extractor,
        version=extractor_version(extractor),
        marks=marks,
        sections=_sections_at(text, starts) if kind == "application/xml" else find_sections(text),
        pages=pages,
    )


def extract_text(data: bytes, media_type: str | None = None) -> tuple[str, str, str]:
    """(text, normalized media type, extractor name); InvalidInput if it cannot be read."""
    result = extract(data, media_type)
    return result.text, result.media_type, result.extractor


def section_at(sections: list[dict[str, Any]], offset: int) -> dict[str, Any] | None:
    """The section holding text offset `offset` (None before the first heading)."""
    starts = [s["start"] for s in sections]
    i = bisect.bisect_right(starts, offset) - 1
    return sections[i] if i >= 0 else None


_ENUMERATOR = re.compile(r"\s*(?:\(?[0-9A-Za-z]{1,4}[.)]\s+)?")


def inside_inserted(marks: list[dict[str, Any]] | None, text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is wholly text this version inserts: its words lie inside
    `ins` runs (a leading enumerator such as "i." or "(a)", spaces and punctuation
    between runs, and a trailing full stop may stand outside them)."""
    runs = sorted((m["start"], m["end"]) for m in marks or () if m.get("kind") == "ins")
    if not runs:
        return False
    start += _ENUMERATOR.match(text, start, end).end() - start
    covered = start
    for run_start, run_end in runs:
        if run_end <= covered:
            continue
        if run_start > covered and re.search(r"\w", text[covered:run_start]):
            break
        covered = max(covered, run_end)
        if covered >= end:
            break
    return covered >= end or (covered > start and not re.search(r"\w", text[covered:end]))


# --- formats --------------------------------------------------------------------------


def _pdf(data: bytes, max_pages: int = MAX_PDF_PAGES) -> tuple[list[str | bytes], int]:
    """Each page's text, zlib-compressed (each page's text page is closed before the next
    is read), and the page count."""
    import pypdfium2 as pdfium

    if not data.startswith(b"%PDF-") and b"%PDF-" not in data[:1024]:
        raise InvalidInput("not a PDF (no %PDF- header)")
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise InvalidInput("encrypted PDF (password required)") from exc
        raise InvalidInput(f"could not read PDF: {reason}") from exc
    try:
        count = len(doc)
        if count > max_pages:
            raise InvalidInput(f"PDF has {count} pages (limit {max_pages})")
        pages: list[str | bytes] = []
        longest = 0
        for i in range(count):
            if i and i % PDF_REOPEN_EVERY == 0:
                # PDFium keeps what it parsed for every page until the document closes;
                # reopening keeps memory flat on a 3,000-page appropriations bill.
                doc.close()
                doc = pdfium.PdfDocument(data)
            page = doc[i]
            textpage = page.get_textpage()
            try:
                # Kept compressed until the second pass (a few MB instead of the text's
                # size on a 10,000-page bill); surrogatepass round-trips any str.
                text = textpage.get_text_range()
                pages.append(zlib.compress(text.encode("utf-8", "surrogatepass"), 1))
                longest = max(longest, len(text.strip()))
            finally:
                textpage.close()
                page.close()
    except pdfium.PdfiumError as exc:
        raise InvalidInput(f"could not read PDF: {exc}") from exc
    finally:
        doc.close()
    if count and longest < MIN_PDF_CHARS_PER_PAGE:
        raise InvalidInput(f"PDF has no text layer ({count} pages of images: a scan?)")
    return pages, count


def strip_pdf_furniture(pages: list[str]) -> str:
    """Join PDF pages without printed line numbers, running headers/footers or page
    numbers (see `_strip_pdf_furniture`)."""
    return _strip_pdf_furniture(list(pages))


def _page_text(page: str | bytes) -> str:
    """A page's text, kept as is or zlib-compressed UTF-8 (see `_pdf`)."""
    if isinstance(page, str):
        return page
    return zlib.decompress(page).decode("utf-8", "surrogatepass")


def _strip_pdf_furniture(pages: list[str | bytes]) -> str:
    """Join PDF pages without printed line numbers, running headers/footers or page numbers.

    A page's first and last two lines are furniture when, with digits blanked, the same
    line opens or closes at least half of the pages (and 3+ pages), or when they look like
    "HB 2520 2", "Page 4 of 9" or a lone check mark. Line numbers are removed when most
    lines carry one.
    """
    return "\n\n".join(_pdf_paragraphs(pages, _pdf_furniture(pages)))


def _pdf_furniture(pages: list[str | bytes]) -> tuple[set[str], bool]:
    """What `_strip_pdf_furniture` takes out, learnt from all pages: the repeated edge
    lines (digits blanked) and whether lines carry printed numbers."""
    edges: Counter[str] = Counter()
    numbered = lines_seen = 0
    for page in pages:
        lines = _page_text(page).splitlines()
        edges.update({_furniture_key(x) for x in lines[:2] + lines[-2:] if x.strip()})
        if lines_seen < 5000:
            lines_seen += sum(1 for x in lines if x.strip())
            numbered += sum(1 for x in lines if _LINE_NUMBER.match(x))
    threshold = max(3, len(pages) // 2)
    repeated = {k for k, n in edges.items() if n >= threshold and len(k) < 80}
    return repeated, bool(lines_seen and numbered / lines_seen >= 0.4)


def _pdf_paragraphs(
    pages: list[str | bytes], furniture: tuple[set[str], bool], release: bool = False
) -> Iterator[str]:
    """The paragraphs of the pages without furniture, each given out once the next one
    has started (a paragraph may run on to the next page); one page in memory at a time.
    `release`: each page is taken out of `pages` once read."""
    repeated, strip_numbers = furniture
    paragraphs: list[str] = []
    for i, page in enumerate(pages):
        if release:
            pages[i] = b""
        lines = _page_text(page).splitlines()
        for pos in (0, 1, -1, -2):
            if len(lines) > (pos if pos >= 0 else -pos - 1):
                line = lines[pos]
                if _furniture_key(line) in repeated or _PAGE_MARK.fullmatch(line):
                    lines[pos] = ""
        if strip_numbers:
            lines = [_LINE_NUMBER.sub("", x) for x in lines]
        _unwrap_into(paragraphs, lines)
        if len(paragraphs) > 1:
            yield from paragraphs[:-1]
            del paragraphs[:-1]
    yield from paragraphs


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip())


_BLOCK_START = re.compile(
    r"^(?:\(\w{1,4}\)|\d{1,3}\.\s|[A-Z]\.\s|SEC|Sec|Section\s|[0-9]{1,3}\.\d)"
)


def _unwrap_into(paragraphs: list[str], lines: list[str]) -> None:
    """Join a PDF's hard-wrapped lines into paragraphs (a new one starts at a numbered or
    lettered subdivision, a section heading, an all-caps line or after a full stop)."""
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        starts_block = bool(_BLOCK_START.match(stripped)) or stripped.isupper()
        if paragraphs and not starts_block and not paragraphs[-1].endswith((".", ":", ";")):
            paragraphs[-1] = paragraphs[-1] + " " + stripped
        elif (
            paragraphs
            and not starts_block
            and len(paragraphs[-1]) > 60
            and not (paragraphs[-1].endswith("."))
        ):
            paragraphs[-1] = paragraphs[-1] + " " + stripped
        else:
            paragraphs.append(stripped)


def _html(data: bytes) -> str:
    import lxml.html
    from lxml import etree

    try:
        doc = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        raise InvalidInput(f"could not parse HTML: {exc}") from exc
    for bad in doc.xpath("//script|//style|//noscript|//head|//nav"):
        bad.drop_tree()
    parts: list[str] = []
    _walk(doc, parts, _html_kind, _BLOCKS)
    return "".join(parts)


def _html_kind(el: Any, tag: str) -> str | None:
    tag = tag.lower()
    cls = el.get("class") or ""
    style = (el.get("style") or "").lower()
    if tag in _HTML_DEL or _DEL_CLASSES.search(cls) or "line-through" in style:
        return "del"
    if tag in _HTML_INS or _INS_CLASSES.search(cls) or "underline" in style:
        return "ins"
    return None


def _walk(
    el: Any, parts: list[str], kind_of: Any, blocks: frozenset[str], after_enum: bool = False
) -> None:
    """Depth-first text with sentinels around struck / inserted runs and breaks at blocks.

    `after_enum`: the previous sibling was an enum/num, so "(1)" and its text stay on one
    line (<paragraph><enum>(1)</enum><text>...</text>).
    """
    tag = el.tag
    if not isinstance(tag, str):
        if el.tail:
            parts.append(_clean(el.tail))
        return
    if tag[0] == "{":
        tag = tag[tag.index("}") + 1 :]
    kind = kind_of(el, tag)
    is_block = (tag in blocks or tag.lower() in blocks) and not after_enum
    if is_block:
        parts.append("\n\n")
    if el.get(_SECTION_ATTR) is not None:
        parts.append(_SECTION_MARK)
    if kind:
        parts.append(_INS if kind == "ins" else _DEL)
    if el.text:
        parts.append(_clean(el.text))
    previous_enum = False
    for child in el:
        _walk(child, parts, kind_of, blocks, previous_enum)
        child_tag = child.tag if isinstance(child.tag, str) else ""
        previous_enum = child_tag.endswith(("enum", "num")) and child_tag.rsplit("}", 1)[-1] in (
            "enum",
            "num",
        )
    if kind:
        parts.append(_INS_END if kind == "ins" else _DEL_END)
    if is_block:
        parts.append("\n\n")
    if el.tail:
        parts.append(_clean(el.tail))


def _clean(text: str) -> str:
    return _SENTINELS.sub("", text) if "\ue000" <= max(text, default="") else text


def _xml(data: bytes) -> str:
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, huge_tree=True, load_dtd=False
    )
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"could not parse XML: {exc}") from exc
    if root is None:
        raise InvalidInput("XML document is empty")
    for el in list(root.iter()):
        if isinstance(el.tag, str) and el.tag.split("}")[-1] in _XML_SKIP:
            parent = el.getparent()
            if parent is not None:
                tail = el.tail
                parent.remove(el)
                if tail:
                    prev = parent[-1] if len(parent) else None
                    if prev is not None:
                        prev.tail = (prev.tail or "") + tail
                    else:
                        parent.text = (parent.text or "") + tail
    # A section's number and heading start a line of their own, "SEC. 2. FINDINGS.", so
    # the section finder (and the reader) sees them; GPO's enum is just "2.".
    for section in root.iter():
        if not isinstance(section.tag, str) or section.tag.split("}")[-1] not in _XML_SECTIONS:
            continue
        label = None
        for child in section:
            if not isinstance(child.tag, str):
                continue
            name = child.tag.split("}")[-1]
            if name in ("enum", "num") and label is None:
                label = "".join(child.itertext()).strip()
                number = label.rstrip(".")
                if re.fullmatch(r"[0-9]+[A-Za-z]?(?:\.[0-9]+)?", number):
                    label = f"SEC. {number}."
                child.text = f"{label} "
                for sub in list(child):
                    child.remove(sub)
                section.set(_SECTION_ATTR, "1")
            elif name in ("header", "heading") and label is not None:
                child.tag = "span"  # stays on the label's line
                break
            elif name not in ("enum", "num"):
                break
    parts: list[str] = []
    _walk(root, parts, _xml_kind, _XML_BLOCKS)
    return "".join(parts)


def _xml_kind(el: Any, tag: str) -> str | None:
    changed = (el.get("changed") or "").lower()
    if tag in _XML_DEL or changed == "deleted":
        return "del"
    if tag in _XML_INS or changed == "added":
        return "ins"
    return None


def _plain(data: bytes) -> str:
    from bs4 import UnicodeDammit

    text = _clean(UnicodeDammit(data).unicode_markup or "")
    if _MARKDOWN.search(text):
        text = _from_markdown(text)
    return text


_MARKDOWN = re.compile(r"(?m)^#{1,6} \S|\]\((?:https?:)?/")


def _from_markdown(text: str) -> str:
    """Markdown renderings (wa-law.org): headings and links to plain text, `**x**` (text
    the bill inserts into an existing RCW section) to an inserted run, `~~x~~` struck."""
    text = re.sub(r"(?m)^#{1,6}[ \t]+", "", text)
    text = re.sub(r"(?m)^\[[^\]]*\]\([^)]*\)(?:\s*>\s*\[[^\]]*\]\([^)]*\))+\s*$", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)\s]*\)", r"\1", text)
    text = re.sub(r"\*\*(.+?)\*\*", lambda m: f"{_INS}{m.group(1)}{_INS_END}", text, flags=re.S)
    text = re.sub(r"~~(.+?)~~", lambda m: f"{_DEL}{m.group(1)}{_DEL_END}", text, flags=re.S)
    return re.sub(r"(?m)^[ \t]*\[Empty\][ \t]*$", "", text)


_BAD_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\ufffd]")
_LETTERS = re.compile(r"[^\W\d_]")


def _looks_like_garbage(text: str) -> bool:
    sample = text[:5000]
    if not sample:
        return True
    bad = _BAD_CHARS.subn("", sample)[1]
    letters = _LETTERS.subn("", sample)[1]
    return bad / len(sample) > 0.05 or letters / len(sample) < 0.3


# --- normalizing with marks -----------------------------------------------------------


def _finish(held: list[str]) -> tuple[str, list[dict[str, Any]], list[int]]:
    """Normalize whitespace, turn Missouri's brackets into struck runs, then take the
    sentinels out, recording each run's offsets (and each XML section's start).

    The raw text is taken out of `held`, so each step's input is freed as the next
    one is made (at most two whole-text copies at a time)."""
    raw = held.pop()
    if _MO_EXPLANATION.search(raw):
        raw = _MO_EXPLANATION.sub("", raw)
        raw = _MO_BRACKETS.sub(_struck, raw)
    text = _SPACES.sub(" ", raw)
    del raw
    text = _LINE_EDGES.sub("\n", text)
    text = _BLANKS.sub("\n\n", text).strip()
    if not _SENTINELS.search(text):
        return text, [], []
    runs = _Runs()
    runs.feed(text)
    return runs.result()


def _struck(m: re.Match[str]) -> str:
    return f"{_DEL}{m.group(1)}{_DEL_END}"


class _Runs:
    """Takes the sentinels out of a normalized text fed piece by piece, recording the
    offsets of inserted and struck runs and section starts (`result`)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.marks: list[dict[str, Any]] = []
        self.starts: list[int] = []
        self.size = 0
        self.depth_del = 0
        self.del_buf: list[str] = []
        self.ins_start: list[int] = []

    def open(self) -> bool:
        """Whether a struck or inserted run is still open."""
        return bool(self.depth_del or self.ins_start)

    def feed(self, text: str) -> None:
        marks, del_buf, ins_start = self.marks, self.del_buf, self.ins_start
        for piece in _SENTINEL_SPLIT.split(text):
            if piece == _SECTION_MARK:
                if not self.depth_del:
                    self.starts.append(self.size)
            elif piece == _DEL:
                self.depth_del += 1
            elif piece == _DEL_END:
                self.depth_del = max(0, self.depth_del - 1)
                if self.depth_del == 0 and del_buf:
                    struck = " ".join("".join(del_buf).split())
                    if struck:
                        marks.append({"kind": "del", "at": self.size, "text": struck})
                    del_buf.clear()
            elif piece == _INS:
                if not self.depth_del:
                    ins_start.append(self.size)
            elif piece == _INS_END:
                if not self.depth_del and ins_start:
                    start = ins_start.pop()
                    if self.size > start and not ins_start:
                        marks.append({"kind": "ins", "start": start, "end": self.size})
            elif self.depth_del:
                del_buf.append(piece)
            elif piece:
                self.out.append(piece)
                self.size += len(piece)

    def result(self, cap: int | None = None) -> tuple[str, list[dict[str, Any]], list[int]]:
        """The text (its first `cap` characters: one copy made), marks and section starts."""
        out, size = self.out, self.size
        if cap is not None:
            while out and size - len(out[-1]) >= cap:
                size -= len(out.pop())
            if size > cap:
                out[-1] = out[-1][: len(out[-1]) - (size - cap)]
        text = "".join(out)
        self.out = []
        # Taking struck runs out can leave doubled spaces; they are kept so offsets hold.
        self.marks.sort(key=lambda m: m.get("start", m.get("at", 0)))
        return text, self.marks, self.starts


_SENTINEL_SPLIT = re.compile("([\ue000-\ue004])")
# How far (characters) a Missouri notice match may reach: the notice is ~250 characters,
# so only whitespace or dash runs thousands of characters long could make one longer.
_MO_NOTICE_REACH = 10_000
# A bracket match reads at most this far: "[", 20,000 characters, "]" and one more.
_MO_BRACKET_REACH = 20_003
# Characters per block: each step holds a block or two at a time (a few MB at most).
_STREAM_BLOCK = 100_000


def _finish_pdf(pages: list[str | bytes], cap: int) -> tuple[str, list[dict[str, Any]], list[int]]:
    """`_finish` of the joined page paragraphs, then cut to `cap` characters (marks
    before the cut), made as the pages are read: no step holds more than a block of
    text besides the text kept, so memory stays flat however long the document.

    The raw text is made twice from the compressed pages: once to learn whether it holds
    Missouri's notice (which turns every bracket into struck text), once to make the text
    (`pages` is emptied as it goes).
    Each whole-text regex pass runs on blocks carried over with a margin (`_stream_sub`,
    `_normalized`), so it matches what it matches in the whole text; the second pass
    stops once `cap` characters are out and no struck or inserted run is open.
    """
    furniture = _pdf_furniture(pages)

    def raw(release: bool = False) -> Iterator[str]:
        first = True
        for paragraph in _pdf_paragraphs(pages, furniture, release):
            yield paragraph if first else "\n\n" + paragraph
            first = False

    chunks: Iterable[str] = raw(release=True)
    if _stream_search(_MO_EXPLANATION, raw(), _MO_NOTICE_REACH):
        chunks = _stream_sub(_MO_EXPLANATION, "", chunks, _MO_NOTICE_REACH)
        chunks = _stream_sub(_MO_BRACKETS, _struck, chunks, _MO_BRACKET_REACH)
    runs = _Runs()
    for chunk in _normalized(chunks):
        runs.feed(chunk)
        if runs.size >= cap and not runs.open():
            break
    pages.clear()  # the pages after the cap are not needed
    text, marks, starts = runs.result(cap)
    return text, [m for m in marks if m.get("start", m.get("at", 0)) < cap], starts


def _blocks(chunks: Iterable[str], size: int) -> Iterator[str]:
    """The chunks joined into blocks of at least `size` characters (the last may be
    shorter)."""
    pending: list[str] = []
    count = 0
    for chunk in chunks:
        pending.append(chunk)
        count += len(chunk)
        if count >= size:
            yield "".join(pending)
            pending, count = [], 0
    if pending:
        yield "".join(pending)


def _stream_search(regex: re.Pattern[str], chunks: Iterable[str], reach: int) -> bool:
    """Whether `regex.search("".join(chunks))` finds a match no longer than `reach`."""
    tail = ""
    for block in _blocks(chunks, _STREAM_BLOCK):
        if regex.search(tail + block):
            return True
        tail = (tail + block)[-reach:]
    return False


def _stream_sub(
    regex: re.Pattern[str],
    repl: str | Callable[[re.Match[str]], str],
    chunks: Iterable[str],
    reach: int,
) -> Iterator[str]:
    """`regex.sub(repl, "".join(chunks))` block by block, for a regex with no lookbehind
    or anchor whose every try (match or not) reads at most `reach` characters: what is
    given out is what no later text can change, the rest is carried into the next block."""
    carry = ""
    for block in _blocks(chunks, _STREAM_BLOCK):
        text = carry + block
        limit = len(text) - reach  # tries starting before this read no further text
        last = 0
        out = []
        for m in regex.finditer(text):
            if m.start() >= limit:
                break
            out.append(text[last : m.start()])
            out.append(repl if isinstance(repl, str) else repl(m))
            last = m.end()
        cut = max(last, limit)
        out.append(text[last:cut])
        carry = text[cut:]
        yield "".join(out)
    if carry:
        yield regex.sub(repl, carry)


def _normalized(chunks: Iterable[str]) -> Iterator[str]:
    """`_BLANKS.sub("\\n\\n", _LINE_EDGES.sub("\\n", _SPACES.sub(" ", text))).strip()` of the
    joined chunks, block by block. The three patterns match runs of whitespace only, so
    a block cut just before a non-space character (the run before it complete) comes
    out as it would in the whole text."""
    carry = ""
    started = False
    for block in _blocks(chunks, _STREAM_BLOCK):
        text = carry + block
        stripped = text.rstrip()
        cut = len(stripped) - 1  # before the last non-space character
        if cut <= 0:
            carry = text
            continue
        carry = text[cut:]
        out = _BLANKS.sub("\n\n", _LINE_EDGES.sub("\n", _SPACES.sub(" ", text[:cut])))
        if not started:
            out = out.lstrip()
            started = bool(out)
        if out:
            yield out
    out = _BLANKS.sub("\n\n", _LINE_EDGES.sub("\n", _SPACES.sub(" ", carry)))
    out = out.strip() if not started else out.rstrip()
    if out:
        yield out


def _sections_at(text: str, starts: list[int]) -> list[dict[str, Any]]:
    """Sections of an XML document: label and heading read from the line at each start."""
    out = []
    for start in starts:
        line = text[start : text.find("\n", start) if "\n" in text[start:] else len(text)]
        match = re.match(r"((?:SEC(?:TION)?\.?|Sec\.)\s*[^\s.]+)\.?\s*(.*)", line)
        label, heading = (match.group(1), match.group(2)) if match else (line[:40], "")
        out.append({"label": " ".join(label.split()), "heading": heading[:200], "start": start})
    return out


def find_sections(text: str, only_sec: bool = False) -> list[dict[str, Any]]:
    """Section headings in a plain text: label, heading (may be empty) and start offset."""
    out = []
    for match in _HEADING_LINE.finditer(text):
        label = " ".join(match.group("label").split())
        if only_sec and not label.upper().startswith("SEC"):
            continue
        if re.match(r"^[0-9]", label):
            label = f"Section {label}"
        heading = (match.group("heading") or "").strip()
        out.append({"label": label, "heading": heading[:200], "start": match.start()})
    return out


# --- the cache ------------------------------------------------------------------------


def cached_text(session: Session, data: bytes, media_type: str | None = None):  # noqa: ANN201
    """The ExtractedText row for these bytes, extracting (again) when it is missing or
    was made by an older extractor; InvalidInput when the document cannot be read."""
    from tracker.models.tagging import ExtractedText

    sha = sha256_bytes(data)
    row = session.get(ExtractedText, sha)
    kind = sniff_media_type(data, media_type)
    current = extractor_version(_extractor_for(kind))
    if row is not None and row.extractor_version == current:
        return row
    result = extract(data, media_type)
    if row is None:
        row = ExtractedText(sha256=sha)
        session.add(row)
    row.media_type = result.media_type
    row.text = result.text
    row.chars = len(result.text)
    row.extractor = result.extractor
    row.extractor_version = result.version
    row.marks = result.marks
    row.sections = result.sections
    row.pages = result.pages
    from tracker.models import utcnow

    row.extracted_at = utcnow()
    session.flush()
    return row


def _extractor_for(kind: str) -> str:
    return {
        "application/pdf": "pypdfium2",
        "text/html": "lxml.html",
        "application/xml": "lxml.etree",
    }.get(kind, "decode")


def stale_extractions(session: Session, shas: Iterable[str]) -> list[str]:
    """Of these raw-document hashes, the ones stored by an older extractor version."""
    from sqlalchemy import select

    from tracker.models.tagging import ExtractedText

    wanted = list(dict.fromkeys(shas))
    rows = session.execute(
        select(
            ExtractedText.sha256, ExtractedText.extractor, ExtractedText.extractor_version
        ).where(ExtractedText.sha256.in_(wanted))
    )
    return [sha for sha, name, ver in rows if ver != extractor_version(name)]


def store_version_text(session: Session, version, data: bytes, media_type: str | None = None):  # noqa: ANN001, ANN201
    """Extract (or reuse) a version's text and point `version.text_sha256` at it."""
    row = cached_text(session, data, media_type or version.media_type)
    version.text_sha256 = row.sha256
    session.flush()
    return row
