"""Speed work changes no output: extraction, tags and evidence (quote, offsets, section
label, position) of every real text, the dev set and the demo corpus equal the recording
made before it (tests/fixtures/tagging/text_tags_golden.json.gz, written by
`bench/tagging_text.py --record-golden` with the tagger of 2026-12-02)."""

from __future__ import annotations

import pytest

from bench.tagging_text import (
    golden_differences,
    golden_document,
    golden_documents,
    golden_rows,
    load_golden,
)


@pytest.fixture(scope="module")
def recorded() -> dict:
    return load_golden()


def test_every_real_text_is_recorded_with_text_evidence(recorded):
    docs = golden_documents(shared=False)
    assert len(docs) >= 35
    assert set(docs) <= set(recorded["documents"])
    with_section = [
        e
        for key in docs
        for t in recorded["documents"][key]["tags"]
        for e in t["evidence"]
        if e["section"]
    ]
    assert len(with_section) > 100  # the recording holds real evidence to compare


def test_extraction_tags_and_evidence_equal_the_recording(recorded):
    now = {
        "documents": {
            key: {"names": names, **golden_document(data, mime)}
            for key, (names, data, mime) in golden_documents(shared=False).items()
        },
        "rows": golden_rows(),
    }
    assert len(now["rows"]) > 150
    assert golden_differences(recorded, now) == []
