"""Corroboration: the dataset rows (ACLED, UCDP) that may record the same happening as each
curated event, ranked, each with why, and what the two sources agree and disagree on.

A curated event says what one article claims; a dataset row what a coder recorded. A row
is a candidate when its dates and its place both fall near the event's: its span overlaps
the event's, widened by a tolerance (a day around an event dated to the day, none around
a vaguer one, ``--days``), and its coordinates lie within a radius of the event's place
that grows with the coarser of the two precisions (25 km, 150 km where either is only a
region, ``--km``), or, with no coordinates, it names the same area. Type and actors are
scored and shown, never required. Nothing is merged: each source keeps its own figures,
and a curator links the two with ``same_as`` (``corroborate --accept``).

The rows are found through an index, never by reading every row for each event: the
link of events to places is keyed by place and first day, so the rows at the places near an
event in its few days are a few ranges of it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from iranclash.ask.labels import casualties_label, munitions_label
from iranclash.core import jsonout
from iranclash.core.names import fold
from iranclash.core.results import Column, Detail, Fit, Listing, Row, Section
from iranclash.core.vocabulary import ACLED, EventType
from iranclash.ingest.datasets.acled import TYPES as ACLED_TYPES
from iranclash.ingest.datasets.rows import slug

#: The radius around a place known to a town or closer, and around one known only to a region.
TOWN_KM = 25.0
REGION_KM = 150.0
#: The days an event dated to the day is widened by on each side.
DAY_TOLERANCE = 1
#: Candidates kept for each event, best first; the rest are counted.
KEPT = 20
_DATASET_NAMES = {"acled": "ACLED", "ucdp": "UCDP"}
#: The violent types, which UCDP (whose rows all record deaths) may record.
_VIOLENT = frozenset(
    {
        EventType.AIRSTRIKE,
        EventType.DRONE_ATTACK,
        EventType.ROCKET_ATTACK,
        EventType.TARGETED_KILLING,
        EventType.ARMED_CLASH,
        EventType.RETURN_FIRE,
        EventType.TERRITORY_SEIZED,
        EventType.TERRITORY_LOST,
    }
)
#: Our types that an ACLED type maps to without being that type's own pair in ``ACLED`` (older
#: exports' "Battle-No change of territory"), and ``other``, which none fits: a row of one of
#: these may have any ACLED type.
_LOOSE_TYPES = frozenset(
    {EventType.OTHER.value} | {ours.value for theirs, ours in ACLED_TYPES.items() if ACLED[ours] != theirs}
)
#: Roles that say who acted: an attribution to compare.
_ACTING = ("attacker", "responder", "interceptor")


class Tolerance(NamedTuple):
    """How far a row's dates and place may lie from an event's; None: the defaults."""

    days: int | None = None
    km: float | None = None

    def as_data(self) -> Row:
        return {
            "days": self.days,
            "km": self.km,
            "default_days": f"{DAY_TOLERANCE} around an event dated to the day, none around a vaguer one",
            "default_km": f"{TOWN_KM:g} (town or closer), {REGION_KM:g} where either place is known "
            "only to a region",
        }


class Spot(NamedTuple):
    """Where a place is: its coordinates (or none), how precisely, and the folded names of it
    and the areas it lies in (its country left out), for rows with no coordinates."""

    label: str
    lat: float | None
    lon: float | None
    precision: str | None
    areas: frozenset[str]


# --- the places -------------------------------------------------------------------------


def _area_key(name: str) -> str:
    """A name as areas are compared: folded, without Arabic's article ("Al Anbar", "Anbar")."""
    words = fold(name).split()
    if len(words) > 1 and words[0] in ("al", "el", "ad", "ar", "as", "an", "ash", "az"):
        words = words[1:]
    if words and words[-1] in ("province", "governorate", "district"):
        words = words[:-1]
    return " ".join(words)


def _curated_spots(store: sqlite3.Connection) -> dict[str, Spot]:
    """Each curated place with the coordinates of the nearest place holding it that has
    some (a base without coordinates is where its district is)."""
    data = {
        record_id: json.loads(text)
        for record_id, text in store.execute(
            "SELECT id, json FROM record WHERE kind = 'place' AND instr(id, ':') = 0"
        )
    }
    spots: dict[str, Spot] = {}
    for place_id, place in data.items():
        areas: set[str] = set()
        coordinates = None
        current: Row | None = place
        seen: set[str] = set()
        while current is not None and current["id"] not in seen:
            seen.add(current["id"])
            if current.get("kind") != "country":
                for name in (current["name"], *current.get("aliases", ()), *current.get("known_as", ())):
                    areas.add(_area_key(name))
                coordinates = coordinates or current.get("coordinates")
            parent = current.get("located_in")
            current = data.get(parent) if parent else None
        if place.get("kind") == "country":
            coordinates = None  # a whole country is no place to compare
        spots[place_id] = Spot(
            place["name"],
            coordinates["lat"] if coordinates else None,
            coordinates["lon"] if coordinates else None,
            coordinates["precision"] if coordinates else None,
            frozenset(areas - {""}),
        )
    return spots


def _dataset_spots(store: sqlite3.Connection) -> dict[int, Spot]:
    """Each place a dataset row names, by its key in ``event_place``: a row's place is
    its location with the coordinates the first row naming it gave, inside its admin areas
    (read from ``place_point``, which the build makes of the places' records)."""
    rows = store.execute(
        "SELECT place, id, name, lat, lon, precision, located_in, kind FROM place_point"
        " WHERE instr(id, ':') > 0"
    ).fetchall()
    names = {record_id: (name, parent, kind) for _key, record_id, name, *_rest, parent, kind in rows}
    spots: dict[int, Spot] = {}
    for key, record_id, name, lat, lon, precision, _parent, _kind in rows:
        areas: set[str] = set()
        current: str | None = record_id
        while current in names:
            area, parent, kind = names[current]
            if kind != "country":
                areas.add(_area_key(area))
            current = parent
        spots[key] = Spot(name, lat, lon, precision, frozenset(areas - {""}))
    return spots


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine, on a sphere of 6,371 km)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(lon2 - lon1) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def radius_km(ours: str | None, theirs: str | None, tolerance: Tolerance) -> float:
    """The radius a pair of places may lie apart: a region's where either is known only to a
    region (or its precision is unknown), a town's otherwise; ``--km`` sets it for every pair."""
    if tolerance.km is not None:
        return tolerance.km
    coarse = {ours, theirs} & {"region", None}
    return REGION_KM if coarse else TOWN_KM


class Near(NamedTuple):
    """A dataset place near one of an event's places: how far, or matched by an area's name."""

    spot: Spot
    km: float | None
    area: str | None
    #: The radius the pair was held to (None: matched by name).
    radius: float | None = None


class Places(NamedTuple):
    """The dataset's places, with those having coordinates filed by the whole degrees of
    their latitude and longitude: an event's neighbours are looked for in the few cells
    around it, not among every place of the exports."""

    spots: dict[int, Spot]
    cells: dict[tuple[int, int], list[int]]
    unlocated: list[int]

    @classmethod
    def of(cls, spots: dict[int, Spot]) -> Places:
        cells: dict[tuple[int, int], list[int]] = {}
        unlocated: list[int] = []
        for key, spot in spots.items():
            if spot.lat is None or spot.lon is None:
                unlocated.append(key)
            else:
                cells.setdefault((math.floor(spot.lat), math.floor(spot.lon)), []).append(key)
        return cls(spots, cells, unlocated)

    def around(self, lat: float, lon: float, km: float) -> Iterator[int]:
        """The places in the cells that a box of ``km`` around (lat, lon) touches."""
        rows = range(math.floor(lat - km / 111.0), math.floor(lat + km / 111.0) + 1)
        reach = km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
        if reach >= 180:
            columns: Iterable[int] = range(-180, 181)
        else:
            columns = (
                (column + 180) % 360 - 180
                for column in range(math.floor(lon - reach), math.floor(lon + reach) + 1)
            )
        wanted = list(columns)
        for row in rows:
            for column in wanted:
                yield from self.cells.get((row, column), ())


def _near(ours: Sequence[Spot], places: Places, tolerance: Tolerance) -> dict[int, Near]:
    """The dataset places near any of ``ours``, by key, each with its nearest distance."""
    found: dict[int, Near] = {}
    located = [spot for spot in ours if spot.lat is not None and spot.lon is not None]
    our_areas = frozenset().union(*(spot.areas for spot in ours)) if ours else frozenset()
    for key in places.unlocated:
        shared = places.spots[key].areas & our_areas
        if shared:
            found[key] = Near(places.spots[key], None, min(shared))
    for mine in located:
        assert mine.lat is not None and mine.lon is not None
        widest = radius_km(mine.precision, None, tolerance)
        for key in places.around(mine.lat, mine.lon, widest):
            spot = places.spots[key]
            assert spot.lat is not None and spot.lon is not None
            km = distance_km(mine.lat, mine.lon, spot.lat, spot.lon)
            radius = radius_km(mine.precision, spot.precision, tolerance)
            kept = found.get(key)
            if km <= radius and (kept is None or kept.km is None or km < kept.km):
                found[key] = Near(spot, km, None, radius)
    return found


# --- the dates ----------------------------------------------------------------------------


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def window(event: Row, tolerance: Tolerance) -> tuple[dt.date, dt.date]:
    """The days a row's span must overlap: the event's own, widened by the tolerance."""
    start, end = _day(event["date_start"]), _day(event["date_end"])
    days = tolerance.days
    if days is None:
        days = DAY_TOLERANCE if start == end else 0
    return start - dt.timedelta(days=days), end + dt.timedelta(days=days)


def _longest_span(store: sqlite3.Connection) -> int:
    """The most days any dataset row spans (the build keeps it), so that a search by date
    start may begin early enough to meet every row overlapping a window."""
    found = store.execute("SELECT value FROM meta WHERE key = 'longest_dataset_span'").fetchone()
    return int(found[0]) if found else 0


# --- the rows -----------------------------------------------------------------------------


def _in_chunks(store: sqlite3.Connection, sql: str, keys: Sequence[object], *params: object) -> Iterator[Any]:
    """The rows of ``sql``, whose ``{marks}`` takes ``keys`` (then ``params``), for any number
    of keys: 500 at a time, under SQLite's limit on a statement's parameters."""
    for start in range(0, len(keys), 500):
        part = keys[start : start + 500]
        yield from store.execute(sql.format(marks=",".join("?" * len(part))), (*part, *params))


class Found(NamedTuple):
    """A dataset row at a place near an event, as the index of places gives it."""

    row_id: str
    date_start: str
    date_end: str
    place: int


def _rows_near(
    store: sqlite3.Connection, days: tuple[dt.date, dt.date], places: Sequence[int], longest: int
) -> list[Found]:
    """The dataset rows at ``places`` whose span overlaps ``days``: for each place, one range
    of ``event_place``'s key (place, first day), which starts ``longest`` days early so
    as to meet every row that began before the window and lasts into it."""
    low, high = days[0].isoformat(), days[1].isoformat()
    earliest = (days[0] - dt.timedelta(days=longest)).isoformat()
    rows = _in_chunks(
        store,
        "SELECT p.event_id, p.date_start, p.date_end, p.place FROM event_place p"
        " WHERE p.place IN ({marks}) AND p.date_start BETWEEN ? AND ? AND p.date_end >= ?"
        " AND instr(p.event_id, ':') > 0",
        sorted(places),
        earliest,
        high,
        low,
    )
    # ``_make`` takes the row as the tuple it is: a third of the time of Found(*row).
    return list(map(Found._make, rows))


# --- the comparison -----------------------------------------------------------------------


class Context(NamedTuple):
    """What every event's comparison reads: places, actors' names and dataset names."""

    curated: dict[str, Spot]
    dataset: Places
    #: The curated actor each dataset actor id stands for (the curated actor's ``external``).
    external: dict[str, str]
    actor_names: dict[str, str]
    longest: int
    #: Sets of dataset rows worked out once for every event (``_unidentified``).
    memo: dict[str, frozenset[str]]


def context(store: sqlite3.Connection) -> Context:
    external: dict[str, str] = {}
    names: dict[str, str] = {}
    for record_id, name, text in store.execute(
        "SELECT id, name, json_extract(json, '$.external') FROM record"
        " WHERE kind = 'actor' AND instr(id, ':') = 0"
    ):
        names[record_id] = name
        for dataset, listed in (json.loads(text) if text else {}).items():
            for listed_name in listed or ():
                external[f"{dataset}:actor/{slug(listed_name)}"] = record_id
    places = Places.of(_dataset_spots(store))
    return Context(_curated_spots(store), places, external, names, _longest_span(store), {})


def _unidentified(store: sqlite3.Connection, ctx: Context) -> frozenset[str]:
    """The dataset rows naming an unidentified actor ("Unidentified Armed Group (Iraq)")."""
    if "unidentified" not in ctx.memo:
        ctx.memo["unidentified"] = frozenset(
            event_id
            for (event_id,) in store.execute(
                "SELECT event_id FROM event_actor WHERE actor IN (SELECT rowid FROM record"
                " WHERE kind = 'actor' AND instr(id, ':') > 0 AND name LIKE 'unidentified%')"
            )
        )
    return ctx.memo["unidentified"]


def _naming(store: sqlite3.Connection, event: Row) -> frozenset[str]:
    """The dataset rows naming one of the event's actors, by a name the actor lists as
    ``external`` (the build links such rows to the curated actor, in ``event_actor``)."""
    ids = [link["actor"] for link in event["actors"]]
    if not ids:
        return frozenset()
    marks = ",".join("?" * len(ids))
    return frozenset(
        event_id
        for (event_id,) in store.execute(
            "SELECT event_id FROM event_actor"
            f" WHERE actor IN (SELECT rowid FROM record_data WHERE id IN ({marks}))"
            " AND instr(event_id, ':') > 0",
            ids,
        )
    )


def _date_points(start: str, end: str, row_start: str, row_end: str) -> tuple[int, int]:
    """The days between an event's span and a row's (0 where they overlap) and the points
    that earns: 40 the same day, 25 the event's day in the row's span, 20 inside a vaguer
    event's span, 40 less 15 a day apart (at least 10). Dates as ISO text, which compares
    as the dates do: ranking reads this for every row near an event."""
    if row_start > end or row_end < start:
        low, high = (end, row_start) if row_start > end else (row_end, start)
        gap = (_day(high) - _day(low)).days
        return gap, max(10, 40 - 15 * gap)
    if start != end:
        return 0, 20
    return 0, 40 if row_start == row_end == start else 25


def _date_reason(event: Row, row: Row) -> tuple[str, int, int]:
    """How the dates compare in words, the points and the days between them."""
    gap, points = _date_points(event["date_start"], event["date_end"], row["date_start"], row["date_end"])
    if gap:
        words = f"{gap} day{'s' if gap > 1 else ''} apart"
    elif points == 40:
        words = "same day"
    elif points == 20:
        words = f"within the event's {event['date']}"
    else:
        words = f"the event's day in the row's span ({row['date_start']} to {row['date_end']})"
    return words, points, gap


def _type_reason(event: Row, row: Row) -> tuple[str, int, bool | None]:
    """How the row's type compares: the article's type as ACLED would code it (``ACLED``)."""
    dataset = row["dataset"]
    ours = EventType(event["type"])
    if dataset["name"] == "ucdp":
        if ours in _VIOLENT:
            return ("UCDP: " + dataset["event_type"], 8, None)
        return ("another type (UCDP: " + dataset["event_type"] + ")", 0, False)
    event_type, sub_event_type = ACLED[ours]
    if dataset.get("sub_event_type") == sub_event_type and dataset["event_type"] == event_type:
        return ("same type", 15, True)
    if dataset["event_type"] == event_type:
        return ("related type", 8, False)
    return ("another type", 0, False)


def _attribution(event: Row, row: Row, ctx: Context) -> tuple[str | None, int, bool | None, str, str]:
    """Who acted, as each source has it: a reason, its points, whether they agree, and the
    two sides in words."""
    dataset = _DATASET_NAMES[row["dataset"]["name"]]
    acting = [link for link in event["actors"] if link["role"] in _ACTING]
    ours_text = (
        "; ".join(
            f"{ctx.actor_names.get(link['actor'], link['actor'])} ({link['role']}"
            + ("" if link.get("certainty", "confirmed") == "confirmed" else f", {link['certainty']}")
            + ")"
            for link in acting
        )
        or "no one named as acting"
    )
    their_ids = [link["actor"] for link in row["actors"]]
    their_names = [ctx.actor_names.get(actor, actor.split("/", 1)[-1]) for actor in their_ids]
    theirs_text = "; ".join(their_names) or "no actor"
    mapped = {ctx.external[actor] for actor in their_ids if actor in ctx.external}
    unidentified = any(name.lower().startswith("unidentified") for name in their_names)
    named_acting = [link for link in acting if link["actor"] in mapped]
    hedged = [link for link in acting if link.get("certainty", "confirmed") != "confirmed"]
    others = [link for link in event["actors"] if link["actor"] in mapped and link not in acting]
    if named_acting:
        link = named_acting[0]
        name = ctx.actor_names.get(link["actor"], link["actor"])
        if link.get("certainty", "confirmed") != "confirmed":
            reason = f"{name} named in {dataset} ({link['certainty']} in the article)"
            return (reason, 10, False, ours_text, theirs_text)
        return (f"{name} named in {dataset}", 15, True, ours_text, theirs_text)
    if hedged and unidentified:
        return (f"{hedged[0]['role']} unidentified in {dataset}", 10, True, ours_text, theirs_text)
    if others:
        name = ctx.actor_names.get(others[0]["actor"], others[0]["actor"])
        return (f"{name} named in {dataset}", 10, None, ours_text, theirs_text)
    if hedged and their_ids:
        return (f"{dataset} names another actor", 0, False, ours_text, theirs_text)
    return (None, 0, None, ours_text, theirs_text)


def _casualties(event: Row, row: Row) -> tuple[str, str, bool | None]:
    """Deaths as each source gives them, never one figure made of both: the article's words,
    ACLED's fatalities (its lowest reported figure, 0 for both none and none reported), UCDP's
    best with its low and high. They agree where both give deaths and the figures fit."""
    ours = event.get("casualties")
    theirs = row.get("casualties") or {}
    dataset = row["dataset"]
    killed = theirs.get("killed")
    if dataset["name"] == "ucdp":
        low, high = dataset.get("killed_low"), dataset.get("killed_high")
        theirs_text = f"best {killed} killed"
        if low is not None or high is not None:
            theirs_text += f" (low {low}, high {high})"
        floor = killed if low is None else min(low, killed if killed is not None else low)
    elif killed is None and theirs.get("note"):
        theirs_text, killed, floor = "0 fatalities (ACLED's code for none and for none reported)", 0, 0
    else:
        theirs_text = "no figure" if killed is None else f"at least {killed} killed"
        floor = killed
    ours_text = casualties_label(event) or "unknown"
    if killed is None or not ours:
        return (ours_text, theirs_text, None)
    if ours.get("none_reported"):
        return (ours_text, theirs_text, killed == 0)
    if ours.get("killed") is None:
        return (ours_text, theirs_text, None)
    if ours.get("at_least") or dataset["name"] == "acled":
        return (ours_text, theirs_text, (floor or 0) <= ours["killed"] or killed >= ours["killed"])
    return (ours_text, theirs_text, killed == ours["killed"])


def _dataset_type(row: Row) -> str:
    dataset = row["dataset"]
    sub = dataset.get("sub_event_type")
    return str(dataset["event_type"]) + (f": {sub}" if sub and dataset["name"] == "acled" else "")


def _our_place(event: Row, ctx: Context) -> str:
    return (
        ", ".join(ctx.curated[place].label for place in event["places"] if place in ctx.curated) or "no place"
    )


def candidate(event: Row, row: Row, near: Near, ctx: Context) -> Row:
    """One row beside one event: its score out of 100, its reasons, and each aspect side by side."""
    date_reason, date_points, gap = _date_reason(event, row)
    if near.km is not None:
        place_reason = f"{near.km:.0f} km" if near.km >= 1 else "under 1 km"
    else:
        place_reason = f"same area by name ({near.area})"
    place_points = _place_points(near)
    type_reason, type_points, type_agrees = _type_reason(event, row)
    actor_reason, actor_points, actors_agree, ours_actors, their_actors = _attribution(event, row, ctx)
    ours_killed, their_killed, casualties_agree = _casualties(event, row)
    dataset = row["dataset"]
    reasons = [date_reason, place_reason, type_reason] + ([actor_reason] if actor_reason else [])
    comparison = [
        _aspect("date", str(event["date"]), _row_date(row), gap == 0),
        _aspect(
            "place",
            _our_place(event, ctx),
            near.spot.label + _precision_note(row),
            True,
            place_reason,
        ),
        _aspect(
            "type",
            f"{event['type']} (as ACLED: {': '.join(ACLED[EventType(event['type'])])})",
            _dataset_type(row),
            type_agrees,
        ),
        _aspect("munitions", munitions_label(event, at_least="at least ") or "not given", "not coded", None),
        _aspect("casualties", ours_killed, their_killed, casualties_agree),
        _aspect("attribution", ours_actors, their_actors, actors_agree),
    ]
    return {
        "row": row["id"],
        "dataset": dataset["name"],
        "score": min(100, date_points + place_points + type_points + actor_points),
        "reasons": reasons,
        "title": row["title"],
        "date": _row_date(row),
        "place": near.spot.label,
        "distance_km": None if near.km is None else round(near.km, 1),
        "comparison": comparison,
    }


def _place_points(near: Near) -> int:
    """5 at the edge of the radius up to 30 at the same spot; 15 for an area's name."""
    if near.km is None:
        return 15
    return 5 + round(25 * max(0.0, 1 - near.km / max(near.radius or 0.0, near.km, 1.0)))


def _types_of(store: sqlite3.Connection, row_ids: Sequence[str]) -> dict[str, str]:
    """Each row's type in our vocabulary, as its reader mapped the dataset's."""
    return dict(_in_chunks(store, "SELECT id, type FROM event WHERE id IN ({marks})", row_ids))


def _type_bound(ours: tuple[str, str], row_id: str, row_type: str | None) -> int:
    """The most type points a row can score, from its type in our vocabulary: exactly what
    ``_type_reason`` gives where the reader's mapping is one to one, 15 where it cannot tell
    (a UCDP row, a type none of ours fits, a mapping from older names)."""
    if row_type is None or row_id.startswith("ucdp:") or row_type in _LOOSE_TYPES:
        return 15
    return 15 if ACLED[EventType(row_type)] == ours else 8


def _row_date(row: Row) -> str:
    start, end = row["date_start"], row["date_end"]
    return start if start == end else f"{start} to {end}"


def _precision_note(row: Row) -> str:
    dataset = row["dataset"]
    if dataset.get("geo_precision") is None:
        return ""
    code = "geo_precision" if dataset["name"] == "acled" else "where_prec"
    return f" ({code} {dataset['geo_precision']})"


def _aspect(aspect: str, ours: str, theirs: str, agrees: bool | None, note: str | None = None) -> Row:
    return {"aspect": aspect, "article": ours, "dataset": theirs, "agrees": agrees, "note": note}


# --- the answer ---------------------------------------------------------------------------


#: The ids of the curated events, as ranges of the index of ids around the datasets' (every
#: dataset row's id starts "acled:" or "ucdp:"): a million rows are never looked at to find
#: the few dozen curated events (a scan of them took 1.5 s).
_CURATED_IDS = (
    "SELECT id FROM event WHERE id < 'acled:' UNION ALL SELECT id FROM event WHERE id >= 'acled;'"
    " AND id < 'ucdp:' UNION ALL SELECT id FROM event WHERE id >= 'ucdp;'"
)


def _curated_events(store: sqlite3.Connection, where: str, params: Sequence[object]) -> list[Row]:
    """The curated events in scope (``where`` from ``query.event_where``), oldest first;
    those that sum up others (``aggregate``) are no one happening to look for."""
    joiner = " AND" if where else " WHERE"
    sql = (
        f"SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq{where}{joiner}"
        f" e.id IN ({_CURATED_IDS}) AND NOT e.aggregate ORDER BY e.date_start, e.date_end, e.seq"
    )
    return [json.loads(text) for (text,) in store.execute(sql, tuple(params))]


def _row_texts(store: sqlite3.Connection, row_ids: Sequence[str]) -> dict[str, str]:
    """The stored JSON texts of these dataset rows, by id."""
    sql = "SELECT e.id, j.json FROM event e JOIN event_json j ON j.seq = e.seq WHERE e.id IN ({marks})"
    return dict(_in_chunks(store, sql, row_ids))


def _rows_data(store: sqlite3.Connection, row_ids: Sequence[str]) -> dict[str, Row]:
    """The stored records of these dataset rows, by id."""
    return {row_id: json.loads(text) for row_id, text in _row_texts(store, row_ids).items()}


def _found(
    store: sqlite3.Connection, event: Row, tolerance: Tolerance, ctx: Context
) -> tuple[dict[int, Near], dict[str, Found]]:
    """The places near the event's and the rows there in its window, each row once (at the
    nearer place where it names two)."""
    spots = [ctx.curated[place] for place in event["places"] if place in ctx.curated]
    near = _near(spots, ctx.dataset, tolerance)
    best: dict[str, Found] = {}
    for item in _rows_near(store, window(event, tolerance), list(near), ctx.longest):
        kept = best.get(item.row_id)
        if kept is None or _closer(near[item.place], near[kept.place]):
            best[item.row_id] = item
    return near, best


def _best_scored(
    store: sqlite3.Connection, event: Row, best: dict[str, Found], near: dict[int, Near], ctx: Context
) -> list[Row]:
    """The ``KEPT`` best rows, scored in full (which reads each row's record) only as far as
    needed: rows are taken by the most they could score, from their dates, place and type
    alone, the actors the build linked them to and the most a type adds, until none left could
    reach the last one kept."""
    naming = _naming(store, event)
    hedged = any(
        link["role"] in _ACTING and link.get("certainty", "confirmed") != "confirmed"
        for link in event["actors"]
    )
    unidentified = _unidentified(store, ctx) if hedged else frozenset()
    start, end = event["date_start"], event["date_end"]
    # The most a type adds (15) with each place's points, once a place rather than once a row.
    place_points = {key: _place_points(spot) + 15 for key, spot in near.items()}
    bounded = sorted(
        (
            (
                _date_points(start, end, item.date_start, item.date_end)[1]
                + place_points[item.place]
                + (15 if item.row_id in naming else 10 if item.row_id in unidentified else 0),
                item,
            )
            for item in best.values()
        ),
        key=lambda pair: (-pair[0], pair[1].row_id),
    )
    # Scored first by points alone; the candidates in full (their comparison) only for the best.
    kept: list[tuple[int, float, str, Row, Near]] = []
    batch = 4 * KEPT
    ours = ACLED[EventType(event["type"])]
    for first in range(0, len(bounded), batch):
        part = bounded[first : first + batch]
        if len(kept) >= KEPT:
            floor = kept[KEPT - 1][0]
            if part[0][0] < floor:
                break
            # Each row's type, from the index of ids, is cheaper to read than its record.
            types = _types_of(store, [item.row_id for _bound, item in part])
            part = [
                (bound, item)
                for bound, item in part
                if bound - 15 + _type_bound(ours, item.row_id, types.get(item.row_id)) >= floor
            ]
        rows = _rows_data(store, [item.row_id for _bound, item in part])
        _learn_names(store, ctx, rows.values())
        for _bound, item in part:
            row = rows.get(item.row_id)
            if row is not None:
                near_by = near[item.place]
                points = _points(event, row, near_by, ctx)
                kept.append((points, 1e9 if near_by.km is None else near_by.km, item.row_id, row, near_by))
        kept.sort(key=lambda scored: (-scored[0], scored[1], scored[2]))
        del kept[KEPT:]
    return [candidate(event, row, near_by, ctx) for _points_of, _km, _id, row, near_by in kept]


def _points(event: Row, row: Row, near: Near, ctx: Context) -> int:
    """A row's score as ``candidate`` gives it, without the words and the comparison."""
    total = _date_reason(event, row)[1] + _place_points(near) + _type_reason(event, row)[1]
    return min(100, total + _attribution(event, row, ctx)[1])


def _learn_names(store: sqlite3.Connection, ctx: Context, rows: Iterable[Row]) -> None:
    """Add the names of the rows' actors to ``ctx.actor_names``, as their datasets write them."""
    wanted = list({link["actor"] for row in rows for link in row["actors"]} - ctx.actor_names.keys())
    ctx.actor_names.update(_in_chunks(store, "SELECT id, name FROM record WHERE id IN ({marks})", wanted))


def _comparable(event: Row, ctx: Context) -> bool:
    spots = [ctx.curated[place] for place in event["places"] if place in ctx.curated]
    return any(spot.lat is not None or spot.areas for spot in spots)


#: Why an event has no candidate, where no search could find one.
NO_PLACE = "no place to compare (the event names none, or only a country)"
NO_ROWS = "no dataset rows loaded (put ACLED or UCDP exports in a data folder's acled/ or ucdp/)"
AGGREGATE = "the event sums up incidents the source does not list one by one (aggregate)"


def _entry(event: Row, why_none: str | None = None) -> Row:
    """One event's answer, as yet with no candidate (and why, where that is the answer)."""
    return {
        "event": event["id"],
        "title": event["title"],
        "date": event["date"],
        "type": event["type"],
        "candidates": [],
        "more": 0,
        "why_none": why_none,
    }


def corroborate_event(store: sqlite3.Connection, event: Row, tolerance: Tolerance, ctx: Context) -> Row:
    """Every candidate row of one event, best first (the ``KEPT`` best, the rest counted)."""
    if not _comparable(event, ctx):
        return _entry(event, NO_PLACE)
    entry = _entry(event)
    near, best = _found(store, event, tolerance, ctx)
    scored = _best_scored(store, event, best, near, ctx)
    entry["candidates"] = scored
    entry["more"] = max(0, len(best) - len(scored))
    if not scored:
        days = window(event, tolerance)
        entry["why_none"] = f"no dataset row from {days[0]} to {days[1]} near {_our_place(event, ctx)}"
    return entry


def _closer(one: Near, other: Near) -> bool:
    if one.km is None:
        return False
    return other.km is None or one.km < other.km


def corroboration(
    store: sqlite3.Connection, where: str, params: Sequence[object], tolerance: Tolerance
) -> list[Row]:
    """Each curated event in scope with its candidates."""
    events = _curated_events(store, where, params)
    if not has_rows(store):
        return [_entry(event, NO_ROWS) for event in events]
    ctx = context(store)
    return [corroborate_event(store, event, tolerance, ctx) for event in events]


def best_for(store: sqlite3.Connection, event: Row, count: int = 3) -> list[Row] | None:
    """The best few rows of one curated event, for its lookup (None: no dataset rows loaded,
    or the event is one no row can record: a dataset row, or a sum of incidents)."""
    if ":" in event["id"] or event.get("aggregate") or not has_rows(store):
        return None
    ctx = context(store)
    return list(corroborate_event(store, event, Tolerance(), ctx)["candidates"][:count])


def with_candidates(
    store: sqlite3.Connection, where: str, params: Sequence[object]
) -> tuple[int, int] | None:
    """How many curated events in scope have a candidate row, of how many that have a place
    to compare (None: no dataset rows loaded)."""
    if not has_rows(store):
        return None
    ctx = context(store)
    events = [event for event in _curated_events(store, where, params) if _comparable(event, ctx)]
    found = sum(1 for event in events if _found(store, event, Tolerance(), ctx)[1])
    return found, len(events)


def has_rows(store: sqlite3.Connection) -> bool:
    """Whether the data folders in use hold any dataset row."""
    return (
        store.execute(
            "SELECT 1 FROM event"
            " WHERE id >= 'acled:' AND id < 'acled;' OR id >= 'ucdp:' AND id < 'ucdp;' LIMIT 1"
        ).fetchone()
        is not None
    )


def _reasons(candidate: Row) -> str:
    return " · ".join(candidate["reasons"])


def _best(row: Row) -> Row | None:
    candidates: list[Row] = row["candidates"]
    return candidates[0] if candidates else None


def _best_cell(key: str) -> Callable[[Row], object]:
    """A cell of the event's best candidate (its reasons, or why there is none)."""

    def cell(row: Row) -> object:
        best = _best(row)
        if best is None:
            return "" if key != "reasons" else row["why_none"] or ""
        return _reasons(best) if key == "reasons" else best[key]

    return cell


def _others(row: Row) -> object:
    """How many rows besides the best (nothing where there is none)."""
    return len(row["candidates"]) - 1 + row["more"] if row["candidates"] else ""


CANDIDATE_COLUMNS = (
    Column("Row", lambda row: row["row"], Fit.ID),
    Column("Date", lambda row: row["date"], Fit.WHOLE),
    Column("Place", lambda row: row["place"], Fit.CUT),
    Column("Score", lambda row: row["score"], Fit.WHOLE),
    Column("Why", _reasons),
    Column("Title", lambda row: row["title"], Fit.CUT, wide=True),
)
_SIDE_BY_SIDE = (
    Column("Aspect", lambda row: row["aspect"], Fit.WHOLE),
    Column("The article", lambda row: row["article"]),
    Column("The dataset", lambda row: row["dataset"]),
    Column("Agree", lambda row: {True: "yes", False: "no", None: "—"}[row["agrees"]], Fit.WHOLE),
)


def listing(entries: list[Row]) -> Listing:
    """One row per curated event with its best candidate; JSON has every candidate."""
    columns = (
        Column("Date", lambda row: row["date"], Fit.WHOLE),
        Column("Event", lambda row: row["event"], Fit.ID),
        Column("Best row", _best_cell("row"), Fit.WHOLE),
        Column("Score", _best_cell("score"), Fit.WHOLE),
        Column("Why", _best_cell("reasons")),
        Column("Others", _others, Fit.WHOLE),
        Column("Title", lambda row: row["title"], Fit.CUT, wide=True),
    )
    return Listing(
        "Corroboration", [jsonout.dumps(entry) for entry in entries], columns, lambda: len(entries)
    )


def detail(entry: Row, tolerance: Tolerance) -> Detail:
    """One event's candidates, and its best few side by side with the article."""
    candidates: list[Row] = entry["candidates"]
    sections = [Section("Candidate rows, best first", CANDIDATE_COLUMNS, candidates)]
    for item in candidates[:3]:
        sections.append(
            Section(f"Side by side: {item['row']} (score {item['score']})", _SIDE_BY_SIDE, item["comparison"])
        )
    data = {**entry, "tolerance": tolerance.as_data()}
    fields = (
        ("Event", entry["event"]),
        ("Date", entry["date"]),
        ("Type", entry["type"]),
        ("Candidates", _count_text(entry)),
    )
    return Detail(entry["title"], data, fields, tuple(sections))


def _count_text(entry: Row) -> str:
    total = len(entry["candidates"]) + entry["more"]
    if not total:
        return "none: " + (entry["why_none"] or "")
    shown = "" if not entry["more"] else f" (the best {len(entry['candidates'])} shown)"
    return f"{total:,}{shown}"


def unmatched(
    store: sqlite3.Connection, where: str, params: Sequence[object], tolerance: Tolerance
) -> list[str]:
    """Dataset rows in the curated events' period and area that no curated event in scope
    accounts for (no candidate of any), oldest first, as their stored JSON texts.

    The period runs from the first event's window to the last's; the area is every
    dataset place near one of the events' places."""
    if not has_rows(store):
        return []
    ctx = context(store)
    events = [event for event in _curated_events(store, where, params) if _comparable(event, ctx)]
    if not events:
        return []
    accounted: set[str] = set()
    area: dict[int, Near] = {}
    first, last = dt.date.max, dt.date.min
    for event in events:
        near, best = _found(store, event, tolerance, ctx)
        accounted.update(best)
        area.update(near)
        opens, closes = window(event, tolerance)
        first, last = min(first, opens), max(last, closes)
    found = {
        item.row_id: item
        for item in _rows_near(store, (first, last), list(area), ctx.longest)
        if item.row_id not in accounted
    }
    order = [
        item.row_id
        for item in sorted(found.values(), key=lambda item: (item.date_start, item.date_end, item.row_id))
    ]
    texts = _row_texts(store, order)
    return [texts[row_id] for row_id in order if row_id in texts]


def curated_event(store: sqlite3.Connection, text: str) -> Row:
    """The stored record of the curated event ``text`` names: its id, the start of one, or a
    dataset row it is ``same_as``."""
    from iranclash.ask.resolve import resolve_event
    from iranclash.core.errors import UsageProblem

    event_id = text
    sql = "SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq WHERE e.id = ?"
    found = store.execute(sql, (event_id,)).fetchone() if text.isascii() else None
    if found is None:
        same = store.execute(
            "SELECT subject FROM link WHERE predicate = 'same_as' AND object = ?", (text,)
        ).fetchone()
        event_id = same[0] if same is not None else resolve_event(store, text)
        found = store.execute(sql, (event_id,)).fetchone()
    if ":" in event_id:
        raise UsageProblem(f"{event_id} is a dataset row: corroborate looks for rows beside a curated event")
    event: Row = json.loads(found[0])
    return event


def for_event(store: sqlite3.Connection, text: str, tolerance: Tolerance) -> Row:
    """One curated event's candidates (``text`` as ``curated_event`` takes it)."""
    event = curated_event(store, text)
    if event.get("aggregate"):
        return _entry(event, AGGREGATE)
    if not has_rows(store):
        return _entry(event, NO_ROWS)
    return corroborate_event(store, event, tolerance, context(store))


def dataset_row(store: sqlite3.Connection, text: str) -> str:
    """The id of the dataset row ``text`` names (``acled:IRQ1`` or ``IRQ1``), read from the
    exports in use, for ``--accept``."""
    from iranclash.core.errors import NotFound

    candidates = [text] if ":" in text else [f"acled:{text}", f"ucdp:{text}"]
    for row_id in candidates:
        if store.execute("SELECT 1 FROM event WHERE id = ?", (row_id,)).fetchone() is not None:
            return row_id
        merged = store.execute(
            "SELECT subject FROM link WHERE predicate = 'same_as' AND object = ?", (row_id,)
        ).fetchone()
        if merged is not None:
            return row_id
    raise NotFound(f"no dataset row {text} in the exports read (see 'iranclash info')")


def accepted_detail(
    event_id: str, path: str, line: int, added: Sequence[str], already: Sequence[str]
) -> Detail:
    """What ``--accept`` wrote, for people and scripts."""
    data: Row = {
        "event": event_id,
        "file": path,
        "line": line,
        "added": list(added),
        "already": list(already),
    }
    fields = (
        ("Event", event_id),
        ("Added to same_as", ", ".join(added) or "nothing (already listed)"),
        ("Already listed", ", ".join(already) or None),
        ("File", f"{path}:{line}"),
    )
    return Detail("Accepted", data, fields)
