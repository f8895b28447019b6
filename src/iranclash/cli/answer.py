"""Answering on the command line: the data opened (from the cache when fresh), the question
asked, the answer printed, and the one place every error becomes a line on stderr and an
exit status (``errors.ExitStatus``)."""

from __future__ import annotations

import functools
import io
import os
import sqlite3
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO, TypeVar, cast

import typer
from typer.core import TyperGroup

from iranclash.core.errors import (
    DataError,
    ExitStatus,
    IranclashError,
    NotFound,
    OutputError,
    Problem,
    UsageProblem,
)
from iranclash.core.results import Detail, Listing
from iranclash.output.render import Output, OutputFormat, render
from iranclash.output.text import visible

if TYPE_CHECKING:
    from iranclash.build.progress import Step
    from iranclash.core.analyst_results import Chart, Document, Mapped, Outline

#: Settings of the whole run, from the root options: whether to show an internal error's traceback.
state = {"debug": False}


def say(message: str, items: tuple[str, ...] = ()) -> None:
    """One line on stderr, whatever the message holds, and ``items`` after it.

    On a terminal the line is wrapped at spaces to its width (an id longer than a line is
    never broken) and each item has a line of its own; piped, the message and its items
    are one line, for ``grep``.
    """
    text = f"iranclash: {' '.join(visible(message).splitlines())}"
    shown = [" ".join(visible(item).splitlines()) for item in items]
    width = stderr_width()
    if width is None:
        joined = ", ".join(shown)
        sys.stderr.write(f"{text}{' ' if shown else ''}{joined}\n".replace("\u00a0", " "))
        return
    import textwrap

    lines = textwrap.wrap(
        text, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False
    ) or [text]
    for item in shown:
        lines += textwrap.wrap(
            item,
            width,
            initial_indent="  ",
            subsequent_indent="    ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    sys.stderr.write("\n".join(lines).replace("\u00a0", " ") + "\n")


def stderr_width() -> int | None:
    """The width of the terminal stderr writes to ($COLUMNS first, as shells set it), or
    None when stderr is not a terminal."""
    try:
        if not sys.stderr.isatty():
            return None
        columns = os.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return None


def usage_error(message: str, command_path: str | None) -> None:
    """A usage error as every one is shown: one line, then where the help is."""
    # No-break spaces keep the hint whole when the line is wrapped.
    hint = " " + f"(see '{command_path} -h')".replace(" ", "\u00a0") if command_path else ""
    say(f"error: {message}{hint}")


F = TypeVar("F", bound=Callable[..., None])


def exit_status(error: BaseException) -> int:
    """The one place an exception becomes a line on stderr and an exit status."""
    if isinstance(error, NotFound) and error.candidates and stderr_width() is not None:
        say(f"error: {error.base}{':' if error.ambiguous else '; did you mean:'}", error.candidates)
        return error.exit_code
    if isinstance(error, IranclashError) and error.exit_code == ExitStatus.USAGE:
        from typer._click.globals import get_current_context

        context = get_current_context(silent=True)
        usage_error(str(error), context.command_path if context else None)
        return error.exit_code
    if isinstance(error, IranclashError):
        say(f"error: {error}")
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        say("interrupted")
        return ExitStatus.INTERRUPTED
    if isinstance(error, BrokenPipeError):
        # The reader of our output has gone (``| head -1``): nothing is wrong.
        silence_stdout()
        return ExitStatus.OK
    if state["debug"]:
        traceback.print_exception(error)
    else:
        say(
            f"internal error: {type(error).__name__}: {error} "
            "(run with --debug for the traceback, and report it)"
        )
    return ExitStatus.INTERNAL


class Group(TyperGroup):
    """The app's group: a usage error Click finds (a bad value, an unknown option, a missing
    argument) is shown as ours are (:func:`usage_error`), not as Click's usage block."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        run = functools.partial(
            super().main,
            args=args,
            prog_name=prog_name,
            complete_var=complete_var,
            standalone_mode=False,
            **extra,
        )
        if not standalone_mode:
            return run()
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, NoSuchOption, UsageError

        try:
            code = run()
        except NoArgsIsHelpError as error:  # the help, as asked for by typing nothing
            error.show()
            sys.exit(error.exit_code)
        except UsageError as error:
            message = error.format_message().rstrip(".")
            if isinstance(error, NoSuchOption):
                import difflib

                near = difflib.get_close_matches(
                    error.option_name, error.possibilities or [], n=3, cutoff=0.7
                )
                message = f"no such option: {error.option_name}"
                message += f"; did you mean {' or '.join(near)}?" if near else ""
            usage_error(message[:1].lower() + message[1:], error.ctx.command_path if error.ctx else None)
            sys.exit(error.exit_code)
        except ClickException as error:
            say(f"error: {error.format_message()}")
            sys.exit(error.exit_code)
        except typer.Abort:
            say("interrupted")
            sys.exit(ExitStatus.INTERRUPTED)
        sys.exit(code if isinstance(code, int) else 0)


def guarded(command: F) -> F:
    """Run a command so that whatever it raises ends as :func:`exit_status` says; a bug
    never dumps local variables."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (typer.Exit, typer.Abort, OutputError):
            raise
        except (Exception, KeyboardInterrupt) as error:
            raise typer.Exit(exit_status(error)) from None

    return run  # type: ignore[return-value]


Question = Callable[[sqlite3.Connection], "Listing | Detail | Outline | Document | Mapped | Chart"]


def answer_question(
    data: tuple[Path, ...], no_cache: bool, question: Question, chosen: Output, *, strict: bool = False
) -> None:
    """Open the data (from the cache when fresh), ask and print the answer.

    A cache found damaged (a record failing its checksum, a corrupt file) is rebuilt from
    the data files and asked again; output from the cache is held back until the whole
    answer has been read, so that damage found on the way never leaves half an answer.
    A query the store cannot run is a usage error, never damage.
    """
    from iranclash.build.integrity import damage
    from iranclash.ingest.folder import resolve_data_dirs

    folder = resolve_data_dirs(data)
    connection = _open(folder, no_cache, rebuild=False)
    try:
        try:
            _accounted(connection, strict)
            _print(question(connection), chosen, hold=not no_cache)
        except (sqlite3.Error, UnicodeDecodeError) as error:
            found = damage(connection, error)
            if no_cache or found is None:
                raise
            warn(f"the cache is damaged ({found}); rebuilding it")
            connection.close()
            connection = _open(folder, no_cache, rebuild=True)
            _print(question(connection), chosen, hold=True)
    except sqlite3.Error as error:
        raise _store_error(connection, error, no_cache) from None
    finally:
        connection.close()


def _accounted(connection: sqlite3.Connection, strict: bool) -> None:
    """Say what became of each export's rows where they were compiled just now (one line a
    file, on stderr); with ``strict``, refuse data where any row was not read as it is."""
    if not (strict or getattr(connection, "compiled", False)):
        return
    from iranclash.build.store import accounts

    found = accounts(connection)
    if getattr(connection, "compiled", False):
        for account in found:
            say(account.summary())
    if strict:
        problems = [
            Problem(account.path, f"{tally.count:,} row{'s' if tally.count > 1 else ''} {verb}: {kind}", line)
            for account in found
            for verb, tallies in (("read with notes", account.notes), ("set aside", account.reasons))
            for kind, tally in tallies.items()
            for line in tally.lines[:1]
        ]
        if problems:
            raise DataError(problems)


def _open(folder: tuple[Path, ...], no_cache: bool, *, rebuild: bool) -> sqlite3.Connection:
    from iranclash.ask.summary import store_summary
    from iranclash.build.cache import open_store

    progress = ProgressLine() if sys.stderr.isatty() else None
    try:
        return open_store(
            folder,
            use_cache=not no_cache,
            progress=progress,
            warn=warn,
            rebuild=rebuild,
            precompute=store_summary,
        )
    finally:
        if progress:
            progress.close()


def _print(result: Any, chosen: Output, *, hold: bool) -> None:
    """Render to stdout; machine output read from the cache is held back until all of it is
    read, so that damage found on the way never leaves half a JSON document behind."""
    if chosen.format is OutputFormat.TABLE and chosen.page and sys.stdout.isatty():
        _paged(result, chosen)
        return
    if not hold or chosen.format is OutputFormat.TABLE:
        render(result, chosen, sys.stdout)
        return
    held = _Held(tty=sys.stdout.isatty())
    text = io.TextIOWrapper(
        cast(BinaryIO, held),
        encoding=getattr(sys.stdout, "encoding", None) or "utf-8",
        errors=getattr(sys.stdout, "errors", None) or "strict",
    )
    text._CHUNK_SIZE = _Held.CHUNK  # type: ignore[attr-defined]  # encode in 1 MiB chunks
    try:
        render(result, chosen, text)
        text.flush()
        held.copy_to(sys.stdout)
    finally:
        text.close()  # and the spill file with it


class _Screen(io.TextIOBase):
    """A table bound for the terminal, laid out as for it while it is kept to be measured.
    (Not a StringIO: output takes a StringIO for a console of its own, off the terminal.)"""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(sys.stdout, "encoding", None) or "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def isatty(self) -> bool:
        return True

    def getvalue(self) -> str:
        return "".join(self.parts)


def _paged(result: Any, chosen: Output) -> None:
    """A table for the terminal, through the pager when it is longer than the screen, as
    git and gh do: ``$IRANCLASH_PAGER``, else ``$PAGER``, else ``less -FRX``; set empty or
    to ``cat``, none."""
    screen = _Screen()
    render(result, chosen, cast(TextIO, screen))
    text = screen.getvalue()
    try:
        rows = os.get_terminal_size(sys.stdout.fileno()).lines
    except (OSError, ValueError):
        rows = 0
    command = os.environ.get("IRANCLASH_PAGER", os.environ.get("PAGER", "less -FRX")).strip()
    if not rows or text.count("\n") < rows or command in ("", "cat"):
        sys.stdout.write(text)
        return
    import signal
    import subprocess

    sys.stdout.flush()
    # less shows colours and leaves the screen as it was, unless the user says otherwise.
    env = {**os.environ, "LESS": os.environ.get("LESS", "FRX"), "LV": os.environ.get("LV", "-c")}
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        sys.stdout.write(text)
        return
    assert pager.stdin is not None
    # Ctrl-C is the pager's while it runs (less uses it to stop a search), as under git.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        pager.stdin.write(text.encode(getattr(sys.stdout, "encoding", None) or "utf-8", "replace"))
        pager.stdin.close()
    except BrokenPipeError:  # the user quit before reading it all
        pass
    finally:
        pager.wait()
        signal.signal(signal.SIGINT, previous)


class _Held(io.RawIOBase):
    """Where a held answer's bytes go: memory up to 16 MiB, past that an unnamed temp file.

    A text layer on top encodes as stdout would (render escapes JSON by its encoding).
    """

    LIMIT = 1 << 24
    CHUNK = 1 << 20

    def __init__(self, *, tty: bool) -> None:
        super().__init__()
        self.tty = tty
        self.chunks: list[bytes] = []
        self.kept = 0
        self.spill: BinaryIO | None = None

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        """Whether the answer is bound for a terminal, so render makes controls visible as
        it would writing there directly."""
        return self.tty

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        chunk = bytes(data)
        if self.spill is None and self.kept + len(chunk) > self.LIMIT:
            import tempfile

            self.spill = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close)
            self.spill.writelines(self.chunks)
            self.chunks = []
        if self.spill is not None:
            self.spill.write(chunk)
        else:
            self.chunks.append(chunk)
            self.kept += len(chunk)
        return len(chunk)

    def copy_to(self, out: TextIO) -> None:
        buffer = getattr(out, "buffer", None)
        if buffer is None:  # a text-only stream (tests): decode, minding characters cut at chunk ends
            import codecs

            decoder = codecs.getincrementaldecoder(out.encoding or "utf-8")(
                getattr(out, "errors", None) or "strict"
            )
            out.writelines(decoder.decode(chunk) for chunk in self._chunks())
            return
        out.flush()
        buffer.writelines(self._chunks())
        buffer.flush()

    def _chunks(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.spill is not None:
            self.spill.seek(0)
            while chunk := self.spill.read(self.CHUNK):
                yield chunk

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()
        super().close()


def _store_error(connection: sqlite3.Connection, error: sqlite3.Error, no_cache: bool) -> IranclashError:
    from iranclash.build.integrity import damage

    found = damage(connection, error)
    if found is not None and not no_cache:
        return DataError.single(None, f"the cache is damaged ({found}); run 'iranclash cache clear'")
    if "too large" in str(error) or "too many" in str(error):
        return UsageProblem(f"the question is too large to answer ({error}); ask with fewer words or filters")
    return DataError.single(None, f"the query failed ({error})")


def warn(message: str) -> None:
    say(f"warning: {message}")


class ProgressLine:
    """A progress bar on stderr for work that takes more than a second, on one line of the
    terminal: the share done, what is counted and how fast, and the time left at that pace.
    A build's steps are shown by calling it (its bytes read move the bar; its files are
    counted, and once an export is read, its rows); ``import``'s check, by ``lines``."""

    def __init__(self, doing: str = "compiling data") -> None:
        self.started = time.monotonic()
        self.drawn = 0.0
        self.shown = False
        self.doing = doing
        self.bar = 30
        self.width = 0

    def __call__(self, step: Step) -> None:
        """A build's ``step``; the time since it began is the builder's, so a process waiting
        for another's build shows what the builder shows."""
        if step.total <= 0:
            return
        seconds = step.seconds or time.monotonic() - self.started
        share = step.read / step.size if step.size else step.done / step.total
        if step.rows:
            count, rate = f"{step.rows:,} rows", _rate(step.rows, seconds, "rows")
        else:
            count, rate = f"{int(step.done)}/{step.total} files", ""
        self._draw(share, count, rate, seconds, last=step.done >= step.total)

    def lines(self, done: int, total: int) -> None:
        """``import``'s check: ``done`` lines of ``total``."""
        if total > 0:
            seconds = time.monotonic() - self.started
            rate = _rate(done, seconds, "lines")
            self._draw(done / total, f"{done:,}/{total:,} lines", rate, seconds, last=done >= total)

    def _draw(self, share: float, count: str, rate: str, seconds: float, *, last: bool) -> None:
        """The line, from the second second on, at most ten times a second (and the last).
        What does not fit the terminal is left out: the percentage first, then the rate,
        then the time left; the bar is never narrower than 10, and only ever narrows."""
        now = time.monotonic()
        if now - self.started < 1 or (now - self.drawn < 0.1 and not last):
            return
        self.drawn = now
        share = min(max(share, 0.0), 1.0)
        left = f"{_duration(seconds * (1 - share) / share)} left" if 0.01 <= share < 1 else ""
        columns = (stderr_width() or 80) - 1  # a character in the last column wraps on some terminals
        head = f"iranclash: {self.doing} ["
        for percent, parts in (
            (f" {share:4.0%} ", (count, rate, left)),
            ("", (count, rate, left)),
            ("", (count, left)),
            ("", (count,)),
        ):
            tail = f"]{percent} " + ", ".join(part for part in parts if part)
            if columns - len(head) - len(tail) >= 10:
                break
        self.bar = max(10, min(self.bar, columns - len(head) - len(tail)))
        filled = round(self.bar * share)
        line = f"{head}{'#' * filled}{'.' * (self.bar - filled)}{tail}"[:columns]
        # Spaces over what a longer line before left on the screen.
        sys.stderr.write("\r" + line.ljust(self.width))
        sys.stderr.flush()
        self.width = len(line)
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _duration(seconds: float) -> str:
    """``0:07``, ``12:05``, ``1:02:05``: a time left, as a clock shows it."""
    whole = max(1, round(seconds))
    minutes, second = divmod(whole, 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"


def _rate(count: int, seconds: float, unit: str) -> str:
    """``41,200 rows/s``: to three figures, which is all a rate measured so far knows."""
    if seconds <= 0:
        return ""
    rate = count / seconds
    return f"{round(rate, min(0, 3 - len(str(int(rate))))):,.0f} {unit}/s"


def show(result: Listing | Detail, output: Output) -> None:
    render(result, output, sys.stdout)


def evidenced(question: Question, wanted: bool) -> Question:
    """The lookup, with the Evidence section of ``--sources`` when it is wanted."""
    if not wanted:
        return question

    def evidenced(store: sqlite3.Connection) -> Any:
        from iranclash.ask.evidence import with_evidence

        answer = question(store)
        return with_evidence(store, answer) if isinstance(answer, Detail) else answer

    return evidenced


def silence_stdout() -> None:
    """After the reader of a pipe has gone, send what is left nowhere, without a warning."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
