"""GeoJSON for maps: events and places as an RFC 7946 FeatureCollection.

Coordinates come from general knowledge, not from the source, and each carries
its precision (exact, approximate, city, region): every feature says which, so a
map never suggests more accuracy than the data has. An event is put at the first
of its places that has coordinates, or else at the nearest place containing it
that has (a base at its district); the feature names the place it was put at.
An event or place with nowhere to put it is kept, with a null geometry, as the
specification allows, so a count of features is a count of records.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from typing import TextIO

from iranclash.core import jsonout
from iranclash.core.analyst_results import Chart, Document, Mapped, Outline
from iranclash.core.errors import UsageProblem
from iranclash.core.results import Detail, Listing, Row

_ONLY = "--format geojson is for lists of events or places (events, places, crossings, timeline)"

Question = Callable[[sqlite3.Connection], "Listing | Detail | Outline | Document | Mapped | Chart"]


def mapped(question: Question) -> Callable[[sqlite3.Connection], Mapped]:
    """The same question, its answer given the places it needs to be drawn on a map."""

    def ask(store: sqlite3.Connection) -> Mapped:
        result = question(store)
        if isinstance(result, Outline):
            result = result.flat
        if isinstance(result, Mapped):
            return result
        if not isinstance(result, Listing):
            raise UsageProblem(_ONLY)
        places = {
            row["id"]: row
            for row in (
                json.loads(text)
                for (text,) in store.execute("SELECT json FROM record WHERE kind = 'place' ORDER BY seq")
            )
        }
        return Mapped(result, places)

    return ask


def placement(place_ids: Iterable[str], places: dict[str, Row]) -> tuple[Row, str] | None:
    """Where to put something at ``place_ids``: the first with coordinates, else the nearest
    place containing one of them that has; with the id of the place it stands for."""
    for place_id in place_ids:
        seen: set[str] = set()
        current = places.get(place_id)
        while current is not None and current["id"] not in seen:
            if current.get("coordinates"):
                return current, place_id
            seen.add(current["id"])
            current = places.get(current.get("located_in") or "")
    return None


def _point(place: Row | None) -> Row | None:
    if place is None:
        return None
    coordinates = place["coordinates"]
    # GeoJSON puts longitude first.
    return {"type": "Point", "coordinates": [coordinates["lon"], coordinates["lat"]]}


def _event_feature(row: Row, places: dict[str, Row]) -> Row:
    found = placement(row["places"], places)
    at, stands_for = found if found else (None, None)
    casualties = row.get("casualties") or {}
    properties = {
        "kind": "event",
        "id": row["id"],
        "title": row["title"],
        "date": row["date"],
        "date_precision": row["date_precision"],
        "date_start": row["date_start"],
        "date_end": row["date_end"],
        "date_note": row.get("date_note"),
        "type": row["type"],
        "certainty": row["certainty"],
        "places": row["places"],
        "countries": row["countries"],
        "placed_at": at["id"] if at else None,
        "placed_at_name": at["name"] if at else None,
        "placed_for": stands_for,
        "coordinate_precision": at["coordinates"]["precision"] if at else None,
        "killed": casualties.get("killed"),
        "injured": casualties.get("injured"),
    }
    return {"type": "Feature", "id": row["id"], "geometry": _point(at), "properties": properties}


def _place_feature(row: Row) -> Row:
    coordinates = row.get("coordinates")
    properties = {
        "kind": "place",
        "id": row["id"],
        "name": row["name"],
        "place_kind": row["kind"],
        "country": row.get("country"),
        "countries": [row["country"]] if row.get("country") else [s["country"] for s in row.get("sides", [])],
        "located_in": row.get("located_in"),
        "status": row.get("status"),
        "coordinate_precision": coordinates["precision"] if coordinates else None,
    }
    point = _point(row) if coordinates else None
    return {"type": "Feature", "id": row["id"], "geometry": point, "properties": properties}


def features(result: Mapped) -> Iterable[Row]:
    """A feature per record: an event (it has a date) or a place (it has coordinates, maybe null)."""
    for row in result.listing.records():
        if "date_start" in row and "places" in row:
            yield _event_feature(row, result.places)
        elif "coordinates" in row:
            yield _place_feature(row)
        else:
            raise UsageProblem(_ONLY)


def write_geojson(
    result: Listing | Detail | Outline | Document | Mapped | Chart,
    out: TextIO,
    encode: Callable[[str], str] = str,
) -> None:
    """The FeatureCollection, one feature a line (valid JSON, readable with ``grep``), written
    as the records stream in, as the other formats are."""
    if not isinstance(result, Mapped):
        raise UsageProblem(_ONLY)
    written = iter(features(result))
    # A list that cannot be mapped fails on its first record, before anything is written.
    first = next(written, None)
    out.write('{"type": "FeatureCollection", "features": [\n')
    if first is not None:
        out.write(encode(jsonout.dumps(first)))
        for feature in written:
            out.write(",\n" + encode(jsonout.dumps(feature)))
    out.write("\n]}\n")
