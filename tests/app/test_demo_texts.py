"""The demo's documents: every bundled bill version is answered by the replay index with
a real file, and WA HB 1576 (the cross-state near-copy of MO HB 2075 / SB 778) is one."""

from __future__ import annotations

import json

from app.demo import DEMO_DIR, DEMO_IMPORTS
from tests.tagging.test_near_copies import TEXTS


def test_every_demo_version_url_is_in_the_replay_index_with_its_file():
    index = {
        e["url"]: e["file"]
        for e in map(json.loads, (DEMO_DIR / "texts" / "index.jsonl").read_text().splitlines())
    }
    versions = [
        (row["identifier"], v["url"])
        for source, path in DEMO_IMPORTS
        if source == "bills-jsonl" and path.parent.name == "texts"
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        for v in row.get("versions") or []
        if not v.get("source_doc")
    ]
    assert ("HB 1576", "https://wa-law.org/bill/2023-24/hb/1576/S.SL/") in versions
    for _identifier, url in versions:
        assert (DEMO_DIR / "texts" / index[url]).is_file()
    # The demo's copy is the real wa-law.org file, unchanged.
    copy = DEMO_DIR / "texts" / index["https://wa-law.org/bill/2023-24/hb/1576/S.SL/"]
    assert copy.read_bytes() == (TEXTS / "wa" / "HB1576-S.SL.md").read_bytes()
