"""The project's own exceptions: every expected failure is one of these.

The CLI turns each into one line on stderr and an exit code, in one place
(``cli.main``); library callers can catch :class:`IranclashError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class IranclashError(Exception):
    """Base class: an expected failure with a message fit for one line."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data folder, located as precisely as known."""

    path: Path | None
    message: str
    line: int | None = None
    column: int | None = None
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        """One line, however long or strange the names and values in it are."""
        where = ""
        if self.path is not None:
            where = str(self.path)
            if not where.isprintable():  # a file name with a line break must not split the line
                where = repr(where)[1:-1]
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        subject = []
        if self.record is not None:
            subject.append(f"record {_quoted(self.record)}")
        if self.field is not None:
            subject.append(f"field {_quoted(self.field)}")
        prefix = ", ".join(subject)
        return f"{where}{prefix + ': ' if prefix else ''}{_shortened(self.message, 400)}"


def _quoted(text: str, limit: int = 100) -> str:
    return repr(text[:limit]) + ("…" if len(text) > limit else "")


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class DataError(IranclashError):
    """A data folder that cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = str(problems[0])
        more = len(problems) - 1
        if more:
            first += (
                f" (and {more} more problem{'s' if more > 1 else ''}: run 'iranclash validate' to list them)"
            )
        super().__init__(first)

    @classmethod
    def single(
        cls, path: Path | None, message: str, *, line: int | None = None, column: int | None = None
    ) -> DataError:
        return cls([Problem(path, message, line=line, column=column)])


class NotFound(IranclashError):
    """A name or id that denotes no record, or not one record clearly."""

    def __init__(self, message: str, candidates: tuple[str, ...] = ()) -> None:
        self.candidates = candidates
        if candidates:
            message += "; did you mean " + ", ".join(repr(c) for c in candidates) + "?"
        super().__init__(message)


class UsageProblem(IranclashError):
    """Options that parse but make no sense together (e.g. --until before --since)."""

    exit_code = 2


class OutputError(OSError):
    """Writing the answer failed (a full disk, a closed stdout): not a bug, not bad data.

    Raised by the entry point's stdout (``launch``), so that it is told apart from
    every other ``OSError``.
    """
