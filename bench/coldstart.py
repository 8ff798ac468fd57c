"""Cold start: CPU seconds (user + sys) of `tracker --help` and `tracker bills export`.

    .venv/bin/python bench/coldstart.py [--runs 5]

Each command runs as a fresh process against a migrated, empty SQLite file in a temp
dir; the CPU time is read from the child's rusage (not wall time, so a loaded box
changes it little). The floor is `python -c "import sqlalchemy.orm"`: the ORM import
every database command needs. Target (issue #17): under 0.5 s CPU for both commands.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRACKER = str(Path(sys.executable).with_name("tracker"))


def cpu_of(argv: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            DATABASE_URL=f"sqlite:///{tmp}/cold.db",
            SECRET_KEY="bench-only-" + "x" * 32,
            REDIS_URL="",
        )
        subprocess.run([TRACKER, "db", "upgrade"], env=env, check=True, capture_output=True)
        cases = {
            "floor: python -c 'import sqlalchemy.orm'": [
                sys.executable,
                "-c",
                "import sqlalchemy.orm",
            ],
            "tracker --help": [TRACKER, "--help"],
            "tracker bills export": [TRACKER, "bills", "export", "-o", f"{tmp}/out.jsonl"],
        }
        print(
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} "
            f"cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}"
        )
        for label, argv in cases.items():
            times = [cpu_of(argv, env) for _ in range(args.runs)]
            print(
                f"{label:45s} CPU min {min(times):.3f} s  median {statistics.median(times):.3f} s"
                f"  max {max(times):.3f} s"
            )


if __name__ == "__main__":
    main()
