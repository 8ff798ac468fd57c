"""Every registry entry resolves to the real thing, and the core names no upper package.

The wiring is by import (app/cli.py COMMANDS, app/schedule.py, scrapers/pipeline.py
STEPS, web/__init__.py blueprints()); these tests load every entry, so a renamed or
missing command, job or blueprint fails here, not in production.
"""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from app.cli import COMMANDS, SHORT_HELP, cli
from app.schedule import periodic_jobs
from scrapers import pipeline
from tracker.jobs import QUEUES, job_name, resolve

ROOT = Path(__file__).resolve().parents[2]
UPPER = ("app", "scrapers", "outreach", "web", "worker")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_cli_entry_loads_a_click_command_with_help(name):
    command = COMMANDS[name]()
    assert isinstance(command, click.Command)
    assert command.get_short_help_str(), f"{name} has no one-line help"
    assert cli.get_command(click.Context(cli), name) is command
    # `tracker --help` prints SHORT_HELP without importing the command: it must not drift.
    assert SHORT_HELP[name] == command.get_short_help_str(limit=200)


def test_short_help_lists_exactly_the_commands():
    assert set(SHORT_HELP) == set(COMMANDS)


def test_tracker_help_imports_no_area_and_no_heavy_library():
    """Cold start: `tracker --help` lists every command from SHORT_HELP alone."""
    code = (
        "import sys\n"
        "from app.cli import cli\n"
        "try:\n"
        "    cli(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('sqlalchemy', 'flask', 'scrapers', 'outreach', 'web', 'weasyprint', 'sklearn',"
        " 'hyperscan', 'requests', 'rq')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    listing, _, loaded = done.stdout.rpartition("\n[")
    assert "sync " in listing and "brief " in listing, done.stdout
    assert loaded.strip() == "]", f"imported at --help: [{loaded}"


def test_importing_scrapers_imports_no_source_module():
    code = (
        "import sys, scrapers; print(sorted(m for m in sys.modules if m.startswith('scrapers.')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout


def test_every_module_level_command_in_an_area_cli_is_reachable_from_tracker():
    """A command written in an area but never added to COMMANDS is dead code."""
    reachable: set[int] = set()

    def walk(command: click.Command) -> None:
        reachable.add(id(command))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    modules = {COMMANDS[name]().callback.__module__ for name in COMMANDS}
    for name in COMMANDS:
        walk(COMMANDS[name]())
    orphans = [
        f"{module}.{attr}"
        for module in sorted(modules)
        for attr, value in vars(importlib.import_module(module)).items()
        if isinstance(value, click.Command) and id(value) not in reachable
    ]
    assert orphans == []


def test_every_periodic_job_is_a_module_level_function_on_a_real_queue():
    jobs = periodic_jobs()
    assert len({job_name(j.func) for j in jobs}) == len(jobs)
    for job in jobs:
        assert resolve(job_name(job.func)) is job.func  # a worker can import it by name
        assert job.queue in QUEUES
        assert (job.cron is None) != (job.interval is None)


def test_the_scheduled_sync_exists_and_starts_the_pipeline():
    [sync] = [j for j in periodic_jobs() if j.func is pipeline.sync_all]
    assert sync.queue == "sync" and sync.interval == 6 * 3600


def test_every_pipeline_step_is_importable_by_name_and_on_a_real_queue():
    names = [job_name(step.func) for step in pipeline.STEPS]
    assert names == [
        "scrapers.pipeline.sync_source",
        "scrapers.pipeline.fetch_texts",
        "scrapers.pipeline.tag_and_score",
        "scrapers.pipeline.send_alerts",
    ]
    for step in pipeline.STEPS:
        assert resolve(job_name(step.func)) is step.func and step.queue in QUEUES


def test_every_blueprint_is_registered_once_with_a_distinct_name(settings):
    from web import blueprints, create_app

    bps = blueprints()
    assert len({bp.name for bp in bps}) == len(bps)
    app = create_app(settings)
    assert set(app.blueprints) == {bp.name for bp in bps}
    # Every blueprint defined in web/ is in the list (none written and forgotten).
    defined = {
        node.targets[0].id + "@" + str(path.relative_to(ROOT))
        for path in (ROOT / "web").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", None) == "Blueprint"
        and isinstance(node.targets[0], ast.Name)
    }
    listed = {
        "bp@" + str(Path(sys.modules[bp.import_name].__file__).relative_to(ROOT)) for bp in bps
    }
    assert defined == listed


DOTTED = re.compile(r"\b(?:" + "|".join(UPPER) + r")(?:[.:][A-Za-z_]\w*)+")


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes (documentation may mention the house; wiring may not)."""
    nodes = [tree] + [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    return {
        id(n.body[0].value)
        for n in nodes
        if n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
        and isinstance(n.body[0].value.value, str)
    }


def _names_in(path: Path) -> list[str]:
    """Every import of an upper package, and every string (not a docstring) naming one."""
    tree = ast.parse(path.read_text(), str(path))
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif (
            isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        ):
            names = DOTTED.findall(node.value)
        else:
            continue
        found += [
            f"{path.relative_to(ROOT)}:{node.lineno}: {name}"
            for name in names
            if name.replace(":", ".").split(".")[0] in UPPER
        ]
    return found


def test_nothing_in_tracker_names_an_upper_package():
    """tracker/ is the core: no import of, and no dotted string naming, an upper package."""
    offenders = [
        hit
        for path in sorted((ROOT / "tracker").rglob("*.py"))
        if "migrations" not in path.parts
        for hit in _names_in(path)
    ]
    assert offenders == []


def test_the_layering_scan_catches_an_import_and_a_dotted_string(tmp_path):
    sample = ROOT / "tracker" / "_layering_probe.py"
    sample.write_text(
        '"""Docs may say scrapers.sync."""\n'
        "import web\nfrom outreach.jobs import send_letter\n"
        'JOB = "scrapers.jobs.sync_all"\nCMD = "web.cli:serve"\nOK = "the app. A worker."\n'
    )
    try:
        assert [hit.split(": ")[1] for hit in _names_in(sample)] == [
            "web",
            "outreach.jobs",
            "scrapers.jobs.sync_all",
            "web.cli:serve",
        ]
    finally:
        sample.unlink()


def test_every_form_of_the_web_app_is_defined_in_the_forms_module():
    """One convention for forms: every WTForms class lives in `web.views.forms`."""
    from wtforms import Form

    import web
    from web.views import forms

    for path in sorted((Path(web.__file__).parent).rglob("*.py")):
        importlib.import_module(
            ".".join(
                path.relative_to(Path(web.__file__).parent.parent).with_suffix("").parts
            ).removesuffix(".__init__")
        )

    def subclasses(cls: type) -> set[type]:
        return {c for sub in cls.__subclasses__() for c in {sub, *subclasses(sub)}}

    ours = {c for c in subclasses(Form) if c.__module__.split(".")[0] == "web"}
    assert {"ActForm", "LoginForm", "MeetingForm", "BillRow", "WatchForm"} <= {
        c.__name__ for c in ours
    }
    assert {c.__qualname__: c.__module__ for c in ours if c.__module__ != forms.__name__} == {}
