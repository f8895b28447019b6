"""The console script's entry point.

- The CLI is imported with the cycle collector paused (see ``collector``).
- Ctrl-C, SIGTERM and SIGHUP while starting up or running end with one line and
  exit 130, after a build in progress has removed its temp file.
- Output that cannot be written (a full disk, a closed stdout) ends with one line,
  ``iranclash: cannot write output: <reason>``, and exit 74 (EX_IOERR); a closed or
  failing stderr never stops the answer reaching stdout.
- A shell completing a record id is answered by ``complete`` without the CLI.
- Once the command has finished and its output is flushed, the process ends
  without the interpreter's teardown of every module (4 ms of a 50 ms query, for
  people who run iranclash in shell loops); nothing of ours is left to clean up
  by then: connections are closed and cache files renamed into place.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import io
import os
import signal
import sys
import types

from iranclash.core.collector import paused

# Not typing.TYPE_CHECKING: importing typing before the collector is paused costs each run
# more than the annotations are worth here.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import FrameType

    from iranclash.core.errors import OutputError

#: ``ExitStatus.INTERRUPTED``, for Ctrl-C before that enum can be imported.
_INTERRUPTED = 130


def main() -> None:
    _prepare_streams()
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, _interrupt)

    instruction = os.environ.get("_IRANCLASH_COMPLETE")
    if instruction:
        # A shell's Tab asking for a record id is answered before the CLI is even imported.
        from iranclash.cli.complete import answer

        answered = answer(instruction)
        if answered is not None:
            sys.stdout.flush()
            os._exit(answered)
    _defer(_UNUSED_BY_QUERIES)
    try:
        # Everything of ours is imported here, with the collector paused (see ``collector``).
        with paused(freeze=True):
            from iranclash.cli.commands import main as run
            from iranclash.core.errors import OutputError
    except KeyboardInterrupt:
        _say("iranclash: interrupted")
        os._exit(_INTERRUPTED)
    code = 0
    try:
        run()
    except SystemExit as exit:
        if isinstance(exit.code, str):
            _say(exit.code)
            code = 1
        else:
            code = exit.code or 0
    except OutputError as error:
        code = _output_failed(error)
    try:
        sys.stdout.flush()
    except OutputError as error:
        code = _output_failed(error)
    except (BrokenPipeError, ValueError):
        pass
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


#: Standard modules imported on the way to Typer for what a query never asks of them:
#: subprocess (opening a browser, installing completion scripts: 1 ms); tokenize, token and
#: linecache (``inspect`` and ``traceback`` read source lines with them) and ipaddress
#: (``urllib.parse``, under ``pathlib``, checks bracketed hosts): 1.5 ms; bz2 and lzma
#: (``shutil`` imports them to learn which archives it can make): 0.8 ms. Only a module that
#: every importer imports whole (``import x``, never ``from x import``) gains anything here.
_UNUSED_BY_QUERIES = ("subprocess", "tokenize", "token", "linecache", "ipaddress", "bz2", "lzma")
#: The compiled part without which a module cannot be imported, where Python may be built
#: without it. An import is how ``shutil`` and ``zipfile`` ask whether they have bz2: a
#: stand-in would say yes, so it stands in only where the real module would import.
_COMPILED_PART = {"bz2": "_bz2", "lzma": "_lzma"}


class _Deferred(types.ModuleType):
    """Stands in ``sys.modules`` for a standard module until something reads one of its
    names: then the module is imported for real, and takes the stand-in's place."""

    def __getattr__(self, name: str) -> object:
        del sys.modules[self.__name__]
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, name)


def _defer(names: tuple[str, ...]) -> None:
    for name in names:
        if name not in sys.modules and _importable(_COMPILED_PART.get(name)):
            sys.modules[name] = _Deferred(name)


def _importable(part: str | None) -> bool:
    if part is None or part in sys.builtin_module_names:
        return True
    import importlib.machinery

    return importlib.machinery.PathFinder.find_spec(part) is not None


def _interrupt(_number: int, _frame: FrameType | None) -> None:
    """SIGTERM and SIGHUP end like Ctrl-C: unwinding, so that a build removes its temp file."""
    raise KeyboardInterrupt


def _output_failed(error: OutputError) -> int:
    """Say so once; what is left in stdout's buffer goes nowhere."""
    from iranclash.core.errors import ExitStatus

    _say(f"iranclash: cannot write output: {error.strerror or error}")
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (lives until os._exit)
    return ExitStatus.OUTPUT


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


class _Stream(io.RawIOBase):
    """A standard stream's descriptor: stdout's failures become ``OutputError`` (a closed
    pipe stays ``BrokenPipeError``), stderr's are ignored (messages are best effort)."""

    def __init__(self, fd: int, *, closed: bool, quiet: bool) -> None:
        super().__init__()
        self.fd = fd
        self.was_closed = closed
        self.quiet = quiet

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return not self.was_closed and os.isatty(self.fd)

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        """Write all of ``data``. The text layer above hands over its bytes and forgets them,
        so a signal arriving here (SIGTERM raises) can lose output but never repeat it."""
        try:
            if self.was_closed:
                raise OSError(errno.EBADF, "stdout is closed")
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view) :]
        except BrokenPipeError:
            if not self.quiet:
                raise
        except OSError as error:
            if not self.quiet:
                from iranclash.core.errors import OutputError

                raise OutputError(error.errno, error.strerror) from None
        return len(data)


def _prepare_streams() -> None:
    """Give stdout and stderr the behaviour above; a closed descriptor 0-2 is first filled
    with /dev/null, so that no file opened later (the cache, its lock) takes its number."""
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.add(fd)
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    for fd, name in ((1, "stdout"), (2, "stderr")):
        old = getattr(sys, name)
        raw = _Stream(fd, closed=fd in closed, quiet=fd == 2)
        # No BufferedWriter between: it would keep bytes a signal interrupted and write them twice.
        stream = io.TextIOWrapper(  # type: ignore[type-var]  # a RawIOBase is a binary stream
            raw,
            encoding=getattr(old, "encoding", None) or "utf-8",
            errors=getattr(old, "errors", None) or "strict",
            line_buffering=bool(getattr(old, "line_buffering", False)) or fd == 2,
        )
        setattr(sys, name, stream)
