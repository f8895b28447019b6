"""The compiled form of a data folder: an SQLite database the queries run on.

YAML stays the source of truth; this database is derived from it, either in
memory or as a cache file (see ``cache``). Each record is stored once as its
JSON text, ready to print, plus the index tables the filters need.

Each stored JSON text carries its checksum: the tables are stored as
``record_data`` and ``event_json_data``, and queries read them through the views
``record`` and ``event_json`` that ``checks`` makes on every connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from . import jsonout, names
from .checks import checksum
from .model import ACLED, Actor, Analyst, Certainty, Event, Place, Quote, Record, Source, to_data

if TYPE_CHECKING:
    from .load import FileRecords

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE record_data(
    id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, subkind TEXT, name TEXT NOT NULL,
    seq INTEGER NOT NULL, json TEXT NOT NULL, names_norm TEXT NOT NULL, event_seq INTEGER,
    crc INTEGER NOT NULL
);
CREATE TABLE text(id INTEGER PRIMARY KEY, norm TEXT NOT NULL);
CREATE TABLE record_text(record_rowid INTEGER NOT NULL, text_id INTEGER NOT NULL);
CREATE INDEX record_text_text ON record_text(text_id, record_rowid);
CREATE INDEX record_kind ON record_data(kind, seq);
CREATE TABLE event(
    id TEXT NOT NULL UNIQUE, date_start TEXT NOT NULL, date_end TEXT NOT NULL, type TEXT NOT NULL,
    certainty TEXT NOT NULL, killed INTEGER, injured INTEGER, casualties_at_least INTEGER NOT NULL,
    aggregate INTEGER NOT NULL, seq INTEGER PRIMARY KEY
);
CREATE TABLE event_json_data(seq INTEGER PRIMARY KEY, json TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE INDEX event_date ON event(date_start, date_end, seq);
CREATE INDEX event_aggregate ON event(seq) WHERE aggregate;
CREATE TABLE event_actor(
    event_id TEXT NOT NULL, actor_id TEXT NOT NULL, role TEXT NOT NULL, certainty TEXT NOT NULL,
    hedged INTEGER NOT NULL
);
CREATE INDEX event_actor_actor ON event_actor(actor_id, event_id, hedged);
CREATE TABLE event_place(event_id TEXT NOT NULL, place_id TEXT NOT NULL);
CREATE INDEX event_place_place ON event_place(place_id, event_id);
CREATE TABLE event_country(event_id TEXT NOT NULL, country TEXT NOT NULL);
CREATE INDEX event_country_country ON event_country(country, event_id);
CREATE TABLE munition(
    event_id TEXT NOT NULL, weapon TEXT NOT NULL, count INTEGER, at_least INTEGER NOT NULL,
    intercepted INTEGER, aggregate INTEGER NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL
);
CREATE INDEX munition_span ON munition(weapon, aggregate, date_start, date_end);
CREATE TABLE link(subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL);
CREATE INDEX link_object ON link(object, predicate);
CREATE INDEX link_subject ON link(subject, predicate);
CREATE TABLE name(key TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL);
CREATE INDEX name_key ON name(key);
"""


_INSERT = {
    "record": "INSERT INTO record_data VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "event": "INSERT INTO event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "event_json": "INSERT INTO event_json_data VALUES (?, ?, ?)",
    "record_text": "INSERT INTO record_text VALUES (?, ?)",
    "event_actor": "INSERT INTO event_actor VALUES (?, ?, ?, ?, ?)",
    "event_place": "INSERT INTO event_place VALUES (?, ?)",
    "event_country": "INSERT INTO event_country VALUES (?, ?)",
    "munition": "INSERT INTO munition VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "link": "INSERT INTO link VALUES (?, ?, ?)",
    "name": "INSERT INTO name VALUES (?, ?, ?, ?)",
}
Rows = dict[str, list[tuple[object, ...]]]


def create(connection: sqlite3.Connection, files: Iterable[FileRecords]) -> None:
    """Fill an empty database with the records of validated files.

    Rows are gathered first and written one table at a time: a hundred thousand
    events make over a million rows, and one ``executemany`` per table is many
    times faster than one per record.
    """
    records = [record for file in files for record in file.records]
    places = {record.id: record for record in records if isinstance(record, Place)}
    rows: Rows = {table: [] for table in _INSERT}
    texts: dict[str, int] = {}
    for seq, record in enumerate(records):
        _gather(rows, texts, seq, record, places)
    # Events get their seq in date order, so that a date range is read from consecutive pages.
    order = sorted(range(len(rows["event"])), key=lambda index: rows["event"][index][1:3])
    rows["event"] = [(*rows["event"][index][:-1], rank) for rank, index in enumerate(order)]
    texts_in_order = [str(rows["event_json"][index][1]) for index in order]
    rows["event_json"] = [(rank, text, checksum(text)) for rank, text in enumerate(texts_in_order)]
    event_seq = {row[0]: row[-1] for row in rows["event"]}
    rows["record"] = [
        (*row[:7], event_seq.get(row[0]) if row[1] == "event" else None, checksum(str(row[5])))
        for row in rows["record"]
    ]
    connection.executescript(SCHEMA)
    with connection:
        connection.executemany("INSERT INTO text VALUES (?, ?)", [(i, t) for t, i in texts.items()])
        for table, statement in _INSERT.items():
            connection.executemany(statement, rows[table])


def event_data(event: Event, places: dict[str, Place]) -> dict[str, object]:
    """An event's JSON: its fields plus what scripts would otherwise derive themselves."""
    data = _data_of(event)
    event_type, sub_event_type = ACLED[event.type]
    data["date_start"] = event.date.start.isoformat()
    data["date_end"] = event.date.end.isoformat()
    data["date_precision"] = event.date.precision.value
    data["countries"] = list(_countries(event, places))
    data["acled"] = {"event_type": event_type, "sub_event_type": sub_event_type}
    return data


def _data_of(record: Record | Quote) -> dict[str, object]:
    data = to_data(record)
    assert isinstance(data, dict)
    return data


def _countries(event: Event, places: dict[str, Place]) -> Iterator[str]:
    seen: set[str] = set()
    for place_id in event.places:
        place: Place | None = places.get(place_id)
        while place is not None:
            for country in place.countries:
                if country not in seen:
                    seen.add(country)
                    yield country
            if place.countries or place.located_in is None:
                break
            place = places.get(place.located_in)


def _gather(rows: Rows, texts: dict[str, int], seq: int, record: Record, places: dict[str, Place]) -> None:
    if isinstance(record, Event):
        data = event_data(record, places)
        _gather_event(rows, seq, record, data)
        _gather_texts(rows, texts, data)
        return
    data = _data_of(record)
    name = record.title if isinstance(record, Source) else record.name
    subkind = None if isinstance(record, Analyst) else record.kind.value
    labels = [name, *getattr(record, "aliases", ()), *getattr(record, "known_as", ())]
    rows["record"].append(
        (
            record.id,
            record.KIND,
            subkind,
            name,
            seq,
            jsonout.dumps(data),
            " | ".join(names.normalize(label) for label in labels),
        )
    )
    _gather_texts(rows, texts, data)
    rows["name"].extend(
        (key, record.id, record.KIND, label)
        for label in [record.id, *labels]
        for key in names.name_keys(label)
    )
    if isinstance(record, Actor):
        _links(rows, record.id, "member_of", record.member_of)
        _links(rows, record.id, "backed_by", record.backed_by)
    elif isinstance(record, Place) and record.located_in:
        _links(rows, record.id, "located_in", (record.located_in,))
    elif isinstance(record, Analyst):
        for quote in record.quotes:
            _gather_quote(rows, texts, seq, record, quote)
    elif isinstance(record, Source) and record.part_of:
        _links(rows, record.id, "part_of", (record.part_of,))


def _gather_quote(rows: Rows, texts: dict[str, int], seq: int, analyst: Analyst, quote: Quote) -> None:
    """Quotes are records of their own too, so search and lookups find them directly."""
    data = _data_of(quote)
    data["analyst"] = analyst.id
    data["analyst_name"] = analyst.name
    rows["record"].append(
        (
            quote.id,
            "quote",
            None,
            analyst.name,
            seq,
            jsonout.dumps(data),
            "",
        )
    )
    _gather_texts(rows, texts, data)
    _links(rows, quote.id, "quote_of", (analyst.id,))
    _links(rows, quote.id, "about", quote.about)


def _gather_event(rows: Rows, seq: int, event: Event, data: dict[str, object]) -> None:
    """Events are found by filters and search, not by name, so they get no name rows;
    their JSON is kept in the event table only."""
    rows["record"].append(
        (
            event.id,
            "event",
            event.type.value,
            event.title,
            seq,
            "",
            names.normalize(event.title),
        )
    )
    casualties = event.casualties
    rows["event"].append(
        (
            event.id,
            event.date.start.isoformat(),
            event.date.end.isoformat(),
            event.type.value,
            event.certainty.value,
            casualties.killed if casualties else None,
            casualties.injured if casualties else None,
            int(bool(casualties and casualties.at_least)),
            int(event.aggregate),
            seq,
        )
    )
    rows["event_json"].append((seq, jsonout.dumps(data)))
    # A link is hedged when the attribution or the event itself is less than confirmed.
    rows["event_actor"].extend(
        (
            event.id,
            link.actor,
            link.role.value,
            link.certainty.value,
            int(link.certainty is not Certainty.CONFIRMED or event.certainty is not Certainty.CONFIRMED),
        )
        for link in event.actors
    )
    rows["event_place"].extend((event.id, place) for place in event.places)
    countries = data["countries"]
    assert isinstance(countries, list)
    rows["event_country"].extend((event.id, names.normalize(country)) for country in countries)
    # The event's dates are repeated here so that totals by date span (``totals``) need no join.
    rows["munition"].extend(
        (
            event.id,
            item.weapon.value,
            item.count,
            int(item.at_least),
            item.intercepted,
            int(event.aggregate),
            event.date.start.isoformat(),
            event.date.end.isoformat(),
        )
        for item in event.munitions
    )
    _links(rows, event.id, "responds_to", event.responds_to)


def _links(rows: Rows, subject: str, predicate: str, objects: Iterable[str]) -> None:
    rows["link"].extend((subject, predicate, item) for item in objects)


def _gather_texts(rows: Rows, texts: dict[str, int], data: object) -> None:
    """Link the record gathered last to each normalized text in it, each distinct text stored once.

    Records cite the same sentences again and again; search scans each text once. Records
    are inserted in gathering order, so the record's rowid is its position plus one.
    """
    rowid = len(rows["record"])
    for text in dict.fromkeys(names.normalize(text) for text in _texts(data)):
        if text:
            text_id = texts.setdefault(text, len(texts))
            rows["record_text"].append((rowid, text_id))


#: Keys whose values are identifiers and dates, not words anybody searches for.
#: ``source``, ``part_of`` and ``interview`` hold source ids ("gif-kilani-2021"): searched as
#: words, the author's name would find every record that cites his article.
_NOT_TEXT = frozenset(
    {"id", "date", "date_start", "date_end", "responds_to", "source", "part_of", "interview"}
)


def _texts(value: object) -> Iterator[str]:
    """Every string in a record's data, for full-text search."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in _NOT_TEXT:
                yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
