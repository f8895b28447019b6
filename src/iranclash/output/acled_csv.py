"""``export acled``: the events as rows with ACLED's columns, to sit beside an ACLED export.

Only what the data says is written; a column ACLED fills from its own coding
(interaction codes, ISO numbers, region, source scale, timestamp) stays empty
rather than guessed. Where ACLED's conventions would say more than the source,
this export says less, and the README lists each case:

- ACLED codes a date known only to the month at its middle day. A made-up day
  is not written here: only events dated to the day are exported, with
  ``time_precision`` 1, and the others are counted and left out.
- ACLED writes 0 fatalities when none are reported; here an unknown figure
  stays empty, and 0 means the source says none were killed or none were reported.
- ACLED's actors carry no direction; here ``actor1`` is the one who acted
  (attacker, responder...) and ``actor2`` the one acted upon, with whoever
  intercepted the attack on its side (``assoc_actor_2``, or ``actor2`` when no
  target is named), and an attribution the source only believes or reports is
  said so in ``notes``.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Callable

from iranclash.ask import query
from iranclash.core import jsonout
from iranclash.core.analyst_results import Document
from iranclash.core.results import Column, Listing, Row
from iranclash.output.geo import placement

#: ACLED's columns, in order, as in a current export (31, since March 2023).
COLUMNS = (
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
)

#: Who acted, most direct first: the attacker is actor1, the president who ordered it is associated.
_ACTING = ("attacker", "responder", "participant", "condemner", "decision-maker")
#: The other side: the target, then whoever intercepted the attack on it. An interceptor put
#: beside the attacker would make the SDF and U.S. forces allies of the militias in ACLED's eyes.
_ACTED_UPON = ("target", "interceptor", "subject")
_DISORDER = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Strategic developments": "Strategic developments",
}
#: How sure a coordinate is, in ACLED's terms: 1 the place itself, 2 near it, 3 only a region.
_GEO_PRECISION = {"exact": 1, "approximate": 2, "city": 2, "region": 3}


def export(
    store: sqlite3.Connection,
    filters: query.EventFilter | None = None,
    left_out: Callable[[int], None] = lambda count: None,
    *,
    escape_formulas: bool = False,
) -> Document:
    """The events ``filters`` select that are dated to the day, one ACLED row each, as CSV
    with ACLED's header (written here, not by the generic CSV, whose columns follow the
    records); ``left_out`` is told how many others there were. With ``escape_formulas``, a
    cell a spreadsheet would run as a formula starts with ``'``."""
    places = {
        row["id"]: row
        for row in (
            json.loads(text)
            for (text,) in store.execute("SELECT json FROM record WHERE kind = 'place' ORDER BY seq")
        )
    }
    names: dict[str, str] = dict(store.execute("SELECT id, name FROM record"))
    sources = {
        row["id"]: row
        for row in (
            json.loads(text)
            for (text,) in store.execute("SELECT json FROM record WHERE kind = 'source' ORDER BY seq")
        )
    }
    events = [json.loads(text) for text in query.events(store, filters or query.EventFilter()).items]
    dated = [event for event in events if event["date_precision"] == "day"]
    left_out(len(events) - len(dated))
    rows = [_row(event, places, names, sources) for event in dated]
    listing = Listing(
        "ACLED", [jsonout.dumps(row) for row in rows], tuple(Column(n, _cell(n)) for n in COLUMNS)
    )
    return Document(
        "ACLED export",
        _csv([list(COLUMNS), *([row[n] for n in COLUMNS] for row in rows)], escape_formulas),
        listing,
    )


def _csv(rows: list[list[object]], escape_formulas: bool) -> str:
    """CSV text, header first even with no events, empty for a missing value."""
    from iranclash.output.text import defused

    buffer = io.StringIO()
    lines = []
    # Each row ends in "\n", but the writer is told "\r\n": it quotes a field only for the
    # characters of its line terminator, and a bare "\r" in a field must be quoted too.
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        cells = ["" if cell is None else cell for cell in row]
        writer.writerow([defused(str(cell)) for cell in cells] if escape_formulas else cells)
        lines.append(buffer.getvalue()[:-2] + "\n")
    return "".join(lines)


def _cell(name: str) -> Callable[[Row], object]:
    return lambda row: row[name]


def _row(event: Row, places: dict[str, Row], names: dict[str, str], sources: dict[str, Row]) -> Row:
    acting = sorted(
        (link for link in event["actors"] if link["role"] in _ACTING),
        key=lambda link: _ACTING.index(link["role"]),
    )
    acted_upon = sorted(
        (link for link in event["actors"] if link["role"] in _ACTED_UPON),
        key=lambda link: _ACTED_UPON.index(link["role"]),
    )
    found = placement(event["places"], places)
    at, stands_for = found if found else (None, None)
    admin = _admin(stands_for, places) if stands_for else {}
    notes = [event["title"] + "."]
    if event.get("summary"):
        notes.append(event["summary"])
    if event.get("date_note"):
        notes.append(f"Date: {event['date']} ({event['date_note']}).")
    if event["certainty"] != "confirmed":
        notes.append(f"The event itself is {event['certainty']}, not confirmed, in the source.")
    notes += [
        f"{names.get(link['actor'], link['actor'])} as {link['role']}: "
        + (f"according to {link['according_to']}" if link.get("according_to") else link["certainty"])
        + ", not confirmed."
        for link in event["actors"]
        if link["certainty"] != "confirmed"
    ]
    if len(event["countries"]) > 1:
        notes.append("Countries: " + ", ".join(event["countries"]) + ".")
    if at is not None and stands_for != at["id"]:
        notes.append(f"Located at {at['name']}, which contains {names.get(stands_for or '', stands_for)}.")
    casualties = event.get("casualties") or {}
    if casualties.get("none_reported"):
        notes.append("No casualties were reported.")
    cited = dict.fromkeys(citation["source"] for citation in event["sources"])
    precision = None
    if at is not None:
        precision = _GEO_PRECISION[at["coordinates"]["precision"]]
        if stands_for != at["id"]:
            precision = 3
    acled = event["acled"] or {"event_type": None, "sub_event_type": None}
    return {
        "event_id_cnty": event["id"],
        "event_date": event["date"],
        "year": int(event["date"][:4]),
        "time_precision": 1,
        "disorder_type": _DISORDER.get(acled["event_type"] or "", ""),
        "event_type": acled["event_type"],
        "sub_event_type": acled["sub_event_type"],
        "actor1": _name(acting[:1], names),
        "assoc_actor_1": _name(acting[1:], names),
        "inter1": None,
        "actor2": _name(acted_upon[:1], names),
        "assoc_actor_2": _name(acted_upon[1:], names),
        "inter2": None,
        "interaction": None,
        "civilian_targeting": None,
        "iso": None,
        "region": None,
        "country": event["countries"][0] if event["countries"] else None,
        "admin1": admin.get("province"),
        "admin2": admin.get("district"),
        "admin3": None,
        "location": at["name"] if at else None,
        "latitude": at["coordinates"]["lat"] if at else None,
        "longitude": at["coordinates"]["lon"] if at else None,
        "geo_precision": precision,
        "source": "; ".join(
            sources.get(source, {}).get("publisher") or names.get(source, source) for source in cited
        ),
        "source_scale": None,
        "notes": " ".join(notes),
        # ACLED's own 0 is "none reported", which is what the source says here.
        "fatalities": 0 if casualties.get("none_reported") else casualties.get("killed"),
        "tags": None,
        "timestamp": None,
    }


def _name(links: list[Row], names: dict[str, str]) -> str | None:
    return "; ".join(str(names.get(link["actor"], link["actor"])) for link in links) or None


def _admin(place_id: str, places: dict[str, Row]) -> dict[str, str]:
    """The province and district a place lies in, where the data says (ACLED's admin1, admin2)."""
    found: dict[str, str] = {}
    seen: set[str] = set()
    current = places.get(place_id)
    while current is not None and current["id"] not in seen:
        seen.add(current["id"])
        if current["kind"] in ("province", "district") and current["kind"] not in found:
            found[current["kind"]] = current["name"]
        current = places.get(current.get("located_in") or "")
    return found
