"""The damage check: a checksum on every stored JSON text, verified as queries read it.

``store`` writes each record's JSON with its checksum into ``record_data``, and
each event's packed (``packed``) into ``event_json_data`` with the checksum of its
text. Every connection (``connect``, or ``attach`` on one made
elsewhere) gets temporary views named ``record`` and ``event_json`` over them, whose
``json`` column is checked on the way out; the queries read only the views, so they
cannot skip the check. A mismatch marks the connection as damaged (:func:`damage`)
instead of printing a wrong record.

Kept apart from ``store``, which imports the model, so that a warm query does not.
"""

from __future__ import annotations

import sqlite3
import zlib
from typing import NoReturn

from iranclash.build import packed

#: What queries read: the stored tables with each JSON text checked against its checksum
#: (computed on the stored bytes: no text is decoded twice; ``damaged`` runs on a mismatch only).
_CHECKED_JSON = "CASE WHEN checksum(CAST(json AS BLOB)) = crc THEN json ELSE damaged() END AS json"
_VIEWS = f"""
CREATE TEMP VIEW IF NOT EXISTS record AS SELECT rowid AS rowid, id, kind, subkind, name, seq,
    {_CHECKED_JSON}, names_norm FROM main.record_data;
CREATE TEMP VIEW IF NOT EXISTS precomputed AS SELECT name, {_CHECKED_JSON} FROM main.precomputed_data;
CREATE TEMP VIEW IF NOT EXISTS event_json AS
    SELECT seq, unpacked(json, crc) AS json FROM main.event_json_data;
"""


class Store(sqlite3.Connection):
    """A connection to a compiled data folder; ``damage`` says what a read found wrong, and
    ``compiled`` whether the data files were compiled to open it (not found fresh)."""

    damage: str | None = None
    compiled: bool = False


def connect(database: str, *, uri: bool = False, timeout: float = 5.0) -> Store:
    """A connection whose queries read checked JSON (see :func:`attach`)."""
    connection = sqlite3.connect(database, uri=uri, timeout=timeout, factory=Store)
    try:
        attach(connection)
    except BaseException:
        connection.close()
        raise
    return connection


def attach(connection: sqlite3.Connection) -> None:
    """Register the checksum and the views that apply it; done on every connection, since
    functions and temporary views live in the connection, not in the file."""

    def damaged() -> NoReturn:
        found = "a stored record does not match its checksum"
        if isinstance(connection, Store):
            connection.damage = found
        raise ValueError(found)

    presets: list[bytes] = []

    def unpacked(data: bytes, crc: int) -> str:
        """An event's JSON text, if it unpacks whole and matches its checksum."""
        try:
            if not presets:
                presets.append(connection.execute("SELECT bytes FROM main.json_dictionary").fetchone()[0])
            text = packed.unpack(data, presets[0])
        except (packed.NotWhole, sqlite3.Error, TypeError):
            damaged()
        if zlib.adler32(text) != crc:
            damaged()
        return text.decode("utf-8", "surrogatepass")

    connection.create_function("checksum", 1, zlib.adler32, deterministic=True)
    connection.create_function("damaged", 0, damaged)
    connection.create_function("unpacked", 2, unpacked, deterministic=True)
    connection.executescript(_VIEWS)


def checksum(text: str) -> int:
    """Adler-32 of a stored JSON text's UTF-8 bytes: it catches any changed byte and most
    larger damage, not forgery (see README, Security). zlib's CRC-32 is five times slower
    here, and every record a query prints is checked."""
    return zlib.adler32(text.encode("utf-8", "surrogatepass"))


#: SQLITE_CORRUPT and SQLITE_NOTADB, and the messages of damage (a table or column of the
#: schema missing means the file was changed behind our back: the cache has no other schema).
_CORRUPT = (11, 26)
_DAMAGE_MESSAGES = (
    "database disk image is malformed",
    "file is not a database",
    "no such table",
    "no such column",
    "Could not decode to UTF-8",
    "vtable constructor failed",
    "malformed database schema",
)


def damage(connection: sqlite3.Connection | None, error: Exception) -> str | None:
    """What is wrong with the stored data if ``error`` shows damage, else None.

    Damage is a record failing its checksum, or SQLite finding the file corrupt or
    missing parts of the schema. A busy or locked database, or a query SQLite cannot
    run ("Expression tree is too large"), is not damage.
    """
    found = getattr(connection, "damage", None)
    if found:
        return str(found)
    if isinstance(error, UnicodeDecodeError):  # text SQLite stored as UTF-8 no longer is
        return f"stored text is not UTF-8 ({error.reason})"
    # Error codes are on the exception from Python 3.11; the messages are SQLite's own.
    if getattr(error, "sqlite_errorcode", None) in _CORRUPT or str(error).startswith(_DAMAGE_MESSAGES):
        return str(error)
    return None
