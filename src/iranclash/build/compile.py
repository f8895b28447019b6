"""The build pipeline: every data file read, checked and streamed into a new store.

The YAML files are read kind by kind (places before the events in them), strictly, in a
child process when there is much of them (``read_yaml``); the exports stream in after
them (``export_rows``), every row accounted for. ``cache`` decides when to build and
where; ``partial`` rebuilds only what changed, with the same readers.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from iranclash.build import integrity
from iranclash.build.fingerprint import Fingerprint
from iranclash.build.progress import Progress, Step
from iranclash.core.collector import paused
from iranclash.core.errors import DataError, Problem
from iranclash.ingest import folder

if TYPE_CHECKING:
    import sqlite3

    from iranclash.build import store
    from iranclash.ingest import validate
    from iranclash.ingest.datasets.tally import Told

Folders = tuple[Path, ...]


class Steps:
    """A build's progress as it goes: each file read (``file_read``), and an export as far as
    it is read (``reading``), told to ``progress`` as a ``Step``. The files' sizes are taken
    once, at the start: what the bytes read are measured against."""

    def __init__(self, progress: Progress | None, paths: Iterable[Path]) -> None:
        self.progress = progress
        paths = list(paths)
        self.total = len(paths)
        self.sizes = {path: _size(path) for path in paths}
        self.size = sum(self.sizes.values())
        self.began = time.monotonic()
        self.done = 0
        self.read = 0
        self.rows = 0

    def file_read(self, path: Path, rows: int = 0) -> None:
        """The file at ``path`` is read (whole, or as far as it could be), with ``rows`` rows."""
        self.done += 1
        self.read += self.sizes.get(path, 0)
        self.rows += rows
        self._tell(self.done, self.read, self.rows)

    def reading(self, path: Path) -> Callable[[int, int], None] | None:
        """What the export at ``path`` tells as it is read: its bytes read, and its rows so far."""
        if self.progress is None:
            return None
        size = self.sizes.get(path, 0)

        def told(at: int, rows: int) -> None:
            share = min(at / size, 0.999) if size else 0.0
            self._tell(self.done + share, self.read + min(at, size), self.rows + rows)

        return told

    def _tell(self, done: float, read: int, rows: int) -> None:
        if self.progress is not None:
            seconds = time.monotonic() - self.began
            self.progress(Step(done, self.total, read, self.size, rows, seconds))


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0  # the reading says why


class FileRecord(Protocol):
    """Where a build records each data file it read, for the next freshness check
    (the cache's ``source_file`` table)."""

    def add(self, path: Path, fingerprint: Fingerprint, sha256: str) -> None: ...

    def add_once_hashed(self, path: Path, fingerprint: Fingerprint) -> None: ...


def compile_folder(
    data: Folders | Path | Sequence[Path], connection: sqlite3.Connection, told: Told | None = None
) -> None:
    """Read, check and compile every file of the data folders into an empty database;
    ``told`` is told of every note on an export's rows and of each row set aside."""
    integrity.attach(connection)
    compile_files(folder.all_data_files(_folders(data)), connection, None, told=told)


def _folders(given: Folders | Path | Sequence[Path]) -> Folders:
    return (given,) if isinstance(given, Path) else tuple(given)


#: YAML files larger than this in all are read in a child process while this one stores their
#: records (``read_yaml``); below it, forking costs more than it saves.
APART_BYTES = 16 * 1024 * 1024


def compile_files(
    files: list[tuple[str, Path]],
    connection: sqlite3.Connection,
    progress: Progress | None,
    source_files: FileRecord | None = None,
    *,
    told: Told | None = None,
) -> None:
    """Read, check and compile every file; with ``source_files``, also record each file
    for the next freshness check.

    Records stream into the store as each file is read, so that no file and no list of
    records is held whole: what stays in memory is the checks' index of ids and the
    store's own batch. The YAML files are read kind by kind across all the folders
    (``folder.KINDS``: places before the events in them, as the store needs); the
    exports then stream in after them (their rows refer only to records of their own
    dataset). A record whose id is taken already is kept out of the store, and after
    the first problem nothing more goes in: the build fails with every problem found.
    An export's rows are not problems: each is read, read with notes or set aside, and
    the account of each file is stored (``store.accounts``); ``told`` hears every note.
    Above ``APART_BYTES`` of YAML the reading runs in a child process (``read_yaml``).
    """
    from iranclash.build import store
    from iranclash.core import model

    curated, exports, numbers = reading_order(files)
    problems: list[Problem] = []
    with paused():
        builder = store.Builder(connection)
        reading: Path | None = None
        #: (event id, row id, file, line) for each export row a curated event is the same as.
        claims: list[tuple[str, str, Path, int]] = []
        steps = Steps(progress, [path for _kind, path in files])
        for item in read_yaml(curated):
            if isinstance(item, FileRead):
                if source_files:
                    source_files.add(item.path, item.fingerprint, item.sha256)
                steps.file_read(item.path)
            elif isinstance(item, DataError):
                steps.done += 1
                problems.extend(item.problems)
            elif isinstance(item, Checked):
                if not problems:
                    problems = item.problems
            else:
                record, path, line, fresh = item
                if path != reading:
                    reading = path
                    builder.begin_file(numbers[path])
                if fresh and not problems:
                    builder.add(record)
                if isinstance(record, model.Event) and record.same_as:
                    claims.extend((record.id, row, path, line) for row in record.same_as)
        if problems:
            raise DataError(problems)
        problems = _import(exports, builder, source_files, steps, claims, numbers, told)
        if problems:
            raise DataError(problems)
        builder.finish()


def reading_order(
    files: list[tuple[str, Path]],
) -> tuple[list[tuple[str, Path]], list[Path], dict[Path, int]]:
    """The YAML files kind by kind (``folder.KINDS``: places before the events in them, as
    the store needs), the exports after them, and each file's number in that order (which
    a record's ``seq`` starts with, ``store.FILE_SHIFT``)."""
    curated = folder.curated_in_order(files)
    exports = [path for kind, path in files if kind in folder.DATASETS]
    numbers = {path: number for number, path in enumerate([path for _kind, path in curated] + exports)}
    return curated, exports, numbers


class FileRead(NamedTuple):
    """A data file read to its end without a problem, and what freshness needs of it."""

    path: Path
    fingerprint: Fingerprint
    sha256: str


class Checked(NamedTuple):
    """The problems across the records read (``validate.Index``), once all are read."""

    problems: list[Problem]


if TYPE_CHECKING:
    from iranclash.core.model import Record

    Read = tuple[Record, Path, int, bool] | FileRead | DataError | Checked


def read_curated(curated: list[tuple[str, Path]], index: validate.Index | None = None) -> Iterator[Read]:
    """What a build needs of the YAML files, in order: each record as it is read, with its
    file, line and whether its id is new; each file read whole; the problems of each file
    that has some (as a ``DataError``, not raised); last, the cross-record problems (of
    ``index``, which may know records read before)."""
    from iranclash.ingest import load, reader, validate

    index = index or validate.Index()
    for kind, path in curated:
        try:
            fingerprint = Fingerprint.of(os.stat(path))
            with reader.opened(path) as source:
                for record, line in load.records(kind, source):
                    yield record, path, line, index.add(record, path, line)
                sha = source.sha256()
        except DataError as error:
            yield error
            continue
        except OSError as error:
            raise DataError.single(path, f"cannot read: {error.strerror or error}") from None
        yield FileRead(path, fingerprint, sha)
    yield Checked(index.problems())


def worth_a_child(curated: list[tuple[str, Path]]) -> bool:
    """Whether the YAML to read (files over the size limit are refused unread) is worth a
    child process, where there are processes to fork."""
    from iranclash.build import child as apart
    from iranclash.ingest.reader import MAX_FILE_BYTES

    if not apart.available():
        return False
    total = 0
    for _kind, path in curated:
        with contextlib.suppress(OSError):
            size = os.stat(path).st_size
            total += size if size <= MAX_FILE_BYTES else 0
    return total > APART_BYTES


#: Items sent from the child at a time: a pickle per record would cost more than the records.
_BATCH = 500


def read_yaml(curated: list[tuple[str, Path]], index: validate.Index | None = None) -> Iterator[Read]:
    """``read_curated``, run in a child process (``apart``, forked now) when the YAML is large
    enough: reading and checking it takes about half of a build and storing the records the
    other half."""
    if not worth_a_child(curated):
        return read_curated(curated, index)
    from iranclash.build import child as apart

    return apart.Child(lambda: read_curated(curated, index), _BATCH, "reading the data files")


def _import(
    exports: list[Path],
    builder: store.Builder,
    source_files: FileRecord | None,
    steps: Steps,
    claims: list[tuple[str, str, Path, int]],
    numbers: dict[Path, int],
    told: Told | None,
) -> list[Problem]:
    """Stream every row of the exports into the store, each file's account beside them;
    the problems of a file that cannot be read at all, and of curated events' ``same_as``
    (event id, row id, file, line) naming no row read, or a row another event names."""
    from iranclash.build import store
    from iranclash.build.export_rows import read_export
    from iranclash.build.first_rows import FirstRows
    from iranclash.ingest.datasets import Account
    from iranclash.ingest.datasets.tally import Tell

    problems: list[Problem] = []
    seen: set[str] = set()
    with FirstRows() as firsts:  # on disk: nothing is held per row (``first_rows``)
        for path in exports:
            builder.begin_file(numbers[path])
            account = Account(path)
            try:
                fingerprint = Fingerprint.of(os.stat(path))
                read_export(path, builder, seen, firsts, Tell(account, told), reading=steps.reading(path))
                store.save_account(builder.connection, account)
                if source_files:
                    source_files.add_once_hashed(path, fingerprint)
            except DataError as error:
                problems.extend(error.problems)
            except OSError as error:
                problems.append(Problem(path, f"cannot read: {error.strerror or error}"))
            steps.file_read(path, account.rows)
        claimed: dict[str, tuple[Path, int]] = {}
        for event_id, row, path, line in claims:
            if firsts.place_of(row) is None:
                problems.append(
                    Problem(path, f"{row!r} is no row of the exports read", line, None, event_id, "same_as")
                )
            elif row in claimed:
                first = claimed[row]
                message = f"{row!r} is already the same as another event (at {first[0]}:{first[1]})"
                problems.append(Problem(path, message, line, None, event_id, "same_as"))
            else:
                claimed[row] = (path, line)
    return problems
