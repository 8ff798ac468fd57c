"""The Hyperscan prefilter changes nothing: same matches, tags and evidence as the plain
taxonomy regex, on every real text, the dev set and the demo corpus."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.tagging.helpers import demo_rows, dev_rows
from tracker import textscan
from tracker.tagging import tag_bill
from tracker.taxonomy import load_taxonomy
from tracker.textextract import extract_text

TEXTS = Path(__file__).resolve().parent.parent / "fixtures" / "texts"
TEXT_FILES = sorted(p for p in TEXTS.rglob("*") if p.is_file() and p.parent != TEXTS)

pytestmark = pytest.mark.skipif(not textscan.available(), reason="hyperscan not installed")


def _plain(tax, text: str) -> list[tuple[int, int, str]]:  # noqa: ANN001
    return [(m.start(), m.end(), m.lastgroup) for m in tax.regex.finditer(text)]


def _tags(**kwargs) -> list[dict]:
    return [t.as_dict(explain=True) for t in tag_bill(**kwargs)]


def _document_text(path: Path) -> str:
    """A fixture's extracted text; LegiScan envelopes (.json) are their base64 PDF."""
    if path.suffix == ".json":
        doc = json.loads(path.read_text(encoding="utf-8"))["text"]
        return extract_text(base64.b64decode(doc["doc"]), doc["mime"])[0]
    return extract_text(path.read_bytes())[0]


def test_every_real_text_is_in_the_comparison():
    assert len([p for p in TEXT_FILES if p.suffix != ".json"]) == 30
    assert len([p for p in TEXT_FILES if p.suffix == ".json"]) >= 9  # MO PDFs via LegiScan
    assert {p.parent.name for p in TEXT_FILES} == {"wa", "mo", "us"}


@pytest.mark.parametrize("path", TEXT_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_prefilter_gives_the_same_matches_and_tags_on_each_real_text(path):
    tax = load_taxonomy()
    text = _document_text(path)
    assert textscan.spans(tax, text) == _plain(tax, text)
    assert _tags(text=text, taxonomy=tax) == _tags(text=text, taxonomy=tax, prefilter=False)
    # The scan really was cut down: the windows cover a small part of a long text.
    spans = textscan.windows(tax, text)
    if len(text) > 20_000:
        assert sum(e - s for s, e, _ in spans) < len(text) / 3


def test_prefilter_scores_the_dev_set_and_demo_corpus_the_same(monkeypatch):
    # Titles and abstracts are short and normally skip the prefilter; force it on.
    monkeypatch.setattr(textscan, "MIN_CHARS", 0)
    tax = load_taxonomy()
    rows = dev_rows() + demo_rows()
    assert len(rows) > 150
    tagged = 0
    for row in rows:
        fields = {
            "title": row.get("title") or "",
            "abstract": row.get("abstract") or "",
            "subjects": row.get("subjects") or [],
            "taxonomy": tax,
        }
        fast = _tags(**fields)
        assert fast == _tags(**fields, prefilter=False), row.get("id")
        tagged += bool(fast)
    assert tagged > 100


def test_non_ascii_text_keeps_character_offsets():
    tax = load_taxonomy()
    filler = "Café résumé naïve “quoted” words — and more. " * 60
    text = filler + "The 9‑8‑8 suicide and crisis lifeline under § 988 is funded. " + filler
    assert not text.isascii() and len(text) > textscan.MIN_CHARS
    fast = textscan.spans(tax, text)
    assert fast == _plain(tax, text)
    assert any(text[s:e] == "9‑8‑8" for s, e, _ in fast)
    tags = _tags(text=text, taxonomy=tax)
    assert tags == _tags(text=text, taxonomy=tax, prefilter=False)
    assert "crisis" in {t["topic"] for t in tags}


def test_lookahead_at_a_window_end_sees_the_real_text():
    # `988(?![,.]\d)`: "988,5" is not the 988 line; the window must see the digit.
    tax = load_taxonomy()
    pad = "The department shall report on the program. " * 60
    text = pad + "A fee of 988,5 units and the 988 crisis line. " + pad
    assert textscan.spans(tax, text) == _plain(tax, text)


def test_spans_equal_the_plain_scan_on_built_phrase_soup():
    # Overlapping taxonomy phrases glued to word characters, dashes and non-ASCII letters:
    # windows with several reports, guards that fail, ends the regex must settle.
    import random

    tax = load_taxonomy()
    phrases = [
        "mental health",
        "behavioral health crisis response",
        "crisis hotline",
        "988",
        "9-8-8",
        "requirements",
        "requirement",
        "substance use disorder",
        "peer specialists",
        "certified peer specialist",
        "compact privilege",
        "social workers",
        "parity",
        "mobile crisis team",
        "suicide prevention line",
        "law enforcement",
        "fees",
        "managed care organizations",
        "§ 988",
        "House Bill 1477",
        "H.B. 1477",
    ]
    glue = [" ", "  ", "x", "_", "é", "—", "-", ".", ", ", "\n", "(", ")", "ſ", "K", "\x1c"]
    rnd = random.Random(11)
    for _ in range(60):
        text = "".join(
            rnd.choice(phrases) if rnd.random() < 0.6 else rnd.choice(glue) for _ in range(300)
        )
        assert textscan.spans(tax, text) == _plain(tax, text)


def test_a_second_copy_of_the_module_keeps_its_own_encoding_handler(monkeypatch):
    # bench/tagging_text.py --before imports an earlier textscan next to this one.
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("textscan_copy", textscan.__file__)
    copy = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "textscan_copy", copy)
    spec.loader.exec_module(copy)
    tax = load_taxonomy()
    text = "The 9‑8‑8 crisis line — funded under § 988. " * 80
    assert copy.spans(tax, text) == textscan.spans(tax, text) == _plain(tax, text)
