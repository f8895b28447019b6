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

from . import folder, store, validate
from .cache import (
    Fingerprint,
    Progress,
    _Checked,
    _FileRead,
    _sha256,
    read_yaml,
    reading_order,
    worth_a_child,
)
from .collector import paused
from .errors import DataError, Problem
from .exports import read_export
from .model import Actor, Event, Place, Source

if TYPE_CHECKING:
    from .cache import _Read


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
        _take_out_events(connection, leaving)
        if every_yaml:
            _take_out_yaml_records(connection, first_export)
        builder = store.Builder(connection, resume=True)
        try:
            if reading is not None:
                read.extend(_read_yaml(builder, reading, numbers))
            for done, (kind, path) in enumerate(changed, start=1):
                if kind in folder.DATASETS:
                    builder.begin_file(numbers[path])
                    read.append(_read_export(connection, builder, path, numbers[path], first_export))
                if progress:
                    progress(done, len(changed))
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


def _take_out_events(connection: sqlite3.Connection, numbers: list[int]) -> None:
    """Take every event of the files numbered ``numbers`` out of the store (their ids into
    ``temp.gone``); the link tables, keyed by what they link, are read through once for all."""
    for number in numbers:
        rows = connection.execute(
            "SELECT e.seq, e.id, j.json FROM event e JOIN event_json j ON j.seq = e.seq"
            " WHERE e.seq BETWEEN ? AND ?",
            _span(number),
        )
        while batch := rows.fetchmany(1000):
            _unindex(connection, ((seq, text) for seq, _id, text in batch))
            connection.executemany(
                "INSERT INTO temp.gone VALUES (?)", [(event_id,) for _seq, event_id, _ in batch]
            )
    for table in ("event_actor", "event_place", "event_country", "munition"):
        connection.execute(f"DELETE FROM {table} WHERE event_id IN (SELECT id FROM temp.gone)")
    connection.execute("DELETE FROM link WHERE subject IN (SELECT id FROM temp.gone)")
    for number in numbers:
        connection.execute("DELETE FROM event WHERE seq BETWEEN ? AND ?", _span(number))
        connection.execute("DELETE FROM event_json_data WHERE seq BETWEEN ? AND ?", _span(number))


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
    of the files numbered ``leaving``, which are read again.

    Looked up as asked (once they are taken out); or, ``apart``, read whole now, for a
    child process to check the YAML against (``cache.read_yaml``): a connection is not to
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

    def known(record_id: str) -> str | None:
        if os.getpid() != forked_from:
            raise RuntimeError("the cache's connection was used in a child process")
        found = connection.execute(
            "SELECT kind FROM record_data WHERE id = ?1 AND seq < ?2 UNION ALL"
            " SELECT 'event' FROM event WHERE id = ?1 AND seq < ?2",
            (record_id, below),
        ).fetchone()
        return None if found is None else str(found[0])

    return known


def _read_yaml(
    builder: store.Builder, reading: Iterator[_Read], numbers: dict[Path, int]
) -> list[tuple[Path, Fingerprint, str]]:
    """Read YAML files (what ``cache.read_yaml`` reads of them) into the store; for each,
    its fingerprint and hash."""
    read: list[tuple[Path, Fingerprint, str]] = []
    current: Path | None = None
    for item in reading:
        if isinstance(item, _FileRead):
            read.append((item.path, item.fingerprint, item.sha256))
        elif isinstance(item, DataError):
            raise Unsafe("a YAML file has problems")
        elif isinstance(item, _Checked):
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
    connection: sqlite3.Connection, builder: store.Builder, path: Path, number: int, first_export: int
) -> tuple[Path, Fingerprint, str]:
    """Read an export again into the store: its events anew, and the records its rows name first."""
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

    problems: list[Problem] = []
    read_export(path, builder, seen, {}, problems, named)
    if problems:
        raise Unsafe(f"{path} has problems")
    builder.flush()
    connection.executemany(
        "UPDATE record_data SET seq = ? WHERE rowid = ?", [(seq, rowid) for rowid, seq in kept.items()]
    )
    unnamed = [(record_id, rowid, text) for record_id, (rowid, text) in made.items() if rowid not in kept]
    _take_out_unnamed(connection, unnamed)
    return path, fingerprint, _sha256(path)


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
