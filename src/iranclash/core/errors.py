"""The project's own exceptions: every expected failure is one of these.

The CLI turns each into one line on stderr and an exit code, in one place
(``cli.answer.exit_status``); library callers can catch :class:`IranclashError`.
"""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path
from typing import NamedTuple


class ExitStatus(IntEnum):
    """Every exit status the command line ends with, and what each means to a script."""

    OK = 0
    #: A name or id that matches nothing, or data that cannot be used.
    ERROR = 1
    #: Options or arguments that make no sense.
    USAGE = 2
    #: A bug of ours; ``--debug`` shows its traceback.
    INTERNAL = 70
    #: The answer could not be written (a full disk, a closed stdout): sysexits.h EX_IOERR.
    OUTPUT = 74
    #: Ctrl-C (SIGINT), as shells report a process ended by it.
    INTERRUPTED = 130


class IranclashError(Exception):
    """Base class: an expected failure with a message fit for one line."""

    exit_code = ExitStatus.ERROR


class Problem(NamedTuple):
    """One thing wrong with a data folder, located as precisely as known. (A named tuple:
    see ``results`` on what a dataclass costs at start-up.)"""

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

    def __init__(self, message: str, candidates: tuple[str, ...] = (), *, ambiguous: bool = False) -> None:
        """``candidates`` are printed as they are, so each should start with what can be typed
        back (an id); ``ambiguous`` says they all match, rather than come near."""
        self.base = message
        self.candidates = candidates
        self.ambiguous = ambiguous
        if candidates:
            listed = ", ".join(candidates)
            message += f": {listed}" if ambiguous else f"; did you mean {listed}?"
        super().__init__(message)


class UsageProblem(IranclashError):
    """Options that parse but make no sense together (e.g. --until before --since)."""

    exit_code = ExitStatus.USAGE


class CannotWrite(IranclashError):
    """A file the user asked for could not be written: the disk is full (exit 74, as for
    stdout), or the name or its folder will not do (a usage error)."""

    def __init__(self, path: Path, error: OSError) -> None:
        self.exit_code = ExitStatus.OUTPUT if error.errno in _DEVICE_FULL else ExitStatus.USAGE
        super().__init__(f"cannot write {path}: {error.strerror or error}")


#: The device, not the name, refused the bytes.
_DEVICE_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO)


class OutputError(OSError):
    """Writing the answer failed (a full disk, a closed stdout): not a bug, not bad data.

    Raised by the entry point's stdout (``launch``), so that it is told apart from
    every other ``OSError``.
    """
