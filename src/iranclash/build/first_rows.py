"""Where each export row id was first read, kept on disk so that a build's memory stays flat.

A row id given twice is reported with the place of its first row, and a curated event's
``same_as`` must name a row read: both need, for every row id read, the file and line
it was first read at. Held in a dictionary (id -> file and line), that was about 200
bytes a row (tracemalloc: 53 MiB at 100,000 rows, 86 MiB at 300,000, of which the
dictionary's ids, places and line numbers were 42 MiB), the one part of a build that
grew with its rows. Here it is a table of a private temporary SQLite database, which
SQLite keeps in a bounded cache and spills to a file of its own, removed when it is
closed.

A row costs 1.6 us where the dictionary took 0.9 (3,000,000 ids in order; 3.9 against
1.2 in no order). Ids held a batch at a time in a dictionary, written out sorted in one
statement, behind a Bloom filter of the ids written (so that only an id given twice
would be looked up on disk), cost more: 2.1 us in order, 4.6 in no order, as Python's
bit arithmetic costs more than SQLite's insert.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

#: The temporary database's page cache, in KiB: the most these ids hold in memory (ids in no
#: order cost more with a smaller cache: 3,000,000 shuffled ids take 12 s with 2 MiB, 8 s with 64).
_CACHE_KIB = 8 * 1024


class FirstRows:
    """The first place (file, line) each row id was read at, across the exports of a build.

    ``first_place`` records a row and answers where the first row with its id was read
    (its own place, when it is the first); ``place_of`` only looks one up.
    """

    def __init__(self) -> None:
        # An empty name: a private database on disk, removed when the connection closes.
        self.connection = sqlite3.connect("", isolation_level=None)
        execute = self.connection.execute
        execute("PRAGMA journal_mode = OFF")
        execute("PRAGMA synchronous = OFF")
        execute(f"PRAGMA cache_size = -{_CACHE_KIB}")
        execute(
            "CREATE TABLE first_row(id TEXT PRIMARY KEY, file INTEGER NOT NULL, line INTEGER NOT NULL)"
            " WITHOUT ROWID"
        )
        # One transaction, never committed: one per row would make each row cost ten times as much.
        execute("BEGIN")
        #: The files read, each stored as its place in this list.
        self.files: list[Path] = []
        self.numbers: dict[Path, int] = {}

    def __enter__(self) -> FirstRows:
        return self

    def __exit__(self, *_exception: object) -> None:
        self.close()

    def close(self) -> None:
        self.connection.close()

    def first_place(self, event_id: str, path: Path, line: int) -> tuple[Path, int]:
        """The place of the first row with ``event_id``: ``(path, line)`` when this is it."""
        number = self.numbers.get(path)
        if number is None:
            number = self.numbers[path] = len(self.files)
            self.files.append(path)
        inserted = self.connection.execute(
            "INSERT OR IGNORE INTO first_row VALUES (?, ?, ?)", (event_id, number, line)
        ).rowcount
        if inserted:
            return path, line
        found = self.place_of(event_id)
        assert found is not None
        return found

    def place_of(self, event_id: str) -> tuple[Path, int] | None:
        """Where the first row with ``event_id`` was read, None where no row has it."""
        found = self.connection.execute(
            "SELECT file, line FROM first_row WHERE id = ?", (event_id,)
        ).fetchone()
        return None if found is None else (self.files[found[0]], found[1])
