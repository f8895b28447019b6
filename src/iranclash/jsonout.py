"""JSON text that is safe to print: the one encoder for records and results.

``json.dumps`` escapes C0 controls but passes C1 controls, bidirectional
overrides and line separators through raw; a terminal or a later ``jq -r`` would
then obey them. They are escaped here as ``\\uXXXX``.
"""

from __future__ import annotations

import json
import re

_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")


def dumps(value: object, *, indent: int | None = None) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


_NON_ASCII = re.compile("[^\x00-\x7f]")


def ascii_only(text: str) -> str:
    """JSON text with every non-ASCII character escaped: the same data, for an ASCII-only stream.

    Outside strings JSON text is ASCII, so each such character is inside a string, where an
    escape means the same character (a pair of surrogate escapes beyond U+FFFF).
    """
    return _NON_ASCII.sub(lambda match: json.dumps(match.group())[1:-1], text)
