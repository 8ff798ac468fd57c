"""Text a reader may want in their own language, built where the facts are.

Domain code (outreach targeting, validation) writes its messages in English and has no
Flask; a `Phrase` is that English text which also remembers its message id (with
`%(name)s` placeholders) and values, so a page can show it translated:
`translated(phrase, gettext)`. Values may be Phrases or plain message ids ("Senate")
too. Anything else that uses the text (logs, CSV, the letter to the office) gets the
English, because a Phrase is a `str`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Phrase(str):
    """English text with its message id and values kept for translation."""

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Phrase:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self


def translated(text: Any, gettext: Callable[[str], str]) -> Any:
    """`text` in the reader's language: a Phrase's message and values, or a plain string
    as a message id (unchanged when the catalog lacks it); other values as they are."""
    if isinstance(text, Phrase):
        message = gettext(text.msgid)
        if not text.params:
            return message
        return message % {k: translated(v, gettext) for k, v in text.params.items()}
    if isinstance(text, str) and text:
        return gettext(text)
    return text
