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

from iranclash.core.dates import PartialDate
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
from iranclash.ingest.datasets.account import SetAside
from iranclash.ingest.datasets.rows import (
    Cells,
    DatasetRow,
    Header,
    Imported,
    Point,
    Row,
    converted,
    slug,
    split_list,
)

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
) -> Iterator[Imported | SetAside]:
    """Each row of a GED export as an Imported (with notes on what it could not read), or
    set aside where no event can be made of it."""
    return converted(path, header, lines, lambda cells: _row(cells, seen))


def _row(cells: Cells, seen: set[str]) -> Imported:
    text_id = cells.text("id")
    row_id = _whole_text(text_id)
    if not text_id:
        cells.set_aside("id", "no id", "id is empty")
    if row_id is None:
        cells.set_aside("id", "no id", f"{text_id[:40]!r} is not a GED id (a whole number)")
    cells.record = f"ucdp:{row_id}"
    new: list[Source | Actor | Place] = []
    if SOURCE.id not in seen:
        seen.add(SOURCE.id)
        new.append(SOURCE)
    year = cells.integer("year", 1900, 2999, quiet_blank=True)
    violence = cells.integer("type_of_violence", 1, 3)
    date_precision = cells.integer("date_prec", 1, 5)
    start, end = _day(cells, "date_start"), _day(cells, "date_end")
    if start is None and end is None:
        cells.set_aside("date_start", "no usable date", "neither date_start nor date_end is a date")
    start = start or end
    end = end or start
    assert start is not None and end is not None
    if end < start:
        cells.note(
            "date_end",
            "date_end before date_start",
            f"date_end {end.isoformat()} is before date_start {start.isoformat()}: dated to the span between",
        )
        start, end = end, start
    if year is not None and start.year != year:
        cells.note(
            "year",
            "year disagrees with date_start",
            f"year {year} disagrees with date_start: dated by date_start",
        )
    date = PartialDate.between(start, end)
    date_note = None
    if date_precision != 1:
        date_note = (
            f"UCDP date precision {date_precision if date_precision else 'unknown'}: "
            "the event lies between date_start and date_end"
        )

    links: list[EventActor] = []
    sides: list[tuple[str, int]] = []
    for side, column in ((1, "side_a"), (2, "side_b")):
        role = Role.PARTICIPANT
        if violence == 3:
            role = Role.ATTACKER if side == 1 else Role.TARGET
        named = cells.text(column)
        if not named:
            cells.note(column, f"{column} empty", f"{column} is empty: that side is unknown")
        for name in _sides(named) if named else ():
            identifier = _actor(name, side, violence, seen, new)
            if all(link.actor != identifier for link in links):
                links.append(EventActor(identifier, role))
                sides.append((identifier, side))

    where_precision = cells.integer("where_prec", 1, 7)
    coordinates = cells.coordinates(
        None if where_precision is None else _WHERE.get(where_precision, CoordinatePrecision.REGION)
    )
    country = cells.text("country")
    named_point = cells.text("where_coordinates")
    places: tuple[str, ...] = ()
    if country:
        where = (cells.text("adm_1"), cells.text("adm_2"))
        places = (_place(country, *where, named_point, coordinates, seen, new),)
    else:
        cells.note("country", "country empty", "country is empty: the event has no place")

    casualties = _casualties(cells)
    article = cells.text("source_article")
    dyad = cells.text("dyad_name") or " - ".join(
        part for part in (cells.text("side_a"), cells.text("side_b")) if part
    )
    notes = tuple(cells.notes)
    event = Event(
        id=f"ucdp:{row_id}",
        date=date,
        type=EventType.OTHER,
        title=f"{dyad or 'Unknown sides'}, {named_point or country or 'an unknown place'}",
        sources=(Citation(SOURCE.id, article),),
        date_note=date_note,
        places=places,
        actors=tuple(links),
        casualties=casualties,
    )
    row = DatasetRow(
        "ucdp",
        row_id,
        VIOLENCE.get(violence or 0, "violence of unknown type"),
        cells.text("conflict_name") or None,
        tuple(part.strip('"') for part in split_list(article)),
        date_precision,
        where_precision,
        tuple(sides),
        cells.integer("low", 0, 10**7, quiet_blank=True),
        cells.integer("high", 0, 10**7, quiet_blank=True),
        tuple(note.text for note in notes),
    )
    return Imported(cells.path, cells.line, event, row, tuple(new), notes, tuple(cells.blanks))


def _casualties(cells: Cells) -> Casualties | None:
    """GED's deaths as given: ``best`` is the event's figure (its total), kept where
    ``low`` and ``high`` or the four-way split disagree with it, with a note."""
    deaths = {
        name: cells.integer(name, 0, 10**7, quiet_blank=True)
        for name in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "best", "low", "high")
    }
    best, low, high = deaths["best"], deaths["low"], deaths["high"]
    split = (deaths["deaths_a"], deaths["deaths_b"], deaths["deaths_civilians"], deaths["deaths_unknown"])
    if best is None:
        cells.note("best", "best empty", "best is empty: the deaths are unknown")
        return None
    if low is not None and high is not None and low > high:
        cells.note(
            "low", "low above high", f"low ({low}) is above high ({high}): best ({best}) is kept as given"
        )
    elif (low is not None and best < low) or (high is not None and best > high):
        cells.note(
            "best",
            "best outside low..high",
            f"best ({best}) is not between low ({low}) and high ({high}): kept as given",
        )
    if None not in split and sum(value or 0 for value in split) != best:
        cells.note(
            "best",
            "best not the sum of the deaths",
            f"best ({best}) is not the sum of deaths_a, deaths_b, deaths_civilians and deaths_unknown "
            f"({sum(value or 0 for value in split)}): kept as given",
        )
    a, b, civilians, unknown = ("unknown" if value is None else str(value) for value in split)
    return Casualties(
        killed=best,
        note=(
            f"UCDP best estimate, low {'unknown' if low is None else low}, high "
            f"{'unknown' if high is None else high}: {a} of side A, {b} of side B, "
            f"{civilians} civilians, {unknown} unknown"
        ),
    )


def _whole_text(text: str) -> str | None:
    """A GED id as the file writes it, ``15960`` or, after a spreadsheet or pandas, ``15960.0``."""
    number = text.removesuffix(".0")
    return number if number.isascii() and number.isdigit() else None


def _day(cells: Cells, column: str) -> dt.date | None:
    text = cells.text(column)
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        shown = f"{text[:40]!r} is not a date written YYYY-MM-DD" if text else "is empty"
        cells.note(column, f"{column} not a date", f"{column} {shown}")
        return None


def _sides(text: str) -> tuple[str, ...]:
    """A side naming several governments at once ("Government of Australia, Government of
    United States of America") is each of them; other names may hold commas."""
    parts = _GOVERNMENTS.split(text)
    if len(parts) > 1 and all(part.startswith("Government of ") for part in parts):
        return tuple(part.strip() for part in parts)
    return (text,)


def _actor(
    name: str, side: int, violence: int | None, seen: set[str], new: list[Source | Actor | Place]
) -> str:
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
    coordinates: Point | None,
    seen: set[str],
    new: list[Source | Actor | Place],
) -> str:
    """The id of the place the row names, after handing out any of its levels not seen yet.

    GED names the point it codes (``where_coordinates``): a town, or for a vaguer event
    its district, province or country, which is then the event's place; with no point
    named, the smallest of those the row names.
    """
    path = "ucdp:place/" + slug(country)
    levels: list[tuple[str, str, PlaceKind, str | None]] = [(country, path, PlaceKind.COUNTRY, None)]
    parent: str | None = path
    for name, kind in ((province, PlaceKind.PROVINCE), (district, PlaceKind.DISTRICT)):
        path += "/" + (slug(name) if name else "-")
        if name:
            levels.append((name, path, kind, parent))
            parent = path
    target = None if named else levels[-1][1]
    for name, identifier, _kind, _located_in in levels[::-1]:
        if named and name == named:
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
                    coordinates=Coordinates(*coordinates) if coordinates and identifier == target else None,
                )
            )
    return target
