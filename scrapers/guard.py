"""The shared validation layer between raw payloads and parsers.

Every payload is checked *before* it is parsed (size; JSON nesting depth, found by a
scan that never recurses; YAML aliases, counted while composing, so an alias bomb stops
at `MAX_YAML_ALIASES` instead of expanding), and every parser's output is checked for
the shape it needs (`expect_mapping`, `expect_list`). A payload that fails raises
`ParseError` with the reason, which the import/sync loop quarantines.

`RECORD_ERRORS` are the exceptions that mean "this payload or record is malformed"
(a list where an object was expected gives TypeError/AttributeError, a missing key
KeyError, a too-deep structure RecursionError ...): the loop catches exactly these per
file and per record, quarantines with the reason and goes on with the rest.
"""

from __future__ import annotations

import csv
import json
from typing import Any

import yaml

from tracker.errors import InvalidInput, ParseError

MAX_PAYLOAD_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 64  # nesting of JSON arrays/objects (real payloads stay under 12)
MAX_YAML_ALIASES = 100
MAX_YAML_NODES = 2_000_000

RECORD_ERRORS: tuple[type[BaseException], ...] = (
    ParseError,
    InvalidInput,
    ValueError,  # includes UnicodeError and json.JSONDecodeError
    TypeError,
    KeyError,
    AttributeError,
    IndexError,
    RecursionError,
    csv.Error,
    yaml.YAMLError,
)


def check_size(data: bytes | str, what: str, url: str | None = None) -> None:
    """Refuse payloads past MAX_PAYLOAD_BYTES."""
    if len(data) > MAX_PAYLOAD_BYTES:
        raise ParseError(f"{what} is {len(data)} bytes; the limit is {MAX_PAYLOAD_BYTES}", url=url)


def json_depth(text: str | bytes) -> int:
    """The deepest array/object nesting in JSON text (strings skipped), without recursion."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif char in "]}":
            depth -= 1
    return deepest


def load_json(data: bytes | str, what: str = "payload", url: str | None = None) -> Any:
    """Parse JSON after the size and depth checks; ParseError names what is wrong."""
    check_size(data, what, url)
    depth = json_depth(data)
    if depth > MAX_DEPTH:
        raise ParseError(f"{what} nests {depth} levels deep; the limit is {MAX_DEPTH}", url=url)
    try:
        return json.loads(data, parse_int=_bounded_int)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"malformed JSON in {what}: {exc}", url=url) from exc


MAX_INT_DIGITS = 30  # ids, counts and years; a longer integer is corruption


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text)} digits")
    return int(text)


class _GuardedLoader(yaml.SafeLoader):
    """SafeLoader that counts aliases and nodes while composing (no bomb expands)."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_YAML_ALIASES} YAML aliases")
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise yaml.YAMLError(f"more than {MAX_YAML_NODES} YAML nodes")
        return super().compose_node(parent, index)


def load_yaml(data: bytes | str, what: str = "payload", url: str | None = None) -> Any:
    """Safe-load YAML after the size check, with alias and node limits."""
    check_size(data, what, url)
    loader = _GuardedLoader(data)
    try:
        return loader.get_single_data()
    except (yaml.YAMLError, RecursionError) as exc:
        raise ParseError(f"malformed or oversized YAML in {what}: {exc}", url=url) from exc
    finally:
        loader.dispose()


def expect_mapping(value: Any, what: str, url: str | None = None) -> dict:
    """`value` when it is a JSON object / YAML mapping; ParseError otherwise."""
    if not isinstance(value, dict):
        raise ParseError(f"{what} must be an object, got {type(value).__name__}", url=url)
    return value


def expect_list(value: Any, what: str, url: str | None = None) -> list:
    """`value` when it is a list (None counts as empty); ParseError otherwise."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"{what} must be a list, got {type(value).__name__}", url=url)
    return value
