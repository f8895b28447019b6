"""Put an export into a data folder: check it row by row, then copy it under ``acled/`` or ``ucdp/``.

The user's file is only ever read. The copy is written beside its destination and
renamed into place, so the data folder never holds half a file, and a different file
already there is replaced only when asked.
"""

from __future__ import annotations

import filecmp
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from iranclash.core.errors import CannotWrite, DataError, Problem, UsageProblem

if TYPE_CHECKING:
    from iranclash.ingest.datasets import Account
    from iranclash.ingest.datasets.tally import Told

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Imported:
    """What ``import`` did: the export checked and where it now is."""

    file: Path
    dataset: str
    schema: str
    #: What became of each row: read, read with notes, set aside.
    account: Account
    #: ``copied``, ``replaced`` (a different file was there), or ``unchanged`` (the same was).
    action: str

    @property
    def rows(self) -> int:
        return self.account.rows


def import_export(
    dataset: str,
    source: Path,
    into: Path,
    *,
    replace: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
) -> Imported:
    """Check every row of ``source``, an export of ``dataset`` (acled or ucdp), and copy it to
    ``into/<dataset>/`` as it is: rows with notes and rows set aside are said, not refused
    (``strict``: refused, each listed, and nothing copied). Raises DataError for a file that
    is not such an export, and UsageProblem for a different file already at the destination,
    or for a name the data folder would not read (``folder.EXPORT_SUFFIXES``)."""
    from iranclash.ingest.folder import EXPORT_SUFFIXES

    if source.suffix.lower() not in EXPORT_SUFFIXES:
        endings = f"{', '.join(EXPORT_SUFFIXES[:-1])} or {EXPORT_SUFFIXES[-1]}"
        raise UsageProblem(
            f"{source}: {dataset}/ reads only names ending {endings}; rename the file to end so"
        )
    target = into / dataset / source.name
    listed: list[Problem] = []
    total = _count_lines(source)  # a zip's or JSON's lines are not its rows: the bar is rough there
    counted = [0]

    def told(problem: Problem) -> None:
        if strict:
            listed.append(problem)

    def seen(line: int) -> None:
        counted[0] += 1
        if progress and counted[0] % 1000 == 0:
            progress(min(line, total), total)

    schema, account = check_export(dataset, source, told, seen)
    if progress:
        progress(total, total)
    if listed:
        raise DataError(listed)
    from iranclash.ingest import destination

    found = destination.existing(target)
    existing = found is not None and stat.S_ISREG(found.st_mode)
    if existing and filecmp.cmp(source, target, shallow=False):
        return Imported(target, dataset, schema, account, "unchanged")
    if existing and not replace:
        raise UsageProblem(f"{target} exists and differs from {source}; give --replace to replace it")
    if found is not None and not existing:
        raise UsageProblem(f"{target} exists and is not a regular file; remove it or rename the export")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CannotWrite(target.parent, error) from None
    with open(source, "rb") as reading:
        destination.write(target, lambda descriptor: _copy(reading, descriptor), replace=existing)
    return Imported(target, dataset, schema, account, "replaced" if existing else "copied")


def check_export(
    dataset: str, path: Path, told: Told | None = None, seen: Callable[[int], None] | None = None
) -> tuple[str, Account]:
    """The schema of an export and what became of each of its rows, read as a stream
    (``told`` hears every note and every row set aside, ``seen`` the line of each row);
    DataError for a file that is not an export of ``dataset``."""
    from iranclash.ingest import datasets
    from iranclash.ingest.datasets.tally import Tell, account_for

    header, lines = datasets.read_rows(path)  # a file of the wrong kind fails here, before any counting
    lines.close()  # account_for reads it again, once it is known to be of the right dataset
    if header.schema.dataset != dataset:
        found = header.schema.dataset.upper()
        raise DataError.single(
            path,
            f"is {'an' if found == 'ACLED' else 'a'} {found} export ({header.schema.value}), "
            f"not {'an' if dataset == 'acled' else 'a'} {dataset.upper()} one",
            line=1,
        )
    account = datasets.Account(path)
    account_for(path, Tell(account, told, seen))
    return header.schema.value, account


def _count_lines(path: Path) -> int:
    count = 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                count += chunk.count(b"\n")
    except OSError:
        return 0  # read_rows reports it
    return count


def _copy(source: BinaryIO, descriptor: int) -> None:
    from iranclash.ingest.destination import write_all

    while chunk := source.read(1 << 22):
        write_all(descriptor, chunk)
