"""Open a data folder as a query-ready store, from a compiled cache when it is fresh.

The YAML files stay the source of truth. Compiling them (parse, check, index)
takes seconds at scale, so the compiled SQLite database is kept in the user's
cache directory, one file per data folder, and reused while every data file is
unchanged. Reuse must never give a wrong answer:

- Each file's size, mtime, inode and ctime are compared on every run. An edit
  that keeps all four (same size, within the same clock tick as the build: git's
  "racily clean" case) is caught by the content hash kept for every file whose
  mtime was too close to the build; only those few files are hashed.
- A build writes a new database beside the old one and renames it into place,
  so a reader, or a second process building at the same time, only ever sees
  a whole database; an interrupted build leaves nothing behind.
- A cache that cannot be read, from another version, or in a directory that is
  not private to the user is rebuilt or bypassed (the records are loaded into
  memory instead), never trusted.

Rebuilding after one file of several changed re-reads only that file: the other
files' parsed records are kept in the cache (pickled; trusted only inside the
user's own private cache directory).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import __version__, folder
from .collector import paused
from .errors import DataError

CACHE_ENV = "IRANCLASH_CACHE_DIR"
#: Bumped whenever ``store``'s tables or the JSON it stores change, so old caches are rebuilt.
SCHEMA_VERSION = 9
#: An mtime this close to a build may hide a later edit within the same clock tick
#: (2 s covers the coarsest common timestamps, FAT's).
RACY_WINDOW_NS = 2_000_000_000

Progress = Callable[[int, int], None]
Warn = Callable[[str], None]


def cache_dir() -> Path:
    """``$IRANCLASH_CACHE_DIR``, else ``$XDG_CACHE_HOME/iranclash``, else ``~/.cache/iranclash``."""
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iranclash"


def cache_path(data_folder: Path) -> Path:
    """One cache file per data folder. The name is a checksum of the folder's path (zlib's,
    since hashlib costs 2 ms of start-up); two folders sharing a name only rebuild in turn,
    as the cache records which folder it was built from."""
    path = str(data_folder.resolve()).encode("utf-8", "surrogateescape")
    return cache_dir() / f"{zlib.crc32(path):08x}{zlib.adler32(path):08x}.sqlite"


@dataclass(frozen=True)
class Fingerprint:
    size: int
    mtime_ns: int
    ino: int
    ctime_ns: int

    @classmethod
    def of(cls, info: os.stat_result) -> Fingerprint:
        return cls(info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)


@dataclass(frozen=True)
class CachedFile:
    path: str
    fingerprint: Fingerprint
    sha256: str
    racy: bool


def open_store(
    data_folder: Path,
    *,
    use_cache: bool = True,
    progress: Progress | None = None,
    warn: Warn | None = None,
) -> sqlite3.Connection:
    """A connection to the compiled records of ``data_folder``, from the cache when fresh."""
    files = folder.data_files(data_folder)
    if not use_cache:
        return _in_memory(files, progress)
    target = cache_path(data_folder)
    problem = _private_directory_problem(target.parent)
    if problem is not None:
        if warn:
            warn(f"not using the cache: {problem}")
        return _in_memory(files, progress)
    fresh = _open_if_fresh(target, data_folder, files)
    if fresh is not None:
        return fresh
    try:
        _rebuild(target, data_folder, files, progress)
    except (OSError, sqlite3.Error) as error:
        if warn:
            warn(f"could not write the cache ({error}); loading without it")
        return _in_memory(files, progress)
    return _open_read_only(target)


def _open_read_only(target: Path) -> sqlite3.Connection:
    return sqlite3.connect(target.as_uri() + "?mode=ro", uri=True)


def compile_folder(data_folder: Path, connection: sqlite3.Connection) -> None:
    """Read, check and compile every file of ``data_folder`` into an empty database."""
    _compile(folder.data_files(data_folder), connection, None)


def status(data_folder: Path) -> str:
    """``fresh``, ``stale`` or ``missing``: what the next query would find."""
    target = cache_path(data_folder)
    if not target.exists():
        return "missing"
    fresh = _open_if_fresh(target, data_folder, folder.data_files(data_folder))
    if fresh is None:
        return "stale"
    fresh.close()
    return "fresh"


def discard(data_folder: Path) -> None:
    """Remove the cache of one data folder (found damaged); the next open rebuilds it."""
    cache_path(data_folder).unlink(missing_ok=True)


def clear() -> int:
    """Remove every cache file; the number removed."""
    directory = cache_dir()
    removed = 0
    if directory.is_dir():
        for path in directory.glob("*.sqlite*"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


# --- freshness ---------------------------------------------------------------------------


def _open_if_fresh(
    target: Path, data_folder: Path, files: list[tuple[str, Path]]
) -> sqlite3.Connection | None:
    if not target.is_file():
        return None
    try:
        connection = _open_read_only(target)
    except sqlite3.Error:
        return None
    try:
        if not _matches(connection, data_folder, files):
            connection.close()
            return None
    except (sqlite3.Error, OSError):
        connection.close()
        return None
    return connection


def _matches(connection: sqlite3.Connection, data_folder: Path, files: list[tuple[str, Path]]) -> bool:
    meta = dict(connection.execute("SELECT key, value FROM meta"))
    if not _same_version(meta) or meta.get("folder") != str(data_folder.resolve()):
        return False
    cached = {entry.path: entry for entry in _cached_files(connection)}
    if set(cached) != {str(path) for _kind, path in files}:
        return False
    settled: list[str] = []
    for _kind, path in files:
        entry = cached[str(path)]
        info = os.stat(path)
        if not _unchanged(entry, Fingerprint.of(info), path):
            return False
        if entry.racy and time.time_ns() - info.st_mtime_ns > RACY_WINDOW_NS:
            settled.append(entry.path)
    if settled:
        _settle(connection, settled)
    return True


def _same_version(meta: dict[str, str]) -> bool:
    """A cache written by another version may differ in layout or in what it parsed."""
    return meta.get("iranclash_version") == __version__ and meta.get("schema_version") == str(SCHEMA_VERSION)


def _settle(connection: sqlite3.Connection, paths: list[str]) -> None:
    """Stop hashing files whose content was checked after their clock tick had passed.

    From now on any edit gives them a newer mtime, which the fingerprint sees.
    """
    database = connection.execute("PRAGMA database_list").fetchone()[2]
    try:
        with sqlite3.connect(database) as writer:
            writer.executemany("UPDATE source_file SET racy = 0 WHERE path = ?", [(path,) for path in paths])
        writer.close()
    except sqlite3.Error:
        pass  # a read-only cache keeps hashing those files, which stays correct


def _cached_files(connection: sqlite3.Connection) -> list[CachedFile]:
    return [
        CachedFile(path, Fingerprint(size, mtime_ns, ino, ctime_ns), sha, bool(racy))
        for path, size, mtime_ns, ino, ctime_ns, sha, racy in connection.execute(
            "SELECT path, size, mtime_ns, ino, ctime_ns, sha256, racy FROM source_file"
        )
    ]


def _sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_of(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _private_directory_problem(directory: Path) -> str | None:
    """Why ``directory`` cannot hold a trusted cache, or None when it can."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.stat(directory)
    except OSError as error:
        return f"cannot create {directory}: {error.strerror or error}"
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return f"{directory} is writable by other users"
    return None


# --- building ----------------------------------------------------------------------------


def _in_memory(files: list[tuple[str, Path]], progress: Progress | None) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    _compile(files, connection, progress)
    return connection


def _rebuild(
    target: Path, data_folder: Path, files: list[tuple[str, Path]], progress: Progress | None
) -> None:
    temporary = target.with_name(f"{target.name}.{os.getpid()}.{time.time_ns()}.tmp")
    try:
        connection = sqlite3.connect(temporary)
        try:
            connection.execute("PRAGMA journal_mode = OFF")
            connection.execute("PRAGMA synchronous = OFF")
            with _Previous(target) as previous:
                _compile(files, connection, progress, _SourceFiles(connection, previous))
            with connection:
                connection.executemany(
                    "INSERT INTO meta VALUES (?, ?)",
                    [
                        ("iranclash_version", __version__),
                        ("schema_version", str(SCHEMA_VERSION)),
                        ("folder", str(data_folder.resolve())),
                    ],
                )
        finally:
            connection.close()
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


class _Previous:
    """The cache being replaced: its files' fingerprints, and their parsed records on request.

    Records are read one file at a time, so that a rebuild never holds them all twice.
    """

    def __init__(self, target: Path) -> None:
        self.connection: sqlite3.Connection | None = None
        self.entries: dict[str, CachedFile] = {}
        if not target.is_file():
            return
        try:
            self.connection = _open_read_only(target)
            if _same_version(dict(self.connection.execute("SELECT key, value FROM meta"))):
                self.entries = {entry.path: entry for entry in _cached_files(self.connection)}
        except sqlite3.Error:
            self.entries = {}

    def __enter__(self) -> _Previous:
        return self

    def __exit__(self, *_exception: object) -> None:
        if self.connection is not None:
            self.connection.close()

    def records(self, path: Path, fingerprint: Fingerprint) -> tuple[str, bytes] | None:
        """The hash and pickled records of ``path``, if the file is unchanged since."""
        entry = self.entries.get(str(path))
        if entry is None or self.connection is None or not _unchanged(entry, fingerprint, path):
            return None
        try:
            row = self.connection.execute(
                "SELECT records FROM source_file WHERE path = ?", (str(path),)
            ).fetchone()
        except sqlite3.Error:
            return None
        return (entry.sha256, row[0]) if row else None


class _SourceFiles:
    """Records each data file (fingerprint, hash, pickled records) in the new cache as soon
    as it is read, for the next freshness check; offers the old cache's unchanged files."""

    def __init__(self, connection: sqlite3.Connection, previous: _Previous) -> None:
        self.connection = connection
        self.previous = previous
        self.started_ns = time.time_ns()
        connection.execute(
            "CREATE TABLE source_file(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ino INTEGER,"
            " ctime_ns INTEGER, sha256 TEXT, racy INTEGER, records BLOB)"
        )

    def add(self, path: Path, fingerprint: Fingerprint, sha256: str, records: bytes) -> None:
        racy = fingerprint.mtime_ns >= self.started_ns - RACY_WINDOW_NS
        self.connection.execute(
            "INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                str(path),
                fingerprint.size,
                fingerprint.mtime_ns,
                fingerprint.ino,
                fingerprint.ctime_ns,
                sha256,
                int(racy),
                records,
            ),
        )


def _compile(
    files: list[tuple[str, Path]],
    connection: sqlite3.Connection,
    progress: Progress | None,
    source_files: _SourceFiles | None = None,
) -> None:
    """Read (or take from the old cache), check and compile every file; with ``source_files``,
    also record each file for the next freshness check."""
    import pickle

    from . import load, reader, store, validate

    loaded: list[load.FileRecords] = []
    problems = []
    with paused():
        for done, (kind, path) in enumerate(files):
            try:
                fingerprint = Fingerprint.of(os.stat(path))
                kept = source_files.previous.records(path, fingerprint) if source_files else None
                if kept is not None:
                    sha, blob = kept
                    records = pickle.loads(blob)
                else:
                    data = reader.read_bytes(path)
                    records = load.load_bytes(kind, path, data)
                    if source_files:
                        sha, blob = _sha256_of(data), pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL)
                if source_files:
                    source_files.add(path, fingerprint, sha, blob)
            except DataError as error:
                problems.extend(error.problems)
                continue
            except OSError as error:
                raise DataError.single(path, f"cannot read: {error.strerror or error}") from None
            loaded.append(records)
            if progress:
                progress(done + 1, len(files))
        if problems:
            raise DataError(problems)
        problems = validate.check(loaded)
        if problems:
            raise DataError(problems)
        store.create(connection, loaded)


def _unchanged(previous: CachedFile, fingerprint: Fingerprint, path: Path) -> bool:
    """Same fingerprint, and for a racily clean file the same content too."""
    if previous.fingerprint != fingerprint:
        return False
    return not previous.racy or _sha256(path) == previous.sha256
