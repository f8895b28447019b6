"""ACLED exports -> events, actors and places, in each of the column sets ACLED has used.

Where ACLED's coding says more than it knows, the record says less:

- a date coded to the middle of a week (time_precision 2) is the seven days around it,
  and one coded to the middle of a month (3) is that month, never the made-up day;
- fatalities of 0 (ACLED's code for "none reported" as well as "none") are unknown,
  and other figures are lower bounds (ACLED codes the lowest reported figure);
- actor1 and actor2 carry no direction, so every actor takes part (side 1 or 2);
- an event type maps to ours only where ours means the same ("Air/drone strike" could
  be an airstrike, a drone attack or a targeted killing): else it is ``other``, and
  ACLED's own type is always kept in the row's :class:`DatasetRow`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from iranclash.core.dates import PartialDate
from iranclash.core.errors import DataError
from iranclash.core.model import (
    Actor,
    ActorKind,
    Casualties,
    Citation,
    CoordinatePrecision,
    Coordinates,
    Event,
    EventActor,
    EventType,
    Place,
    PlaceKind,
    Role,
    Source,
    SourceKind,
)
from iranclash.ingest.datasets.account import Merged, Note, SetAside
from iranclash.ingest.datasets.rows import (
    Cells,
    DatasetRow,
    Header,
    Imported,
    Point,
    Row,
    Schema,
    converted,
    slug,
    split_list,
)

SOURCE = Source(
    id="acled",
    kind=SourceKind.DATASET,
    title="Armed Conflict Location & Event Data (ACLED)",
    publisher="ACLED",
)

#: ACLED's (event_type, sub_event_type) -> ours, only where ours means the same; a test
#: checks each against vocabulary.ACLED, the map ``export acled`` writes by.
TYPES: dict[tuple[str, str | None], EventType] = {
    ("Battles", "Armed clash"): EventType.ARMED_CLASH,
    ("Battles", "Government regains territory"): EventType.TERRITORY_LOST,
    ("Battles", "Non-state actor overtakes territory"): EventType.TERRITORY_SEIZED,
    ("Strategic developments", "Disrupted weapons use"): EventType.INTERCEPTION,
    ("Strategic developments", "Agreement"): EventType.AGREEMENT,
    # The 2016 schema has no sub-event types; its battle types say the same in one word.
    ("Battle-No change of territory", None): EventType.ARMED_CLASH,
    ("Battle-Government regains territory", None): EventType.TERRITORY_LOST,
    ("Battle-Non-state actor overtakes territory", None): EventType.TERRITORY_SEIZED,
}

#: ACLED's actor categories (inter1/inter2), as numbers and as words (ACLED's R package
#: writes words); 0, 88 and blank say nothing about the actor.
INTER_NAMES = {
    1: "State Forces",
    2: "Rebel Groups",
    3: "Political Militias",
    4: "Identity Militias",
    5: "Rioters",
    6: "Protesters",
    7: "Civilians",
    8: "External/Other Forces",
}
_INTER_WORDS = {
    key: code
    for code, name in INTER_NAMES.items()
    for key in (name.lower(), name.lower().removesuffix("s"), name.lower().replace("forces", "force"))
}
_INTER_KIND = {
    1: ActorKind.ARMED_FORCES,
    2: ActorKind.ARMED_GROUP,
    3: ActorKind.MILITIA,
    4: ActorKind.MILITIA,
    5: ActorKind.RIOTERS,
    6: ActorKind.PROTESTERS,
    7: ActorKind.CIVILIANS,
}
_GEO = {1: CoordinatePrecision.CITY, 2: CoordinatePrecision.APPROXIMATE, 3: CoordinatePrecision.REGION}

_MONTHS = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3], "sept" if number == 9 else full)
}
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_NAMED = re.compile(r"([0-9]{1,2})[ -]([A-Za-z]{3,9})\.?[ -]([0-9]{4}|[0-9]{2})")
_NUMERIC = re.compile(r"([0-9]{1,2})([-/.])([0-9]{1,2})\2([0-9]{4}|[0-9]{2})")
_DATE_FORMS = (
    "2021-07-07, 07 July 2021, 7-Jul-21, 01-January-2015, 07-07-2021 or 07/07/2021 (day first) or 07-07-21"
)


class DateOrder(Enum):
    """Which comes first in a file's numeric dates (``03/04/2020``): only the file can say."""

    DAY_FIRST = "day first"
    MONTH_FIRST = "month first"
    #: No row proves either (no first or second field above 12), or rows prove both.
    UNKNOWN = "unknown"


class EventDate(NamedTuple):
    """An ``event_date`` read: the first and last day it may be (the same day unless the
    day and month order is unknown), and notes on what it could not settle."""

    start: dt.date
    end: dt.date
    notes: tuple[Note, ...] = ()


def parse_acled_date(text: str, year: int | None = None) -> dt.date:
    """An ``event_date`` in any form ACLED exports write, numeric dates day first as ACLED
    writes them; ``year`` (the row's year column) completes a two-digit year and must agree
    with a four-digit one. Raises ValueError naming what is wrong."""
    read = read_date(text, year, DateOrder.DAY_FIRST)
    for note in read.notes:
        raise ValueError(f"{text[:40]!r}: {note.text}")
    return read.start


@lru_cache(maxsize=1 << 14)
def read_date(text: str, year: int | None, order: DateOrder) -> EventDate:
    """An ``event_date`` as :func:`parse_acled_date` reads it, tolerant of what a row can
    still be read with: a ``year`` column that disagrees (the date is ``event_date``'s,
    noted), and a numeric date whose day and month order ``order`` leaves unknown (both
    readings, as a span, noted). ValueError where there is no date to read."""
    notes: list[Note] = []
    iso = _ISO.fullmatch(text)
    named = None if iso else _NAMED.fullmatch(text)
    numeric = None if iso or named else _NUMERIC.fullmatch(text)
    if iso:
        year_text, first, second = iso.group(1), int(iso.group(3)), int(iso.group(2))
        order = DateOrder.DAY_FIRST
    elif named:
        found = _MONTHS.get(named.group(2).lower())
        if found is None:
            raise ValueError(f"{text[:40]!r}: {named.group(2)[:12]!r} is not a month; write {_DATE_FORMS}")
        first, second, year_text = int(named.group(1)), found, named.group(3)
        order = DateOrder.DAY_FIRST
    elif numeric:
        first, second, year_text = int(numeric.group(1)), int(numeric.group(3)), numeric.group(4)
    else:
        raise ValueError(f"{text[:40]!r} is not a date; ACLED dates read like {_DATE_FORMS}")
    if len(year_text) == 2:
        if year is None:
            raise ValueError(f"{text!r} has a two-digit year and the row has no year column to complete it")
        full_year = year // 100 * 100 + int(year_text)
        if year % 100 != int(year_text):
            notes.append(_year_note(text, year))
    else:
        full_year = int(year_text)
        if year is not None and full_year != year:
            notes.append(_year_note(text, year))
    if order is DateOrder.UNKNOWN:
        if first > 12 or first == second:
            order = DateOrder.DAY_FIRST
        elif second > 12:
            order = DateOrder.MONTH_FIRST
    try:
        if order is DateOrder.DAY_FIRST:
            day = dt.date(full_year, second, first)
            return EventDate(day, day, tuple(notes))
        if order is DateOrder.MONTH_FIRST:
            day = dt.date(full_year, first, second)
            return EventDate(day, day, tuple(notes))
        one, other = sorted((dt.date(full_year, second, first), dt.date(full_year, first, second)))
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None
    notes.append(
        Note(
            "day and month order unknown",
            f"event_date {text!r} is {one.isoformat()} or {other.isoformat()}: the file does not show "
            "whether its dates are day or month first",
            "event_date",
        )
    )
    return EventDate(one, other, tuple(notes))


@lru_cache(maxsize=1 << 14)
def _numeric(text: str) -> bool:
    """Whether an event_date is all numbers (``03/04/2020``), whose order only the file can say."""
    return _NUMERIC.fullmatch(text) is not None


def _year_note(text: str, year: int) -> Note:
    return Note(
        "year disagrees with event_date",
        f"year {year} disagrees with event_date {text!r}: dated by event_date",
        "year",
    )


def date_order(path: Path) -> DateOrder:
    """Whether the numeric dates of the export at ``path`` are day or month first, as its
    rows prove it: a first field above 12 in some row proves day first, a second one month
    first; neither, or both, leave it unknown. Read once per file and state (a second pass
    over the file, made only for files with numeric dates)."""
    try:
        info = os.stat(path)
    except OSError:
        return DateOrder.UNKNOWN
    return _date_order(path, info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=16)
def _date_order(path: Path, _size: int, _mtime: int) -> DateOrder:
    from iranclash.ingest.datasets import files

    day_first = month_first = False
    try:
        header, lines = files.read_rows(path)
        column = header.columns["event_date"]
        with contextlib.closing(lines):
            for item in lines:
                if not isinstance(item, tuple) or column >= len(item[1]):
                    continue
                numeric = _NUMERIC.fullmatch(item[1][column].strip())
                if numeric:
                    day_first = day_first or int(numeric.group(1)) > 12
                    month_first = month_first or int(numeric.group(3)) > 12
    except (DataError, OSError):
        pass  # the build reads the file again and says what is wrong with it
    if day_first == month_first:
        return DateOrder.UNKNOWN
    return DateOrder.DAY_FIRST if day_first else DateOrder.MONTH_FIRST


@lru_cache(maxsize=1 << 8)
def parse_inter(text: str) -> int | None:
    """An inter1/inter2 code, 1 (State Forces) to 8 (External/Other Forces), from its number
    or its words; None for blank, 0 (no actor) and 88 (not coded)."""
    value = text.strip()
    if value in ("", "0", "88", "0.0", "88.0"):
        return None
    number = value.removesuffix(".0")
    if number.isascii() and number.isdigit():
        if 1 <= int(number) <= 8:
            return int(number)
    else:
        found = _INTER_WORDS.get(" ".join(value.lower().split()))
        if found is not None:
            return found
    raise ValueError(
        f"{value[:40]!r} is not an ACLED actor category: a number 1 to 8 (or 0, 88, blank) or one of "
        + ", ".join(INTER_NAMES.values())
    )


@dataclass(frozen=True)
class ActorName:
    """What an ACLED actor name says besides the name.

    ``Military Forces of Iraq (2018-) Popular Mobilization Forces``: a ``unit`` of the
    state ``force`` "Military Forces of Iraq (2018-)", in the ``period`` 2018-, of the
    ``country`` Iraq. ``QSD: Syrian Democratic Forces``: an ``acronym`` and the ``base``
    name. ``Islamic State (Iraq)``: a group's branch in a ``country``. ``Militia
    (Pro-Iran)``: a ``qualifier`` that is not a country.
    """

    name: str
    base: str
    acronym: str | None = None
    country: str | None = None
    period: str | None = None
    force: str | None = None
    unit: str | None = None
    qualifier: str | None = None
    kind: ActorKind | None = None


_ACRONYM = re.compile(r"(?P<acronym>[A-Z][A-Za-z0-9&'.-]*[A-Z0-9]):\s+(?P<rest>.+)")
_PERIOD = re.compile(r"(?P<body>.+?) \((?P<period>[0-9]{4}-(?:[0-9]{4})?)\)(?: (?P<unit>.+))?")
_STATE = re.compile(r"(?P<what>Military Forces|Police Forces|Government) of (?:the )?(?P<country>.+)")
_SUFFIX = re.compile(r"(?P<base>.+?) \((?P<inside>[^()]+)\)")
_STATE_KIND = {
    "Military Forces": ActorKind.ARMED_FORCES,
    "Police Forces": ActorKind.SECURITY_FORCES,
    "Government": ActorKind.GOVERNMENT,
}
_NAMED_KIND = {
    "Protesters": ActorKind.PROTESTERS,
    "Rioters": ActorKind.RIOTERS,
    "Civilians": ActorKind.CIVILIANS,
}
#: Words in parentheses that are not a country: "Militia (Pro-Iran)", "(International)".
_NOT_COUNTRIES = ("pro-", "international", "unknown", "multinational", "former", "local")


@lru_cache(maxsize=1 << 14)
def parse_actor_name(name: str) -> ActorName:
    """The structure of an ACLED actor name (see :class:`ActorName`); a name without
    any is its own base."""
    base = name
    acronym = country = period = force = unit = qualifier = None
    kind = None
    leading = _ACRONYM.fullmatch(base)
    if leading and sum(character.isupper() for character in leading.group("acronym")) >= 2:
        acronym, base = leading.group("acronym"), leading.group("rest")
    dated = _PERIOD.fullmatch(base)
    if dated:
        base, period, unit = dated.group("body"), dated.group("period"), dated.group("unit")
        if unit:
            force = f"{base} ({period})"
    else:
        suffix = _SUFFIX.fullmatch(base)
        if suffix:
            inside = suffix.group("inside").strip()
            base = suffix.group("base")
            if inside.lower().startswith(_NOT_COUNTRIES):
                qualifier = inside
            else:
                country = inside
    state = _STATE.fullmatch(base)
    if state:
        country = state.group("country")
        kind = _STATE_KIND[state.group("what")]
    kind = kind or _NAMED_KIND.get(base)
    return ActorName(name, base, acronym, country, period, force, unit, qualifier, kind)


def actor_id(name: str) -> str:
    return "acled:actor/" + slug(name)


def convert(
    path: Path, header: Header, lines: Iterator[Row], seen: set[str]
) -> Iterator[Imported | SetAside | Merged]:
    """Each row of an ACLED export as an Imported (with notes on what it could not read),
    or set aside where no event can be made of it. In the monadic layout (one row per
    actor), the rows of one event id that come near each other make one event."""
    old = header.schema is Schema.ACLED_2016
    order: list[DateOrder] = []

    def dates() -> DateOrder:
        if not order:
            order.append(date_order(path))
        return order[0]

    rows = converted(path, header, lines, lambda cells: _row(cells, old, seen, dates))
    return _together(rows) if header.monadic else iter(rows)


#: How many events of a monadic export wait for more of their rows: ACLED writes an event's
#: rows one after the other, so a few suffice; a row further away is a row id given twice.
MONADIC_WINDOW = 256


def _together(rows: Iterator[Imported | SetAside]) -> Iterator[Imported | SetAside | Merged]:
    """The rows of a monadic export, those of one event id (within ``MONADIC_WINDOW``
    events of each other) made one event with every row's actors; each row after the
    first comes as ``Merged``, so that it is counted as read but not as another event.
    A row further away is handed on as it is (and found to repeat an id)."""
    waiting: dict[str, Imported] = {}
    for item in rows:
        if isinstance(item, SetAside):
            yield item
            continue
        first = waiting.get(item.event.id)
        if first is None:
            waiting[item.event.id] = item
            if len(waiting) > MONADIC_WINDOW:
                yield waiting.pop(next(iter(waiting)))
            continue
        waiting[item.event.id] = _joined(first, item)
        yield Merged(item.path, item.line, item.event.id, item.notes, item.blanks)
    yield from waiting.values()


def _joined(first: Imported, later: Imported) -> Imported:
    """``first``'s event with the actors ``later`` (a row of the same event) adds, and the
    records either names first."""
    links = list(first.event.actors)
    sides = list(first.row.sides)
    for link, side in zip(later.event.actors, later.row.sides, strict=True):
        if all(known.actor != link.actor for known in links):
            links.append(link)
            sides.append(side)
    notes = first.row.notes + tuple(note for note in later.row.notes if note not in first.row.notes)
    return first._replace(
        event=replace(first.event, actors=tuple(links)),
        row=first.row._replace(sides=tuple(sides), notes=notes),
        new=first.new + later.new,
        notes=first.notes + later.notes,
    )


def _row(cells: Cells, old: bool, seen: set[str], dates: Callable[[], DateOrder]) -> Imported:
    row_id = cells.text("event_id_cnty")
    if not row_id:
        data_id = cells.text("data_id")
        if not data_id:
            cells.set_aside("event_id_cnty", "no id", "event_id_cnty is empty, and no data_id names the row")
        row_id = f"data-{data_id.removesuffix('.0')}"
        cells.note(
            "event_id_cnty",
            "id taken from data_id",
            f"event_id_cnty is empty: named by data_id {data_id[:20]} (data_id values change between ACLED's "
            "updates, so the id may not match another download)",
        )
    cells.record = f"acled:{row_id}"
    new: list[Source | Actor | Place] = []
    if SOURCE.id not in seen:
        seen.add(SOURCE.id)
        new.append(SOURCE)
    year = cells.integer("year", 1900, 2999, quiet_blank=True)
    event_date = cells.text("event_date")
    if not event_date:
        cells.set_aside("event_date", "no usable date", "event_date is empty")
    try:
        read = read_date(event_date, year, dates() if _numeric(event_date) else DateOrder.DAY_FIRST)
    except ValueError as error:
        cells.set_aside("event_date", "no usable date", str(error))
    cells.notes.extend(note._replace(position=cells.position(note.column)) for note in read.notes)
    precision = cells.integer("time_precision", 1, 3, quiet_blank=True)
    if precision is None and not cells.text("time_precision"):
        cells.note(
            "time_precision",
            "time_precision empty",
            "time_precision is empty: the date may stand for its week or month (coded to their middle day), "
            "so the event is dated to that span",
        )
    date, date_note = _date(read.start, read.end, precision)

    event_type = cells.text("event_type")
    if not event_type:
        cells.note("event_type", "event_type empty", "event_type is empty: the event's type is unknown")
    sub_event_type = None if old else cells.text("sub_event_type") or None
    ours = TYPES.get((event_type, sub_event_type), EventType.OTHER)

    links: list[EventActor] = []
    sides: list[tuple[str, int]] = []
    for side in (1, 2):
        main = cells.text(f"actor{side}")
        try:
            inter = parse_inter(cells.text(f"inter{side}"))
        except ValueError as error:
            inter = None
            cells.note(f"inter{side}", f"inter{side} not a category", f"inter{side}: {error}; unknown")
        associated = split_list(cells.text(f"ally_actor_{side}" if old else f"assoc_actor_{side}"))
        if not main and associated:
            cells.note(
                f"actor{side}",
                f"actor{side} empty, associated actors named",
                f"actor{side} is empty, yet associated actors are named: kept, the main actor unknown",
            )
        for position, name in enumerate((main, *associated) if main else associated):
            identifier = _actor(name, inter if main and position == 0 else None, seen, new)
            if all(link.actor != identifier for link in links):
                links.append(_participant(identifier))
                sides.append((identifier, side))

    geo = cells.integer("geo_precision", 1, 3, quiet_blank=True)
    if geo is None and not cells.text("geo_precision"):
        cells.note(
            "geo_precision",
            "geo_precision empty",
            "geo_precision is empty: how near the coordinates are is unknown (shown as a region's)",
        )
    coordinates = cells.coordinates(None if geo is None else _GEO[geo])
    location = cells.text("location")
    country = cells.text("country")
    admins = (cells.text("admin1"), cells.text("admin2"), cells.text("admin3"))
    places: tuple[str, ...] = ()
    if country:
        if not location:
            cells.note(
                "location", "location empty", "location is empty: the place is the smallest area named"
            )
        places = (_places(country, admins, location, coordinates, seen, new),)
    else:
        cells.note("country", "country empty", "country is empty: the event has no place")

    casualties = _casualties(cells.integer("fatalities", 0, 10**7, quiet_blank=True))

    label = sub_event_type or event_type or "Event"
    where = location or next((name for name in admins[::-1] if name), country) or "an unknown place"
    notes = tuple(cells.notes)
    event = Event(
        id=f"acled:{row_id}",
        date=date,
        type=ours,
        title=f"{label} in {where}",
        sources=(Citation(SOURCE.id, cells.text("notes")),),
        date_note=date_note,
        places=places,
        actors=tuple(links),
        casualties=casualties,
    )
    row = DatasetRow(
        "acled",
        row_id,
        event_type,
        sub_event_type,
        split_list(cells.text("source")),
        precision,
        geo,
        tuple(sides),
        notes=tuple(note.text for note in notes),
    )
    return Imported(cells.path, cells.line, event, row, tuple(new), notes, tuple(cells.blanks))


@lru_cache(maxsize=1 << 14)
def _participant(actor: str) -> EventActor:
    """Records are frozen, so the rows an actor takes part in share one link."""
    return EventActor(actor, Role.PARTICIPANT)


@lru_cache(maxsize=1 << 12)
def _casualties(fatalities: int | None) -> Casualties | None:
    """Records are frozen, so rows with one figure share one record."""
    if fatalities is None:
        return None
    if fatalities == 0:
        return Casualties(note="ACLED records 0, its code both for none and for none reported")
    return Casualties(killed=fatalities, at_least=True, note="ACLED records the lowest figure reported")


@lru_cache(maxsize=1 << 14)
def _date(start: dt.date, end: dt.date, precision: int | None) -> tuple[PartialDate, str | None]:
    """The event's date from the day (or, where the day and month order is unknown, the
    two days) ``event_date`` gives and the row's time_precision: a day, the week or month
    coded to its middle, or, precision unknown, the span that covers all three."""
    if precision == 1:
        return PartialDate.between(start, end), None
    week = (start - dt.timedelta(days=3), end + dt.timedelta(days=3))
    if precision == 2:
        note = f"ACLED knows only the week, coded to its middle day {start.isoformat()}"
        return PartialDate.between(*week), note if start == end else None
    first, _last = _month(start)
    _first, last = _month(end)
    if precision == 3:
        note = f"ACLED knows only the month, coded to {start.isoformat()}"
        return PartialDate.between(first, last), note if start == end else None
    return PartialDate.between(min(first, week[0]), max(last, week[1])), None


def _month(day: dt.date) -> tuple[dt.date, dt.date]:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return day.replace(day=1), following - dt.timedelta(days=1)


def _actor(name: str, inter: int | None, seen: set[str], new: list[Source | Actor | Place]) -> str:
    identifier = actor_id(name)
    if identifier in seen:
        return identifier
    seen.add(identifier)
    parsed = parse_actor_name(name)
    member_of: tuple[str, ...] = ()
    description = None
    if parsed.force:
        member_of = (_actor(parsed.force, 1, seen, new),)
        description = f"A unit of the {parsed.force}, as ACLED names it"
    elif parsed.period:
        description = f"The {parsed.base} in ACLED's period {parsed.period}"
    aliases = tuple(
        alias for alias in (parsed.acronym, parsed.unit, parsed.base if parsed.acronym else None) if alias
    )
    kind = parsed.kind or _INTER_KIND.get(inter or 0, ActorKind.UNCLASSIFIED)
    new.append(
        Actor(
            id=identifier,
            name=name,
            kind=kind,
            sources=(Citation(SOURCE.id, name),),
            aliases=aliases,
            country=parsed.country,
            description=description,
            member_of=member_of,
        )
    )
    return identifier


_LEVELS = (PlaceKind.PROVINCE, PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT)


def _places(
    country: str,
    admins: tuple[str, str, str],
    location: str,
    coordinates: Point | None,
    seen: set[str],
    new: list[Source | Actor | Place],
) -> str:
    """The id of the row's location, after handing out any of its admin levels not seen yet
    (and the location itself, with the ``coordinates`` of the first row that names it).
    With no location, the place is the smallest admin area named, else the country."""
    path = "acled:place/" + slug(country)
    parent = None
    for name, kind in zip(admins, _LEVELS, strict=True):
        path += "/" + (slug(name) if name else "-")
        if not name:
            continue
        if path not in seen:
            seen.add(path)
            new.append(
                Place(path, name, kind, (Citation(SOURCE.id, name),), country=country, located_in=parent)
            )
        parent = path
    if not location:
        if parent is None:
            parent = "acled:place/" + slug(country)
            if parent not in seen:
                seen.add(parent)
                cited = (Citation(SOURCE.id, country),)
                new.append(Place(parent, country, PlaceKind.COUNTRY, cited, country=country))
        return parent
    identifier = f"{path}/{slug(location)}"
    if identifier not in seen:
        seen.add(identifier)
        new.append(
            Place(
                identifier,
                location,
                PlaceKind.LOCALITY,
                (Citation(SOURCE.id, location),),
                country=country,
                located_in=parent,
                coordinates=None if coordinates is None else Coordinates(*coordinates),
            )
        )
    return identifier
