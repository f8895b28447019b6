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

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..dates import PartialDate, Precision
from ..errors import Problem
from ..model import (
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
from ._rows import Cells, DatasetRow, Header, Imported, Row, Schema, converted, slug, split_list
from .account import SetAside

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
_NUMERIC = re.compile(r"([0-9]{1,2})-([0-9]{1,2})-([0-9]{4})")
_DATE_FORMS = "2021-07-07, 07 July 2021, 7-Jul-21, 01-January-2015 or 07-07-2021 (day first)"


@lru_cache(maxsize=1 << 14)
def parse_acled_date(text: str, year: int | None = None) -> dt.date:
    """An ``event_date`` in any form ACLED exports write; ``year`` (the row's year column)
    completes a two-digit year and must agree with a four-digit one."""
    iso = _ISO.fullmatch(text)
    named = None if iso else _NAMED.fullmatch(text)
    numeric = None if iso or named else _NUMERIC.fullmatch(text)
    if iso:
        year_text, month, day = iso.group(1), int(iso.group(2)), int(iso.group(3))
    elif named:
        found = _MONTHS.get(named.group(2).lower())
        if found is None:
            raise ValueError(f"{text[:40]!r}: {named.group(2)[:12]!r} is not a month; write {_DATE_FORMS}")
        day, month, year_text = int(named.group(1)), found, named.group(3)
    elif numeric:
        day, month, year_text = int(numeric.group(1)), int(numeric.group(2)), numeric.group(3)
    else:
        raise ValueError(f"{text[:40]!r} is not a date; ACLED dates read like {_DATE_FORMS}")
    if len(year_text) == 2:
        if year is None:
            raise ValueError(f"{text!r} has a two-digit year and the row has no year column to complete it")
        if year % 100 != int(year_text):
            raise ValueError(f"{text!r} does not fall in the row's year {year}")
        full_year = year
    else:
        full_year = int(year_text)
        if year is not None and full_year != year:
            raise ValueError(f"{text!r} is in {full_year}, but the row's year is {year}")
    try:
        return dt.date(full_year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date") from None


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
) -> Iterator[Imported | Problem | SetAside]:
    """Each row of an ACLED export as an Imported, or the Problem that stops it."""
    old = header.schema is Schema.ACLED_2016
    return converted(path, header, lines, lambda cells: _row(cells, old, seen))


def _row(cells: Cells, old: bool, seen: set[str]) -> Imported:
    row_id = cells.required("event_id_cnty")
    cells.record = f"acled:{row_id}"
    new: list[Source | Actor | Place] = []
    if SOURCE.id not in seen:
        seen.add(SOURCE.id)
        new.append(SOURCE)
    year = cells.integer("year", 1900, 2999)
    try:
        day = parse_acled_date(cells.required("event_date"), year)
    except ValueError as error:
        cells.fail("event_date", str(error))
    precision = cells.integer("time_precision", 1, 3)
    date, date_note = _date(day, precision)

    event_type = cells.required("event_type")
    sub_event_type = None if old else cells.text("sub_event_type") or None
    ours = TYPES.get((event_type, sub_event_type), EventType.OTHER)

    links: list[EventActor] = []
    sides: list[tuple[str, int]] = []
    for side in (1, 2):
        main = cells.text(f"actor{side}")
        try:
            inter = parse_inter(cells.text(f"inter{side}"))
        except ValueError as error:
            cells.fail(f"inter{side}", str(error))
        associated = split_list(cells.text(f"ally_actor_{side}" if old else f"assoc_actor_{side}"))
        if not main and associated:
            cells.fail(f"actor{side}", f"is empty, yet associated actors are named: {associated[0][:60]}")
        for position, name in enumerate((main, *associated) if main else ()):
            identifier = _actor(name, inter if position == 0 else None, seen, new)
            if all(link.actor != identifier for link in links):
                links.append(_participant(identifier))
                sides.append((identifier, side))

    geo = cells.integer("geo_precision", 1, 3)
    assert geo is not None
    latitude = cells.coordinate("latitude", 90)
    longitude = cells.coordinate("longitude", 180)
    location = cells.required("location")
    country = cells.required("country")
    place = _places(
        country,
        (cells.text("admin1"), cells.text("admin2"), cells.text("admin3")),
        location,
        lambda: Coordinates(latitude, longitude, _GEO[geo]),
        seen,
        new,
    )

    casualties = _casualties(cells.integer("fatalities", 0, 10**7, blank=True))

    label = sub_event_type or event_type
    event = Event(
        id=f"acled:{row_id}",
        date=date,
        type=ours,
        title=f"{label} in {location}",
        sources=(Citation(SOURCE.id, cells.text("notes")),),
        date_note=date_note,
        places=(place,),
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
    )
    return Imported(cells.path, cells.line, event, row, tuple(new))


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
def _date(day: dt.date, precision: int | None) -> tuple[PartialDate, str | None]:
    if precision == 1:
        return PartialDate(day, day, day.isoformat(), Precision.DAY), None
    if precision == 2:
        week = PartialDate.between(day - dt.timedelta(days=3), day + dt.timedelta(days=3))
        return week, f"ACLED knows only the week, coded to its middle day {day.isoformat()}"
    month = PartialDate.parse(day.isoformat()[:7])
    return month, f"ACLED knows only the month, coded to {day.isoformat()}"


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
    coordinates: Callable[[], Coordinates],
    seen: set[str],
    new: list[Source | Actor | Place],
) -> str:
    """The id of the row's location, after handing out any of its admin levels not seen yet
    (and the location itself, with the ``coordinates`` of the first row that names it)."""
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
                coordinates=coordinates(),
            )
        )
    return identifier
