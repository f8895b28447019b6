"""--fields, --sort, --reverse and --limit: one list answer cut to what the reader asked for.

Applied to the answer of any list command, after the question and before the
output format, so every format shows the same records and fields. Field names
are the keys of the records' JSON (``iranclash events --fields list`` shows
them); a name that is not one is a usage error naming the valid ones.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, NamedTuple

from . import jsonout
from .errors import UsageProblem
from .results import Column, Listing, Row

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


def _fields_of(rows: list[Row]) -> list[str]:
    return list(dict.fromkeys(key for row in rows for key in row))


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
    rows = listing.rows
    known = _fields_of(rows)
    if shape.fields == (LIST,):
        items = [jsonout.dumps({"field": name}) for name in known]
        return Listing(f"{listing.title}: fields", items, (Column("Field", lambda row: row["field"]),))
    if shape.sort:
        _check(shape.sort, known, "--sort")
        rows = sorted(rows, key=_sort_key(shape.sort))
    if shape.reverse:
        rows = list(reversed(rows))
    if shape.limit is not None:
        rows = rows[: shape.limit]
    if not shape.fields:
        return Listing(listing.title, [jsonout.dumps(row) for row in rows], listing.columns)
    for name in shape.fields:
        _check(name, known, "--fields")
    picked = [{name: row.get(name) for name in shape.fields} for row in rows]
    columns = tuple(Column(name, _cell(name)) for name in shape.fields)
    return Listing(listing.title, [jsonout.dumps(row) for row in picked], columns)


def _cell(name: str) -> Callable[[Row], object]:
    return lambda row: row.get(name)
