"""What became of each row of an export: read, read with notes, or set aside, counted by kind.

An export is someone else's record, so a row that cannot be read whole is not a reason
to refuse the file: what can be read is kept, what cannot is left unknown and noted on
the event, and only a row no event can honestly be made of is set aside, with its
reason. The account of a file says how many rows ended each way and, per kind of note
or reason, how many and the first few lines, so a person can check them; it is stored
in the cache beside the events, so every later command can say it again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from iranclash.core.errors import Problem

#: Lines given as examples of each kind of note, in the one-line account.
EXAMPLES = 3
#: Lines kept per kind (``validate`` lists every note of every row from the file itself).
KEPT_LINES = 20


class Note(NamedTuple):
    """What could not be read of a row as it is, and what was done instead.

    ``kind`` is short and stable, counted per file ("geo_precision empty"); ``text`` is the
    sentence the event carries ("geo_precision is empty: the place's precision is unknown").
    """

    kind: str
    text: str
    column: str | None = None
    #: The column's place in the row, counted from 1.
    position: int | None = None


class SetAside(NamedTuple):
    """A row no event can honestly be made of: where and why (``problem``), and the short
    ``reason`` it is counted under ("no usable date")."""

    problem: Problem
    reason: str


class Merged(NamedTuple):
    """A row of ACLED's monadic layout (one row per actor) that added its actors to the
    event an earlier row of the same id made: read, but not another event."""

    path: Path
    line: int
    event_id: str
    notes: tuple[Note, ...] = ()
    blanks: tuple[str, ...] = ()


@dataclass
class Tally:
    """How often one kind of note or reason came, and the first lines it came at."""

    count: int = 0
    lines: list[int] = field(default_factory=list)

    def add(self, line: int) -> None:
        self.count += 1
        if len(self.lines) < KEPT_LINES:
            self.lines.append(line)


@dataclass
class Account:
    """One export's rows, each counted once: ``read`` as they are, ``noted`` (read, with
    what was unknown left unknown and noted), or ``set_aside`` (with a reason).

    ``merged`` counts the rows that added their actors to an event an earlier row of the
    same id made (ACLED's monadic layout, one row per actor): read, but not another event.
    ``file_notes`` are said once for the file (its encoding, cells written ``NA``).
    """

    path: Path
    read: int = 0
    noted: int = 0
    set_aside: int = 0
    merged: int = 0
    notes: dict[str, Tally] = field(default_factory=dict)
    reasons: dict[str, Tally] = field(default_factory=dict)
    file_notes: list[str] = field(default_factory=list)
    #: Cells written ``NA`` (or ``NULL``, ``nan``...) and read as empty, by column.
    blanks: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.read + self.noted + self.set_aside

    @property
    def kept(self) -> int:
        """Rows whose event is in the store (a merged row's event is its first row's)."""
        return self.read + self.noted

    def row_read(self, line: int, notes: Iterable[Note] = ()) -> None:
        """A row kept, with its notes (none: read as it is)."""
        kinds = {note.kind for note in notes}
        if not kinds:
            self.read += 1
            return
        self.noted += 1
        for kind in sorted(kinds):
            self.notes.setdefault(kind, Tally()).add(line)

    def row_set_aside(self, line: int, reason: str) -> None:
        self.set_aside += 1
        self.reasons.setdefault(reason, Tally()).add(line)

    def blank(self, columns: Iterable[str]) -> None:
        for column in columns:
            self.blanks[column] = self.blanks.get(column, 0) + 1

    def file_note(self, text: str) -> None:
        if text not in self.file_notes:
            self.file_notes.append(text)

    def summary(self, examples: int = EXAMPLES) -> str:
        """The account in one line: ``acled/2020.csv: 5,071 rows: 5,069 read, 2 with notes
        (1 id taken from data_id, 1 geo_precision empty), 0 set aside``."""
        text = f"{self.path}: {_count(self.rows, 'row')}: {self.read:,} read"
        text += f", {self.noted:,} with notes{_kinds(self.notes, examples)}"
        text += f", {self.set_aside:,} set aside{_kinds(self.reasons, examples)}"
        if self.merged:
            text += f"; {_count(self.merged, 'row')} added actors to an event of the same id"
        said = list(self.file_notes)
        if self.blanks:
            said.append(self.blanks_note())
        if said:
            text += "; " + "; ".join(said)
        return text

    def blanks_note(self) -> str:
        """The cells written ``NA`` and the like, read as empty: one note for the file."""
        total = sum(self.blanks.values())
        columns = sorted(self.blanks.items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"{count:,} in {column}" for column, count in columns[:6])
        more = f" and {len(columns) - 6} more columns" if len(columns) > 6 else ""
        return f"{_count(total, 'cell')} written NA (or NULL, nan) read as empty: {shown}{more}"

    def to_data(self) -> dict[str, object]:
        """The account as JSON data: what ``info`` and ``validate --format json`` give."""
        return {
            "file": str(self.path),
            "rows": self.rows,
            "read": self.read,
            "with_notes": self.noted,
            "set_aside": self.set_aside,
            "merged": self.merged,
            "notes": {kind: _tally(tally) for kind, tally in self.notes.items()},
            "set_aside_reasons": {kind: _tally(tally) for kind, tally in self.reasons.items()},
            "file_notes": list(self.file_notes),
            "empty_cells_written_na": dict(self.blanks),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_data(), ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, text: str) -> Account:
        data = json.loads(text)
        return cls(
            Path(data["file"]),
            read=data["read"],
            noted=data["with_notes"],
            set_aside=data["set_aside"],
            merged=data["merged"],
            notes={kind: Tally(value["count"], value["lines"]) for kind, value in data["notes"].items()},
            reasons={
                kind: Tally(value["count"], value["lines"])
                for kind, value in data["set_aside_reasons"].items()
            },
            file_notes=list(data["file_notes"]),
            blanks=dict(data["empty_cells_written_na"]),
        )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _kinds(tallies: dict[str, Tally], examples: int) -> str:
    if not tallies:
        return ""
    shown = []
    for kind, tally in sorted(tallies.items(), key=lambda item: (-item[1].count, item[0])):
        lines = ", ".join(f"line {line}" for line in tally.lines[:examples])
        shown.append(f"{tally.count:,} {kind}" + (f" at {lines}" if lines else ""))
    return " (" + "; ".join(shown) + ")"


def _tally(tally: Tally) -> dict[str, object]:
    return {"count": tally.count, "lines": list(tally.lines)}
