"""Why a search hit matched: the field and a short snippet of its text with the words marked.

``query.search`` finds records by every text in them, the ids of the sources
and records they cite or link to included. A hit whose words appear only in
such an id (every record cites ``gif-kilani-2021``, so "kilani" would find them
all) is no match for the record and is dropped. For the others, the snippet comes from the first field
(names first) where each searched word starts a word, as the search matches.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from iranclash.core import jsonout, names
from iranclash.core.results import Column, Fit, Listing, Row, id_column
from iranclash.core.searchable import NOT_TEXT

#: Characters of context kept on each side of the first marked word.
CONTEXT = 40
#: Fields tried first, in this order: what a record is called before what it says.
_FIRST = (
    "name",
    "title",
    "aliases",
    "known_as",
    "author",
    "affiliation",
    "text",
    "summary",
    "description",
    "significance",
)
#: A word as the search reads it; a number with thousands separators ("2,500") is one word.
_WORD = re.compile(r"\d{1,3}(?:,\d{3})+(?!\d)|\w[\w'’‘ʿʾ-]*")


def _texts(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """Every (field path, text) of a record, skipping ids and dates."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in NOT_TEXT:
                yield from _texts(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, path)


def _marks(text: str, wanted: list[str]) -> list[tuple[int, int]] | None:
    """Where each wanted word starts a word of ``text`` (as the search folds them), or None
    when one of them does not."""
    folded = f" {names.normalize(text)}"
    if not all(f" {word}" in folded for word in wanted):
        return None  # most texts of a hit do not hold the words: skip the word-by-word walk
    spans: list[tuple[int, int]] = []
    found: set[str] = set()
    for match in _WORD.finditer(text):
        keys = names.normalize(match.group()).split()
        hit = [word for word in wanted if any(key.startswith(word) for key in keys)]
        if hit:
            spans.append(match.span())
            found.update(hit)
    return spans if found >= set(wanted) else None


def snippet(text: str, spans: list[tuple[int, int]]) -> str:
    """Up to ``CONTEXT`` characters around the first mark, each marked word in «»."""
    start = max(0, spans[0][0] - CONTEXT)
    end = min(len(text), spans[0][1] + CONTEXT)
    # Whole words only: widen to the nearest spaces.
    if start > 0:
        start = text.rfind(" ", 0, start) + 1
    if end < len(text):
        end = text.find(" ", end) if " " in text[end:] else len(text)
    shown = [span for span in spans if span[0] >= start and span[1] <= end]
    pieces, at = [], start
    for left, right in shown:
        pieces += [text[at:left], "«", text[left:right], "»"]
        at = right
    pieces.append(text[at:end])
    body = " ".join("".join(pieces).split())
    return ("…" if start > 0 else "") + body + ("…" if end < len(text) else "")


def _lead(text: str, before: int = 12) -> str:
    """The snippet from a few words before its first mark, so a table that cuts the end of a
    cell still shows the marked word."""
    mark = text.find("«")
    if mark <= before + 1:
        return text
    start = text.rfind(" ", 0, mark - before) + 1
    return "…" + text[start:].lstrip("…")


def why(record: Row, query: str) -> tuple[str, str] | None:
    """The field and snippet that show why ``record`` matches ``query``, or None if nothing
    but an id in it does."""
    wanted = names.normalize(query).split()
    for path, text in _ordered_texts(record):
        spans = _marks(text, wanted)
        if spans:
            return path, snippet(text, spans)
    return None


def _ordered_texts(record: Row) -> Iterator[tuple[str, str]]:
    """The record's texts, the fields of ``_FIRST`` first, in that order; the rest as they
    come. Lazily: most hits match in a name or title, and a record can be long."""
    for key in _FIRST:
        if key in record:
            yield from _texts(record[key], key)
    for key, value in record.items():
        if key not in NOT_TEXT and key not in _FIRST:
            yield from _texts(value, key)


def explained(listing: Listing, query: str) -> Listing:
    """Search hits with ``field`` and ``snippet`` added last; hits that match only by an id
    dropped. Streams, as the search itself does: a hit is read, explained and passed on."""

    def items() -> Iterator[str]:
        for item in listing.items:
            row = json.loads(item)
            found = why(row["record"], query)
            if found is None:
                continue
            field, text = found
            # Added after the keys a search item always had, so scripts reading them are unchanged.
            yield jsonout.dumps({**row, "field": field, "snippet": text})

    return Listing(
        listing.title,
        items(),
        (
            Column("Kind", lambda row: row["kind"]),
            Column("Name", lambda row: row["name"], Fit.CUT),
            Column("Why", lambda row: f"{row['field']}: {_lead(row['snippet'])}", Fit.CUT),
            id_column(),
        ),
    )
