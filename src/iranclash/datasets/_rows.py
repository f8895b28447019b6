"""What every export reader shares: the header sniffed, cells read strictly with the place
of each problem, and ids made from names. (How a file's rows are read: ``_files``.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, NoReturn

from ..errors import DataError, Problem
from ..model import Actor, Event, Place, Source
from ..names import fold
from .account import SetAside

#: Columns a reader needs, by schema; other columns (versions differ) are ignored.
ACLED_COMMON = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "event_type",
    "actor1",
    "inter1",
    "actor2",
    "inter2",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)
UCDP_COLUMNS = (
    "id",
    "year",
    "type_of_violence",
    "conflict_name",
    "dyad_name",
    "side_a",
    "side_b",
    "source_article",
    "where_coordinates",
    "latitude",
    "longitude",
    "where_prec",
    "country",
    "adm_1",
    "adm_2",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
)


class Schema(str, Enum):
    """Which export a file is: the dataset, and for ACLED which generation of its columns."""

    #: The 31 columns of ACLED exports since March 2023 (disorder_type, civilian_targeting, tags).
    ACLED = "acled"
    #: ACLED 2019-2021: sub_event_type and assoc_actor_1/2, with data_id, event_id_no_cnty, iso3.
    ACLED_2019 = "acled-2019"
    #: ACLED about 2016: ally_actor_1/2, gwno, no sub-event types ("Remote violence").
    ACLED_2016 = "acled-2016"
    #: UCDP's Georeferenced Event Dataset (also its HDX copy, with a row of hashtags).
    UCDP_GED = "ucdp-ged"

    @property
    def dataset(self) -> str:
        return "ucdp" if self is Schema.UCDP_GED else "acled"

    @property
    def columns(self) -> tuple[str, ...]:
        if self is Schema.UCDP_GED:
            return UCDP_COLUMNS
        if self is Schema.ACLED_2016:
            return (*ACLED_COMMON, "ally_actor_1", "ally_actor_2")
        return (*ACLED_COMMON, "sub_event_type", "assoc_actor_1", "assoc_actor_2")


@dataclass(frozen=True)
class Header:
    """A sniffed header: the schema, and where each column is (names folded to lower case,
    as some exports write them in capitals)."""

    schema: Schema
    columns: dict[str, int]
    width: int
    #: The CSV delimiter the file's rows are written with (``,`` for JSON records too).
    delimiter: str = ","
    #: Whether the rows can be read by byte offset (``RowsAt``): a plain CSV file can, a
    #: zip's member or a JSON file cannot.
    by_offset: bool = True


#: A row as read: the line it starts on and its cells, or a row set aside (not valid CSV).
Row = tuple[int, list[str]] | SetAside


def sniff(names: list[str], path: Path | None = None) -> Header:
    """The schema a header row belongs to, or a DataError saying what it lacks."""
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        columns.setdefault(name.strip().lower(), index)
    if "event_id_cnty" in columns:
        if "ally_actor_1" in columns or "gwno" in columns:
            schema = Schema.ACLED_2016
        elif "disorder_type" in columns:
            schema = Schema.ACLED
        else:
            schema = Schema.ACLED_2019
    elif "type_of_violence" in columns and "date_start" in columns:
        schema = Schema.UCDP_GED
    else:
        raise DataError.single(
            path,
            "the header is neither an ACLED export's (event_id_cnty, event_date, ...) nor a "
            "UCDP GED export's (id, year, type_of_violence, ...); first columns: "
            + ", ".join(names[:5])[:120],
            line=1,
        )
    missing = [name for name in schema.columns if name not in columns]
    if missing:
        raise DataError.single(
            path,
            f"the header looks like {schema.value} but lacks column{'s' if len(missing) > 1 else ''} "
            + ", ".join(missing),
            line=1,
        )
    return Header(schema, columns, len(names))


class DatasetRow(NamedTuple):
    """What a row says that our event record does not hold: the dataset's own coding.

    Kept beside the event rather than in it, so the records (and the JSON every
    command prints) keep their shape; how the store shows these is the build's choice.
    A named tuple, as ``Imported``: one is made for every row of an export.
    """

    dataset: str
    row: str
    event_type: str
    sub_event_type: str | None = None
    #: The sources the row names, as it names them.
    sources: tuple[str, ...] = ()
    #: The dataset's own precision codes (ACLED time_precision and geo_precision, UCDP
    #: date_prec and where_prec).
    time_precision: int | None = None
    geo_precision: int | None = None
    #: (actor id, side) for each actor of the event: ACLED's actor1/actor2, UCDP's side a/b.
    sides: tuple[tuple[str, int], ...] = ()
    #: UCDP's low and high estimates around its best, which is the event's ``killed``.
    killed_low: int | None = None
    killed_high: int | None = None


class Imported(NamedTuple):
    """One row converted: its event, the dataset's own coding of it, and the records
    the row is the first to name.

    A named tuple, not a frozen dataclass: one is made for every row of an export, in a
    quarter of the time (a frozen dataclass sets each field through ``object.__setattr__``).
    """

    path: Path
    line: int
    event: Event
    row: DatasetRow
    new: tuple[Source | Actor | Place, ...] = ()


class RowError(Exception):
    """A row that cannot be converted; carries where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class Cells:
    """One row's cells, read by column name; each reader raises a RowError at its column."""

    __slots__ = ("cells", "columns", "line", "path", "record")

    def __init__(self, path: Path, line: int, cells: list[str], columns: dict[str, int]) -> None:
        self.path = path
        self.line = line
        self.cells = cells
        self.columns = columns
        self.record: str | None = None

    def text(self, name: str) -> str:
        try:
            return self.cells[self.columns[name]].strip()
        except KeyError:  # a column this schema lacks, such as sub_event_type in 2016
            return ""

    def fail(self, name: str, message: str) -> NoReturn:
        index = self.columns.get(name)
        raise RowError(
            Problem(
                self.path,
                message,
                self.line,
                None if index is None else index + 1,
                self.record,
                name,
            )
        )

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.fail(name, "is empty")
        return value

    def integer(self, name: str, low: int, high: int, *, blank: bool = False) -> int | None:
        """A whole number from ``low`` to ``high``; ``blank`` allows an empty cell (None).
        Some exports write whole numbers as ``3.0``, which is read as 3."""
        value = self.text(name)
        if not value:
            if blank:
                return None
            self.fail(name, f"is empty; expected a whole number from {low} to {high}")
        number = _whole(value)
        if number is None or not low <= number <= high:
            self.fail(name, f"{value[:40]!r} is not a whole number from {low} to {high}")
        return number

    def coordinate(self, name: str, limit: float) -> float:
        value = self.required(name)
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not -limit <= number <= limit:
            self.fail(name, f"{value[:40]!r} is not a number from -{limit:g} to {limit:g}")
        return number


def converted(
    path: Path, header: Header, lines: Iterator[Row], row: Callable[[Cells], Imported]
) -> Iterator[Imported | Problem | SetAside]:
    """Each row as ``row`` converts it, or the Problem that stops it: a row of another width
    than the header, or a cell ``row`` cannot read (``RowError``). A row set aside as it
    was read is passed on."""
    for item in lines:
        if isinstance(item, SetAside):
            yield item
            continue
        line, values = item
        if len(values) != header.width:
            yield Problem(
                path,
                f"has {len(values)} cells where the header has {header.width} columns",
                line,
                min(len(values), header.width) + 1,
            )
            continue
        try:
            yield row(Cells(path, line, values, header.columns))
        except RowError as error:
            yield error.problem


def _whole(text: str) -> int | None:
    if text.isascii() and text.isdigit():
        return int(text)
    if text.endswith(".0") and text[:-2].isascii() and text[:-2].isdigit():
        return int(text[:-2])
    return None


def split_list(text: str) -> tuple[str, ...]:
    """Several names in one cell, separated by ``;`` (ACLED writes ``; ``)."""
    if ";" not in text:
        return (text,) if text else ()
    return tuple(part for part in (piece.strip() for piece in text.split(";")) if part)


@lru_cache(maxsize=1 << 16)
def slug(text: str) -> str:
    """A name folded to an id part: ``Asaib Ahl Al-Haq`` -> ``asaib-ahl-al-haq``."""
    return fold(text).replace(" ", "-") or "-"
