"""What a question answers with: the result types that ``query`` makes and ``render`` prints.

They hold records as stored JSON text (printed as is for ``--json``) beside what a
table needs: columns that read a cell from a record, and sections of related
records. Kept apart from ``query`` so that rendering never depends on how an
answer was found.

They are named tuples and plain classes, not the frozen dataclasses the rest of the
code uses: every query creates these classes at start-up, where a frozen dataclass
costs about 0.5 ms to create (its methods are generated and compiled) and a named
tuple 0.1 ms, against a budget of 6x ``python -c pass`` for a whole query. The same
holds for the few other types made on every query's path (``render.Output``,
``query.EventFilter``, the option groups in ``cli``, the cache's fingerprints, and
``dates.PartialDate``, a plain class written out).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import Enum
from functools import cached_property
from typing import Any, NamedTuple, overload

Row = dict[str, Any]


class Fit(Enum):
    """How a cell may be fitted into a narrow column of a table for people."""

    #: The record's id: never wrapped or cut, and moved to a line of its own beneath the
    #: rest of its row when the row is too wide for the terminal (people copy ids).
    ID = "id"
    #: Dates, types, numbers and other short codes: never wrapped or cut.
    WHOLE = "whole"
    #: Names and titles in a listing: cut after a whole word with "…" on a terminal, so
    #: that each record keeps to one line; wrapped with ``--wide`` and in lookups.
    CUT = "cut"
    #: Prose (quotes, summaries, messages): wrapped at word ends, never cut.
    WRAP = "wrap"
    #: Figures beside a chart's bars: shown where each row still keeps to one line, left out
    #: (the rightmost first) where it would not; all of them, wrapped, with ``--wide``.
    SPARE = "spare"


class Column(NamedTuple):
    """One column of a table or CSV: a header and how to read its cell from a record.

    A ``wide`` column is left out of a table unless ``--wide`` is given; CSV and JSON
    always have every column.
    """

    header: str
    cell: Callable[[Row], object]
    fit: Fit = Fit.WRAP
    wide: bool = False


def id_column(header: str = "ID") -> Column:
    """The column of record ids, which a table keeps whole."""
    return Column(header, lambda row: row["id"], Fit.ID)


class Listing:
    """Records of one question, in order; ``items`` are their JSON texts.

    ``items`` may be read once only: it streams from the database, so that a
    hundred thousand records are printed without being held in memory. A table
    reads ``rows`` instead.
    """

    def __init__(
        self,
        title: str,
        items: Iterable[str],
        columns: tuple[Column, ...],
        total: Callable[[], int] | None = None,
    ) -> None:
        self.title = title
        self.items = items
        self.columns = columns
        #: How many records there are, without reading them, where the question can say: a
        #: terminal shows the first thousand of a million and then says how many there are.
        self.total = total

    def __repr__(self) -> str:
        return f"Listing({self.title!r}, columns={[column.header for column in self.columns]})"

    @cached_property
    def rows(self) -> list[Row]:
        return [json.loads(item) for item in self.items]

    def records(self) -> Iterator[Row]:
        """The records parsed one at a time, for output that streams (or those ``rows``
        already holds)."""
        if "rows" in self.__dict__:
            return iter(self.rows)
        return (json.loads(item) for item in self.items)


class ParsedRows(Sequence[Row]):
    """Stored JSON texts read as rows only when a table needs them."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    @cached_property
    def _rows(self) -> list[Row]:
        return [json.loads(text) for text in self.texts]

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        return self._rows[index]


class Section(NamedTuple):
    """Records related to a looked-up one, as a table; ``notes`` are ``(label, text)``
    lines shown once beneath it (the source its quotes come from)."""

    title: str
    columns: tuple[Column, ...]
    rows: Sequence[Row]
    notes: tuple[tuple[str, str], ...] = ()


class Detail(NamedTuple):
    """One record (or a summary) with what is related to it nested inside ``data``."""

    title: str
    data: Row
    fields: tuple[tuple[str, object], ...]
    sections: tuple[Section, ...] = ()
