"""Resource abuse in letter templates (issue #13): every attack the probe found is refused
at check time with a clear message, fast, and without the parent process growing; the
render worker process caps memory and wall time for anything the checks miss.
"""

from __future__ import annotations

import resource
import time

import pytest

from outreach import templates as tpl
from outreach.templates import TemplateProblem, TemplateSource, check_template, render

ATTACKS = [
    ("{{ ((10**64)**64)**64 }}", "limited to 256 bits"),
    ("{{ 10**64 * 10**64 * 10**64 * 10**64 * 10**64 }}", "limited to 256 bits"),
    ("{% set s = 'x' * 20000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}", "steps"),
    ("{% for a in range(100) %}{% for b in range(100) %}{% endfor %}{% endfor %}", "steps"),
    ("{{ 'a'.zfill(10**10) }}", "zfill() width"),
    ("{{ 'a'.center(10**9) }}", "center() width"),
    ("{{ 'a'.ljust(10**9) }}", "ljust() width"),
    ("{{ 'a'.rjust(10**9) }}", "rjust() width"),
    ("{{ '%300000000s' % constituent.name }}", "% format width"),
    ("{{ '%*s' % (300000000, 'x') }}", "'*' widths"),
    ("{{ '{:300000000}'.format(constituent.name) }}", "format width"),
    ("{{ '{:{}}'.format('x', 300000000) }}", "nested fields"),
    ("{{ ('x' * 5000)|replace('x', 'yyyyyyyyyy') }}", "replace() would grow"),
    ("{{ ('x' * 5000).replace('', 'yyyyyyyy') }}", "replace() would grow"),
    ("{{ constituent.story|indent(10**8) }}", "indent() width"),
    ("{{ ('x' * 19000)|list|join('abc') }}", "join() would build"),
    ("{{ 'ab'.join('x' * 19000) }}", "join() would build"),
    ("{{ 'ab'.encode() * 100000 }}", "repeating text past"),
    ("{{ 'x'.expandtabs(10**8) }}", "expandtabs() size"),
    ("{{ " + "(" * 200 + "1" + ")" * 200 + " }}", "nest"),
    ("{% if 1 %}" * 40 + "x" + "{% endif %}" * 40, "nest more than 30 deep"),
    ("{{ bill.title" + "|upper" * 3000 + " }}", "nest"),
    ("{{ 1" + " + 1" * 3000 + " }}", "nest"),
    ("{{ " + "not " * 3000 + "1 }}", "nest"),
    ("{{ (" + "-" * 2000 + "1) }}", ""),
]


@pytest.mark.parametrize("text, needle", ATTACKS)
def test_resource_attacks_are_refused_at_check_time_quickly(text: str, needle: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    problems = check_template(TemplateSource(text)).problems
    elapsed = time.monotonic() - started
    assert problems, text
    assert any(needle in str(p) for p in problems), [str(p) for p in problems]
    # A refusal, not a crash or a stall: well under the render worker's wall limit, and
    # the parent never allocated the value (peak RSS grew by less than 50 MB).
    assert elapsed < tpl.RENDER_WALL_SECONDS
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000


def test_reasonable_templates_still_render() -> None:
    text = (
        "{{ legislator.salutation }},\n{% for i in range(3) %}{{ loop.index }}. "
        "{{ bill.identifier|replace(' ', '') }}{{ '%5s' % 'x' }}{{ '{:>6}'.format('y') }}\n"
        "{% endfor %}{{ constituent.story|indent(2) }}{{ 2**10 }}{{ 'a'.zfill(5) }}"
    )
    assert check_template(TemplateSource(text)).ok
    body = render(TemplateSource(text), tpl.SAMPLE_CONTEXT).body
    assert "Dear Senator Wahab" in body and "3. SB855" in body and "1024" in body


def test_render_runs_in_a_separate_process_with_a_memory_cap(monkeypatch) -> None:
    """Whatever the checks miss cannot take the server's memory: the worker's is capped."""
    import os

    pids: set[int] = set()
    real = tpl._Worker.run

    def spy(self, payload, timeout):  # noqa: ANN001, ANN202
        pids.add(self.process.pid)
        return real(self, payload, timeout)

    monkeypatch.setattr(tpl._Worker, "run", spy)
    assert render(TemplateSource("{{ bill.identifier }}"), tpl.SAMPLE_CONTEXT).body == "SB 855"
    assert pids and os.getpid() not in pids
    # A worker whose cap is below what any render needs fails with a clear message, and
    # the parent carries on.
    # Lift the in-sandbox width check (the parent sends its limits along with each
    # render): zfill(10**9) would now allocate 1 GB, and the worker's RLIMIT_AS stops it.
    monkeypatch.setattr(tpl, "MAX_WIDTH", 10**10)
    monkeypatch.setattr(tpl, "MAX_OUTPUT", 10**10)
    before = len(tpl._IDLE)
    with pytest.raises(TemplateProblem, match="too much memory"):
        render(TemplateSource("{{ 'a'.zfill(1000000000)|length }}"), tpl.SAMPLE_CONTEXT)
    assert len(tpl._IDLE) < max(before, 1)  # the failed worker was not kept
    monkeypatch.undo()
    assert render(TemplateSource("{{ 1 + 1 }}"), tpl.SAMPLE_CONTEXT).body == "2"


def test_a_stalled_render_is_killed_at_the_wall_clock_limit(monkeypatch) -> None:
    slow = "{% for i in range(50) %}{% for j in range(50) %}{{ i * j }} {% endfor %}{% endfor %}"
    render(TemplateSource("warm up"), tpl.SAMPLE_CONTEXT)
    monkeypatch.setattr(tpl, "RENDER_WALL_SECONDS", 0.001)
    with pytest.raises(TemplateProblem, match="longer than 0.001s to render"):
        render(TemplateSource(slow), tpl.SAMPLE_CONTEXT)
    monkeypatch.undo()
    assert len(render(TemplateSource(slow), tpl.SAMPLE_CONTEXT).body) > 5000
