"""Rebuild a cache by replacing only the share of the files that changed, in a copy of it.

A full build reads every file again: minutes at a million rows, to take in one corrected
event or a re-downloaded export. Most of what a build writes depends on one file: an
event's rows on the event, the places it lies in and the records it names. So a build
may start from a copy of the last cache, take out what the changed files put in and put
in what they hold now, where nothing else depended on what was taken out. Where that
cannot be shown cheaply, it raises ``Unsafe`` and the caller builds in full: this is only
a shortcut, and it must give the same answers as a full build (the tests compare them).

- Each record's ``seq`` starts with its file's number (``store.FILE_SHIFT``), so a file's
  records are found by range, and its new ones take the same place in the reading order.
- An event read again that is stored at its seq (its place among its file's events) with
  the same JSON is kept as it is: its rows, links and search words are written already.
  One that differs takes the place of the one stored there (``_Replacing``). A re-downloaded
  export with a few rows revised rewrites those rows, not all of them.
- A YAML events file holds only events. They are checked against the ids of all the
  others, which the cache holds; an event taken out must not be named by another record.
- An export holds its rows' events, and the actors, places and source its rows were the
  first to name, which later files' rows share. Each of those stays where the new file
  names it alike; one it changes, or no longer names while another file's rows do, needs a
  full build (which would make it from that file's rows).
- The other YAML files (sources, actors, places, analysts) are named from every YAML file,
  and from no export's rows: an edit to one has every YAML file read again, checked together
  as a full build checks them, and the exports kept. Any ``same_as``, which merges events of
  two files, means a full build.
- An edited events file alone is checked against the YAML files' records the cache holds,
  never an export's: a full build checks the YAML files before it reads any export.
- Drawn from all the files: the links of curated actors to dataset rows (``external``),
  taken out and made again (``store.Builder``), and the summary, computed again.
- Any problem in a file read means a full build, which reports every problem.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from iranclash.build import packed, store
from iranclash.build.compile import (
    Checked,
    FileRead,
    Steps,
    read_yaml,
    reading_order,
    worth_a_child,
)
from iranclash.build.export_rows import read_export
from iranclash.build.fingerprint import Fingerprint, sha256_of
from iranclash.build.first_rows import FirstRows
from iranclash.build.integrity import checksum
from iranclash.build.progress import Progress
from iranclash.core import jsonout, names
from iranclash.core.collector import paused
from iranclash.core.errors import DataError
from iranclash.core.model import Actor, Event, Place, Record, Source
from iranclash.ingest import folder, validate
from iranclash.ingest.datasets import Account
from iranclash.ingest.datasets.tally import Tell

if TYPE_CHECKING:
    from iranclash.build.compile import Read
    from iranclash.ingest.datasets import DatasetRow


class Unsafe(Exception):
    """Why only a full build gives the right answer."""


def update(
    connection: sqlite3.Connection,
    files: list[tuple[str, Path]],
    changed: list[tuple[str, Path]],
    progress: Progress | None = None,
) -> list[tuple[Path, Fingerprint, str]]:
    """Replace the share of each ``changed`` (kind, path) in ``connection``, a copy of the
    cache of ``files``; for each file read, its fingerprint and hash (for freshness)."""
    curated, exports, numbers = reading_order(files)
    if connection.execute("SELECT 1 FROM link WHERE predicate = 'same_as' LIMIT 1").fetchone():
        raise Unsafe("curated events are the same as dataset rows (same_as)")
    first_export = numbers[exports[0]] if exports else len(numbers)
    every_yaml = any(kind != "events" and kind not in folder.DATASETS for kind, _path in changed)
    if every_yaml:  # sources, actors, places and analysts are named from every YAML file
        changed = [*curated, *[entry for entry in changed if entry[0] in folder.DATASETS]]
    changed = sorted(set(changed), key=lambda entry: numbers[entry[1]])
    yaml = [entry for entry in changed if entry[0] not in folder.DATASETS]
    read: list[tuple[Path, Fingerprint, str]] = []
    leaving = [numbers[path] for _kind, path in changed]
    steps = Steps(progress, [path for _kind, path in changed])
    with paused():
        reading = None
        if yaml:
            # All of them checked together, as a full build does; one file of events alone is
            # checked against the YAML files' records kept in the cache, but its own events.
            # A child process reads large files while this one takes out what they put in.
            known = None
            if not every_yaml:
                known = _known_in_yaml(connection, first_export, leaving, apart=worth_a_child(yaml))
            reading = read_yaml(yaml, validate.Index(known))
        connection.execute("CREATE TEMP TABLE gone(id TEXT PRIMARY KEY) WITHOUT ROWID")
        _take_out_external_links(connection, first_export)
        compared = leaving
        if every_yaml:
            # The YAML files' records get new rowids, which their events' link rows hold:
            # their events are all put in again; the exports' are compared.
            compared = [number for number in leaving if number >= first_export]
            _take_out_events(connection, [_span(number) for number in leaving if number < first_export])
            _take_out_yaml_records(connection, first_export)
        builder = _Replacing(connection, compared)
        try:
            if reading is not None:
                read.extend(_read_yaml(builder, reading, numbers))
            for kind, path in changed:
                account = Account(path)
                if kind in folder.DATASETS:
                    builder.begin_file(numbers[path])
                    told = steps.reading(path)
                    read.append(
                        _read_export(connection, builder, path, numbers[path], first_export, account, told)
                    )
                steps.file_read(path, account.rows)
            builder.finish()
        except sqlite3.IntegrityError as error:  # an id another file has
            raise Unsafe(str(error)) from None
        named = connection.execute(
            "SELECT subject, object FROM link WHERE object IN (SELECT id FROM temp.gone)"
            " AND object NOT IN (SELECT id FROM record_data) AND object NOT IN (SELECT id FROM event) LIMIT 1"
        ).fetchone()
        if named is not None:
            raise Unsafe(f"{named[0]} names {named[1]}, which is no longer read")
        connection.execute("DROP TABLE temp.gone")
    return read


#: Events in a row that differ from those stored at their seqs, after which a file's rows
#: are taken to have moved (rows put in or taken out before them), every one of the rest
#: then differing. With 10 rows put first in the recent 100,000-row export of 1,000,000
#: rows, the rebuild took 21.8 s with them taken out one by one, 12.7 s with the rest
#: taken out at once (which reads through the link tables once).
MOVED_AFTER = 256


class _Replacing(store.Builder):
    """A builder that puts in, of the events of the files numbered ``compared``, only those
    that changed, in the place of the ones stored before.

    An event is compared with the one stored at its seq: its place among its file's events
    (``store.FILE_SHIFT``). The same JSON, and the stored one is kept, with its rows, links
    and search words; else that one is taken out, and so is the stored event of the same id
    further on in the file (a row moved up), before the new one is put in, so that what it
    writes meets nothing of the old. What is left of a file's stored events after its last
    is taken out once the file is read (``end_file``); so is all the rest at once where its
    rows have moved (``MOVED_AFTER``).
    """

    def __init__(self, connection: sqlite3.Connection, compared: Iterable[int]) -> None:
        super().__init__(connection, resume=True)
        #: The files compared that are not read yet.
        self.unread = set(compared)
        #: The file compared being read.
        self.number: int | None = None
        #: The events in a row, up to the last, that differ from those stored at their seqs.
        self.differing = 0

    def begin_file(self, number: int) -> None:
        self.end_file()
        super().begin_file(number)
        if number in self.unread:
            self.unread.remove(number)
            self.number = number
            self.differing = 0

    def end_file(self) -> None:
        """Take out the stored events of the file compared being read that its last event did
        not reach (before the records it no longer names are, which those may name)."""
        if self.number is not None:
            self._take_out_from(self.event_seq, self.number)
            self.number = None

    def _take_out_from(self, seq: int, number: int) -> None:
        for (found,) in self.connection.execute(
            "SELECT seq FROM event WHERE seq BETWEEN ? AND ?", (seq, _span(number)[1])
        ).fetchall():
            _take_out_event(self.connection, self.keys, found)

    def add(self, record: Record, dataset: DatasetRow | None = None) -> None:
        if self.number is None or not isinstance(record, Event):
            super().add(record, dataset)
            return
        stored = self._stored()
        if stored is not None:
            text = jsonout.dumps(store.event_data(record, self.places, dataset))
            if stored[1] == checksum(text) and self._unpack(stored[0]) == _utf8(text):
                self._keep()
                return
        self._make_room(record.id, stored is not None)
        super().add(record, dataset)

    def add_gathered(self, event: store.GatheredEvent) -> None:
        if self.number is None:
            super().add_gathered(event)
            return
        stored = self._stored()
        # Packed against the stored event's dictionary, the same JSON packs to the same bytes
        # (where a newer zstd packs it otherwise, it is only written again).
        if stored is not None and stored[1] == event[2] and stored[0] == event[1]:
            self._keep()
            return
        self._make_room(str(event[0][0]), stored is not None)
        super().add_gathered(event)

    def finish(self) -> None:
        self.end_file()
        for number in self.unread:  # no event of theirs was read
            self._take_out_from(_span(number)[0], number)
        super().finish()

    def _stored(self) -> tuple[bytes, int] | None:
        """The stored event at the next event's seq: its packed JSON and checksum."""
        found = self.connection.execute(
            "SELECT json, crc FROM event_json_data WHERE seq = ?", (self.event_seq,)
        ).fetchone()
        return None if found is None else (bytes(found[0]), int(found[1]))

    def _unpack(self, data: bytes) -> bytes:
        """A stored event's JSON text, as UTF-8."""
        assert self.preset is not None  # a cache with events has its dictionary
        return packed.unpack(data, self.preset)

    def _keep(self) -> None:
        self.event_seq += 1
        self.differing = 0

    def _make_room(self, event_id: str, occupied: bool) -> None:
        """Take out the stored event at the next event's seq, if ``occupied``, and the one
        of ``event_id`` further on in the file (one elsewhere is an id two files define,
        which the store refuses when the new one is written). After ``MOVED_AFTER``
        events in a row that differ, the file's rows have moved: the rest of its stored
        events are taken out at once, and the rest of its events are no longer compared."""
        assert self.number is not None
        self.differing += 1
        if self.differing >= MOVED_AFTER:
            _take_out_events(self.connection, [(self.event_seq, _span(self.number)[1])])
            self.number = None
            return
        if occupied:
            _take_out_event(self.connection, self.keys, self.event_seq)
        found = self.connection.execute("SELECT seq FROM event WHERE id = ?", (event_id,)).fetchone()
        if found is not None and self.event_seq < found[0] <= _span(self.number)[1]:
            _take_out_event(self.connection, self.keys, found[0])


def _take_out_event(connection: sqlite3.Connection, keys: dict[str, int], seq: int) -> None:
    """Take the event of ``seq`` out of the store (its id into ``temp.gone``): its rows in the
    link tables are found by their keys, from its stored JSON, as ``store`` wrote them."""
    event_id, text = connection.execute(
        "SELECT e.id, j.json FROM event e JOIN event_json j ON j.seq = e.seq WHERE e.seq = ?", (seq,)
    ).fetchone()
    data = json.loads(text)
    _unindex(connection, [(seq, text)])
    execute = connection.execute
    for link in data["actors"]:
        execute(
            "DELETE FROM event_actor WHERE actor = ? AND event_id = ?", (keys.get(link["actor"], 0), event_id)
        )
    for place in data["places"]:
        # The whole key (place, first day, event): the place alone would read all its events.
        execute(
            "DELETE FROM event_place WHERE place = ? AND date_start = ? AND event_id = ?",
            (keys.get(place, 0), data["date_start"], event_id),
        )
    for country in data["countries"]:
        key = names.normalize(country)
        execute("DELETE FROM event_country WHERE country = ? AND event_id = ?", (key, event_id))
    for item in data["munitions"]:
        execute(
            "DELETE FROM munition WHERE weapon = ? AND aggregate = ? AND date_start = ? AND date_end = ?"
            " AND event_id = ?",
            (item["weapon"], int(data["aggregate"]), data["date_start"], data["date_end"], event_id),
        )
    execute("DELETE FROM link WHERE subject = ?", (event_id,))
    execute("DELETE FROM event WHERE seq = ?", (seq,))
    execute("DELETE FROM event_json_data WHERE seq = ?", (seq,))
    execute("INSERT OR IGNORE INTO temp.gone VALUES (?)", (event_id,))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _span(number: int) -> tuple[int, int]:
    """The seqs of the records of the ``number``th file."""
    return number << store.FILE_SHIFT, ((number + 1) << store.FILE_SHIFT) - 1


def _take_out_external_links(connection: sqlite3.Connection, first_export: int) -> None:
    """Take out the links curated actors were given to dataset rows (``external``): the build
    makes them again from all the actors it then holds (``Builder.finish``). Only those link
    a YAML file's actor to an export's event."""
    below = first_export << store.FILE_SHIFT
    connection.execute(
        "DELETE FROM event_actor WHERE actor IN (SELECT rowid FROM record_data WHERE kind = 'actor'"
        " AND seq < ?1) AND (SELECT seq FROM event WHERE id = event_actor.event_id) >= ?1",
        (below,),
    )


def _take_out_events(connection: sqlite3.Connection, spans: list[tuple[int, int]]) -> None:
    """Take every event with its seq in one of ``spans`` (low, high) out of the store (their
    ids into ``temp.gone``); the link tables, keyed by what they link, are read through once
    for all."""
    connection.execute("CREATE TEMP TABLE taken(id TEXT PRIMARY KEY) WITHOUT ROWID")
    for span in spans:
        rows = connection.execute(
            "SELECT e.seq, e.id, j.json FROM event e JOIN event_json j ON j.seq = e.seq"
            " WHERE e.seq BETWEEN ? AND ?",
            span,
        )
        while batch := rows.fetchmany(1000):
            _unindex(connection, ((seq, text) for seq, _id, text in batch))
            connection.executemany(
                "INSERT INTO temp.taken VALUES (?)", [(event_id,) for _seq, event_id, _ in batch]
            )
    for table in ("event_actor", "event_place", "event_country", "munition"):
        connection.execute(f"DELETE FROM {table} WHERE event_id IN (SELECT id FROM temp.taken)")
    connection.execute("DELETE FROM link WHERE subject IN (SELECT id FROM temp.taken)")
    for span in spans:
        connection.execute("DELETE FROM event WHERE seq BETWEEN ? AND ?", span)
        connection.execute("DELETE FROM event_json_data WHERE seq BETWEEN ? AND ?", span)
    connection.execute("INSERT OR IGNORE INTO temp.gone SELECT id FROM temp.taken")
    connection.execute("DROP TABLE temp.taken")


def _unindex(connection: sqlite3.Connection, records: Iterable[tuple[int, str]]) -> None:
    """Take records (their rowid in the index, their stored JSON) out of the search index,
    which needs the very words it was given (``store.searched_words``)."""
    connection.executemany(
        "INSERT INTO search_text(search_text, rowid, words) VALUES ('delete', ?, ?)",
        [
            (rowid, words)
            for rowid, words in ((rowid, store.searched_words(json.loads(text))) for rowid, text in records)
            if words
        ],
    )


def _known_in_yaml(
    connection: sqlite3.Connection, first_export: int, leaving: list[int], *, apart: bool
) -> Callable[[str], str | None]:
    """The kind of a record the cache holds from a YAML file (a full build checks the YAML
    files before it reads any export, so an export's records do not count), but the events
    of the files numbered ``leaving``, which are read again (and stay in the store while
    they are, ``_Replacing``).

    Looked up as asked (once they are taken out); or, ``apart``, read whole now, for a
    child process to check the YAML against (``compile.read_yaml``): a connection is not to
    be used across a fork.
    """
    below = first_export << store.FILE_SHIFT
    if apart:
        kinds = dict(
            connection.execute(
                # The record's kind wins where an id is both, as in the lookup below.
                "SELECT id, 'event' FROM event WHERE seq < ?1"
                " UNION ALL SELECT id, kind FROM record_data WHERE seq < ?1",
                (below,),
            )
        )
        for number in leaving:
            for (event_id,) in connection.execute(
                "SELECT id FROM event WHERE seq BETWEEN ? AND ?", _span(number)
            ):
                kinds.pop(event_id, None)
        return kinds.get

    forked_from = os.getpid()
    read_again = ", ".join(str(number) for number in leaving)

    def known(record_id: str) -> str | None:
        if os.getpid() != forked_from:
            raise RuntimeError("the cache's connection was used in a child process")
        found = connection.execute(
            "SELECT kind FROM record_data WHERE id = ?1 AND seq < ?2 UNION ALL"
            f" SELECT 'event' FROM event WHERE id = ?1 AND seq < ?2 AND (seq >> ?3) NOT IN ({read_again})",
            (record_id, below, store.FILE_SHIFT),
        ).fetchone()
        return None if found is None else str(found[0])

    return known


def _read_yaml(
    builder: _Replacing, reading: Iterator[Read], numbers: dict[Path, int]
) -> list[tuple[Path, Fingerprint, str]]:
    """Read YAML files (what ``compile.read_yaml`` reads of them) into the store; for each,
    its fingerprint and hash."""
    read: list[tuple[Path, Fingerprint, str]] = []
    current: Path | None = None
    for item in reading:
        if isinstance(item, FileRead):
            read.append((item.path, item.fingerprint, item.sha256))
        elif isinstance(item, DataError):
            raise Unsafe("a YAML file has problems")
        elif isinstance(item, Checked):
            if item.problems:
                raise Unsafe("the YAML files have problems")
        else:
            record, path, _line, fresh = item
            if not fresh or (isinstance(record, Event) and record.same_as):
                raise Unsafe(f"{record.id} is defined twice or the same as a dataset row")
            if path != current:
                current = path
                builder.begin_file(numbers[path])
            builder.add(record)
    return read


def _take_out_yaml_records(connection: sqlite3.Connection, first_export: int) -> None:
    """Take every record but the events (taken out already) of the YAML files out of the store."""
    below = first_export << store.FILE_SHIFT
    records = connection.execute("SELECT id, rowid, json FROM record WHERE seq < ?", (below,)).fetchall()
    connection.executemany(
        "INSERT OR IGNORE INTO temp.gone VALUES (?)", [(record_id,) for record_id, *_ in records]
    )
    _unindex(connection, ((store.record_search_rowid(rowid), text) for _id, rowid, text in records))
    connection.execute("DELETE FROM name WHERE id IN (SELECT id FROM temp.gone)")
    connection.execute("DELETE FROM link WHERE subject IN (SELECT id FROM temp.gone)")
    connection.execute("DELETE FROM record_data WHERE seq < ?", (below,))


def _read_export(
    connection: sqlite3.Connection,
    builder: _Replacing,
    path: Path,
    number: int,
    first_export: int,
    account: Account,
    reading: Callable[[int, int], None] | None,
) -> tuple[Path, Fingerprint, str]:
    """Read an export again into the store: its events where they changed, and the records
    its rows name first; its rows are accounted for in ``account``, and ``reading`` told how
    far it is read (``export_rows.read_export``)."""
    low, high = _span(number)
    execute = connection.execute
    #: The records this file's rows named first, as the last build read them.
    made: dict[str, tuple[int, str]] = {
        record_id: (rowid, text)
        for record_id, rowid, text in execute(
            "SELECT id, rowid, json FROM record WHERE seq BETWEEN ? AND ?", (low, high)
        )
    }
    seen = {
        record_id
        for (record_id,) in execute(
            "SELECT id FROM record_data WHERE seq >= ? AND seq < ?",
            (first_export << store.FILE_SHIFT, low),
        )
    }
    kept: dict[int, int] = {}
    fingerprint = Fingerprint.of(path.stat())

    def named(record: Source | Actor | Place) -> None:
        found = execute("SELECT rowid, json FROM record WHERE id = ?", (record.id,)).fetchone()
        if found is None:
            builder.add(record)
        elif found[1] == store.stored_json(record):
            kept[found[0]] = builder.skip()
        else:
            raise Unsafe(f"{record.id} reads differently now")

    with FirstRows() as firsts:
        read_export(path, builder, seen, firsts, Tell(account), named, reading=reading)
    builder.end_file()
    builder.flush()
    store.save_account(connection, account)
    connection.executemany(
        "UPDATE record_data SET seq = ? WHERE rowid = ?", [(seq, rowid) for rowid, seq in kept.items()]
    )
    unnamed = [(record_id, rowid, text) for record_id, (rowid, text) in made.items() if rowid not in kept]
    _take_out_unnamed(connection, unnamed)
    return path, fingerprint, sha256_of(path)


def _take_out_unnamed(connection: sqlite3.Connection, records: list[tuple[str, int, str]]) -> None:
    """Take out the records (id, rowid, JSON) a file's rows no longer name, unless others do."""
    if not records:
        return
    execute = connection.execute
    execute("CREATE TEMP TABLE unnamed(id TEXT PRIMARY KEY, rowid_of INTEGER NOT NULL)")
    connection.executemany(
        "INSERT INTO temp.unnamed VALUES (?, ?)", [(record_id, rowid) for record_id, rowid, _ in records]
    )
    execute("DELETE FROM link WHERE subject IN (SELECT id FROM temp.unnamed)")
    for sql in (
        "SELECT 1 FROM event_actor WHERE actor IN (SELECT rowid_of FROM temp.unnamed) LIMIT 1",
        "SELECT 1 FROM event_place WHERE place IN (SELECT rowid_of FROM temp.unnamed) LIMIT 1",
        "SELECT 1 FROM link WHERE object IN (SELECT id FROM temp.unnamed) LIMIT 1",
    ):
        if execute(sql).fetchone() is not None:
            raise Unsafe("a record the file no longer names is named by another file's rows")
    _unindex(connection, ((store.record_search_rowid(rowid), text) for _id, rowid, text in records))
    execute("DELETE FROM name WHERE id IN (SELECT id FROM temp.unnamed)")
    execute("DELETE FROM record_data WHERE rowid IN (SELECT rowid_of FROM temp.unnamed)")
    execute("DROP TABLE temp.unnamed")
