"""What every export reader shares: the header sniffed, cells read strictly with the place
of each problem, and ids made from names. (How a file's rows are read: ``files``.)"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, NoReturn

from iranclash.core.errors import DataError, Problem
from iranclash.core.model import Actor, CoordinatePrecision, Event, Place, Source
from iranclash.core.names import fold
from iranclash.ingest.datasets.account import Note, SetAside

#: Columns a reader needs, by schema: without them a file is not an export. ACLED's actor2
#: and inter2 are needed too, except in its monadic layout (one row per actor).
ACLED_COMMON = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "actor1",
    "country",
    "location",
    "latitude",
    "longitude",
    "fatalities",
)
UCDP_COLUMNS = (
    "id",
    "type_of_violence",
    "side_a",
    "side_b",
    "country",
    "latitude",
    "longitude",
    "date_start",
    "date_end",
    "best",
)
#: Columns read where a file has them; a file without one says so once, and each row's
#: value is unknown (noted where it matters: a precision, a year).
OPTIONAL = {
    "acled": (
        "year",
        "time_precision",
        "inter1",
        "admin1",
        "admin2",
        "admin3",
        "geo_precision",
        "source",
        "notes",
        "sub_event_type",
        "assoc_actor_1",
        "data_id",
    ),
    "ucdp": (
        "year",
        "conflict_name",
        "dyad_name",
        "source_article",
        "where_coordinates",
        "where_prec",
        "adm_1",
        "adm_2",
        "date_prec",
        "deaths_a",
        "deaths_b",
        "deaths_civilians",
        "deaths_unknown",
        "low",
        "high",
    ),
}
#: A shapefile's table (DBF) cuts column names to this many characters: GEO_PRECIS.
_DBF_NAME = 10
#: What a header cell shown in a message may look like: a column name, nothing else.
_COLUMN_NAME = re.compile(r"[A-Za-z_#][A-Za-z0-9_ .#+-]{0,39}")


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
            return (*ACLED_COMMON, "ally_actor_1")
        return (*ACLED_COMMON, "sub_event_type", "assoc_actor_1")


@dataclass(frozen=True)
class Header:
    """A sniffed header: the schema, and where each column is (names folded to lower case,
    as some exports write them in capitals)."""

    schema: Schema
    columns: dict[str, int]
    width: int
    #: ACLED's monadic layout: no actor2, one row per actor, the same event id on each.
    monadic: bool = False
    #: What the header itself says of the file, once: columns it lacks, names cut short.
    notes: tuple[str, ...] = ()
    #: The CSV delimiter the file's rows are written with (``,`` for JSON records too).
    delimiter: str = ","
    #: Whether the rows can be read by byte offset (``RowsAt``): a plain CSV file can, a
    #: zip's member or a JSON file cannot.
    by_offset: bool = True


#: A row's coordinates, read and checked: ``Coordinates`` made only where a place is new.
Point = tuple[float, float, CoordinatePrecision]

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
            f"UCDP GED export's (id, year, type_of_violence, ...); {_first_columns(names)}",
            line=1,
        )
    dataset = schema.dataset
    monadic = dataset == "acled" and "actor2" not in columns and "inter2" not in columns
    needed = schema.columns
    optional = OPTIONAL[dataset]
    if schema is Schema.ACLED_2016:  # no sub-event types then, and allies for associates
        optional = (
            *(name for name in optional if name not in ("sub_event_type", "assoc_actor_1")),
            "ally_actor_1",
        )
    if dataset == "acled" and not monadic:
        needed = (*needed, "actor2")
        optional = (*optional, "inter2", "ally_actor_2" if schema is Schema.ACLED_2016 else "assoc_actor_2")
    notes = []
    cut = [name for name in (*needed, *optional) if name not in columns and name[:_DBF_NAME] in columns]
    for name in cut:
        columns[name] = columns[name[:_DBF_NAME]]
    if cut:
        notes.append(
            "column names cut to 10 characters (a shapefile's table) read as "
            + ", ".join(f"{name[:_DBF_NAME].upper()} as {name}" for name in cut)
        )
    missing = [name for name in needed if name not in columns]
    if missing:
        raise DataError.single(
            path,
            f"the header looks like {schema.value} but lacks column{'s' if len(missing) > 1 else ''} "
            + ", ".join(missing),
            line=1,
        )
    lacking = [name for name in optional if name not in columns and name != "data_id"]
    if lacking:
        notes.append(f"no column {', '.join(lacking)}: unknown in every row")
    return Header(schema, columns, len(names), monadic, tuple(notes))


def _first_columns(names: list[str]) -> str:
    """The header's first cells, where they look like column names: a file that is no
    export may be anything, and its contents are not for a message to show."""
    shown = [name.strip() for name in names[:5]]
    if shown and all(_COLUMN_NAME.fullmatch(name) for name in shown):
        return "first columns: " + ", ".join(shown)
    return "its first line does not look like column names"


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
    #: What could not be read of the row as it is, and what was done instead (``Note.text``).
    notes: tuple[str, ...] = ()


class Imported(NamedTuple):
    """One row converted: its event, the dataset's own coding of it, and the records
    the row is the first to name.

    A named tuple, not a frozen dataclass: one is made for every row of an export, in a
    quarter of the time (a frozen dataclass sets each field through ``object.__setattr__``).
    ``notes`` say what could not be read as it is (the event is kept, that part unknown);
    ``blanks`` name the columns whose cell said ``NA`` (or ``NULL``...), read as empty.
    """

    path: Path
    line: int
    event: Event
    row: DatasetRow
    new: tuple[Source | Actor | Place, ...] = ()
    notes: tuple[Note, ...] = ()
    blanks: tuple[str, ...] = ()


class RowError(Exception):
    """A row no event can be made of; carries where and why, and the reason it is counted under."""

    def __init__(self, problem: Problem, reason: str) -> None:
        super().__init__(str(problem))
        self.problem = problem
        self.reason = reason


#: How tools write an empty cell: R's write.csv (NA), pandas (nan), databases (NULL).
EMPTY_WORDS = frozenset({"NA", "N/A", "NULL", "nan", "NaN", "null", "n/a"})


class Cells:
    """One row's cells, read by column name.

    A cell that cannot be read is left unknown with a ``Note`` (``note``), and only what
    no event can be made without raises a ``RowError`` (``set_aside``). A cell written
    ``NA`` and the like is empty, its column remembered in ``blanks``.
    """

    __slots__ = ("blanks", "cells", "columns", "line", "notes", "path", "record")

    def __init__(self, path: Path, line: int, cells: list[str], columns: dict[str, int]) -> None:
        self.path = path
        self.line = line
        self.cells = cells
        self.columns = columns
        self.record: str | None = None
        self.notes: list[Note] = []
        self.blanks: list[str] = []

    def text(self, name: str) -> str:
        try:
            value = self.cells[self.columns[name]].strip()
        except KeyError:  # a column this schema lacks, such as sub_event_type in 2016
            return ""
        if value in EMPTY_WORDS:
            self.blanks.append(name)
            return ""
        return value

    def position(self, name: str | None) -> int | None:
        """Where column ``name`` is in the row, counted from 1."""
        index = None if name is None else self.columns.get(name)
        return None if index is None else index + 1

    def problem(self, name: str | None, message: str) -> Problem:
        return Problem(self.path, message, self.line, self.position(name), self.record, name)

    def set_aside(self, name: str | None, reason: str, message: str) -> NoReturn:
        """Give up on the row: ``reason`` is what it is counted under, ``message`` the detail."""
        raise RowError(self.problem(name, message), reason)

    def note(self, name: str | None, kind: str, text: str) -> None:
        """Keep the row, saying what of it could not be read (``kind`` counted, ``text`` shown)."""
        self.notes.append(Note(kind, text, name, self.position(name)))

    def integer(self, name: str, low: int, high: int, *, quiet_blank: bool = False) -> int | None:
        """A whole number from ``low`` to ``high``, or None (unknown) with a note: empty (no
        note where ``quiet_blank``: the column may be empty) or not such a number. Some
        exports write whole numbers as ``3.0``, which is read as 3."""
        value = self.text(name)
        if not value:
            if not quiet_blank:
                self.note(name, f"{name} empty", f"{name} is empty: unknown")
            return None
        number = _whole(value)
        if number is None or not low <= number <= high:
            self.note(
                name,
                f"{name} not a number",
                f"{name} {value[:40]!r} is not a whole number from {low} to {high}: unknown",
            )
            return None
        return number

    def coordinates(self, precision: CoordinatePrecision | None) -> Point | None:
        """The row's latitude and longitude, or None with a note where either is empty or
        not a coordinate; ``precision`` None (not coded) is taken as a region, noted.

        A ``Point``, not ``Coordinates``: the record is made only for the first row that
        names a place, and a frozen dataclass costs more than the rest of reading the cell."""
        latitude, longitude = self.text("latitude"), self.text("longitude")
        if not latitude or not longitude:
            self.note("latitude", "coordinates empty", "latitude or longitude is empty: no coordinates")
            return None
        try:
            lat, lon = float(latitude), float(longitude)
        except ValueError:
            lat = lon = float("nan")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # nan compares false too
            self.note(
                "latitude",
                "coordinates not numbers",
                f"latitude {latitude[:20]!r}, longitude {longitude[:20]!r} are not a coordinate: "
                "no coordinates",
            )
            return None
        return lat, lon, precision or CoordinatePrecision.REGION


def converted(
    path: Path, header: Header, lines: Iterator[Row], row: Callable[[Cells], Imported]
) -> Iterator[Imported | SetAside]:
    """Each row as ``row`` converts it, or set aside: a row of another width than the
    header's (its cells cannot be told apart), one ``row`` gives up on (``RowError``), or
    one set aside as it was read (not valid CSV), passed on."""
    for item in lines:
        if isinstance(item, SetAside):
            yield item
            continue
        line, values = item
        if len(values) != header.width:
            yield SetAside(
                Problem(
                    path,
                    f"has {len(values)} cells where the header has {header.width} columns",
                    line,
                    min(len(values), header.width) + 1,
                ),
                "wrong number of cells",
            )
            continue
        try:
            yield row(Cells(path, line, values, header.columns))
        except RowError as error:
            yield SetAside(error.problem, error.reason)


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
