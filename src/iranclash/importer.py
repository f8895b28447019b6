"""Put an export into a data folder: check it row by row, then copy it under ``acled/`` or ``ucdp/``.

The user's file is only ever read. The copy is written beside its destination and
renamed into place, so the data folder never holds half a file, and a different file
already there is replaced only when asked.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError, Problem, UsageProblem

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Imported:
    """What ``import`` did: the export checked and where it now is."""

    file: Path
    dataset: str
    schema: str
    rows: int
    #: ``copied``, ``replaced`` (a different file was there), or ``unchanged`` (the same was).
    action: str


def import_export(
    dataset: str, source: Path, into: Path, *, replace: bool = False, progress: Progress | None = None
) -> Imported:
    """Check every row of ``source``, an export of ``dataset`` (acled or ucdp), and copy it to
    ``into/<dataset>/``. Raises DataError listing every row that cannot be read (nothing is
    copied then) and UsageProblem for a different file already at the destination, or for a
    name the data folder would not read (``folder.EXPORT_SUFFIXES``)."""
    from .folder import EXPORT_SUFFIXES

    if source.suffix.lower() not in EXPORT_SUFFIXES:
        endings = f"{', '.join(EXPORT_SUFFIXES[:-1])} or {EXPORT_SUFFIXES[-1]}"
        raise UsageProblem(
            f"{source}: {dataset}/ reads only names ending {endings}; rename the file to end so"
        )
    target = into / dataset / source.name
    schema, rows = check_export(dataset, source, progress)
    existing = _regular(target)
    if existing and filecmp.cmp(source, target, shallow=False):
        return Imported(target, dataset, schema, rows, "unchanged")
    if existing and not replace:
        raise UsageProblem(f"{target} exists and differs from {source}; give --replace to replace it")
    if target.exists() and not existing:
        raise UsageProblem(f"{target} exists and is not a regular file; remove it or rename the export")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return Imported(target, dataset, schema, rows, "replaced" if existing else "copied")


def check_export(dataset: str, path: Path, progress: Progress | None = None) -> tuple[str, int]:
    """The schema and number of rows of an export, read as a stream; DataError with every
    problem (file, line, column), a row id given twice among them."""
    from . import datasets

    header, lines = datasets.read_rows(path)  # a file of the wrong kind fails here, before any counting
    lines.close()
    total = _count_lines(path) if header.by_offset else 0  # a zip's or JSON's lines are not the rows'
    if header.schema.dataset != dataset:
        found = header.schema.dataset.upper()
        raise DataError.single(
            path,
            f"is {'an' if found == 'ACLED' else 'a'} {found} export ({header.schema.value}), "
            f"not {'an' if dataset == 'acled' else 'a'} {dataset.upper()} one",
            line=1,
        )
    problems: list[Problem] = []
    first_at: dict[str, int] = {}
    rows = 0
    for item in datasets.read(path):
        rows += 1
        if isinstance(item, datasets.SetAside):
            item = item.problem
        if isinstance(item, Problem):
            problems.append(item)
            line = item.line or 0
        else:
            line = item.line
            first = first_at.setdefault(item.row.row, line)
            if first != line:
                problems.append(
                    Problem(
                        path,
                        f"row id {item.row.row} is used twice (first at line {first})",
                        line,
                        None,
                        item.event.id,
                    )
                )
        if progress and rows % 1000 == 0:
            progress(min(line, total), total)
    if progress:
        progress(total, total)
    if problems:
        raise DataError(problems)
    return header.schema.value, rows


def _count_lines(path: Path) -> int:
    count = 0
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                count += chunk.count(b"\n")
    except OSError:
        return 0  # read_rows reports it
    return count


def _regular(path: Path) -> bool:
    try:
        return path.is_file() and not path.is_symlink()
    except OSError:
        return False
