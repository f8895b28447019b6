"""UCDP GED exports -> events, actors and places.

GED bounds each event's date (date_start, date_end) and gives deaths as a best estimate
within a low-high range, split four ways; all of it is kept. Its violence types (state-based,
non-state, one-sided) say who fought, not how, so none maps to one of our types: events
are ``other`` with UCDP's type in the row's :class:`DatasetRow`. In one-sided violence side A is by
definition the perpetrator and side B its victims, so those are attacker and target;
otherwise both sides take part.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

from ..dates import PartialDate
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
from ._rows import Cells, DatasetRow, Header, Imported, Row, converted, slug, split_list
from .account import SetAside

SOURCE = Source(
    id="ucdp",
    kind=SourceKind.DATASET,
    title="UCDP Georeferenced Event Dataset (GED)",
    publisher="Uppsala Conflict Data Program",
)

VIOLENCE = {1: "state-based conflict", 2: "non-state conflict", 3: "one-sided violence"}
#: where_prec: 1 the exact place, 2 within about 25 km of it, 3 to 7 an area (a district,
#: a province, a line such as a road or river, the country, waters).
_WHERE = {1: CoordinatePrecision.EXACT, 2: CoordinatePrecision.APPROXIMATE}
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]00:00:00(?:\.0+)?)?")
_GOVERNMENTS = re.compile(r",\s*(?=Government of )")


def convert(
    path: Path, header: Header, lines: Iterator[Row], seen: set[str]
) -> Iterator[Imported | Problem | SetAside]:
    """Each row of a GED export as an Imported, or the Problem that stops it."""
    return converted(path, header, lines, lambda cells: _row(cells, seen))


def _row(cells: Cells, seen: set[str]) -> Imported:
    row_id = cells.required("id")
    if not (row_id.isascii() and row_id.isdigit()):
        cells.fail("id", f"{row_id[:40]!r} is not a GED id (a whole number)")
    cells.record = f"ucdp:{row_id}"
    new: list[Source | Actor | Place] = []
    if SOURCE.id not in seen:
        seen.add(SOURCE.id)
        new.append(SOURCE)
    year = cells.integer("year", 1900, 2999)
    violence = cells.integer("type_of_violence", 1, 3)
    assert violence is not None
    date_precision = cells.integer("date_prec", 1, 5)
    start = _day(cells, "date_start")
    end = _day(cells, "date_end")
    if end < start:
        cells.fail("date_end", f"{end.isoformat()} is before date_start {start.isoformat()}")
    if start.year != year:
        cells.fail("year", f"is {year}, but date_start is {start.isoformat()}")
    date = PartialDate.between(start, end)
    date_note = None
    if date_precision != 1:
        date_note = f"UCDP date precision {date_precision}: the event lies between date_start and date_end"

    links: list[EventActor] = []
    sides: list[tuple[str, int]] = []
    for side, column in ((1, "side_a"), (2, "side_b")):
        role = Role.PARTICIPANT
        if violence == 3:
            role = Role.ATTACKER if side == 1 else Role.TARGET
        for name in _sides(cells.required(column)):
            identifier = _actor(name, side, violence, seen, new)
            if all(link.actor != identifier for link in links):
                links.append(EventActor(identifier, role))
                sides.append((identifier, side))

    where_precision = cells.integer("where_prec", 1, 7)
    assert where_precision is not None
    coordinates = Coordinates(
        cells.coordinate("latitude", 90),
        cells.coordinate("longitude", 180),
        _WHERE.get(where_precision, CoordinatePrecision.REGION),
    )
    place = _place(
        cells.required("country"),
        cells.text("adm_1"),
        cells.text("adm_2"),
        cells.required("where_coordinates"),
        coordinates,
        seen,
        new,
    )

    deaths = {
        name: cells.integer(name, 0, 10**7)
        for name in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "low", "high")
    }
    best, low, high = deaths["best"], deaths["low"], deaths["high"]
    assert best is not None and low is not None and high is not None
    if not low <= best <= high:
        cells.fail("best", f"{best} is not between low ({low}) and high ({high})")
    split = (deaths["deaths_a"], deaths["deaths_b"], deaths["deaths_civilians"], deaths["deaths_unknown"])
    if sum(value or 0 for value in split) != best:
        cells.fail(
            "best", f"{best} is not the sum of deaths_a, deaths_b, deaths_civilians and deaths_unknown"
        )
    casualties = Casualties(
        killed=best,
        note=(
            f"UCDP best estimate, low {low}, high {high}: {split[0]} of side A, {split[1]} of side B, "
            f"{split[2]} civilians, {split[3]} unknown"
        ),
    )
    article = cells.text("source_article")
    event = Event(
        id=f"ucdp:{row_id}",
        date=date,
        type=EventType.OTHER,
        title=f"{cells.required('dyad_name')}, {cells.text('where_coordinates')}",
        sources=(Citation(SOURCE.id, article),),
        date_note=date_note,
        places=(place,),
        actors=tuple(links),
        casualties=casualties,
    )
    row = DatasetRow(
        "ucdp",
        row_id,
        VIOLENCE[violence],
        cells.text("conflict_name") or None,
        tuple(part.strip('"') for part in split_list(article)),
        date_precision,
        where_precision,
        tuple(sides),
        low,
        high,
    )
    return Imported(cells.path, cells.line, event, row, tuple(new))


def _day(cells: Cells, column: str) -> dt.date:
    text = cells.required(column)
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        cells.fail(column, f"{text[:40]!r} is not a date written YYYY-MM-DD")


def _sides(text: str) -> tuple[str, ...]:
    """A side naming several governments at once ("Government of Australia, Government of
    United States of America") is each of them; other names may hold commas."""
    parts = _GOVERNMENTS.split(text)
    if len(parts) > 1 and all(part.startswith("Government of ") for part in parts):
        return tuple(part.strip() for part in parts)
    return (text,)


def _actor(name: str, side: int, violence: int, seen: set[str], new: list[Source | Actor | Place]) -> str:
    identifier = "ucdp:actor/" + slug(name)
    if identifier not in seen:
        seen.add(identifier)
        country = name.removeprefix("Government of ") if name.startswith("Government of ") else None
        if country is not None:
            kind = ActorKind.GOVERNMENT
        elif name == "Civilians":
            kind = ActorKind.CIVILIANS
        else:
            # GED's other sides are organised armed groups: rebels, militias, IS.
            kind = ActorKind.ARMED_GROUP
        new.append(Actor(identifier, name, kind, (Citation(SOURCE.id, name),), country=country))
    return identifier


def _place(
    country: str,
    province: str,
    district: str,
    named: str,
    coordinates: Coordinates,
    seen: set[str],
    new: list[Source | Actor | Place],
) -> str:
    """The id of the place the row names, after handing out any of its levels not seen yet.

    GED names the point it codes (``where_coordinates``): a town, or for a vaguer event
    its district, province or country, which is then the event's place.
    """
    path = "ucdp:place/" + slug(country)
    levels: list[tuple[str, str, PlaceKind, str | None]] = [(country, path, PlaceKind.COUNTRY, None)]
    parent: str | None = path
    for name, kind in ((province, PlaceKind.PROVINCE), (district, PlaceKind.DISTRICT)):
        path += "/" + (slug(name) if name else "-")
        if name:
            levels.append((name, path, kind, parent))
            parent = path
    target = None
    for name, identifier, _kind, _located_in in levels[::-1]:
        if name == named:
            target = identifier
            break
    if target is None:
        target = f"{path}/{slug(named)}"
        levels.append((named, target, PlaceKind.LOCALITY, parent))
    for name, identifier, kind, located_in in levels:
        if identifier not in seen:
            seen.add(identifier)
            new.append(
                Place(
                    identifier,
                    name,
                    kind,
                    (Citation(SOURCE.id, name),),
                    country=country,
                    located_in=located_in,
                    coordinates=coordinates if identifier == target else None,
                )
            )
    return target
