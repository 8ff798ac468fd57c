"""Full text from a bill version's document (HTML, XML, PDF or plain text), extracted once.

The cache key is the sha256 of the downloaded bytes: the same document is never parsed
twice, and a changed document gets a new key (so the tagger notices new text). PDF
goes through pypdf, HTML/XML through lxml; the result is plain text with paragraph
breaks kept (the tagger's sentence finder uses them).
"""

from __future__ import annotations

import hashlib
import io
import re

from sqlalchemy.orm import Session

from tracker.errors import InvalidInput

MAX_BYTES = 50_000_000
MAX_PDF_PAGES = 3000
MAX_CHARS = 10_000_000

_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANKS = re.compile(r"\n\s*\n\s*")


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of a document's bytes (the cache key)."""
    return hashlib.sha256(data).hexdigest()


def sniff_media_type(data: bytes, media_type: str | None = None) -> str:
    """A normalized media type: application/pdf, text/html, application/xml or text/plain."""
    declared = (media_type or "").split(";")[0].strip().lower()
    head = data[:1024].lstrip().lower()
    if declared == "application/pdf" or data[:5] == b"%PDF-":
        return "application/pdf"
    if "html" in declared or head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "text/html"
    if "xml" in declared or head.startswith(b"<?xml") or head.startswith(b"<"):
        return "application/xml"
    return "text/plain"


def extract_text(data: bytes, media_type: str | None = None) -> tuple[str, str, str]:
    """(text, normalized media type, extractor name); InvalidInput if it cannot be read."""
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"document larger than {MAX_BYTES} bytes")
    kind = sniff_media_type(data, media_type)
    if kind == "application/pdf":
        text, extractor = _pdf(data), "pypdf"
    elif kind == "text/html":
        text, extractor = _html(data), "lxml.html"
    elif kind == "application/xml":
        text, extractor = _xml(data), "lxml.etree"
    else:
        text, extractor = _plain(data), "decode"
    return _normalize(text)[:MAX_CHARS], kind, extractor


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages[:MAX_PDF_PAGES]
        return "\n\n".join(page.extract_text() or "" for page in pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"could not read PDF: {exc}") from exc


def _html(data: bytes) -> str:
    import lxml.html
    from lxml import etree

    try:
        doc = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        raise InvalidInput(f"could not parse HTML: {exc}") from exc
    for bad in doc.xpath("//script|//style|//noscript|//head"):
        bad.drop_tree()
    # Block elements become paragraph breaks so sentences do not run together.
    for block in doc.xpath("//p|//div|//br|//li|//tr|//h1|//h2|//h3|//h4|//pre|//section"):
        block.tail = "\n\n" + (block.tail or "")
    return doc.text_content()


def _xml(data: bytes) -> str:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidInput(f"could not parse XML: {exc}") from exc
    if root is None:
        raise InvalidInput("XML document is empty")
    parts = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.text and el.text.strip():
            parts.append(el.text)
        if el.tail and el.tail.strip():
            parts.append(el.tail)
        if el.tag.split("}")[-1] in {"section", "paragraph", "subsection", "text", "p", "header"}:
            parts.append("\n\n")
    return " ".join(parts)


def _plain(data: bytes) -> str:
    from bs4 import UnicodeDammit

    return UnicodeDammit(data).unicode_markup or ""


def _normalize(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()


def cached_text(session: Session, data: bytes, media_type: str | None = None):  # noqa: ANN201
    """The ExtractedText row for these bytes, extracting and storing it on first sight."""
    from tracker.tagging_models import ExtractedText

    sha = sha256_bytes(data)
    row = session.get(ExtractedText, sha)
    if row is not None:
        return row
    text, kind, extractor = extract_text(data, media_type)
    row = ExtractedText(
        sha256=sha, media_type=kind, text=text, chars=len(text), extractor=extractor
    )
    session.add(row)
    session.flush()
    return row


def store_version_text(session: Session, version, data: bytes, media_type: str | None = None):  # noqa: ANN001, ANN201
    """Extract (or reuse) a version's text and point `version.text_sha256` at it."""
    row = cached_text(session, data, media_type or version.media_type)
    version.text_sha256 = row.sha256
    session.flush()
    return row
