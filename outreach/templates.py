"""Letter templates: a sandboxed Jinja2 environment advocates can write in safely.

Templates are plain text (autoescape off); the web app HTML-escapes whatever it shows.
The environment is `ImmutableSandboxedEnvironment` with `StrictUndefined`, so a template
cannot reach Python internals (`__class__`, attribute walks), change data, or print a
missing field silently. On top of the sandbox a template cannot run away:

- source size, loop nesting and `range()` length are bounded (checked before rendering);
- every call, attribute lookup, filter and operator checks a render deadline (CPU time);
- output is produced in chunks and refused once it passes `MAX_OUTPUT` characters.

Merge fields are four objects with fixed fields (`MERGE_FIELDS`); an unknown field is
reported with its line number by `check_template` before anything is rendered.

Template files may start with a YAML front matter block (`---` ... `---`) holding
`name`, `subject` and `description`; the rest is the body. Line numbers in errors
are the file's own line numbers.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError, TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from tracker.errors import InvalidInput

MAX_SOURCE = 20_000  # characters of template source (subject + body)
MAX_OUTPUT = 20_000  # characters a render may produce
MAX_RANGE = 100  # longest range() a template may loop over
MAX_LOOP_DEPTH = 2  # nested for-loops
RENDER_SECONDS = 0.5  # CPU seconds per render
STARTERS_DIR = Path(__file__).parent / "starters"
TEMPLATE_NAME = "template"  # the filename Jinja gives template frames in tracebacks

MERGE_FIELDS: dict[str, dict[str, str]] = {
    "constituent": {
        "name": "the constituent's full name",
        "first_name": "the constituent's first name",
        "city": "city from their address",
        "state": "two-letter state code",
        "story": "their story (may be empty)",
        "message": "the part of the letter they wrote or edited",
    },
    "legislator": {
        "name": "full name",
        "family_name": "last name",
        "title": "Senator, Representative, Assemblymember, Delegate ...",
        "salutation": 'e.g. "Dear Senator Wahab"',
        "chamber": "Senate, House, Assembly ...",
        "district": "district as the legislature names it",
        "party": "party",
    },
    "bill": {
        "identifier": 'e.g. "HR 7" or "AB 1234"',
        "title": "official title",
        "status": "introduced, in committee, passed one chamber ...",
        "url": "official page",
    },
    "organization": {"name": "the organization running the campaign"},
}

SAFE_FILTERS = (
    "capitalize default d first join last length count lower replace round title trim "
    "truncate upper wordcount wordwrap int string striptags indent list sort"
).split()

SAMPLE_CONTEXT: dict[str, dict[str, str]] = {
    "constituent": {
        "name": "Jordan Rivera",
        "first_name": "Jordan",
        "city": "Fremont",
        "state": "CA",
        "story": "After my brother's crisis, the wait for a psychiatrist was eleven weeks.",
        "message": "Please make sure people in our district can get care when they need it.",
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
        "identifier": "SB 855",
        "title": "Health coverage: mental health and substance use disorders",
        "status": "became law",
        "url": "https://leginfo.legislature.ca.gov/",
    },
    "organization": {"name": "Sample Mental Health Coalition"},
}


class TemplateProblem(InvalidInput):
    """A template is invalid or was refused while rendering; carries the line number."""

    def __init__(self, message: str, line: int | None = None, part: str = "body"):
        self.message = message
        self.line = line
        self.part = part
        where = f"{part} line {line}: " if line else (f"{part}: " if part != "body" else "")
        super().__init__(f"{where}{message}")


class RenderLimitExceeded(SecurityError):
    """The template ran past its time, size or loop budget."""


@dataclass
class TemplateSource:
    """A template as written: subject and body text plus optional name/description."""

    body: str
    subject: str = ""
    name: str = ""
    description: str = ""
    body_first_line: int = 1  # line of the file where the body starts

    @classmethod
    def from_text(cls, text: str) -> TemplateSource:
        """Split optional YAML front matter (name, subject, description) from the body."""
        if text.startswith("---\n"):
            end = text.find("\n---\n", 4)
            if end == -1:
                raise TemplateProblem("front matter starts with --- but never ends", line=1)
            try:
                meta = yaml.safe_load(text[4:end]) or {}
            except yaml.YAMLError as exc:
                raise TemplateProblem(f"front matter is not valid YAML: {exc}", line=1) from exc
            if not isinstance(meta, dict):
                raise TemplateProblem("front matter must be a mapping of name/subject", line=1)
            unknown = set(meta) - {"name", "subject", "description"}
            if unknown:
                raise TemplateProblem(
                    f"unknown front matter keys: {', '.join(sorted(map(str, unknown)))}", line=1
                )
            body = text[end + 5 :]
            first = text[: end + 5].count("\n") + 1
            return cls(
                body=body,
                subject=str(meta.get("subject") or ""),
                name=str(meta.get("name") or ""),
                description=str(meta.get("description") or ""),
                body_first_line=first,
            )
        return cls(body=text)

    @classmethod
    def from_file(cls, path: str | Path) -> TemplateSource:
        """Read a template file (UTF-8)."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateProblem(f"{path} is not UTF-8 text") from exc
        return cls.from_text(text)


class _Budget:
    """The CPU-time deadline of one render.

    CPU time of the rendering thread, not wall time: a busy machine must not make a
    valid template fail, and a runaway template burns CPU either way.
    """

    def __init__(self, seconds: float):
        self.deadline = time.thread_time() + seconds

    def tick(self) -> None:
        if time.thread_time() > self.deadline:
            raise RenderLimitExceeded(
                f"the template took longer than {RENDER_SECONDS:g}s of CPU to render; "
                "simplify loops or remove repeated work"
            )


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with a per-render budget checked on every call, lookup and operator."""

    intercepted_binops = frozenset(["*", "**", "+"])

    def __init__(self) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.budget = _Budget(RENDER_SECONDS)
        self.globals.clear()
        self.globals["range"] = self._range
        self.filters = {name: self.filters[name] for name in SAFE_FILTERS}
        self.tests = {
            n: self.tests[n] for n in ("defined", "undefined", "none", "number", "string")
        }

    def _range(self, *args: int) -> range:
        self.budget.tick()
        rng = range(*args)
        if len(rng) > MAX_RANGE:
            raise RenderLimitExceeded(f"range() is limited to {MAX_RANGE} items")
        return rng

    def call(self, __context, __obj, *args, **kwargs):  # noqa: ANN001, ANN201, N807
        self.budget.tick()
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj, attribute):  # noqa: ANN001, ANN201
        self.budget.tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):  # noqa: ANN001, ANN201
        self.budget.tick()
        return super().getitem(obj, argument)

    def call_filter(self, name, value, args=None, kwargs=None, context=None, eval_ctx=None):  # noqa: ANN001, ANN201
        self.budget.tick()
        result = super().call_filter(name, value, args, kwargs, context, eval_ctx)
        return _bounded(result)

    def call_binop(self, context, operator, left, right):  # noqa: ANN001, ANN201
        self.budget.tick()
        if operator == "**" and isinstance(right, (int, float)) and abs(right) > 64:
            raise RenderLimitExceeded("exponents above 64 are not allowed in templates")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                    if len(seq) * n > MAX_OUTPUT:
                        raise RenderLimitExceeded(
                            f"repeating text past {MAX_OUTPUT} characters is not allowed"
                        )
        return _bounded(super().call_binop(context, operator, left, right))


def _bounded(value: Any) -> Any:
    if isinstance(value, (str, list, tuple)) and len(value) > MAX_OUTPUT:
        raise RenderLimitExceeded(f"a value in the template grew past {MAX_OUTPUT} characters")
    return value


class MergeObject:
    """A merge field group (legislator, bill ...): exactly the documented fields, read-only."""

    __slots__ = ("_kind", "_values")

    def __init__(self, kind: str, values: dict[str, Any]):
        self._kind = kind
        self._values = {k: ("" if values.get(k) is None else values[k]) for k in MERGE_FIELDS[kind]}

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __str__(self) -> str:
        return str(self._values.get("name") or self._values.get("identifier") or self._kind)


# --- checking ---------------------------------------------------------------------------


@dataclass
class CheckResult:
    """What `check_template` found: problems (each with a line) and the fields used."""

    problems: list[TemplateProblem] = field(default_factory=list)
    fields_used: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems


_FORBIDDEN_NODES = {
    nodes.Extends: "{% extends %} is not available in letter templates",
    nodes.Include: "{% include %} is not available in letter templates",
    nodes.Import: "{% import %} is not available in letter templates",
    nodes.FromImport: "{% from ... import %} is not available in letter templates",
    nodes.Macro: "{% macro %} is not available in letter templates",
    nodes.CallBlock: "{% call %} is not available in letter templates",
    nodes.Block: "{% block %} is not available in letter templates",
}


def _check_part(env: LetterEnvironment, text: str, part: str, first_line: int) -> CheckResult:
    result = CheckResult()
    offset = first_line - 1
    try:
        ast = env.parse(text)
    except TemplateSyntaxError as exc:
        result.problems.append(
            TemplateProblem(f"syntax error: {exc.message}", (exc.lineno or 1) + offset, part)
        )
        return result
    for node_type, message in _FORBIDDEN_NODES.items():
        for node in ast.find_all(node_type):
            result.problems.append(TemplateProblem(message, node.lineno + offset, part))
    assigned = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    allowed = set(MERGE_FIELDS) | {"range", "loop"} | assigned
    for name in ast.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in allowed:
            result.problems.append(
                TemplateProblem(
                    f"unknown field {name.name!r}; available: {', '.join(MERGE_FIELDS)}",
                    name.lineno + offset,
                    part,
                )
            )
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        attr = (
            node.attr
            if isinstance(node, nodes.Getattr)
            else (node.arg.value if isinstance(node.arg, nodes.Const) else None)
        )
        if isinstance(attr, str) and attr.startswith("_"):
            result.problems.append(
                TemplateProblem(
                    f"access to {attr!r} is not allowed (the sandbox forbids private and "
                    "internal attributes)",
                    node.lineno + offset,
                    part,
                )
            )
            continue
        if isinstance(node.node, nodes.Name) and node.node.name in MERGE_FIELDS:
            kind = node.node.name
            if attr is None:
                continue
            if attr not in MERGE_FIELDS[kind]:
                result.problems.append(
                    TemplateProblem(
                        f"unknown field {kind}.{attr}; {kind} has: {', '.join(MERGE_FIELDS[kind])}",
                        node.lineno + offset,
                        part,
                    )
                )
            else:
                result.fields_used.add(f"{kind}.{attr}")
    for node in ast.find_all(nodes.Filter):
        if node.name not in env.filters:
            result.problems.append(
                TemplateProblem(
                    f"filter {node.name!r} is not available; use one of: "
                    f"{', '.join(sorted(env.filters))}",
                    node.lineno + offset,
                    part,
                )
            )
    depth = _loop_depth(ast)
    if depth > MAX_LOOP_DEPTH:
        line = next(iter(ast.find_all(nodes.For))).lineno + offset
        result.problems.append(
            TemplateProblem(
                f"loops nest {depth} deep; at most {MAX_LOOP_DEPTH} are allowed", line, part
            )
        )
    return result


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    here = depth + 1 if isinstance(node, nodes.For) else depth
    return max([here, *(_loop_depth(child, here) for child in node.iter_child_nodes())])


def check_template(source: TemplateSource, *, render_sample: bool = True) -> CheckResult:
    """Validate a template: syntax, known fields, sandbox rules; then a sample render."""
    size = len(source.body) + len(source.subject)
    if size > MAX_SOURCE:
        return CheckResult([TemplateProblem(f"template is {size} characters; limit {MAX_SOURCE}")])
    if not source.body.strip():
        return CheckResult([TemplateProblem("the letter body is empty")])
    env = LetterEnvironment()
    result = _check_part(env, source.body, "body", source.body_first_line)
    if source.subject:
        subject = _check_part(env, source.subject, "subject", 1)
        result.problems.extend(subject.problems)
        result.fields_used |= subject.fields_used
    if result.ok and render_sample:
        try:
            render(source, SAMPLE_CONTEXT)
        except TemplateProblem as exc:
            result.problems.append(exc)
    return result


def ensure_valid(source: TemplateSource) -> None:
    """Raise the first problem (as TemplateProblem) if the template is not valid."""
    result = check_template(source)
    if not result.ok:
        raise result.problems[0]


# --- rendering ---------------------------------------------------------------------------


@dataclass
class Rendered:
    """A rendered letter: subject and plain-text body."""

    subject: str
    body: str


def build_context(values: dict[str, dict[str, Any]]) -> dict[str, MergeObject]:
    """Wrap plain dicts into read-only merge objects with exactly the documented fields."""
    return {kind: MergeObject(kind, values.get(kind) or {}) for kind in MERGE_FIELDS}


def render(source: TemplateSource, values: dict[str, dict[str, Any]]) -> Rendered:
    """Render subject and body in the sandbox under the time, size and loop budget."""
    size = len(source.body) + len(source.subject)
    if size > MAX_SOURCE:
        raise TemplateProblem(f"template is {size} characters; limit {MAX_SOURCE}")
    context = build_context(values)
    body = _render_part(source.body, context, "body", source.body_first_line)
    subject = _render_part(source.subject, context, "subject", 1).strip() if source.subject else ""
    return Rendered(subject=" ".join(subject.split()), body=body)


def _render_part(text: str, context: dict[str, MergeObject], part: str, first_line: int) -> str:
    env = LetterEnvironment()
    offset = first_line - 1
    try:
        template = env.from_string(text)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"syntax error: {exc.message}", (exc.lineno or 1) + offset, part
        ) from exc
    chunks: list[str] = []
    total = 0
    try:
        for chunk in template.generate(**context):
            env.budget.tick()
            total += len(chunk)
            if total > MAX_OUTPUT:
                raise RenderLimitExceeded(
                    f"the letter is longer than {MAX_OUTPUT} characters; shorten it or "
                    "bound its loops"
                )
            chunks.append(chunk)
    except RenderLimitExceeded as exc:
        raise TemplateProblem(str(exc), _template_line(exc, offset), part) from exc
    except SecurityError as exc:
        raise TemplateProblem(
            f"not allowed by the sandbox: {exc}", _template_line(exc, offset), part
        ) from exc
    except UndefinedError as exc:
        raise TemplateProblem(
            f"unknown field: {exc.message}", _template_line(exc, offset), part
        ) from exc
    except RecursionError as exc:
        raise TemplateProblem("the template recursed too deeply", None, part) from exc
    except TemplateError as exc:
        raise TemplateProblem(str(exc), _template_line(exc, offset), part) from exc
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError) as exc:
        raise TemplateProblem(
            f"{type(exc).__name__}: {exc}", _template_line(exc, offset), part
        ) from exc
    return "".join(chunks)


def _template_line(exc: BaseException, offset: int) -> int | None:
    """The template line where `exc` was raised (Jinja rewrites frames to template lines)."""
    line = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == "<template>":
            line = lineno
    return line + offset if line is not None else None


# --- starters ----------------------------------------------------------------------------


def starter_templates() -> dict[str, TemplateSource]:
    """The packaged starter templates, keyed by file stem."""
    return {path.stem: TemplateSource.from_file(path) for path in sorted(STARTERS_DIR.glob("*.j2"))}
