"""Letter templates: a sandboxed Jinja2 environment advocates can write in safely.

Templates are plain text (autoescape off); the web app HTML-escapes whatever it shows.
The environment is `ImmutableSandboxedEnvironment` with `StrictUndefined`, so a template
cannot reach Python internals (`__class__`, attribute walks), change data, or print a
missing field silently. On top of the sandbox a template cannot run away:

- source size, bracket nesting, loop nesting and `range()` length are bounded (checked
  before rendering); every for-loop counts toward `MAX_ITERATIONS` per render;
- every call, attribute lookup, filter, operator and loop step checks a render deadline
  (CPU time);
- nothing can build a value bigger than `MAX_OUTPUT` characters or `MAX_INT_BITS` bits:
  `*`, `**`, `%`, `str.format`, `zfill`/`center`/`ljust`/`rjust`, `replace`, `join`,
  `indent`, `expandtabs` and bytes are checked *before* they allocate;
- output is produced in chunks and refused once it passes `MAX_OUTPUT` characters;
- `render` runs in a separate worker process with a memory cap (`resource.setrlimit`) and
  a wall-clock timeout, killed and replaced if either is hit, so no template can stall
  the web server or a worker even through a path the checks above miss.

Merge fields are four objects with fixed fields (`MERGE_FIELDS`); an unknown field is
reported with its line number by `check_template` before anything is rendered.

Template files may start with a YAML front matter block (`---` ... `---`) holding
`name`, `subject` and `description`; the rest is the body. Line numbers in errors
are the file's own line numbers.
"""

from __future__ import annotations

import atexit
import functools
import multiprocessing
import re
import string
import threading
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
MAX_ITERATIONS = 5_000  # loop steps per render, all loops together
MAX_INT_BITS = 256  # largest integer a template may compute (about 77 digits)
MAX_NESTING = 30  # brackets nested inside one expression
MAX_WIDTH = 200  # padding/indent widths and format widths
RENDER_WALL_SECONDS = 5.0  # wall-clock limit of one render in the worker process
RENDER_MEMORY_BYTES = 512 * 1024 * 1024  # address-space cap of the render process
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
# Testimony templates (outreach/testimony.py) get the bill, the organization and these;
# a TemplateSource says which set it uses (`fields`), letters keep MERGE_FIELDS.
TESTIMONY_FIELDS: dict[str, dict[str, str]] = {
    "bill": MERGE_FIELDS["bill"],
    "organization": MERGE_FIELDS["organization"],
    "hearing": {
        "committee": "the committee holding the hearing",
        "chair": "the committee chair",
        "members": "committee members, comma-separated",
        "date": "hearing date",
        "time": "hearing time",
        "place": "where it meets",
        "written_testimony": "where the chamber takes written testimony",
    },
    "testimony": {
        "speaker": "who testifies",
        "position": "support, oppose or other",
        "ask": "the clear ask",
        "facts": "one or two facts with sources",
        "quote": "a quote from the bill, with its section",
    },
}
FIELD_SETS = {"letter": MERGE_FIELDS, "testimony": TESTIMONY_FIELDS}
_ALL_FIELDS = {**MERGE_FIELDS, **TESTIMONY_FIELDS}

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

    def __reduce__(self) -> tuple:
        return (type(self), (self.message, self.line, self.part))


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
    fields: str = "letter"  # which merge-field set: a key of FIELD_SETS

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
        self.seconds = seconds
        self.deadline = time.thread_time() + seconds
        self.iterations = 0

    def tick(self) -> None:
        if time.thread_time() > self.deadline:
            raise RenderLimitExceeded(
                f"the template took longer than {self.seconds:g}s of CPU to render; "
                "simplify loops or remove repeated work"
            )

    def step(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_ITERATIONS:
            raise RenderLimitExceeded(
                f"the template's loops ran more than {MAX_ITERATIONS} steps; bound its loops"
            )
        self.tick()


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_WIDTH = re.compile(r"(\d+)")


def _check_width(width: Any, what: str) -> None:
    if isinstance(width, int) and width > MAX_WIDTH:
        raise RenderLimitExceeded(f"{what} is limited to {MAX_WIDTH} (got {width})")


def _check_percent(fmt: str) -> None:
    for match in _PERCENT_SPEC.finditer(fmt):
        for number in match.groups():
            if number == "*":
                raise RenderLimitExceeded("'*' widths in % formatting are not allowed")
            if number is not None:
                _check_width(int(number), "a % format width")


def _check_format_string(fmt: str) -> None:
    for _text, _name, spec, _conv in string.Formatter().parse(fmt):
        if spec and "{" in spec:
            raise RenderLimitExceeded("nested fields in format strings are not allowed")
        for number in _FORMAT_WIDTH.findall(spec or ""):
            _check_width(int(number), "a format width")


def _size(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes, list, tuple)) else len(str(value))


def _check_int(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise RenderLimitExceeded(f"numbers in templates are limited to {MAX_INT_BITS} bits")


class LetterEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox with a per-render budget checked on every call, lookup and operator."""

    intercepted_binops = frozenset(["*", "**", "+", "%", "//", "/", "-"])
    intercepted_unops = frozenset(["-", "+"])

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
        self.globals[LOOP_GUARD] = self._loop_guard
        self.filters = {name: self._guard_filter(name, self.filters[name]) for name in SAFE_FILTERS}
        self.tests = {
            n: self.tests[n] for n in ("defined", "undefined", "none", "number", "string")
        }

    def _range(self, *args: int) -> range:
        self.budget.tick()
        rng = range(*args)
        if len(rng) > MAX_RANGE:
            raise RenderLimitExceeded(f"range() is limited to {MAX_RANGE} items")
        return rng

    def _loop_guard(self, iterable: Any) -> Any:
        """Wraps every for-loop's iterable: each step counts toward MAX_ITERATIONS."""
        if isinstance(iterable, (str, bytes, list, tuple)) and len(iterable) > MAX_OUTPUT:
            raise RenderLimitExceeded(f"loops over more than {MAX_OUTPUT} items are not allowed")
        for item in iterable:
            self.budget.step()
            yield item

    def call(self, __context, __obj, *args, **kwargs):  # noqa: ANN001, ANN201, N807
        self.budget.tick()
        _check_method_call(__obj, args, kwargs)
        return _bounded(super().call(__context, __obj, *args, **kwargs))

    def wrap_str_format(self, value):  # noqa: ANN001, ANN201
        """str.format/format_map reached from a template: widths checked before formatting."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            self.budget.tick()
            _check_format_string(fmt)
            return _bounded(wrapped(*args, **kwargs))

        return checked

    def _guard_filter(self, name: str, func: Any) -> Any:
        """A filter that checks its arguments before it runs and its result after.

        Compiled templates call filters directly (not through `call_filter`), so the
        checks live in the filter functions themselves.
        """
        skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.budget.tick()
            rest = list(args[skip:])
            if rest:
                _check_filter(name, rest[0], rest[1:], kwargs)
            return _bounded(func(*args, **kwargs))

        return guarded

    def getattr(self, obj, attribute):  # noqa: ANN001, ANN201
        self.budget.tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):  # noqa: ANN001, ANN201
        self.budget.tick()
        return super().getitem(obj, argument)

    def call_binop(self, context, operator, left, right):  # noqa: ANN001, ANN201
        self.budget.tick()
        _check_int(left)
        _check_int(right)
        if operator == "**":
            if isinstance(right, (int, float)) and abs(right) > 64:
                raise RenderLimitExceeded("exponents above 64 are not allowed in templates")
            if isinstance(left, int) and isinstance(right, int) and right > 0:
                if max(1, abs(left).bit_length()) * right > MAX_INT_BITS:
                    raise RenderLimitExceeded(
                        f"numbers in templates are limited to {MAX_INT_BITS} bits"
                    )
        if operator == "*":
            if isinstance(left, int) and isinstance(right, int):
                if abs(left).bit_length() + abs(right).bit_length() > MAX_INT_BITS + 1:
                    raise RenderLimitExceeded(
                        f"numbers in templates are limited to {MAX_INT_BITS} bits"
                    )
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, bytes, list, tuple)) and isinstance(n, int):
                    if len(seq) * n > MAX_OUTPUT:
                        raise RenderLimitExceeded(
                            f"repeating text past {MAX_OUTPUT} characters is not allowed"
                        )
        if operator == "%" and isinstance(left, (str, bytes)):
            _check_percent(left.decode("latin-1") if isinstance(left, bytes) else left)
        result = super().call_binop(context, operator, left, right)
        _check_int(result)
        return _bounded(result)

    def call_unop(self, context, operator, arg):  # noqa: ANN001, ANN201
        self.budget.tick()
        _check_int(arg)
        return super().call_unop(context, operator, arg)


LOOP_GUARD = "loop_guard"  # global wrapped around every for-loop's iterable
_WIDTH_METHODS = {"zfill", "center", "ljust", "rjust"}


def _check_method_call(obj: Any, args: tuple, kwargs: dict) -> None:
    """Refuse str/bytes method calls whose result would be huge, before they run."""
    target = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(target, (str, bytes)):
        return
    if name in _WIDTH_METHODS and args:
        _check_width(args[0], f"{name}() width")
    elif name == "expandtabs":
        _check_width(args[0] if args else kwargs.get("tabsize"), "expandtabs() size")
    elif name == "replace" and len(args) >= 2:
        _check_replace(target, args[0], args[1], args[2] if len(args) > 2 else -1)
    elif name == "join" and args:
        _check_join(target, args[0])
    elif name in ("format", "format_map") and isinstance(target, str):
        _check_format_string(target)
    elif name in ("encode", "decode"):
        if len(target) * 4 > MAX_OUTPUT * 4:
            raise RenderLimitExceeded(f"a value in the template grew past {MAX_OUTPUT} characters")


def _check_replace(text: Any, old: Any, new: Any, count: Any = -1) -> None:
    if not isinstance(text, (str, bytes)) or not isinstance(old, type(text)):
        return
    if not isinstance(new, type(text)):
        return
    hits = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * (len(new) - len(old)) > MAX_OUTPUT:
        raise RenderLimitExceeded(f"replace() would grow the text past {MAX_OUTPUT} characters")


def _check_join(separator: Any, items: Any) -> None:
    if not isinstance(items, (str, bytes, list, tuple)):
        return
    if len(items) > MAX_OUTPUT:
        raise RenderLimitExceeded(f"join() over more than {MAX_OUTPUT} items is not allowed")
    total = len(separator) * max(0, len(items) - 1) + sum(_size(i) for i in items)
    if total > MAX_OUTPUT:
        raise RenderLimitExceeded(f"join() would build more than {MAX_OUTPUT} characters")


def _check_filter(name: str, value: Any, args: list, kwargs: dict) -> None:
    """Refuse filter calls whose result would be huge, before they run."""
    if name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        if isinstance(width, str):
            if len(width) > MAX_WIDTH:
                raise RenderLimitExceeded(f"indent() text is limited to {MAX_WIDTH} characters")
        else:
            _check_width(width, "indent() width")
    elif name == "replace" and len(args) >= 2:
        _check_replace(
            str(value) if not isinstance(value, (str, bytes)) else value,
            args[0],
            args[1],
            args[2] if len(args) > 2 else kwargs.get("count", -1),
        )
    elif name == "join":
        separator = args[0] if args else kwargs.get("d", "")
        items = value if isinstance(value, (str, bytes, list, tuple)) else None
        if items is not None and isinstance(separator, str):
            _check_join(separator, items)
    elif name == "wordwrap":
        wrapstring = args[2] if len(args) > 2 else kwargs.get("wrapstring")
        if isinstance(wrapstring, str) and len(wrapstring) > 10:
            raise RenderLimitExceeded("wordwrap()'s wrapstring is limited to 10 characters")
        width = args[0] if args else kwargs.get("width", 79)
        if isinstance(width, int) and width < 1:
            raise RenderLimitExceeded("wordwrap() width must be at least 1")
    elif name in ("truncate", "round", "int", "string"):
        for arg in args:
            _check_int(arg)


def _bounded(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_OUTPUT:
        raise RenderLimitExceeded(f"a value in the template grew past {MAX_OUTPUT} characters")
    _check_int(value)
    return value


_OPENERS = {"lparen", "lbracket", "lbrace"}
_CLOSERS = {"rparen", "rbracket", "rbrace"}
_BLOCKS = {"if", "for", "with", "filter", "autoescape"}


def _nesting(env: LetterEnvironment, text: str) -> int:
    """The deepest nesting of brackets plus blocks (parsing deeper recurses too far).

    A chain of operators, filters or attribute lookups in one tag nests as deep as it is
    long in the parsed tree, so every 8 of them count as one level.
    """
    depth = deepest = chain = 0
    after_block_begin = False
    for _line, kind, value in env.lex(text):
        if kind in ("operator", "dot") or (kind == "name" and value in ("not", "and", "or")):
            chain += 1
            deepest = max(deepest, depth + chain // 8)
        elif kind in ("variable_end", "block_end"):
            chain = 0
        if kind in _OPENERS:
            depth += 1
        elif kind in _CLOSERS:
            depth = max(0, depth - 1)
        elif after_block_begin and kind == "name":
            if value in _BLOCKS:
                depth += 1
            elif value.startswith("end"):
                depth = max(0, depth - 1)
        if kind != "whitespace":
            after_block_begin = kind == "block_begin"
        deepest = max(deepest, depth)
    return deepest


def _guard_loops(ast: nodes.Template) -> nodes.Template:
    """Wrap every for-loop's iterable in the loop guard (iteration budget)."""
    for loop in ast.find_all(nodes.For):
        loop.iter = nodes.Call(
            nodes.Name(LOOP_GUARD, "load", lineno=loop.lineno),
            [loop.iter],
            [],
            None,
            None,
            lineno=loop.lineno,
        )
    return ast


class MergeObject:
    """A merge field group (legislator, bill ...): exactly the documented fields, read-only."""

    __slots__ = ("_kind", "_values")

    def __init__(self, kind: str, values: dict[str, Any]):
        self._kind = kind
        self._values = {k: ("" if values.get(k) is None else values[k]) for k in _ALL_FIELDS[kind]}

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


def _check_part(
    env: LetterEnvironment,
    text: str,
    part: str,
    first_line: int,
    fields: dict[str, dict[str, str]] = MERGE_FIELDS,
) -> CheckResult:
    result = CheckResult()
    offset = first_line - 1
    try:
        ast = _parse(env, text)
    except TemplateProblem as exc:
        exc.line = (exc.line or 1) + offset if exc.line else None
        result.problems.append(TemplateProblem(exc.message, exc.line, part))
        return result
    except TemplateSyntaxError as exc:
        result.problems.append(
            TemplateProblem(f"syntax error: {exc.message}", (exc.lineno or 1) + offset, part)
        )
        return result
    for node_type, message in _FORBIDDEN_NODES.items():
        for node in ast.find_all(node_type):
            result.problems.append(TemplateProblem(message, node.lineno + offset, part))
    assigned = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    allowed = set(fields) | {"range", "loop"} | assigned
    for name in ast.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in allowed:
            result.problems.append(
                TemplateProblem(
                    f"unknown field {name.name!r}; available: {', '.join(fields)}",
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
        if isinstance(node.node, nodes.Name) and node.node.name in fields:
            kind = node.node.name
            if attr is None:
                continue
            if attr not in fields[kind]:
                result.problems.append(
                    TemplateProblem(
                        f"unknown field {kind}.{attr}; {kind} has: {', '.join(fields[kind])}",
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


def _parse(env: LetterEnvironment, text: str) -> nodes.Template:
    """Parse, refusing sources nested deeper than the parser can take."""
    try:
        if _nesting(env, text) > MAX_NESTING:
            raise TemplateProblem(
                f"brackets and blocks nest more than {MAX_NESTING} deep; split them up"
            )
        return env.parse(text)
    except RecursionError as exc:
        raise TemplateProblem("the template nests too deeply to read") from exc


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
    try:
        fields = FIELD_SETS[source.fields]
        result = _check_part(env, source.body, "body", source.body_first_line, fields)
        if source.subject:
            subject = _check_part(env, source.subject, "subject", 1, fields)
            result.problems.extend(subject.problems)
            result.fields_used |= subject.fields_used
    except RecursionError:
        return CheckResult([TemplateProblem("the template nests too deeply to read")])
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


def build_context(
    values: dict[str, dict[str, Any]], fields: dict[str, dict[str, str]] = MERGE_FIELDS
) -> dict[str, MergeObject]:
    """Wrap plain dicts into read-only merge objects with exactly the documented fields."""
    return {kind: MergeObject(kind, values.get(kind) or {}) for kind in fields}


def render(source: TemplateSource, values: dict[str, dict[str, Any]]) -> Rendered:
    """Render subject and body in the sandbox under the time, size and loop budget.

    The work happens in a render worker process (memory cap, wall-clock limit); a worker
    that hits either is killed and the template refused with a TemplateProblem.
    """
    size = len(source.body) + len(source.subject)
    if size > MAX_SOURCE:
        raise TemplateProblem(f"template is {size} characters; limit {MAX_SOURCE}")
    plain = {
        kind: {k: _plain(v) for k, v in (values.get(kind) or {}).items()}
        for kind in FIELD_SETS[source.fields]
    }
    return _run_isolated(source, plain, RENDER_SECONDS)


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def render_in_process(
    source: TemplateSource, values: dict[str, dict[str, Any]], seconds: float = RENDER_SECONDS
) -> Rendered:
    """Render in this process (the worker process calls this; tests of the sandbox too)."""
    context = build_context(values, FIELD_SETS[source.fields])
    body = _render_part(source.body, context, "body", source.body_first_line, seconds)
    subject = (
        _render_part(source.subject, context, "subject", 1, seconds).strip()
        if source.subject
        else ""
    )
    return Rendered(subject=" ".join(subject.split()), body=body)


def _render_part(
    text: str,
    context: dict[str, MergeObject],
    part: str,
    first_line: int,
    seconds: float = RENDER_SECONDS,
) -> str:
    env = LetterEnvironment()
    env.budget = _Budget(seconds)
    offset = first_line - 1
    try:
        template = env.from_string(_guard_loops(_parse(env, text)))
    except TemplateProblem as exc:
        raise TemplateProblem(exc.message, exc.line, part) from exc
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            f"syntax error: {exc.message}", (exc.lineno or 1) + offset, part
        ) from exc
    except RecursionError as exc:
        raise TemplateProblem("the template nests too deeply to read", None, part) from exc
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
    except MemoryError as exc:
        raise TemplateProblem("the template needs too much memory", None, part) from exc
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


# --- the render worker process ----------------------------------------------------------


class _Worker:
    """One render process: a memory cap, fed through a pipe, killed when it overruns."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_worker_main, args=(child, RENDER_MEMORY_BYTES), daemon=True
        )
        self.process.start()
        child.close()

    def run(self, payload: tuple, timeout: float) -> tuple:
        """Send one render; wait at most `timeout` seconds for its outcome."""
        self.conn.send(payload)
        if not self.conn.poll(timeout):
            raise TimeoutError
        return self.conn.recv()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


_IDLE: list[_Worker] = []
_IDLE_LOCK = threading.Lock()
MAX_IDLE_WORKERS = 4


def _worker_main(conn: Any, memory_bytes: int) -> None:
    """Loop of a render process: receive (source, values, seconds), send the outcome."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    while True:
        try:
            source, values, seconds, limits = conn.recv()
        except EOFError:
            return
        globals().update(limits)  # the parent's limits (one render at a time here)
        try:
            conn.send(("ok", render_in_process(source, values, seconds)))
        except TemplateProblem as exc:
            conn.send(("problem", exc.message, exc.line, exc.part))
        except MemoryError:
            conn.send(("problem", "the template needs too much memory", None, "body"))
            return


def _limits() -> dict[str, int]:
    return {
        name: globals()[name]
        for name in ("MAX_OUTPUT", "MAX_RANGE", "MAX_ITERATIONS", "MAX_INT_BITS", "MAX_WIDTH")
    }


def _run_isolated(source: TemplateSource, values: dict, seconds: float) -> Rendered:
    with _IDLE_LOCK:
        worker = _IDLE.pop() if _IDLE else None
    if worker is None or not worker.process.is_alive():
        worker = _Worker()
    try:
        outcome = worker.run((source, values, seconds, _limits()), RENDER_WALL_SECONDS)
    except TimeoutError:
        worker.kill()
        raise TemplateProblem(
            f"the template took longer than {RENDER_WALL_SECONDS:g}s to render; "
            "simplify loops or remove repeated work"
        ) from None
    except (EOFError, OSError):
        worker.kill()
        raise TemplateProblem(
            "the template needs too much memory or time to render; simplify it"
        ) from None
    if outcome[0] == "problem" and outcome[1].startswith("the template needs too much memory"):
        worker.kill()
    else:
        with _IDLE_LOCK:
            if len(_IDLE) < MAX_IDLE_WORKERS:
                _IDLE.append(worker)
                worker = None
        if worker is not None:
            worker.kill()
    if outcome[0] == "ok":
        return outcome[1]
    raise TemplateProblem(outcome[1], outcome[2], outcome[3])


@atexit.register
def _stop_workers() -> None:
    with _IDLE_LOCK:
        while _IDLE:
            _IDLE.pop().kill()


# --- starters ----------------------------------------------------------------------------


def starter_templates() -> dict[str, TemplateSource]:
    """The packaged starter templates, keyed by file stem."""
    return {path.stem: TemplateSource.from_file(path) for path in sorted(STARTERS_DIR.glob("*.j2"))}
