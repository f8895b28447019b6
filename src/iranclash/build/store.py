"""The compiled form of a data folder: an SQLite database the queries run on.

YAML stays the source of truth; this database is derived from it, either in
memory or as a cache file (see ``cache``). Each record is stored once as its
JSON text, ready to print, plus the index tables the filters need.

The search index merges its segments 16 at a time, not SQLite's 4: over 1,000,000 rows
that inserts in 3.5 s instead of 5.1 s, for 7% more index and the same query times.

Each stored JSON text carries its checksum: the tables are stored as
``record_data`` and ``event_json_data``, and queries read them through the views
``record`` and ``event_json`` that ``checks`` makes on every connection.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, NamedTuple

from iranclash.build import packed
from iranclash.build.integrity import Store, checksum
from iranclash.core import jsonout, names
from iranclash.core.model import (
    ACLED,
    Actor,
    Analyst,
    Certainty,
    Event,
    Place,
    Quote,
    Record,
    Role,
    Source,
    to_data,
)
from iranclash.core.searchable import searched_texts
from iranclash.core.vocabulary import CERTAINTIES, ROLES

if TYPE_CHECKING:
    from iranclash.ingest.datasets import Account, DatasetRow

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE record_data(
    id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, subkind TEXT, name TEXT NOT NULL,
    seq INTEGER NOT NULL, json TEXT NOT NULL, names_norm TEXT NOT NULL, crc INTEGER NOT NULL
);
CREATE VIRTUAL TABLE search_text USING fts5(
    words, content='', detail=none, columnsize=0, tokenize='unicode61 remove_diacritics 0'
);
INSERT INTO search_text(search_text, rank) VALUES('automerge', 16);
CREATE INDEX record_kind ON record_data(kind, seq);
CREATE TABLE event(
    id TEXT NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL, type TEXT NOT NULL,
    certainty TEXT NOT NULL, killed INTEGER, injured INTEGER, casualties_at_least INTEGER NOT NULL,
    aggregate INTEGER NOT NULL, seq INTEGER PRIMARY KEY
);
CREATE TABLE event_json_data(seq INTEGER PRIMARY KEY, json BLOB NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE json_dictionary(bytes BLOB NOT NULL);
CREATE INDEX event_aggregate ON event(seq) WHERE aggregate;
CREATE TABLE event_actor(
    event_id TEXT NOT NULL, actor INTEGER NOT NULL, role INTEGER NOT NULL, certainty INTEGER NOT NULL,
    hedged INTEGER NOT NULL, PRIMARY KEY(actor, event_id, role)
) WITHOUT ROWID;
CREATE TABLE event_place(
    event_id TEXT NOT NULL, place INTEGER NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL,
    PRIMARY KEY(place, date_start, event_id)
) WITHOUT ROWID;
CREATE TABLE event_country(
    event_id TEXT NOT NULL, country TEXT NOT NULL, PRIMARY KEY(country, event_id)
) WITHOUT ROWID;
CREATE TABLE munition(
    event_id TEXT NOT NULL, weapon TEXT NOT NULL, count INTEGER, at_least INTEGER NOT NULL,
    intercepted INTEGER, aggregate INTEGER NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL
);
CREATE INDEX munition_span ON munition(weapon, aggregate, date_start, date_end);
CREATE TABLE link(subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL);
CREATE INDEX link_object ON link(object, predicate);
CREATE INDEX link_subject ON link(subject, predicate);
CREATE TABLE name(key TEXT NOT NULL, id TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL);
CREATE TABLE precomputed_data(name TEXT PRIMARY KEY, json TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE INDEX name_key ON name(key);
CREATE TABLE export_account(file TEXT PRIMARY KEY, json TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE place_point(
    place INTEGER PRIMARY KEY, id TEXT NOT NULL, name TEXT NOT NULL, kind TEXT, lat REAL, lon REAL,
    precision TEXT, located_in TEXT
);
"""


_INSERT = {
    "record": "INSERT INTO record_data(rowid, id, kind, subkind, name, seq, json, names_norm, crc)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "event": "INSERT INTO event VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "event_json": "INSERT INTO event_json_data VALUES (?, ?, ?)",
    "search_text": "INSERT INTO search_text(rowid, words) VALUES (?, ?)",
    # The link tables are keyed by what they link (an event listing a place twice, or
    # two places of one country, links them once). An event's places carry its dates, so
    # that the events at a place in a few days are one range of the key (``corroborate``).
    "event_actor": "INSERT OR IGNORE INTO event_actor VALUES (?, ?, ?, ?, ?)",
    "event_place": "INSERT OR IGNORE INTO event_place VALUES (?, ?, ?, ?)",
    "event_country": "INSERT OR IGNORE INTO event_country VALUES (?, ?)",
    "munition": "INSERT INTO munition VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "link": "INSERT INTO link VALUES (?, ?, ?)",
    "name": "INSERT INTO name VALUES (?, ?, ?, ?)",
}
#: Made once the events are written (``Builder.finish``): an index filled row by row, in
#: the order of neither its ids nor its dates, costs 9 s more at 1,000,000 rows than one
#: made from the rows at the end (0.8 s).
_EVENT_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS event_id ON event(id);
CREATE INDEX IF NOT EXISTS event_date ON event(date_start, date_end, seq);
"""
#: SQLite's page cache once every row is written, in KiB. SQLite sorts (making an index,
#: grouping for ``summary``) in memory up to the page cache's size before it spills to
#: temporary files: with a build's 256 MiB (``cache._for_building``), memory at its end grew
#: with the rows (50 MiB more at 1,000,000 rows, 145 MiB at 3,000,000); with this much, the
#: indexes and the summary at 1,000,000 rows take as long (0.5 s, 0.6 s).
_SORTING_KIB = 16 * 1024
_STAGE = "CREATE TEMP TABLE external_name(external INTEGER NOT NULL, actor INTEGER NOT NULL);"
#: A curated actor takes part in every event of an imported actor it lists as ``external``, in
#: the same role (once per event, and not where the event names it already), so that its
#: lookup, ``events --actor`` and ``summary`` include the dataset's rows.
_EXTERNAL = """
INSERT INTO event_actor SELECT a.event_id, x.actor, min(a.role), min(a.certainty), min(a.hedged)
    FROM event_actor a JOIN external_name x ON x.external = a.actor
    WHERE NOT EXISTS (SELECT 1 FROM event_actor b WHERE b.event_id = a.event_id AND b.actor = x.actor)
    GROUP BY a.event_id, x.actor
"""
#: Where each place is, out of its JSON, made again at the end of every build and rebuild, with
#: the most days a dataset row spans: what ``corroborate`` reads of every place on each run
#: (reading them from the JSON took 50 ms for 4,500 places).
_PLACE_POINTS = (
    "DELETE FROM place_point",
    """INSERT INTO place_point SELECT rowid, id, name, json_extract(json, '$.kind'),
    json_extract(json, '$.coordinates.lat'), json_extract(json, '$.coordinates.lon'),
    json_extract(json, '$.coordinates.precision'), json_extract(json, '$.located_in')
    FROM record_data WHERE kind = 'place'""",
    """INSERT OR REPLACE INTO meta SELECT 'longest_dataset_span',
    CAST(coalesce(max(julianday(date_end) - julianday(date_start)), 0) AS INTEGER)
    FROM event WHERE date_end > date_start
    AND (id >= 'acled:' AND id < 'acled;' OR id >= 'ucdp:' AND id < 'ucdp;')""",
)
Rows = dict[str, list[tuple[object, ...]]]
#: Records gathered before their rows are written: one ``executemany`` per table and batch
#: is many times faster than one per record, and a batch bounds what is held in memory.
_BATCH = 5000
#: A record's ``seq`` is the number of its file (in reading order) above these bits and its
#: place in the file below them (among the file's events, or among its other records): the
#: records' reading order, which stays the same when one file's records are replaced
#: (``partial``), as no other record's changes.
FILE_SHIFT = 28


class PlaceTrail(NamedTuple):
    """What an event's countries need of a place: its own, and the place it lies in."""

    countries: tuple[str, ...]
    located_in: str | None

    @classmethod
    def of(cls, place: Place) -> PlaceTrail:
        return cls(place.countries, place.located_in)

    @classmethod
    def of_data(cls, data: dict[str, object]) -> PlaceTrail:
        """From a place's stored JSON (as ``Place.countries`` reads the record)."""
        found = [data["country"]] if data.get("country") else []
        sides = data.get("sides") or []
        assert isinstance(sides, list)
        found += [side["country"] for side in sides if side["country"] not in found]
        located_in = data.get("located_in")
        return cls(tuple(map(str, found)), None if located_in is None else str(located_in))


class Builder:
    """Fills a database record by record, writing in batches, so that an export of any
    length streams through it.

    Actors and places must come before the events that name them: an event's countries are
    its places', and the link tables key actors and places by their record's rowid (a
    number, not the id: an imported id such as ``acled:place/iraq/anbar/al-qaim/...`` is long,
    and repeated in every link). ``connection`` needs the ``checksum`` function
    (``checks.attach``).

    Events are listed in date order through the ``event_date`` index, ties in reading order
    (``seq``), so they are written as they come, each packed as it is written, against a
    dictionary trained on the first batch of events (``packed``).
    """

    def __init__(self, connection: sqlite3.Connection, *, resume: bool = False) -> None:
        """With ``resume``, add to what an earlier build wrote (``partial``), where its
        other files' records are kept."""
        self.connection = connection
        self.places: dict[str, PlaceTrail] = {}
        self.rows: Rows = {table: [] for table in _INSERT}
        self.written_records = 0
        #: Records gathered since the last batch was written.
        self.gathered = 0
        #: The next seq of a record (``FILE_SHIFT``) and of an event: counted apart, so
        #: that an event's seq is its place among its file's events alone, whatever records
        #: the rows before it named first (``partial`` keeps an event where it is unchanged).
        self.seq = 0
        self.event_seq = 0
        #: The rowid of each actor's and place's record, which the link tables hold.
        self.keys: dict[str, int] = {}
        #: (imported actor id, curated actor id) for each name a curated actor lists as ``external``.
        self.external: list[tuple[str, str]] = []
        #: (curated event id, imported event id) for each row a curated event is the same as.
        self.same_as: list[tuple[str, str]] = []
        self.preset: bytes | None = None
        self.pack: Callable[[str], bytes] | None = None
        #: Events' stored JSON packed already, (seq, packed, checksum): ``add_gathered``.
        self.packed: list[tuple[int, bytes, int]] = []
        if resume:
            self._resume()
        else:
            connection.executescript(SCHEMA)
        connection.executescript(_STAGE)

    def _resume(self) -> None:
        execute = self.connection.execute
        # Never a rowid given before: the search index would count a stale entry as the new record's.
        self.written_records = int(
            execute("SELECT value FROM meta WHERE key = 'records_written'").fetchone()[0]
        )
        found = execute("SELECT bytes FROM json_dictionary").fetchone()
        if found is not None:
            self.preset = bytes(found[0])
            self.pack = packed.packer(self.preset)
        self.keys = dict(execute("SELECT id, rowid FROM record_data WHERE kind IN ('actor', 'place')"))
        self.places = {
            place_id: PlaceTrail.of_data(json.loads(text))
            for place_id, text in execute("SELECT id, json FROM record WHERE kind = 'place'")
        }
        for actor_id, text in execute(
            "SELECT id, json FROM record"
            " WHERE kind = 'actor' AND json_extract(json, '$.external') IS NOT NULL"
        ):
            self._external(actor_id, json.loads(text)["external"])

    def _external(self, actor_id: str, external: dict[str, list[str]]) -> None:
        from iranclash.ingest.datasets.rows import slug

        for dataset in ("acled", "ucdp"):
            self.external.extend((f"{dataset}:actor/{slug(name)}", actor_id) for name in external[dataset])

    def skip(self) -> int:
        """The seq the next record would have had: one kept as an earlier build wrote it (``partial``)."""
        self.seq += 1
        return self.seq - 1

    def begin_file(self, number: int) -> None:
        """The records added from now on are read from the ``number``th file (see ``FILE_SHIFT``)."""
        self.seq = self.event_seq = number << FILE_SHIFT

    def add(self, record: Record, dataset: DatasetRow | None = None) -> None:
        """Gather one record (an imported event with its ``dataset`` row), writing when a batch is full."""
        if isinstance(record, Place):
            self.places[record.id] = PlaceTrail.of(record)
        elif isinstance(record, Event) and record.same_as:
            self.same_as.extend((record.id, row) for row in record.same_as)
        elif isinstance(record, Actor) and record.external is not None:
            external = record.external
            self._external(record.id, {"acled": list(external.acled), "ucdp": list(external.ucdp)})
        if isinstance(record, Event):
            _gather(self.rows, self.written_records, self.event_seq, record, self.places, dataset)
            self.event_seq += 1
        else:
            _gather(self.rows, self.written_records, self.seq, record, self.places, dataset)
            self.seq += 1
        if isinstance(record, (Actor, Place)):
            self.keys[record.id] = self.written_records + len(self.rows["record"])
        self.gathered += 1
        if self.gathered >= _BATCH:
            self.flush()

    def add_gathered(self, event: GatheredEvent) -> None:
        """Add an imported event gathered elsewhere (``gather_event``, in a process that
        converts an export's rows while this one writes), as ``add`` would have."""
        row, packed_json, crc, words, actors, places, countries, munitions, links = event
        seq = self.event_seq
        rows = self.rows
        rows["event"].append((*row, seq))
        self.packed.append((seq, packed_json, crc))
        if words:
            rows["search_text"].append((seq, words))
        rows["event_actor"].extend(actors)
        rows["event_place"].extend(places)
        rows["event_country"].extend(countries)
        rows["munition"].extend(munitions)
        rows["link"].extend(links)
        self.event_seq += 1
        self.gathered += 1
        if self.gathered >= _BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the records gathered so far, in the build's one transaction: committing each
        batch wrote the same pages of the indexes out again and again (``finish`` commits)."""
        rows = self.rows
        # Rowids are given, not left to SQLite: the search index and the link tables name them
        # before they are written, and after a partial rebuild's deletions SQLite could reuse one.
        rows["record"] = [
            (number, *row[:7], checksum(str(row[5])))
            for number, row in enumerate(rows["record"], start=self.written_records + 1)
        ]
        if rows["event_json"]:
            pack = self.pack or self._packer([str(text) for _seq, text in rows["event_json"]])
            rows["event_json"] = [
                (seq, pack(str(text)), checksum(str(text))) for seq, text in rows["event_json"]
            ]
        rows["event_json"] += self.packed
        self.packed = []
        # An actor or place not read (0) is a reference the build reports as a problem.
        keys = self.keys
        # Unpacked field by field: ``*rest`` costs three times as much, over millions of links.
        rows["event_actor"] = [
            (event, keys.get(str(actor), 0), role, certainty, hedged)
            for event, actor, role, certainty, hedged in rows["event_actor"]
        ]
        rows["event_place"] = [
            (event, keys.get(str(place), 0), start, end) for event, place, start, end in rows["event_place"]
        ]
        for table, statement in _INSERT.items():
            self.connection.executemany(statement, rows[table])
        self.written_records += len(rows["record"])
        self.rows = {table: [] for table in _INSERT}
        self.gathered = 0

    def finish(self) -> None:
        """Write the last batch, make the event indexes and settle what needed every record."""
        self.flush()
        self.connection.execute(f"PRAGMA cache_size = -{_SORTING_KIB}")
        self.connection.executescript(_EVENT_INDEXES)
        with self.connection:
            if self.preset is None:  # no events: the dictionary is empty
                self._packer([])
            for curated, imported in self.same_as:
                self._merge(curated, imported)
            self.connection.executemany(
                "INSERT INTO external_name VALUES (?, ?)",
                [
                    (self.keys[imported], self.keys[curated])
                    for imported, curated in self.external
                    if imported in self.keys and curated in self.keys
                ],
            )
            self.connection.execute(_EXTERNAL)
            self.connection.execute("DROP TABLE temp.external_name")
            self.connection.execute(
                "INSERT OR REPLACE INTO meta VALUES ('records_written', ?)", (str(self.written_records),)
            )
            for statement in _PLACE_POINTS:
                self.connection.execute(statement)
        self.connection.commit()

    def _packer(self, texts: list[str]) -> Callable[[str], bytes]:
        """Make the dictionary events are packed against, from ``texts`` (the first events
        written), and store it."""
        self.preset = packed.dictionary(texts)
        self.connection.execute("INSERT INTO json_dictionary VALUES (?)", (self.preset,))
        self.pack = packed.packer(self.preset)
        return self.pack

    def _merge(self, curated: str, imported: str) -> None:
        """One event, not two: the curated event takes the row's citations and dataset coding
        and its actors, places and countries; the row is no longer an event of its own
        (``event ROW-ID`` finds the curated one through the ``same_as`` link)."""
        assert self.preset is not None and self.pack is not None
        stored = "SELECT j.seq, j.json FROM event e JOIN event_json_data j ON j.seq = e.seq WHERE e.id = ?"
        ours = self.connection.execute(stored, (curated,)).fetchone()
        theirs = self.connection.execute(stored, (imported,)).fetchone()
        if ours is None or theirs is None:
            return  # an unknown row is reported by the build (cache._import)
        data, row = (json.loads(packed.unpack(blob, self.preset)) for _seq, blob in (ours, theirs))
        data["sources"] = data["sources"] + row["sources"]
        data["dataset"] = row["dataset"]
        text = jsonout.dumps(data)
        execute = self.connection.execute
        execute(
            "UPDATE event_json_data SET json = ?, crc = ? WHERE seq = ?",
            (self.pack(text), checksum(text), ours[0]),
        )
        execute("DELETE FROM event WHERE seq = ?", (theirs[0],))
        execute("DELETE FROM event_json_data WHERE seq = ?", (theirs[0],))
        for table, column in (
            ("event_actor", "actor"),
            ("event_place", "place"),
            ("event_country", "country"),
        ):
            execute(
                f"UPDATE {table} SET event_id = ? WHERE event_id = ? AND {column} NOT IN"
                f" (SELECT {column} FROM {table} WHERE event_id = ?)",
                (curated, imported, curated),
            )
            execute(f"DELETE FROM {table} WHERE event_id = ?", (imported,))
        execute("INSERT INTO link VALUES (?, 'same_as', ?)", (curated, imported))


def event_data(
    event: Event, places: Mapping[str, PlaceTrail], dataset: DatasetRow | None = None
) -> dict[str, object]:
    """An event's JSON: its fields plus what scripts would otherwise derive themselves.

    An imported event shows its dataset's own coding: ACLED's types as the row gives
    them (``acled`` is null for a UCDP row, which has none), and the row in ``dataset``.
    """
    data = _data_of(event)
    same_as = data.pop("same_as")
    data["date_start"] = event.date.start.isoformat()
    data["date_end"] = event.date.end.isoformat()
    data["date_precision"] = event.date.precision.value
    data["countries"] = list(_countries(event, places))
    if dataset is None:
        event_type, sub_event_type = ACLED[event.type]
        data["acled"] = {"event_type": event_type, "sub_event_type": sub_event_type}
        data["dataset"] = None
        data["same_as"] = same_as
        return data
    data["acled"] = (
        {"event_type": dataset.event_type, "sub_event_type": dataset.sub_event_type}
        if dataset.dataset == "acled"
        else None
    )
    data["dataset"] = {
        "name": dataset.dataset,
        "row": dataset.row,
        "event_type": dataset.event_type,
        "sub_event_type": dataset.sub_event_type,
        "sources": list(dataset.sources),
        "time_precision": dataset.time_precision,
        "geo_precision": dataset.geo_precision,
        "killed_low": dataset.killed_low,
        "killed_high": dataset.killed_high,
        "notes": list(dataset.notes),
    }
    data["same_as"] = same_as
    return data


#: An imported event's rows as ``gather_event`` makes them: the ``event`` row without its
#: seq, the packed JSON and its checksum, the search words, and the rows of the link tables.
GatheredEvent = tuple[
    tuple[object, ...],
    bytes,
    int,
    str,
    list[tuple[object, ...]],
    list[tuple[object, ...]],
    list[tuple[object, ...]],
    list[tuple[object, ...]],
    list[tuple[object, ...]],
]


def gather_event(
    event: Event, dataset: DatasetRow, places: Mapping[str, PlaceTrail], pack: Callable[[str], bytes]
) -> GatheredEvent:
    """What ``Builder.add`` gathers of an imported event, made apart from the builder and
    without its seq, which the builder gives it (``Builder.add_gathered``).

    A plain tuple: these cross a pipe between processes by the million, and a plain
    tuple pickles fastest."""
    rows: Rows = {table: [] for table in _EVENT_TABLES}
    data = event_data(event, places, dataset)
    _gather_event(rows, 0, event, data)
    ((_seq, text),) = rows["event_json"]
    assert isinstance(text, str)
    return (
        rows["event"][0][:-1],
        pack(text),
        checksum(text),
        searched_words(data),
        rows["event_actor"],
        rows["event_place"],
        rows["event_country"],
        rows["munition"],
        rows["link"],
    )


_EVENT_TABLES = ("event", "event_json", "event_actor", "event_place", "event_country", "munition", "link")


def stored_json(record: Record) -> str:
    """The JSON an actor, place, source or analyst is stored as (events: ``event_data``)."""
    return jsonout.dumps(_data_of(record))


def _data_of(record: Record | Quote) -> dict[str, object]:
    data = to_data(record)
    assert isinstance(data, dict)
    return data


def _countries(event: Event, places: Mapping[str, PlaceTrail]) -> Iterator[str]:
    seen: set[str] = set()
    for place_id in event.places:
        place: PlaceTrail | None = places.get(place_id)
        while place is not None:
            for country in place.countries:
                if country not in seen:
                    seen.add(country)
                    yield country
            if place.countries or place.located_in is None:
                break
            place = places.get(place.located_in)


def _gather(
    rows: Rows,
    written: int,
    seq: int,
    record: Record,
    places: Mapping[str, PlaceTrail],
    dataset: DatasetRow | None,
) -> None:
    if isinstance(record, Event):
        data = event_data(record, places, dataset)
        _gather_event(rows, seq, record, data)
        _gather_texts(rows, seq, data)
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
    _gather_texts(rows, record_search_rowid(written + len(rows["record"])), data)
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
            _gather_quote(rows, written, seq, record, quote)
    elif isinstance(record, Source) and record.part_of:
        _links(rows, record.id, "part_of", (record.part_of,))


def _gather_quote(rows: Rows, written: int, seq: int, analyst: Analyst, quote: Quote) -> None:
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
    _gather_texts(rows, record_search_rowid(written + len(rows["record"])), data)
    _links(rows, quote.id, "quote_of", (analyst.id,))
    _links(rows, quote.id, "about", quote.about)


#: Roles and certainties as ``event_actor`` writes them (``vocabulary.ROLES``).
_ROLE_CODES = {Role(value): code for code, value in enumerate(ROLES)}
_CERTAINTY_CODES = {Certainty(value): code for code, value in enumerate(CERTAINTIES)}


def _gather_event(rows: Rows, seq: int, event: Event, data: dict[str, object]) -> None:
    """Events are found by filters and search, not by name, so they get no name rows; and
    they are most of a large folder's records, so they are kept in the event tables only,
    not among the other records (``record_data``)."""
    casualties = event.casualties
    start, end = event.date.start.isoformat(), event.date.end.isoformat()
    rows["event"].append(
        (
            event.id,
            start,
            end,
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
            _ROLE_CODES[link.role],
            _CERTAINTY_CODES[link.certainty],
            int(link.certainty is not Certainty.CONFIRMED or event.certainty is not Certainty.CONFIRMED),
        )
        for link in event.actors
    )
    rows["event_place"].extend((event.id, place, start, end) for place in event.places)
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
            start,
            end,
        )
        for item in event.munitions
    )
    _links(rows, event.id, "responds_to", event.responds_to)


def _links(rows: Rows, subject: str, predicate: str, objects: Iterable[str]) -> None:
    rows["link"].extend((subject, predicate, item) for item in objects)


def _gather_texts(rows: Rows, rowid: int, data: object) -> None:
    """Index the words of a record for ``query.search``: its texts (ids and dates left
    out, see ``searchable.NOT_TEXT``) normalized as names are, each once.

    The index keeps which records hold each word, not where (SQLite's FTS5 with
    ``detail=none``): a search for a word start reads only the records that have it,
    however many there are, and the index is a fraction of the texts' size. An event is
    indexed by its seq, any other record by its rowid in ``record_data`` negated
    (``record_search_rowid``): the index writes the rowids' differences, small among the
    many events, and a negative number at full length.
    """
    words = searched_words(data)
    if words:
        rows["search_text"].append((rowid, words))


def record_search_rowid(rowid: int) -> int:
    """The search index's rowid of the record of ``rowid``: negative, apart from the events'."""
    return -rowid


def searched_words(data: object) -> str:
    """The words a record's JSON data is found by, as the search index holds them (taking
    a record out of the index needs them again, exactly)."""
    keys = dict.fromkeys(map(names.normalize, searched_texts(data)))
    keys.pop("", None)
    return " ".join(keys)


def save_account(connection: sqlite3.Connection, account: Account) -> None:
    """Keep what became of an export's rows (``datasets.Account``), replacing the last
    build's account of the same file."""
    text = account.dumps()
    connection.execute(
        "INSERT OR REPLACE INTO export_account VALUES (?, ?, ?)", (str(account.path), text, checksum(text))
    )


def accounts(connection: sqlite3.Connection) -> list[Account]:
    """The accounts of the exports compiled, by file; one failing its checksum is damage."""
    from iranclash.ingest.datasets import Account

    read: list[Account] = []
    for _file, text, crc in connection.execute("SELECT file, json, crc FROM export_account ORDER BY file"):
        if checksum(text) != crc:
            damage = "an export's account does not match its checksum"
            if isinstance(connection, Store):
                connection.damage = damage
            raise sqlite3.DatabaseError(damage)
        read.append(Account.loads(text))
    return read
