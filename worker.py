"""RQ worker entry point: settings -> Redis -> Worker(queues).work(); nothing else.

Run `python worker.py [queue ...]` or `tracker worker`. Scale out by starting more.
Every worker also runs RQ's scheduler (one at a time holds its lock), which moves
retries with backoff intervals back onto their queues.
"""

from __future__ import annotations

import sys

from tracker.config import Settings
from tracker.jobs import QUEUES, redis_connection


def main(queues: list[str] | None = None, burst: bool = False) -> bool:
    """Work the named queues (all by default) until stopped, or until empty with burst."""
    from rq import Worker

    settings = Settings.from_env()
    if settings.embedded:
        raise SystemExit("REDIS_URL is not set: jobs run in-process, there is nothing to work")
    worker = Worker(list(queues or QUEUES), connection=redis_connection(settings))
    return worker.work(burst=burst, with_scheduler=True)


if __name__ == "__main__":
    main(sys.argv[1:] or None)
