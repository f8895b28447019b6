"""Every row of an export accounted for as it streams: read, read with notes, or set aside,
and a row id given twice found (the row that repeats it set aside, naming both places).

The build (``build.export_rows``) keeps the rows ``kept`` hands on; ``import`` only counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, Protocol

from iranclash.core.errors import Problem
from iranclash.ingest.datasets import Imported, Merged, Note, converter, read_rows
from iranclash.ingest.datasets.account import Account, SetAside

#: Told of each row's every note and of each row set aside, as a Problem (``validate``).
Told = Callable[[Problem], None]


class Tell(NamedTuple):
    """Where a read export's rows are accounted: its ``account``, and ``told`` (where given)
    of every note of every row and of every row set aside."""

    account: Account
    told: Told | None = None
    #: Told the line of every row accounted for (``import``'s progress).
    seen: Callable[[int], None] | None = None

    def read(self, path: Path, line: int, record: str, notes: Iterable[Note], blanks: Iterable[str]) -> None:
        if self.seen is not None:
            self.seen(line)
        if not notes and not blanks:  # most rows: nothing to note
            self.account.read += 1
            return
        notes = tuple(notes)
        self.account.row_read(line, notes)
        self.account.blank(blanks)
        if self.told is not None:
            for note in notes:
                self.told(Problem(path, note.text, line, note.position, record, note.column))

    def set_aside(self, item: SetAside) -> None:
        if self.seen is not None:
            self.seen(item.problem.line or 0)
        self.account.row_set_aside(item.problem.line or 0, item.reason)
        if self.told is not None:
            self.told(item.problem._replace(message=f"set aside ({item.reason}): {item.problem.message}"))


class FirstPlaces(Protocol):
    """Where each row id was first read, across the exports: ``first_place`` records a row
    and answers where its id was first read (the row's own place, for the first)."""

    def first_place(self, event_id: str, path: Path, line: int) -> tuple[Path, int]: ...


class FirstSeen:
    """``FirstPlaces`` in memory, for one export checked alone (``import``)."""

    def __init__(self) -> None:
        self.places: dict[str, tuple[Path, int]] = {}

    def first_place(self, event_id: str, path: Path, line: int) -> tuple[Path, int]:
        return self.places.setdefault(event_id, (path, line))


def kept(
    items: Iterable[Imported | SetAside | Merged], firsts: FirstPlaces, tell: Tell
) -> Iterator[Imported]:
    """The rows to keep of ``items`` (converted rows, in file order), each accounted for in
    ``tell``; the others (set aside, a repeated id, a monadic row joined to its event) only
    accounted for."""
    for item in items:
        if isinstance(item, SetAside):
            tell.set_aside(item)
            continue
        if isinstance(item, Merged):
            tell.account.merged += 1
            tell.read(item.path, item.line, item.event_id, item.notes, item.blanks)
            continue
        again = repeated(item.path, item.line, item.row.row, item.event.id, firsts)
        if again is not None:
            tell.set_aside(again)
            continue
        tell.read(item.path, item.line, item.event.id, item.notes, item.blanks)
        yield item


def repeated(path: Path, line: int, row: str, event_id: str, firsts: FirstPlaces) -> SetAside | None:
    """None for the first row with its id; a later one is set aside, naming both places."""
    first = firsts.first_place(event_id, path, line)
    if first == (path, line):
        return None
    dataset = event_id.split(":", 1)[0]
    where = f"line {first[1]}" if first[0] == path else f"{first[0]}:{first[1]}"
    problem = Problem(
        path,
        f"row id {row} is used twice (first at {where}): this row is left out",
        line,
        None,
        event_id,
        "event_id_cnty" if dataset == "acled" else "id",
    )
    return SetAside(problem, "row id given twice")


def account_for(path: Path, tell: Tell) -> None:
    """Read the export at ``path`` only to account for its rows (``import`` checks a file so).
    Raises ``DataError`` for a file that cannot be read at all, or that breaks off."""
    header, lines = read_rows(path, tell.account)
    for note in header.notes:
        tell.account.file_note(note)
    for _row in kept(converter(header)(path, header, lines, set()), FirstSeen(), tell):
        pass
