"""--fields, --sort, --reverse and --limit: one list answer cut to what the reader asked for.

Applied to the answer of any list command, after the question and before the
output format, so every format shows the same records and fields. Field names
are the keys of the records' JSON (``iranclash events --fields list`` shows
them; every record of a list has the same keys, so they are the first record's);
a name that is not one is a usage error naming the valid ones.

The records still stream: ``--limit`` and ``--fields`` read only what they print,
and ``--sort`` or ``--reverse`` with ``--limit N`` keep N records in memory, not
all of them. Only a whole list sorted or reversed is held.
"""

from __future__ import annotations

import heapq
import itertools
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple

from iranclash.core import jsonout
from iranclash.core.errors import UsageProblem
from iranclash.core.results import Column, Listing, Row

#: ``--fields list`` shows the field names instead of the records.
LIST = "list"


class Shape(NamedTuple):
    """What the list options asked for; a NamedTuple, as it is made at every start-up."""

    fields: tuple[str, ...] | None = None
    limit: int | None = None
    sort: str | None = None
    reverse: bool = False

    @classmethod
    def parse(cls, fields: str | None, limit: int | None, sort: str | None, reverse: bool) -> Shape:
        chosen = None
        if fields is not None:
            chosen = tuple(name.strip() for name in fields.split(",") if name.strip())
            if not chosen:
                raise UsageProblem("--fields needs field names separated by commas (or 'list')")
        return cls(chosen, limit, sort.strip() if sort else None, reverse)

    @property
    def active(self) -> bool:
        return self != Shape()


def shaping(
    question: Callable[[sqlite3.Connection], Any], shape: Shape
) -> Callable[[sqlite3.Connection], Any]:
    """The same question, its list answer sorted, reversed, cut and narrowed as ``shape`` says."""
    if not shape.active:
        return question

    def ask(store: sqlite3.Connection) -> Listing:
        result = question(store)
        if not isinstance(result, Listing):
            raise UsageProblem("--fields, --sort, --reverse and --limit apply to lists only")
        return shaped(result, shape)

    return ask


def _check(name: str, known: list[str], option: str) -> None:
    if known and name not in known:
        raise UsageProblem(f"{option}: no field {name!r}; the fields are {', '.join(known)}")


def _sort_key(field: str) -> Callable[[Row], tuple[object, ...]]:
    """Missing values last; numbers as numbers, text without regard to case; a partial date
    (an event's ``date``) by the span it covers."""

    def key(row: Row) -> tuple[object, ...]:
        value = row.get(field)
        if field == "date" and "date_start" in row:
            return (0, 0, row["date_start"], row["date_end"])
        if value is None:
            return (1, 0, "")
        if isinstance(value, bool):
            return (0, 0, int(value))
        if isinstance(value, (int, float)):
            return (0, 0, value)
        if isinstance(value, str):
            return (0, 1, value.casefold())
        return (0, 2, jsonout.dumps(value))

    return key


def shaped(listing: Listing, shape: Shape) -> Listing:
    records = listing.records()
    first = next(records, None)
    known = list(first) if first is not None else []
    if shape.fields == (LIST,):
        items = [jsonout.dumps({"field": name}) for name in known]
        return Listing(f"{listing.title}: fields", items, (Column("Field", lambda row: row["field"]),))
    for name in (shape.sort, *(shape.fields or ())):
        if name is not None:
            _check(name, known, "--sort" if name == shape.sort else "--fields")
    counted = _Counted(itertools.chain([first] if first is not None else [], records))
    rows = _ordered(iter(counted), shape)
    # How many there were before the cut: "2 of 35 shown".
    total = (listing.total or counted.total) if shape.limit is not None else None
    if not shape.fields:
        return Listing(listing.title, map(jsonout.dumps, rows), listing.columns, total)
    fields = shape.fields
    picked = ({name: row.get(name) for name in fields} for row in rows)
    columns = tuple(Column(name, _cell(name)) for name in fields)
    return Listing(listing.title, map(jsonout.dumps, picked), columns, total)


class _Counted:
    """Rows passed on one at a time, counted; :meth:`total` counts those never asked for too."""

    def __init__(self, rows: Iterator[Row]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[Row]:
        for row in self.rows:
            self.count += 1
            yield row

    def total(self) -> int:
        return self.count + sum(1 for _row in self.rows)


def _ordered(rows: Iterator[Row], shape: Shape) -> Iterable[Row]:
    """The rows sorted, reversed and cut as ``shape`` says, exactly as sorting the whole
    list stably, reversing it and cutting it would, holding no more than the cut."""
    limit = shape.limit
    if shape.sort:
        key = _sort_key(shape.sort)
        if limit is None:
            ordered = sorted(rows, key=key)
            return reversed(ordered) if shape.reverse else ordered
        # Each row's position breaks ties, as the stable sort's order (reversed with it) does.
        numbered = enumerate(rows)
        pick = heapq.nlargest if shape.reverse else heapq.nsmallest
        return [row for _position, row in pick(limit, numbered, key=lambda item: (key(item[1]), item[0]))]
    if shape.reverse:
        kept = deque(rows, maxlen=limit) if limit is not None else list(rows)
        return reversed(kept)
    return itertools.islice(rows, limit) if limit is not None else rows


def _cell(name: str) -> Callable[[Row], object]:
    return lambda row: row.get(name)
