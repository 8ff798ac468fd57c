"""Text hygiene at the edges: control characters and spreadsheet formulas.

`clean_text` drops what XML 1.0 and XLSX cannot hold (C0 controls except tab, newline and
carriage return; DEL and C1 controls; lone surrogates; U+FFFE/U+FFFF). Ingest applies it
to scraped text once, and feeds and workbooks apply it again at their boundary.

`neutralize` is the one CSV formula-injection defence every export uses (web and CLI);
XLSX cells are written with the string type instead (never evaluated, no visible quote)
after `clean_text`: a text cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab,
carriage return, or their full-width forms, also after leading spaces) gets a leading `'`.
`safe_csv_writer` / `SafeDictWriter` apply it to every cell.
"""

from __future__ import annotations

import csv
import re
from typing import IO, Any

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def clean_text(value: str) -> str:
    """`value` without characters XML and XLSX refuse (see the module docstring)."""
    return _CONTROL.sub("", value)


def neutralize(value: Any) -> Any:
    """A CSV/XLSX cell that can never run as a formula; non-text values pass through."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    if value.startswith(_FORMULA_START) or value.lstrip(" ").startswith(_FORMULA_START):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def writerow(self, row: Any) -> Any:
        return self._writer.writerow([neutralize(v) for v in row])

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


def safe_csv_writer(out: IO[str], **kwargs: Any) -> _SafeWriter:
    """`csv.writer(out)` whose every cell goes through `neutralize`."""
    return _SafeWriter(csv.writer(out, **kwargs))


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose every cell goes through `neutralize` (not the header)."""

    def writerow(self, rowdict: dict) -> Any:  # type: ignore[override]
        return super().writerow({k: neutralize(v) for k, v in rowdict.items()})
