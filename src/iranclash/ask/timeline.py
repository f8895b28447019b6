"""The tit-for-tat views: a chronology grouped by month, and the chain around one event.

Both follow only the ``responds_to`` links the data states; an event that the
source does not say answers another is never drawn as its response. Dates are
shown as precise as the data has them: an event known only by its year sits
under that year, marked as such, never on a made-up day or month.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from iranclash.ask import query
from iranclash.ask.cite import date_text
from iranclash.core import jsonout
from iranclash.core.analyst_results import Node, Outline
from iranclash.core.results import Column, Listing, Row, id_column


def period(row: Row) -> str:
    """The month an event falls in, as a partial date (``2021-06``); the year or decade
    itself when the data knows no month."""
    if row["date_precision"] in ("day", "month"):
        return str(row["date"])[:7]
    return str(row["date"])


def period_label(key: str, precision: str) -> str:
    """``June 2021``; ``2021 (month not known)``; ``2000s (year not known)``."""
    if precision in ("day", "month"):
        return date_text(key)
    return f"{key} ({'month' if precision == 'year' else 'year'} not known)"


def date_label(row: Row) -> str:
    """The date as the data gives it, with its note: ``2021 (after the 27 June 2021 strikes)``."""
    return str(row["date"]) + (f" ({row['date_note']})" if row.get("date_note") else "")


def _note(row: Row) -> str:
    parts = [row["type"]]
    if row.get("certainty", "confirmed") != "confirmed":
        parts.append(row["certainty"])
    parts.append(row["id"])
    return " · ".join(parts)


def _line(row: Row, prefix: str = "") -> Node:
    return Node(f"{prefix}{date_label(row)}  {row['title']}", _note(row))


@dataclass(frozen=True)
class Links:
    """The ``responds_to`` links of the whole data, both ways, and the events they join."""

    causes: dict[str, list[str]]
    responses: dict[str, list[str]]
    events: dict[str, Row]
    #: Each linked event's place in date order.
    order: dict[str, int]

    @classmethod
    def read(cls, store: sqlite3.Connection) -> Links:
        causes: dict[str, list[str]] = {}
        responses: dict[str, list[str]] = {}
        for subject, target in store.execute(
            "SELECT l.subject, l.object FROM link l JOIN event e ON e.id = l.subject"
            " WHERE l.predicate = 'responds_to' ORDER BY e.seq, l.rowid"
        ):
            causes.setdefault(subject, []).append(target)
            responses.setdefault(target, []).append(subject)
        linked = sorted({*causes, *responses})
        events = {
            row["id"]: row
            for row in (
                json.loads(text)
                for (text,) in store.execute(
                    "SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq"
                    " WHERE e.id IN (SELECT value FROM json_each(?))"
                    " ORDER BY e.date_start, e.date_end, e.seq",
                    (json.dumps(linked),),
                )
            )
        }
        return cls(causes, responses, events, {event_id: index for index, event_id in enumerate(events)})

    def in_order(self, ids: Iterable[str]) -> list[Row]:
        """The events of ``ids`` that exist, oldest first (as ``events`` lists them)."""
        known = [event_id for event_id in dict.fromkeys(ids) if event_id in self.events]
        return [self.events[event_id] for event_id in sorted(known, key=self.order.__getitem__)]


_TIMELINE_COLUMNS = (
    Column("Period", lambda row: row["period"]),
    Column("Date", lambda row: row["date"]),
    Column("Type", lambda row: row["type"]),
    Column("Title", lambda row: row["title"]),
    Column("Responds to", lambda row: " ".join(row["responds_to"])),
    Column("Responses", lambda row: " ".join(row["responses"])),
    id_column(),
)


def timeline(store: sqlite3.Connection, filters: query.EventFilter | None = None) -> Outline:
    """The events ``filters`` select, oldest first, grouped by month, each with the events
    that answer it beneath (and, when it is not shown itself, the event it answers)."""
    texts = list(query.events(store, filters or query.EventFilter()).items)
    rows = [json.loads(text) for text in texts]
    links = Links.read(store)
    shown = {row["id"] for row in rows}
    groups: list[tuple[str, str, list[Node]]] = []
    items: list[str] = []
    for row, text in zip(rows, texts, strict=True):
        key = period(row)
        if not groups or groups[-1][0] != key:
            groups.append((key, period_label(key, row["date_precision"]), []))
        answers = links.in_order(links.responses.get(row["id"], ()))
        beneath = [
            _line(cause, "← in answer to ")
            for cause in links.in_order(links.causes.get(row["id"], ()))
            if cause["id"] not in shown
        ]
        beneath += [_line(answer, "→ ") for answer in answers]
        groups[-1][2].append(Node(f"{date_label(row)}  {row['title']}", _note(row), tuple(beneath)))
        added = {"period": key, "responses": [answer["id"] for answer in answers]}
        # The stored JSON is kept as it is, with the two keys put in front.
        items.append(jsonout.dumps(added)[:-1] + ", " + text[1:])
    nodes = tuple(Node(label, children=tuple(children), heading=True) for _key, label, children in groups)
    imprecise = sum(row["date_precision"] in ("year", "decade") for row in rows)
    caption = _count(len(rows))
    if imprecise:
        caption += f"; {imprecise} known only by year or decade, shown under it"
    return Outline("Timeline", nodes, Listing("Timeline", items, _TIMELINE_COLUMNS), caption)


_CHAIN_COLUMNS = (
    Column("Direction", lambda row: row["direction"]),
    Column("Depth", lambda row: row["depth"]),
    Column("Date", lambda row: row["date"]),
    Column("Type", lambda row: row["type"]),
    Column("Title", lambda row: row["title"]),
    Column("Via", lambda row: row["via"]),
    id_column(),
)


def chain(store: sqlite3.Connection, event_id: str) -> Outline:
    """Everything that led to an event and everything it led to, following ``responds_to``
    both ways as far as the links go. An event reached twice is drawn again but not
    followed again (marked "shown above"), so a loop in the data cannot run forever."""
    links = Links.read(store)
    root = links.events.get(event_id)
    if root is None:
        root = _event(store, event_id)
        event_id = root["id"]
    flat: list[Row] = [_flat(root, "event", 0, None)]

    def grow(row: Row, follow: dict[str, list[str]], direction: str, depth: int, seen: set[str]) -> Node:
        if row["id"] in seen:
            return Node(f"{date_label(row)}  {row['title']}", _note(row) + " · shown above")
        seen.add(row["id"])
        children = []
        for linked in links.in_order(follow.get(row["id"], ())):
            flat.append(_flat(linked, direction, depth + 1, row["id"]))
            children.append(grow(linked, follow, direction, depth + 1, seen))
        return Node(f"{date_label(row)}  {row['title']}", _note(row), tuple(children))

    def side(heading: str, follow: dict[str, list[str]], direction: str) -> Node:
        seen = {event_id}
        children: list[Node] = []
        for linked in links.in_order(follow.get(event_id, ())):
            flat.append(_flat(linked, direction, 1, event_id))
            children.append(grow(linked, follow, direction, 1, seen))
        return Node(heading, children=tuple(children) or (Node("nothing in the data"),), heading=True)

    before = side("What led to it", links.causes, "led-to-it")
    after = side("What it led to", links.responses, "led-to")
    nodes = (before, Node("The event", children=(_line(root),), heading=True), after)
    before_ids = {row["id"] for row in flat if row["direction"] == "led-to-it"}
    after_ids = {row["id"] for row in flat if row["direction"] == "led-to"}
    caption = f"{_count(len(before_ids))} led to it; it led to {_count(len(after_ids))}"
    items = [jsonout.dumps(row) for row in flat]
    return Outline(f"Chain: {root['title']}", nodes, Listing("Chain", items, _CHAIN_COLUMNS), caption)


def _count(number: int) -> str:
    return f"{number} event{'' if number == 1 else 's'}"


def _flat(row: Row, direction: str, depth: int, via: str | None) -> Row:
    """One event of a chain for programs: where it sits, and the event it was reached from."""
    keys = ("id", "date", "date_precision", "date_note", "type", "title", "certainty")
    return {"direction": direction, "depth": depth, "via": via, **{key: row.get(key) for key in keys}}


def _event(store: sqlite3.Connection, event_id: str) -> Row:
    """The event ``event_id`` names: its id, or as ``event ID`` reads it (an id's start)."""
    sql = "SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq WHERE e.id = ?"
    found = store.execute(sql, (event_id,)).fetchone()
    if found is None:
        from iranclash.ask.resolve import resolve_event

        found = store.execute(sql, (resolve_event(store, event_id),)).fetchone()
    row: Row = json.loads(found[0])
    return row
