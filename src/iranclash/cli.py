"""The command line: parse options, open the data, ask ``query``, hand the result to ``render``.

Every command runs inside :func:`_guarded`, the one place that turns the
library's errors into a line on stderr and an exit code: 1 for data that is
missing or bad, 2 for usage, 70 for a bug (with ``--debug`` for its traceback).
"""

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
from typing import Annotated, Any, BinaryIO, TextIO, TypeVar, cast

import typer

from . import __version__, query
from .dates import PartialDate
from .errors import DataError, IranclashError, OutputError, Problem, UsageProblem
from .render import OutputFormat, render, visible
from .vocabulary import ActorKind, EventType, PlaceKind

EXIT_BUG = 70

_SETTINGS: dict[str, Any] = {
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "no_args_is_help": True,
    "add_completion": False,
    "help": "Look up facts on the U.S.-Iran proxy conflict in Iraq and Syria: events, actors, "
    "places, border crossings, analysts and their quotes, each with its source.",
}
app = typer.Typer(**_SETTINGS)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"iranclash {__version__}\n")
        raise typer.Exit()


@app.callback()
def _root(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug", envvar="IRANCLASH_DEBUG", help="Show the full traceback of an internal error."
        ),
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    _state["debug"] = debug


def _error(message: str) -> None:
    """One line on stderr, whatever the message holds."""
    sys.stderr.write(f"iranclash: {' '.join(visible(message).splitlines())}\n")


F = TypeVar("F", bound=Callable[..., None])


def _guarded(command: F) -> F:
    """Map expected errors to one line and an exit code; a bug never dumps local variables."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except IranclashError as error:
            _error(f"error: {error}")
            raise typer.Exit(error.exit_code) from None
        except KeyboardInterrupt:
            _error("interrupted")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            # The reader of our output has gone (``| head -1``): nothing is wrong.
            _silence_stdout()
            raise typer.Exit(0) from None
        except (typer.Exit, typer.Abort, OutputError):
            raise
        except Exception as error:
            if _state["debug"]:
                traceback.print_exc()
            else:
                _error(
                    f"internal error: {type(error).__name__}: {error} "
                    "(run with --debug for the traceback, and report it)"
                )
            raise typer.Exit(EXIT_BUG) from None

    return run  # type: ignore[return-value]


def command(name: str | None = None) -> Callable[[F], F]:
    """Register a guarded command; its docstring is its help."""

    def register(function: F) -> F:
        app.command(name)(_guarded(function))
        return function

    return register


def _parse_date(text: str) -> PartialDate:
    try:
        return PartialDate.parse(text.strip())
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Data folder laid out like the shipped data/ (default: $IRANCLASH_DATA, else the shipped data).",
        show_default=False,
    ),
]
FormatOption = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="Output format.", case_sensitive=False)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="Read the data files directly; neither use nor write the cache.")
]
SinceOption = Annotated[
    PartialDate | None,
    typer.Option(
        parser=_parse_date,
        metavar="DATE",
        help="Events on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY; 2021-07 means from 1 July).",
    ),
]
UntilOption = Annotated[
    PartialDate | None,
    typer.Option(
        parser=_parse_date,
        metavar="DATE",
        help="Events on or before DATE (2021-07 means up to 31 July).",
    ),
]
ActorOption = Annotated[
    str | None, typer.Option("--actor", help="Events this actor took part in (any name or alias).")
]
PlaceOption = Annotated[
    str | None,
    typer.Option("--place", help="Events at this place or anywhere inside it (any name or alias)."),
]
CountryOption = Annotated[str | None, typer.Option("--country", help="Events in this country.")]
TypeOption = Annotated[
    list[EventType] | None, typer.Option("--type", help="Events of this type (repeat for several).")
]


def _output(output: OutputFormat, as_json: bool) -> OutputFormat:
    if as_json and output not in (OutputFormat.TABLE, OutputFormat.JSON):
        raise UsageProblem(f"--json contradicts --format {output.value}")
    return OutputFormat.JSON if as_json else output


Question = Callable[[sqlite3.Connection], "query.Listing | query.Detail"]


def _answer(
    data: Path | None, no_cache: bool, question: Question, output: OutputFormat, as_json: bool
) -> None:
    """Open the data (from the cache when fresh), ask and print the answer.

    A cache found damaged (a record failing its checksum, a corrupt file) is rebuilt from
    the data files and asked again; output from the cache is held back until the whole
    answer has been read, so that damage found on the way never leaves half an answer.
    A query the store cannot run is a usage error, never damage.
    """
    from .checks import damage
    from .folder import resolve_data_dir

    chosen = _output(output, as_json)
    folder = resolve_data_dir(data)
    connection = _open(folder, no_cache, rebuild=False)
    try:
        try:
            _print(question(connection), chosen, hold=not no_cache)
        except sqlite3.Error as error:
            found = damage(connection, error)
            if no_cache or found is None:
                raise
            _warn(f"the cache is damaged ({found}); rebuilding it")
            connection.close()
            connection = _open(folder, no_cache, rebuild=True)
            _print(question(connection), chosen, hold=True)
    except sqlite3.Error as error:
        raise _store_error(connection, error, no_cache) from None
    finally:
        connection.close()


def _open(folder: Path, no_cache: bool, *, rebuild: bool) -> sqlite3.Connection:
    from .cache import open_store

    progress = _ProgressLine() if sys.stderr.isatty() else None
    try:
        return open_store(folder, use_cache=not no_cache, progress=progress, warn=_warn, rebuild=rebuild)
    finally:
        if progress:
            progress.close()


def _print(result: query.Listing | query.Detail, chosen: OutputFormat, *, hold: bool) -> None:
    """Render to stdout; a listing streamed from the cache is held back until all of it is read."""
    if not (hold and isinstance(result, query.Listing) and chosen in (OutputFormat.JSON, OutputFormat.JSONL)):
        render(result, chosen, sys.stdout)
        return
    held = _Held()
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


class _Held(io.RawIOBase):
    """Where a held answer's bytes go: memory up to 16 MiB, past that an unnamed temp file.

    A text layer on top encodes as stdout would (render escapes JSON by its encoding).
    """

    LIMIT = 1 << 24
    CHUNK = 1 << 20

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.kept = 0
        self.spill: BinaryIO | None = None

    def writable(self) -> bool:
        return True

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
    from .checks import damage

    found = damage(connection, error)
    if found is not None and not no_cache:
        return DataError.single(None, f"the cache is damaged ({found}); run 'iranclash cache clear'")
    if "too large" in str(error) or "too many" in str(error):
        return UsageProblem(f"the question is too large to answer ({error}); ask with fewer words or filters")
    return DataError.single(None, f"the query failed ({error})")


def _warn(message: str) -> None:
    _error(f"warning: {message}")


class _ProgressLine:
    """A progress bar on stderr for compiles that take more than a second."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.started < 1:
            return
        filled = round(30 * done / total)
        sys.stderr.write(
            f"\riranclash: compiling data [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} files"
        )
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _show(result: query.Listing | query.Detail, output: OutputFormat, as_json: bool) -> None:
    render(result, _output(output, as_json), sys.stdout)


@command("events")
def events_command(
    since: SinceOption = None,
    until: UntilOption = None,
    actor: ActorOption = None,
    place: PlaceOption = None,
    country: CountryOption = None,
    event_type: TypeOption = None,
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """List events, oldest first; filters compose.

    An imprecise date (2020-03, 2019) matches only when all of it lies inside the range.

    Example: iranclash events --since 2021-07-05 --actor "Kata'ib Hezbollah" --json
    """
    filters = query.EventFilter(since, until, actor, place, country, tuple(event_type or ()))
    _answer(data, no_cache, lambda store: query.events(store, filters), output, as_json)


@command("event")
def event_command(
    event_id: Annotated[str, typer.Argument(metavar="ID", help="The event's id (see 'iranclash events').")],
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Show one event with everything known about it and its sources.

    Example: iranclash event 2021-07-07-ain-al-assad-14-rockets
    """
    _answer(data, no_cache, lambda store: query.event(store, event_id), output, as_json)


@command("actors")
def actors_command(
    kind: Annotated[ActorKind | None, typer.Option("--kind", help="Only actors of this kind.")] = None,
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """List actors: militias, states, forces, people.

    Example: iranclash actors --kind militia
    """
    subkind = kind.value if kind else None
    _answer(data, no_cache, lambda store: query.actors(store, subkind), output, as_json)


@command("actor")
def actor_command(
    name: Annotated[str, typer.Argument(help="Any name, alias, abbreviation or spelling.")],
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Show an actor: aliases, umbrella and members, backers, events, quotes about it.

    Example: iranclash actor "Kata'ib Hezbollah"
    """
    _answer(data, no_cache, lambda store: query.actor(store, name), output, as_json)


@command("places")
def places_command(
    kind: Annotated[PlaceKind | None, typer.Option("--kind", help="Only places of this kind.")] = None,
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """List places: border crossings, bases, cities, provinces.

    Example: iranclash places --kind air-base
    """
    subkind = kind.value if kind else None
    _answer(data, no_cache, lambda store: query.places(store, subkind), output, as_json)


@command("place")
def place_command(
    name: Annotated[str, typer.Argument(help="Any name, alias or spelling.")],
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Show a place with its events, what it lies in, and why it matters.

    Example: iranclash place "Ain al-Asad"
    """
    _answer(data, no_cache, lambda store: query.place(store, name), output, as_json)


@command("crossings")
def crossings_command(
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """List the Iraq-Syria border crossings: both sides, status, since when, significance.

    Example: iranclash crossings --format csv
    """
    _answer(data, no_cache, lambda store: query.crossings(store), output, as_json)


@command("analysts")
def analysts_command(
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """List the analysts quoted, with their affiliations.

    Example: iranclash analysts
    """
    _answer(data, no_cache, lambda store: query.analysts(store), output, as_json)


@command("analyst")
def analyst_command(
    name: Annotated[str, typer.Argument(help="Name or surname.")],
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Show an analyst: affiliation, interview, every quote with its footnote.

    Example: iranclash analyst Heras
    """
    _answer(data, no_cache, lambda store: query.analyst(store, name), output, as_json)


@command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="Words to look for (all must appear).")],
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Find every record that mentions TEXT, best matches first.

    Example: iranclash search rockets
    """
    _answer(data, no_cache, lambda store: query.search(store, text), output, as_json)


@command("summary")
def summary_command(
    since: SinceOption = None,
    until: UntilOption = None,
    actor: ActorOption = None,
    place: PlaceOption = None,
    country: CountryOption = None,
    event_type: TypeOption = None,
    data: DataOption = None,
    no_cache: NoCacheOption = False,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """The picture at a glance: counts by type, month, place and actor; munitions; casualties.

    Takes the same filters as 'events'.

    Example: iranclash summary --since 2021-06
    """
    filters = query.EventFilter(since, until, actor, place, country, tuple(event_type or ()))
    _answer(data, no_cache, lambda store: query.summary(store, filters), output, as_json)


@command("info")
def info_command(
    data: DataOption = None,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Show the version, the data folder in use, and where its cache is and whether it is fresh.

    Example: iranclash info
    """
    import platform

    from . import cache
    from .folder import data_files, resolve_data_dir

    folder = resolve_data_dir(data)
    details: dict[str, object] = {
        "version": __version__,
        "python": platform.python_version(),
        "data_folder": str(folder),
        "data_files": len(data_files(folder)),
    }
    try:
        details["cache_dir"] = str(cache.cache_dir())
        details["cache_file"] = str(cache.cache_path(folder))
        details["cache_status"] = cache.status(folder)
        details["cache_bytes"] = cache.size(folder)
    except cache.CacheUnavailable as problem:
        _warn(f"not using the cache: {problem}")
        details.update(cache_dir=None, cache_file=None, cache_status="bypassed", cache_bytes=0)
    fields = tuple((key.replace("_", " ").capitalize(), value) for key, value in details.items())
    _show(query.Detail("iranclash", details, fields), output, as_json)


cache_app = typer.Typer(**{**_SETTINGS, "help": "Manage the compiled cache of data folders."})
app.add_typer(cache_app, name="cache")


@cache_app.command("clear")
@_guarded
def cache_clear_command() -> None:
    """Delete every compiled cache file; the next query rebuilds what it needs.

    Example: iranclash cache clear
    """
    from . import cache

    try:
        removed = cache.clear()
    except cache.CacheUnavailable as problem:
        _warn(f"no cache to clear: {problem}")
        return
    _error(f"removed {removed} cache file{'s' if removed != 1 else ''} from {cache.cache_dir()}")


@command("validate")
def validate_command(
    folder: Annotated[
        Path | None, typer.Argument(metavar="[DIR]", help="Data folder to check (default: as for --data).")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    as_json: JsonOption = False,
) -> None:
    """Check a data folder and list every problem with its file and line; exit 1 if any.

    Example: iranclash validate ./my-data
    """
    from .cache import compile_folder
    from .folder import builtin_data_dir, resolve_data_dir

    target = resolve_data_dir(folder)
    connection = sqlite3.connect(":memory:")  # compile_folder attaches the checked views
    try:
        compile_folder(target, connection)
    except DataError as error:
        _show(_problem_listing(error.problems), output, as_json)
        _error(f"error: {len(error.problems)} problem{'s' if len(error.problems) > 1 else ''} in {target}")
        raise typer.Exit(1) from None
    counts = dict(connection.execute("SELECT kind, count(*) FROM record GROUP BY kind ORDER BY kind"))
    shown = "built-in data" if target == builtin_data_dir() else str(target)
    detail = query.Detail(
        f"{shown}: valid",
        {"folder": str(target), "valid": True, "records": counts},
        tuple((f"{kind}s", count) for kind, count in counts.items()),
    )
    _show(detail, output, as_json)


def _problem_listing(problems: list[Problem]) -> query.Listing:
    from . import jsonout

    items = [
        jsonout.dumps(
            {
                "file": str(problem.path) if problem.path else None,
                "line": problem.line,
                "column": problem.column,
                "record": problem.record,
                "field": problem.field,
                "message": problem.message,
                "text": str(problem),
            }
        )
        for problem in problems
    ]
    return query.Listing("Problems", items, (query.Column("Problem", lambda row: row["text"]),))


def main() -> None:
    """Console-script entry point: quiet on a closed pipe, 130 on Ctrl-C."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    # Under a non-UTF-8 locale Python keeps undecodable argument bytes as lone surrogates,
    # which no database or output stream accepts: read the arguments as UTF-8 instead.
    sys.argv[1:] = [
        argument.encode("utf-8", "surrogateescape").decode("utf-8", "replace") for argument in sys.argv[1:]
    ]
    try:
        _app_for(sys.argv[1:])()
    except KeyboardInterrupt:
        _error("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(0)
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()


def _app_for(arguments: list[str]) -> typer.Typer:
    """The app with only the command being run, when the first argument names one.

    Typer builds the parameters of every command before it runs one: 11 ms of
    start-up for twelve commands, which a query in a shell loop pays each time.
    """
    name = arguments[0] if arguments else None
    chosen = [info for info in app.registered_commands if info.name == name]
    if not chosen:
        return app
    single = typer.Typer(**_SETTINGS)
    single.registered_callback = app.registered_callback
    single.registered_commands = chosen
    return single


def _silence_stdout() -> None:
    """After the reader of a pipe has gone, send what is left nowhere, without a warning."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
