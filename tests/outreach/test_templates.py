from __future__ import annotations

import pytest

from outreach import templates as tpl
from outreach.templates import TemplateProblem, TemplateSource, check_template, render


def _problems(text: str) -> list[str]:
    return [str(p) for p in check_template(TemplateSource(text)).problems]


@pytest.mark.parametrize(
    "text, needle, line",
    [
        ("Hi\n{{ legislator.__class__ }}", "'__class__' is not allowed", 2),
        ("{{ legislator.name.__class__.__mro__ }}", "is not allowed", 1),
        ("{{ legislator.name.upper.__self__ }}", "'__self__' is not allowed", 1),
        ("{{ legislator['__class__'] }}", "'__class__' is not allowed", 1),
        ("{% set x = bill.title %}\n\n{{ x.__class__.__base__ }}", "is not allowed", 3),
        ('{{ "{0.__class__}".format(legislator) }}', "not allowed by the sandbox", 1),
        ('{% set a = "__cla" ~ "ss__" %}{{ legislator[a] }}', "not allowed by the sandbox", 1),
        ('{{ legislator|attr("__class__") }}', "filter 'attr' is not available", 1),
        ("{{ cycler.__init__.__globals__ }}", "unknown field 'cycler'", 1),
        ("{% include 'x' %}", "{% include %} is not available", 1),
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "{% macro %} is not available", 1),
    ],
)
def test_sandbox_escapes_are_rejected_with_a_clear_error_and_line(text, needle, line):
    problems = check_template(TemplateSource(text)).problems
    assert problems, text
    assert any(needle in str(p) and p.line == line for p in problems), [str(p) for p in problems]


def test_unknown_field_names_the_field_and_line_and_lists_the_real_ones():
    [problem] = check_template(
        TemplateSource("Dear {{ legislator.salutation }}\n{{ legislator.nmae }}")
    ).problems
    assert problem.line == 2
    assert "legislator.nmae" in str(problem) and "salutation" in str(problem)
    assert _problems("{{ senator }}") == [
        "body line 1: unknown field 'senator'; "
        "available: constituent, legislator, bill, organization"
    ]


def test_syntax_error_reports_the_file_line_after_front_matter():
    text = "---\nname: x\nsubject: Hello\n---\nline one\n{% if constituent.name %}\nno endif\n"
    problems = check_template(TemplateSource.from_text(text)).problems
    assert len(problems) == 1
    assert problems[0].line >= 6 and "syntax error" in str(problems[0])


@pytest.mark.parametrize(
    "text, needle",
    [
        ("{% for i in range(1000) %}x{% endfor %}", "range() is limited to 100"),
        (
            "{% for i in range(100) %}{% for j in range(100) %}{{ 'x' * 50 }}"
            "{% endfor %}{% endfor %}",
            "longer than 20000 characters",
        ),
        ("{{ 'a' * 100000 }}", "repeating text past"),
        ("{{ 2 ** 100000 }}", "exponents above 64"),
        (
            "{% for a in range(3) %}{% for b in range(3) %}{% for c in range(3) %}x"
            "{% endfor %}{% endfor %}{% endfor %}",
            "loops nest 3 deep",
        ),
        ("x" * (tpl.MAX_SOURCE + 1), "limit"),
    ],
)
def test_runaway_templates_are_refused(text, needle):
    problems = _problems(text)
    assert any(needle in p for p in problems), problems


def test_render_deadline_stops_slow_templates(monkeypatch):
    monkeypatch.setattr(tpl, "RENDER_SECONDS", 0.0)
    with pytest.raises(TemplateProblem, match="longer than 0s of CPU"):
        render(TemplateSource("{{ legislator.name|upper }}"), tpl.SAMPLE_CONTEXT)


def test_rendering_uses_every_merge_field():
    body = "\n".join(
        f"{kind}.{name}=[{{{{ {kind}.{name} }}}}]"
        for kind, names in tpl.MERGE_FIELDS.items()
        for name in names
    )
    result = check_template(TemplateSource(body, subject="To {{ legislator.title }}"))
    assert result.ok, [str(p) for p in result.problems]
    assert result.fields_used == {f"{k}.{n}" for k, ns in tpl.MERGE_FIELDS.items() for n in ns}
    values = {
        "constituent": {
            "name": "Ana Ruiz",
            "first_name": "Ana",
            "city": "Fremont",
            "state": "CA",
            "story": "My story",
            "message": "My words",
        },
        "legislator": {
            "name": "Aisha Wahab",
            "family_name": "Wahab",
            "title": "Senator",
            "salutation": "Dear Senator Wahab",
            "chamber": "Senate",
            "district": "10",
            "party": "Democratic",
        },
        "bill": {
            "identifier": "AB 1331",
            "title": "Mental health: Statewide Director of Crisis Services.",
            "status": "failed",
            "url": "https://leginfo.legislature.ca.gov/",
        },
        "organization": {"name": "Bay Area Coalition"},
    }
    out = render(TemplateSource(body, subject="To {{ legislator.title }}"), values)
    assert out.subject == "To Senator"
    for kind, fields in values.items():
        for name, value in fields.items():
            assert f"{kind}.{name}=[{value}]" in out.body


def test_plain_text_is_not_escaped_when_rendered():
    out = render(
        TemplateSource("{{ constituent.story }}"), {"constituent": {"story": "<b>Tom & Jerry</b>"}}
    )
    assert out.body == "<b>Tom & Jerry</b>"


def test_every_starter_template_is_valid_and_renders():
    starters = tpl.starter_templates()
    assert set(starters) == {
        "support-parity-bill",
        "support-988-funding",
        "oppose-a-cut",
        "thank-a-sponsor",
        "request-a-meeting",
    }
    for name, source in starters.items():
        assert check_template(source).ok, name
        out = render(source, tpl.SAMPLE_CONTEXT)
        assert out.body.startswith("Dear Senator Wahab,"), name
        assert "Jordan Rivera" in out.body and out.subject
