"""The sync job on a real Redis queue, and import boundaries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.scrapers.conftest import FIXTURES


@pytest.mark.redis
def test_sync_source_job_runs_on_the_sync_queue(rq_settings, redis_conn, tmp_path):
    from rq import Queue, SimpleWorker

    from scrapers.pipeline import enqueue_sync

    replay = tmp_path / "replay"
    replay.mkdir()
    page = FIXTURES / "openstates/bills-ca-page1.constructed.json"
    (replay / "page.json").write_bytes(page.read_bytes())
    url = (
        "https://v3.openstates.org/bills?include=abstracts&include=actions&include=sources"
        "&include=sponsorships&include=versions&include=votes&jurisdiction=ca&page=1&per_page=20"
        "&sort=updated_asc"
    )
    (replay / "index.jsonl").write_text(json.dumps({"url": url, "file": "page.json"}) + "\n")
    handle = enqueue_sync(
        rq_settings, "openstates", jurisdiction="ca", replay_dir=str(replay), topics=[]
    )
    assert handle.queue == "sync" and handle.status == "queued"
    queue = Queue("sync", connection=redis_conn)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    job = queue.fetch_job(handle.id)
    result = job.return_value()
    assert result["inserted"] == 2 and result["mode"] == "replay"
    assert result["changed_bill_ids"] == ["ca-20252026-ab308", "ca-20252026-sb866"]


def test_importing_scrapers_loads_no_flask_and_opens_nothing():
    code = (
        "import sys, scrapers, scrapers.sync, scrapers.pipeline, scrapers.cli;"
        "print('flask' in sys.modules, 'rq' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
