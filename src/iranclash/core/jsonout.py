"""JSON text that is safe to print: the one encoder for records and results.

``json.dumps`` escapes C0 controls but passes C1 controls, bidirectional
overrides and line separators through raw; a terminal or a later ``jq -r`` would
then obey them. They are escaped here as ``\\uXXXX``.
"""

from __future__ import annotations

import functools
import json
import os
import re

#: Characters a terminal would obey or hide (C1 controls, bidirectional marks and overrides,
#: line and paragraph separators), as a character class: JSON escapes them, and tables show
#: them as ⟨U+XXXX⟩ (``output.text``), from this one list.
INVISIBLE = "\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069"


@functools.cache
def _unsafe() -> re.Pattern[str]:
    # Compiled when first needed (0.25 ms): a query that prints stored JSON never needs it.
    return re.compile(f"[\x7f{INVISIBLE}]")


class Raw:
    """JSON text made by ``dumps`` already, to be put into a larger document as it is.

    A lookup that nests thousands of stored records would otherwise parse each one
    only to encode it again.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(value: object, *, indent: int | None = None) -> str:
    if indent is None:
        try:
            return _safe(_ENCODER.encode(value))
        except _Spliced:
            pass  # written the splicing way below
    spliced: list[str] = []
    token = ""

    def placeholder(item: object) -> str:
        nonlocal token
        if not isinstance(item, Raw):
            raise TypeError(f"cannot write {type(item).__name__} as JSON")
        # A token no data can guess, so that no string in the data is taken for a placeholder.
        token = token or os.urandom(8).hex()
        spliced.append(item.text)
        return f"{token}{len(spliced) - 1}"

    text = _safe(json.dumps(value, ensure_ascii=False, indent=indent, default=placeholder))
    if spliced:
        text = re.sub(f'"{token}(\\d+)"', lambda match: spliced[int(match.group(1))], text)
    return text


class _Spliced(Exception):
    """A ``Raw`` met by the shared encoder, which cannot splice it in."""


def _unspliced(item: object) -> object:
    if isinstance(item, Raw):
        raise _Spliced
    raise TypeError(f"cannot write {type(item).__name__} as JSON")


#: The encoder for data without ``Raw`` (every record a build writes), made once rather than
#: for each of a million texts; it writes what ``json.dumps`` with the same arguments writes.
#: The data is made afresh from records and results, never circular: not checking for
#: that takes a tenth off each text (1.2 us of an export row's 12).
_ENCODER = json.JSONEncoder(ensure_ascii=False, check_circular=False, default=_unspliced)


def _safe(text: str) -> str:
    """``text`` with each unsafe character escaped; ASCII text has only DEL to look for."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _unsafe().sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def string(text: str) -> str:
    """One JSON string, as ``dumps`` would write it, without its general machinery."""
    encoded = json.dumps(text, ensure_ascii=False)
    if _unsafe().search(encoded):
        encoded = _unsafe().sub(lambda match: f"\\u{ord(match.group()):04x}", encoded)
    return encoded


_NON_ASCII = re.compile("[^\x00-\x7f]")


def ascii_only(text: str) -> str:
    """JSON text with every non-ASCII character escaped: the same data, for an ASCII-only stream.

    Outside strings JSON text is ASCII, so each such character is inside a string, where an
    escape means the same character (a pair of surrogate escapes beyond U+FFFF).
    """
    return _NON_ASCII.sub(lambda match: json.dumps(match.group())[1:-1], text)
