"""Text fit to show: untrusted characters made visible, any value as a cell's text, and a
spool for output written whole only once it is known to be whole."""

from __future__ import annotations

import functools
import re
from typing import IO

from iranclash.core import jsonout

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


@functools.cache
def _invisible() -> re.Pattern[str]:
    # Compiled when first needed (0.25 ms): a --json query shows no text to people.
    return re.compile(f"[{jsonout.INVISIBLE}]")


def visible(text: str) -> str:
    """Text safe for a terminal: controls as their Unicode pictures, others as ⟨U+XXXX⟩."""
    text = text.replace("\t", " ")
    text = _CONTROL.sub(lambda m: "␡" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), text)
    return _invisible().sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


#: How a cell starts that a spreadsheet would take for a formula (OWASP's list).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@functools.cache
def _number() -> re.Pattern[str]:
    # Compiled when first needed (0.1 ms): only CSV asks.
    return re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def defused(text: str) -> str:
    """A CSV cell a spreadsheet shows as text and never runs: one that starts as a formula
    does gets a leading ``'``; a number (``-44.3``) stays as it is."""
    if text[:1] in _FORMULA and not _number().fullmatch(text):
        return "'" + text
    return text


def cell(value: object) -> str:
    """A value as one cell's text: empty for none, JSON for a list or a mapping."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return jsonout.dumps(value)
    return str(value)


def counted(shown: int, total: int) -> str:
    """How many records a table shows, for people: "35 found", "2 of 35 shown",
    "1,000 of 200,000 shown"."""
    return f"{shown:,} of {total:,} shown" if total > shown else f"{shown:,} found"


_SPOOL_IN_MEMORY = 8 << 20


def spool() -> IO[str]:
    """Where a listing's records wait while it is read twice (a CSV's columns, a piped
    table's widths): in memory while small, then a temporary file. Lines end in "\n"
    only, so a record is one line whatever other line breaks its text holds."""

    import tempfile  # only for a listing's CSV or piped table: start-up goes without it

    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline="\n")
