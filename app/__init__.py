"""The composition root: the one place that knows every area and wires them together.

`tracker/` (the core), `scrapers/`, `outreach/` and `web/` each import only downward;
this package sits above all of them and holds what needs the whole house:

- `app.cli`       the `tracker` command group: every command, one line each
- `app.schedule`  the periodic jobs on RQ's CronScheduler, by function object
- `app.demo`      `tracker demo`: migrate, load the bundled real data, serve
- `worker.py`     (top level) the thin RQ entry point the `tracker worker` command runs

The pipeline that follows a sync lives in `scrapers/pipeline.py` (the lowest package that
sees every step). Wiring is by import, never by dotted string, so a typo is an ImportError
in `tests/app/test_registries.py`.
"""
