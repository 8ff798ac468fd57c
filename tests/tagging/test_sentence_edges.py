"""Sentence edges found from one boundary scan per text (bisection) are the edges the
per-hit slice scans find, on the real texts and on strings built to hit the corner cases
(blank lines straddling a slice start, a full stop right at a slice end, abbreviations)."""

from __future__ import annotations

import random

import pytest

from tests.tagging.test_textscan import TEXT_FILES, _document_text
from tracker import tagging
from tracker.tagging import (
    _ABBREV,
    _ABBREVIATIONS,
    _BOUNDARY,
    _SUBJECT_BOUNDARY,
    _abbreviation_before,
    _Boundaries,
    _first_boundary,
    _last_boundary_end,
)

PIECES = [
    ".",
    ". ",
    '." ',
    ".) ",
    "!",
    "? ",
    "\n",
    "\n\n",
    "\n \n",
    "\n\t\n\n",
    " ",
    "  ",
    ";",
    "; ",
    "a",
    "Sec",
    "approx",
    "No",
    "v",
    "x.y",
    "12",
    "3a",
    "§",
    "ſec",
    "section",
    "U.S",
    "Ok",
    "é",
]


def _strings(seed: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choices(PIECES, k=rnd.randint(1, 40))) for _ in range(count)]


def _check_edges(text: str, boundary) -> int:  # noqa: ANN001
    edges = _Boundaries(text, boundary)
    n = len(text)
    checked = 0
    for lo in range(0, n + 1):
        for hi in (lo, lo + 1, lo + 2, lo + 7, n):
            hi = min(hi, n)
            assert edges.last_end(lo, hi) == _last_boundary_end(text, lo, hi, boundary), (lo, hi)
            assert edges.first_stop(lo, hi) == _first_boundary(text, lo, hi, boundary), (lo, hi)
            checked += 1
    return checked


def test_boundary_parts_find_the_boundary_matches():
    for text in _strings(1, 3000):
        parts = sorted(m.span() for rx in tagging._BOUNDARY_PARTS for m in rx.finditer(text))
        assert parts == [m.span() for m in _BOUNDARY.finditer(text)], repr(text)


def test_bisected_edges_equal_the_slice_scans_on_built_strings():
    checked = 0
    for text in _strings(2, 400):
        checked += _check_edges(text, _BOUNDARY) + _check_edges(text, _SUBJECT_BOUNDARY)
    assert checked > 50_000


@pytest.mark.parametrize("path", TEXT_FILES[::4], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bisected_edges_equal_the_slice_scans_on_real_texts(path):
    text = _document_text(path)
    edges = _Boundaries(text, _BOUNDARY)
    for pos in range(0, len(text), 37):
        lo, hi = max(0, pos - 1000), min(len(text), pos + 1000)
        assert edges.last_end(lo, pos) == _last_boundary_end(text, lo, pos, _BOUNDARY)
        assert edges.first_stop(pos, hi) == _first_boundary(text, pos, hi, _BOUNDARY)


def test_abbreviation_check_equals_the_regex():
    words = [*_ABBREVIATIONS, "section", "SEC", "§", "ſec", "Kelvin", "x_y", "12a", "department"]
    words += ["Section 12", "sec. 3", "§ 4", "§4", "2016", "630.1130", "a.b", "1", "٣", "ı"]
    rnd = random.Random(3)
    texts = _strings(4, 2000) + [
        "".join(rnd.choice([rnd.choice(words), ".", " ", "1", "é", "_"]) for _ in range(12))
        for _ in range(3000)
    ]
    stops = 0
    for text in texts:
        for i, ch in enumerate(text):
            if ch == ".":
                stops += 1
                want = _ABBREV.search(text, max(0, i - 16), i + 1) is not None
                assert _abbreviation_before(text, i) == want, (text, i)
    assert stops > 10_000


def test_full_stop_check_equals_the_boundary_check():
    texts = _strings(5, 3000) + [_document_text(p) for p in TEXT_FILES[::3]]
    stops = 0
    for text in texts:
        for m in tagging._BOUNDARY_PARTS[0].finditer(text):
            stops += 1
            want = tagging._is_real_boundary(text, m.start(), m.end())
            assert tagging._is_real_full_stop(text, m.start(), m.end()) == want, repr(text)
    assert stops > 5_000


def test_one_call_sentence_edges_equal_the_two_lookups():
    for text in _strings(6, 300) + [_document_text(p) for p in TEXT_FILES[::5]]:
        for boundary in (_BOUNDARY, _SUBJECT_BOUNDARY):
            edges = _Boundaries(text, boundary)
            for start in range(0, len(text), max(1, len(text) // 400)):
                for end in (start, min(len(text), start + 3)):
                    want = tagging._sentence_around(text, start, end, edges)
                    assert edges.sentence(start, end) == want, (repr(text[:80]), start, end)
