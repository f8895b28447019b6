"""The command line: parse options, open the data, ask ``query``, hand the result to ``render``.

Every command runs inside :func:`_guarded`, the one place that turns the
library's errors into a line on stderr and an exit status (``errors.ExitStatus``).
The options most commands share (where the data is, how to print) are declared
once, as option groups that :func:`command` adds to each command that asks for
them and hands over as one value.
"""

from __future__ import annotations

import functools
import inspect
import io
import os
import sqlite3
import sys
import textwrap
import time
import traceback
from collections.abc import Callable, Iterator
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, BinaryIO, NamedTuple, TextIO, TypeVar, cast

import typer

from iranclash import __version__
from iranclash.ask import query
from iranclash.core.dates import PartialDate
from iranclash.core.errors import DataError, ExitStatus, IranclashError, OutputError, Problem, UsageProblem
from iranclash.core.results import Column, Detail, Listing, Section
from iranclash.output.render import Output, OutputFormat, render
from iranclash.output.text import visible

if TYPE_CHECKING:
    from iranclash.ask.shape import Shape
    from iranclash.core.analyst_results import Chart, Document, Mapped, Outline
from iranclash.core.vocabulary import ActorKind, CitationStyle, Dataset, EventType, Grain, PlaceKind

_SETTINGS: dict[str, Any] = {
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "no_args_is_help": True,
    "add_completion": False,
    "context_settings": {"help_option_names": ["-h", "--help"]},
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


def _exit_status(error: BaseException) -> int:
    """The one place an exception becomes a line on stderr and an exit status."""
    if isinstance(error, IranclashError):
        _error(f"error: {error}")
        return error.exit_code
    if isinstance(error, KeyboardInterrupt):
        _error("interrupted")
        return ExitStatus.INTERRUPTED
    if isinstance(error, BrokenPipeError):
        # The reader of our output has gone (``| head -1``): nothing is wrong.
        _silence_stdout()
        return ExitStatus.OK
    if _state["debug"]:
        traceback.print_exception(error)
    else:
        _error(
            f"internal error: {type(error).__name__}: {error} "
            "(run with --debug for the traceback, and report it)"
        )
    return ExitStatus.INTERNAL


def _guarded(command: F) -> F:
    """Run a command so that whatever it raises ends as :func:`_exit_status` says; a bug
    never dumps local variables."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except (typer.Exit, typer.Abort, OutputError):
            raise
        except (Exception, KeyboardInterrupt) as error:
            raise typer.Exit(_exit_status(error)) from None

    return run  # type: ignore[return-value]


E = TypeVar("E", bound=Enum)


def _choice_option(name: str, vocabulary: type[E], noun: str, help: str, metavar: str) -> Any:
    """An option taking a value of ``vocabulary`` (in any case), with the values in its help
    and its completions. A value not among them is a usage error that names the nearest
    values rather than listing all of them."""
    values = [str(member.value) for member in vocabulary]

    def parse(text: str) -> str:
        typed = "-".join(text.casefold().replace("_", " ").split())
        if typed in values:
            return typed
        near = _nearest(typed, values)
        hint = f"; did you mean {' or '.join(repr(value) for value in near)}?" if near else ""
        raise typer.BadParameter(f"{text!r} is not {noun}{hint} (see --help for all)")

    def complete(incomplete: str) -> list[str]:
        return [value for value in values if value.startswith(incomplete.casefold())]

    # Lines of whole words, never broken at a hyphen; "\b" keeps click from re-flowing them.
    text = textwrap.fill(f"{help} {metavar} is one of: {', '.join(values)}.", 52, break_on_hyphens=False)
    return typer.Option(name, metavar=metavar, help="\b\n" + text, parser=parse, autocompletion=complete)


def _nearest(typed: str, values: list[str]) -> list[str]:
    """Up to three values close to ``typed``: those it spells without their hyphens, those it
    begins or is a part of, then those spelled alike."""
    import difflib

    joined = typed.replace("-", "")
    same = [value for value in values if value.replace("-", "") == joined]
    parts = [value for value in values if typed and (value.startswith(typed) or typed in value.split("-"))]
    alike = difflib.get_close_matches(typed, values, n=3, cutoff=0.6)
    return list(dict.fromkeys([*same, *parts, *alike]))[:3]


def _help(doc: str | None) -> str:
    """A docstring as help: its Examples paragraph kept line by line, not re-flowed (Click's
    \\b marker). Typer dedents the docstring itself; this runs for every command at import,
    so it is a plain replacement of the command docstrings' indented "Example"."""
    return (doc or "").replace("\n    Example", "\n    \b\n    Example")


def _parse_date(text: str) -> PartialDate:
    try:
        return PartialDate.parse(text.strip())
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def _parse_path(text: str) -> Path:
    """A file or folder name as typed; Click's own path type would stat it, and fail on text
    that no file name can hold (a lone surrogate) with a traceback instead of a usage error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise typer.BadParameter(f"{text!a} is not a file name") from None
    return Path(text)


def _parse_folder(text: str) -> Path:
    """A data folder as typed, the word ``builtin`` naming the shipped data."""
    from iranclash.ingest.folder import folder_named

    _parse_path(text)  # the word is told apart on the text as typed: Path drops the "./"
    return folder_named(text)


# --- shell completion ------------------------------------------------------------------


def _completer(kind: str | None) -> Callable[[typer.Context, str], list[tuple[str, str]]]:
    """Shell completion of record ids of ``kind`` (None: the kind the command looks up),
    read from the data the command line names so far (``--data``), else the default."""

    def complete(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
        from iranclash.cli.complete import LOOKUPS, record_ids
        from iranclash.ingest.folder import folder_named

        wanted = kind or LOOKUPS.get(ctx.command.name or "")
        data = ctx.params.get("data")  # strings: completion parses without converting
        given = [data] if isinstance(data, (str, Path)) else list(data or ())
        folders = tuple(
            folder_named(str(item)) for item in given if isinstance(item, (str, Path)) and str(item)
        )
        return record_ids(wanted, incomplete, folders) if wanted else []

    return complete


# --- options shared by several commands ----------------------------------------------


def _option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)


class OptionGroup:
    """Options several commands take, given to each command function as one value.

    ``command`` adds ``parameters`` to the command's own, and passes what they
    parsed to ``collect``; the function receives the result as ``keyword``. (A plain
    class: see ``results`` on what a dataclass costs at start-up.)
    """

    def __init__(
        self, keyword: str, declare: Callable[[], tuple[inspect.Parameter, ...]], collect: Callable[..., Any]
    ) -> None:
        self.keyword = keyword
        self.declare = declare
        self.collect = collect

    @functools.cached_property
    def parameters(self) -> tuple[inspect.Parameter, ...]:
        """Declared when a command that takes them is built, not at every start-up."""
        return self.declare()


class DataChoice(NamedTuple):
    """Which data folders to read (none given: the default), whether through the cache, and
    whether a note on an export's rows is an error (``strict``)."""

    folders: tuple[Path, ...]
    use_cache: bool
    strict: bool = False

    def answer(self, question: Question, output: Output, shape: Shape | None = None) -> None:
        if shape is not None and shape.active:
            from iranclash.ask.shape import shaping

            if shape.fields and output.format is OutputFormat.GEOJSON:
                raise UsageProblem("--fields does not apply to --format geojson, whose fields are fixed")
            question = shaping(question, shape)
        if output.format is OutputFormat.GEOJSON:
            from iranclash.output.geo import mapped

            question = mapped(question)
        _answer(self.folders, not self.use_cache, question, output, strict=self.strict)


def _output(output: OutputFormat, as_json: bool, wide: bool) -> Output:
    if as_json and output not in (OutputFormat.TABLE, OutputFormat.JSON):
        raise UsageProblem(f"--json contradicts --format {output.value}")
    return Output(OutputFormat.JSON if as_json else output, wide)


DATA = OptionGroup(
    "source",
    lambda: (
        _option(
            "data",
            Annotated[
                list[Path] | None,
                typer.Option(
                    "--data",
                    parser=_parse_folder,
                    metavar="DIR",
                    help="Data folder laid out like the shipped data/; give it again to read several "
                    "together, 'builtin' naming the shipped data (default: $IRANCLASH_DATA, "
                    f"folders separated by '{os.pathsep}', else the shipped data).",
                    show_default=False,
                ),
            ],
            None,
        ),
        _option(
            "no_cache",
            Annotated[
                bool,
                typer.Option(
                    "--no-cache",
                    help="Read the data files directly; neither use nor write the cache.",
                ),
            ],
            False,
        ),
        _option(
            "strict",
            Annotated[
                bool,
                typer.Option(
                    "--strict",
                    help="Refuse the data if a row of an export was read with notes or set aside.",
                ),
            ],
            False,
        ),
    ),
    lambda data, no_cache, strict: DataChoice(tuple(data or ()), not no_cache, strict),
)
OUTPUT = OptionGroup(
    "output",
    lambda: (
        _option(
            "output_format",
            Annotated[
                OutputFormat,
                typer.Option(
                    "--format",
                    "-f",
                    metavar="FORMAT",
                    help="Output format: table, json, jsonl, csv, markdown, or geojson (events, places).",
                    case_sensitive=False,
                ),
            ],
            OutputFormat.TABLE,
        ),
        _option("as_json", Annotated[bool, typer.Option("--json", help="Same as --format json.")], False),
        _option(
            "wide",
            Annotated[
                bool,
                typer.Option(
                    "--wide",
                    help="Tables show every column and cut no text (CSV and JSON always have everything).",
                ),
            ],
            False,
        ),
    ),
    lambda output_format, as_json, wide: _output(output_format, as_json, wide),
)
FILTERS = OptionGroup(
    "filters",
    lambda: (
        _option(
            "since",
            Annotated[
                PartialDate | None,
                typer.Option(
                    parser=_parse_date,
                    metavar="DATE",
                    help="Events on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY; 2021-07 means from 1 July).",
                ),
            ],
            None,
        ),
        _option(
            "until",
            Annotated[
                PartialDate | None,
                typer.Option(
                    parser=_parse_date,
                    metavar="DATE",
                    help="Events on or before DATE (2021-07 means up to 31 July).",
                ),
            ],
            None,
        ),
        _option(
            "actor",
            Annotated[
                str | None,
                typer.Option(
                    "--actor",
                    metavar="NAME",
                    help="Events this actor took part in (any name or alias).",
                    autocompletion=_completer("actor"),
                ),
            ],
            None,
        ),
        _option(
            "place",
            Annotated[
                str | None,
                typer.Option(
                    "--place",
                    metavar="NAME",
                    help="Events at this place or anywhere inside it (any name or alias).",
                    autocompletion=_completer("place"),
                ),
            ],
            None,
        ),
        _option(
            "country",
            Annotated[str | None, typer.Option("--country", metavar="NAME", help="Events in this country.")],
            None,
        ),
        _option(
            "event_type",
            Annotated[
                list[EventType] | None,
                _choice_option(
                    "--type", EventType, "an event type", "Events of this type (repeat for several).", "TYPE"
                ),
            ],
            None,
        ),
        _option(
            "overlap",
            Annotated[
                bool,
                typer.Option(
                    "--overlap",
                    help="With --since/--until: also events whose imprecise dates (2021, 2020-03) "
                    "only partly fall in the range.",
                ),
            ],
            False,
        ),
    ),
    lambda since, until, actor, place, country, event_type, overlap: query.EventFilter(
        since, until, actor, place, country, tuple(event_type or ()), overlap
    ),
)


LIST = OptionGroup(
    "shape",
    lambda: (
        _option(
            "fields",
            Annotated[
                str | None,
                typer.Option(
                    "--fields",
                    metavar="A,B,...",
                    help="Show only these fields, in this order ('--fields list' lists them).",
                ),
            ],
            None,
        ),
        _option(
            "sort",
            Annotated[str | None, typer.Option("--sort", metavar="FIELD", help="Sort by this field.")],
            None,
        ),
        _option("reverse", Annotated[bool, typer.Option("--reverse", help="Reverse the order.")], False),
        _option(
            "limit",
            Annotated[
                int | None, typer.Option("--limit", min=0, metavar="N", help="Show at most N records.")
            ],
            None,
        ),
    ),
    lambda fields, sort, reverse, limit: _shape(fields, limit, sort, reverse),
)


def command(name: str, *groups: OptionGroup, parent: typer.Typer | None = None) -> Callable[[F], F]:
    """Register a guarded command with the option groups it takes; its docstring is its help."""

    def register(function: F) -> F:
        (parent or app).command(name)(_guarded(_Command(function, groups)))
        return function

    return register


class _Command:
    """A command's callback: the function's own parameters, then its option groups', each
    group handed to the function as one value.

    The combined signature is worked out only when Typer builds the command: a run builds
    just the command it runs, and reading every command's annotations at import would
    cost each start-up 3 ms.
    """

    def __init__(self, function: Callable[..., None], groups: tuple[OptionGroup, ...]) -> None:
        self.function = function
        self.groups = groups
        self.__name__ = function.__name__
        self.__doc__ = _help(function.__doc__)
        # Typer reads types from the signature's annotations, evaluated once there; the
        # guard's own (``*args: Any``) would be evaluated against this object's missing globals.
        self.__annotations__: dict[str, Any] = {}

    @functools.cached_property
    def __signature__(self) -> inspect.Signature:
        own = inspect.signature(self.function)
        keywords = {group.keyword for group in self.groups}
        # Only the command's own annotations are evaluated: the groups' values (Shape, say)
        # are types that need not be imported for Typer to build the command.
        namespace = getattr(self.function, "__globals__", {})
        parameters = [
            parameter.replace(annotation=eval(parameter.annotation, namespace))
            if isinstance(parameter.annotation, str)
            else parameter
            for parameter in own.parameters.values()
            if parameter.name not in keywords
        ]
        shared = [parameter for group in self.groups for parameter in group.parameters]
        return own.replace(parameters=[*parameters, *shared])

    def __call__(self, **arguments: Any) -> None:
        for group in self.groups:
            values = {parameter.name: arguments.pop(parameter.name) for parameter in group.parameters}
            arguments[group.keyword] = group.collect(**values)
        self.function(**arguments)


Question = Callable[[sqlite3.Connection], "Listing | Detail | Outline | Document | Mapped | Chart"]


def _answer(
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


def _accounted(connection: sqlite3.Connection, strict: bool) -> None:
    """Say what became of each export's rows where they were compiled just now (one line a
    file, on stderr); with ``strict``, refuse data where any row was not read as it is."""
    if not (strict or getattr(connection, "compiled", False)):
        return
    from iranclash.build.store import accounts

    found = accounts(connection)
    if getattr(connection, "compiled", False):
        for account in found:
            _error(account.summary())
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

    progress = _ProgressLine() if sys.stderr.isatty() else None
    try:
        return open_store(
            folder,
            use_cache=not no_cache,
            progress=progress,
            warn=_warn,
            rebuild=rebuild,
            precompute=store_summary,
        )
    finally:
        if progress:
            progress.close()


def _print(result: Any, chosen: Output, *, hold: bool) -> None:
    """Render to stdout; machine output read from the cache is held back until all of it is
    read, so that damage found on the way never leaves half a JSON document behind."""
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


def _warn(message: str) -> None:
    _error(f"warning: {message}")


class _ProgressLine:
    """A progress bar on stderr for work that takes more than a second."""

    def __init__(self, doing: str = "compiling data", unit: str = "files") -> None:
        self.started = time.monotonic()
        self.shown = False
        self.doing = doing
        self.unit = unit

    def __call__(self, done: float, total: int) -> None:
        """Show ``done`` of ``total`` (a file read partly moves the bar, not the count)."""
        if time.monotonic() - self.started < 1 or total <= 0:
            return
        filled = round(30 * done / total)
        sys.stderr.write(
            f"\riranclash: {self.doing} [{'#' * filled}{'.' * (30 - filled)}] {int(done)}/{total} {self.unit}"
        )
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _show(result: Listing | Detail, output: Output) -> None:
    render(result, output, sys.stdout)


def _evidenced(question: Question, wanted: bool) -> Question:
    """The lookup, with the Evidence section of ``--sources`` when it is wanted."""
    if not wanted:
        return question

    def evidenced(store: sqlite3.Connection) -> Any:
        from iranclash.ask.evidence import with_evidence

        answer = question(store)
        return with_evidence(store, answer) if isinstance(answer, Detail) else answer

    return evidenced


def _shape(fields: str | None, limit: int | None, sort: str | None, reverse: bool) -> Shape | None:
    """The list options as one value; None when none is given, so that a plain listing
    does not import what shapes one."""
    if fields is None and limit is None and sort is None and not reverse:
        return None
    from iranclash.ask.shape import Shape

    return Shape.parse(fields, limit, sort, reverse)


# --- commands ------------------------------------------------------------------------

SourcesOption = Annotated[
    bool,
    typer.Option("--sources", help="Also show which quote names which field (an Evidence section)."),
]
IdArgument = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="The event's id (see 'iranclash events').", autocompletion=_completer(None)
    ),
]
NameArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help="Any name, alias, abbreviation or spelling.", autocompletion=_completer(None)
    ),
]


def _filtered(
    filters: query.EventFilter,
    ask: Question,
    source: DataChoice,
    output: Output,
    shape: Shape | None = None,
) -> None:
    """Answer a date-filtered question; in a table, say on stderr how many events with
    imprecise dates the range left out (JSON and CSV stay exactly the answer)."""
    left_out = [0]

    def question(store: sqlite3.Connection) -> Any:
        if output.format is OutputFormat.TABLE:
            left_out[0] = query.imprecise_left_out(store, filters)
        return ask(store)

    source.answer(question, output, shape)
    if left_out[0]:
        count = left_out[0]
        _error(
            f"note: {count} more event{'s' if count != 1 else ''} with imprecise dates may fall in "
            "this range: --overlap includes them"
        )


@command("events", FILTERS, DATA, OUTPUT, LIST)
def events_command(
    *, filters: query.EventFilter, source: DataChoice, output: Output, shape: Shape | None
) -> None:
    """List events, oldest first; filters compose.

    An imprecise date (2020-03, 2019) matches only when all of it lies inside the range;
    --overlap also takes those that only partly do.

    Examples:
      iranclash events --since 2021-07-05
      iranclash events --type rocket-attack --actor "Kata'ib Hezbollah" --wide
      iranclash events --place Anbar --json
    """
    _filtered(filters, lambda store: query.events(store, filters), source, output, shape)


@command("event", DATA, OUTPUT)
def event_command(
    event_id: IdArgument, sources: SourcesOption = False, *, source: DataChoice, output: Output
) -> None:
    """Show one event with everything known about it and its sources.

    Examples:
      iranclash event 2021-07-07-ain-al-assad-14-rockets
      iranclash event 2021-07-07-ain-al-assad-14-rockets --sources
    """
    source.answer(_evidenced(lambda store: query.event(store, event_id), sources), output)


@command("actors", DATA, OUTPUT, LIST)
def actors_command(
    kind: Annotated[
        ActorKind | None,
        _choice_option("--kind", ActorKind, "an actor kind", "Only actors of this kind.", "KIND"),
    ] = None,
    *,
    source: DataChoice,
    output: Output,
    shape: Shape | None,
) -> None:
    """List actors: militias, states, forces, people.

    Examples:
      iranclash actors --kind militia
      iranclash actors --wide
    """
    subkind = kind.value if kind else None
    source.answer(lambda store: query.actors(store, subkind), output, shape)


@command("actor", DATA, OUTPUT)
def actor_command(
    name: NameArgument, sources: SourcesOption = False, *, source: DataChoice, output: Output
) -> None:
    """Show an actor: aliases, umbrella and members, backers, events, quotes about it.

    Examples:
      iranclash actor "Kata'ib Hezbollah"
      iranclash actor KH --json
    """
    source.answer(_evidenced(lambda store: query.actor(store, name), sources), output)


@command("places", DATA, OUTPUT, LIST)
def places_command(
    kind: Annotated[
        PlaceKind | None,
        _choice_option("--kind", PlaceKind, "a place kind", "Only places of this kind.", "KIND"),
    ] = None,
    *,
    source: DataChoice,
    output: Output,
    shape: Shape | None,
) -> None:
    """List places: border crossings, bases, cities, provinces.

    Examples:
      iranclash places --kind air-base
      iranclash places --wide
    """
    subkind = kind.value if kind else None
    source.answer(lambda store: query.places(store, subkind), output, shape)


@command("place", DATA, OUTPUT)
def place_command(
    name: NameArgument, sources: SourcesOption = False, *, source: DataChoice, output: Output
) -> None:
    """Show a place with its events, what it lies in, and why it matters.

    Examples:
      iranclash place "Ain al-Asad"
      iranclash place Anbar --json
    """
    source.answer(_evidenced(lambda store: query.place(store, name), sources), output)


@command("crossings", DATA, OUTPUT, LIST)
def crossings_command(*, source: DataChoice, output: Output, shape: Shape | None) -> None:
    """List the Iraq-Syria border crossings: both sides, status, since when, significance.

    Examples:
      iranclash crossings --wide
      iranclash crossings --format csv
    """
    source.answer(query.crossings, output, shape)


@command("analysts", DATA, OUTPUT, LIST)
def analysts_command(*, source: DataChoice, output: Output, shape: Shape | None) -> None:
    """List the analysts quoted, with their affiliations.

    Examples:
      iranclash analysts
      iranclash analysts --json
    """
    source.answer(query.analysts, output, shape)


@command("analyst", DATA, OUTPUT)
def analyst_command(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="Name or surname.", autocompletion=_completer(None))
    ],
    sources: SourcesOption = False,
    *,
    source: DataChoice,
    output: Output,
) -> None:
    """Show an analyst: affiliation, interview, every quote with its footnote.

    Examples:
      iranclash analyst Heras
      iranclash analyst "Khalil Jahshan" --json
    """
    source.answer(_evidenced(lambda store: query.analyst(store, name), sources), output)


@command("search", DATA, OUTPUT, LIST)
def search_command(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="Words to look for (all must appear).")],
    *,
    source: DataChoice,
    output: Output,
    shape: Shape | None,
) -> None:
    """Find every record that mentions TEXT, best matches first.

    Examples:
      iranclash search rockets
      iranclash search "Green Zone" --format jsonl
    """
    from iranclash.ask.snippets import explained

    source.answer(lambda store: explained(query.search(store, text), text), output, shape)


@command("summary", FILTERS, DATA, OUTPUT)
def summary_command(
    by: Annotated[
        Grain | None,
        _choice_option("--by", Grain, "a grain", "Count by this, with a bar chart, one row each.", "GRAIN"),
    ] = None,
    *,
    filters: query.EventFilter,
    source: DataChoice,
    output: Output,
) -> None:
    """The picture at a glance: counts by type, month, place and actor; munitions; casualties.

    Takes the same filters as 'events'. Totals never say more than the sources: a missing
    figure makes a total "at least N" or "unknown", never 0. With --by, the events counted by
    week, month, year, type, place, actor or country, with munitions and casualties and a bar
    chart; events too vaguely dated for the period are counted apart.

    Examples:
      iranclash summary --since 2021-06
      iranclash summary --by month --since 2021-06
    """
    if by is not None:
        from iranclash.ask.counts import breakdown

        grain = Grain(by)
        _filtered(filters, lambda store: breakdown(store, grain, filters), source, output)
        return
    from iranclash.ask.summary import summary

    _filtered(filters, lambda store: summary(store, filters), source, output)


@command("info", DATA, OUTPUT)
def info_command(*, source: DataChoice, output: Output) -> None:
    """Show the version, the data folders in use, and where their cache is and whether it is fresh.

    Examples:
      iranclash info
      iranclash info --json
    """
    import platform

    from iranclash.build import cache
    from iranclash.ingest.folder import all_data_files, resolve_data_dirs

    folder = resolve_data_dirs(source.folders)
    details: dict[str, object] = {
        "version": __version__,
        "python": platform.python_version(),
        "data_folder": os.pathsep.join(str(path) for path in folder),
        "data_files": len(all_data_files(folder)),
    }
    try:
        details["cache_dir"] = str(cache.cache_dir())
        details["cache_file"] = str(cache.cache_path(folder))
        details["cache_status"] = cache.status(folder) if source.use_cache else "not used (--no-cache)"
        details["cache_bytes"] = cache.size(folder)
        found = cache.export_accounts(folder) if source.use_cache else None
    except cache.CacheUnavailable as problem:
        _warn(f"not using the cache: {problem}")
        details.update(cache_dir=None, cache_file=None, cache_status="bypassed", cache_bytes=0)
        found = None
    details["data_folders"] = [str(path) for path in folder]
    # What became of each export's rows, as the fresh cache keeps it (null: no fresh cache).
    details["exports"] = None if found is None else [account.to_data() for account in found]
    listed = {
        "data_folder": ("Data folders", " | ".join(str(path) for path in folder)),
        "data_folders": None,  # listed in the row above
        "exports": ("Exports", "unknown until the cache is built" if found is None else None),
    }
    fields = tuple(
        row
        for key, value in details.items()
        for row in [listed.get(key, (key.replace("_", " ").capitalize(), value))]
        if row is not None
    ) + tuple(("Export", account.summary()) for account in found or ())
    _show(Detail("iranclash", details, fields), output)


cache_app = typer.Typer(**{**_SETTINGS, "help": "Manage the compiled cache of data folders."})
app.add_typer(cache_app, name="cache")


@command("clear", parent=cache_app)
def cache_clear_command() -> None:
    """Delete every compiled cache file; the next query rebuilds what it needs.

    Example:
      iranclash cache clear
    """
    from iranclash.build import cache

    try:
        removed = cache.clear()
    except cache.CacheUnavailable as problem:
        _warn(f"no cache to clear: {problem}")
        return
    _error(f"removed {removed} cache file{'s' if removed != 1 else ''} from {cache.cache_dir()}")


@command("validate", OUTPUT)
def validate_command(
    folder: Annotated[
        list[Path] | None,
        typer.Argument(
            parser=_parse_folder,
            metavar="[DIR]...",
            help="Data folders to check together, 'builtin' naming the shipped data "
            "(default: as for --data).",
            show_default=False,
        ),
    ] = None,
    *,
    strict: Annotated[
        bool, typer.Option("--strict", help="Count every note on an export's rows as an error.")
    ] = False,
    output: Output,
) -> None:
    """Check data folders (read together): every problem, and every note on an export's rows.

    Exits 1 for a problem in the curated YAML (each listed with its file and line) or an
    export row set aside; rows read with notes are listed, every note of each, and are
    no error unless --strict.

    Examples:
      iranclash validate
      iranclash validate ./my-data --json
      iranclash validate builtin ./my-data
    """
    from iranclash.build.compile import compile_folder
    from iranclash.build.store import accounts
    from iranclash.ingest.folder import builtin_data_dir, resolve_data_dirs

    targets = resolve_data_dirs(tuple(folder or ()))
    named = os.pathsep.join(str(target) for target in targets)
    connection = sqlite3.connect(":memory:")  # compile_folder attaches the checked views
    notes: list[Problem] = []
    try:
        compile_folder(targets, connection, told=notes.append)
    except DataError as error:
        _show(_problem_listing(error.problems), output)
        _error(f"error: {len(error.problems)} problem{'s' if len(error.problems) > 1 else ''} in {named}")
        raise typer.Exit(ExitStatus.ERROR) from None
    counts = query.record_counts(connection)
    read = accounts(connection)
    set_aside = sum(account.set_aside for account in read)
    noted = sum(account.noted for account in read)
    valid = not set_aside and not (strict and noted)
    shown = "built-in data" if targets == (builtin_data_dir(),) else named
    listing = _problem_listing(notes)
    detail = Detail(
        f"{shown}: {'valid' if valid else 'not valid'}",
        {
            "folder": named,
            "valid": valid,
            "records": counts,
            "exports": [account.to_data() for account in read],
            "notes": listing.rows,
        },
        tuple((f"{kind}s", count) for kind, count in counts.items()),
        (
            Section(
                "Exports",
                (
                    Column("File", lambda row: row["file"]),
                    Column("Rows", lambda row: f"{row['rows']:,}"),
                    Column("Read", lambda row: f"{row['read']:,}"),
                    Column("With notes", lambda row: f"{row['with_notes']:,}"),
                    Column("Set aside", lambda row: f"{row['set_aside']:,}"),
                ),
                [account.to_data() for account in read],
            ),
            Section("Notes on export rows", listing.columns, listing.rows),
        ),
    )
    _show(detail, output)
    for account in read:
        _error(account.summary())
    if not valid:
        _error(
            f"error: {set_aside:,} row{'s' if set_aside != 1 else ''} set aside"
            + (f", {noted:,} read with notes (--strict)" if strict and noted else "")
            + f" in {named}"
        )
        raise typer.Exit(ExitStatus.ERROR)


@command("import", OUTPUT)
def import_command(
    dataset: Annotated[
        Dataset,
        typer.Argument(metavar="DATASET", help="acled or ucdp: the export's dataset.", show_default=False),
    ],
    file: Annotated[
        Path,
        typer.Argument(
            parser=_parse_path, metavar="FILE", help="The export, a CSV file.", show_default=False
        ),
    ],
    *,
    into: Annotated[
        Path,
        typer.Option(
            "--into",
            parser=_parse_path,
            metavar="DIR",
            help="Data folder to put it in, under acled/ or ucdp/ (made if missing).",
            show_default=False,
        ),
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a different file of the same name there.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Copy nothing if a row was read with notes or set aside.")
    ] = False,
    output: Output,
) -> None:
    """Check an ACLED or UCDP GED export row by row and copy it into a data folder.

    Every row is read as it is: what became of them (read, read with notes, set aside)
    is said on stderr. With --strict, nothing is copied if a row was not read as it is:
    each note is listed with its line and column (exit 1). The export itself is only read.

    Examples:
      iranclash import acled ~/Downloads/iraq-2021.csv --into ~/iraq-data
      iranclash import ucdp ged.csv --into ~/iraq-data --json
    """
    from iranclash.ingest.importer import import_export

    progress = _ProgressLine("checking", "lines") if sys.stderr.isatty() else None
    try:
        done = import_export(dataset.value, file, into, replace=replace, strict=strict, progress=progress)
    except DataError as error:
        if progress:
            progress.close()
            progress = None
        if len(error.problems) == 1 and error.problems[0].line in (None, 1):
            raise  # the file as a whole: one line, like any other bad data file
        _show(_problem_listing(error.problems), output)
        count = len(error.problems)
        _error(f"error: {count} problem{'s' if count > 1 else ''} in {file}; nothing was copied")
        raise typer.Exit(ExitStatus.ERROR) from None
    finally:
        if progress:
            progress.close()
    _error(done.account.summary())
    data = {
        "file": str(done.file),
        "dataset": done.dataset,
        "schema": done.schema,
        "rows": done.rows,
        "read": done.account.read,
        "with_notes": done.account.noted,
        "set_aside": done.account.set_aside,
        "action": done.action,
    }
    verb = {"copied": "copied to", "replaced": "replaced", "unchanged": "already at"}[done.action]
    _show(
        Detail(
            f"{done.rows} rows of {done.dataset.upper()} ({done.schema}) checked; {verb} {done.file}",
            data,
            tuple((key.replace("_", " ").capitalize(), value) for key, value in data.items()),
        ),
        output,
    )


def _problem_listing(problems: list[Problem]) -> Listing:
    from iranclash.core import jsonout

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
    return Listing("Problems", items, (Column("Problem", lambda row: row["text"]),))


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
    if _COMPLETE_VAR in os.environ:
        _complete()
        return
    try:
        _app_for(sys.argv[1:])()
    except (KeyboardInterrupt, BrokenPipeError) as error:
        sys.exit(_exit_status(error))
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()


#: Set by the shell completion scripts (README: "Shell completion") to ask for candidates.
_COMPLETE_VAR = "_IRANCLASH_COMPLETE"


def _complete() -> None:
    """Answer a shell's completion request through Typer's completion protocol, building only
    the command being completed once its name has been typed."""
    from typer._completion_classes import completion_init  # run by Typer only with add_completion

    completion_init()
    _app_for(_completed_words()[:1])(prog_name="iranclash", complete_var=_COMPLETE_VAR)


def _completed_words() -> list[str]:
    """The words after the program's name that the shell has finished, not the one at the cursor."""
    if "COMP_WORDS" in os.environ:  # bash
        words = os.environ["COMP_WORDS"].split()
        cursor = int(os.environ.get("COMP_CWORD") or 0)
        return words[1:cursor]
    line = os.environ.get("_TYPER_COMPLETE_ARGS", "")  # zsh and fish
    words = line.split()[1:]
    return words if line.endswith(" ") else words[:-1]


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


# --- analyst views: the timeline, chains -----------------------------------------------


@command("timeline", FILTERS, DATA, OUTPUT)
def timeline_command(*, filters: query.EventFilter, source: DataChoice, output: Output) -> None:
    """A chronology grouped by month, with the events that answer each event beneath it.

    Takes the same filters as 'events'. An event the data dates only to a year or
    decade is shown under that year or decade, never on a made-up month or day.

    Examples:
      iranclash timeline --since 2021-06
      iranclash timeline --actor "Kata'ib Hezbollah" --json
    """
    from iranclash.ask import timeline

    source.answer(lambda store: timeline.timeline(store, filters), output)


@command("chain", DATA, OUTPUT)
def chain_command(event_id: IdArgument, *, source: DataChoice, output: Output) -> None:
    """Everything that led to an event and everything it led to, as trees.

    Follows the 'responds to' links the data states, as far as they go, both ways.

    Examples:
      iranclash chain 2021-06-27-us-airstrikes-iraq-syria-border
      iranclash chain 2021-06-28-us-forces-return-fire-at-al-omar --json
    """
    from iranclash.ask import timeline

    source.answer(lambda store: timeline.chain(store, event_id), output)


# --- analyst views: sources and citations ----------------------------------------------


@command("sources", DATA, OUTPUT, LIST)
def sources_command(*, source: DataChoice, output: Output, shape: Shape | None) -> None:
    """List the sources: articles, the interviews they cite, reports; with how many records cite each.

    Examples:
      iranclash sources
      iranclash sources --fields id,title,cited_by --json
    """
    from iranclash.ask import cite

    source.answer(cite.sources, output, shape)


@command("cite", DATA, OUTPUT)
def cite_command(
    record_id: Annotated[
        str,
        typer.Argument(metavar="ID", help="Any record's id: event, actor, place, analyst, quote, source."),
    ],
    style: Annotated[
        CitationStyle,
        _choice_option("--style", CitationStyle, "a reference style", "Reference style.", "STYLE"),
    ] = CitationStyle.CHICAGO,
    *,
    source: DataChoice,
    output: Output,
) -> None:
    """The evidence behind a record: each verbatim quote with its footnote, whose words and
    when, and a reference for each source (Chicago note, BibTeX, RIS or CSL-JSON).

    With --style bibtex, ris or csl-json the reference file itself is printed, each entry
    carrying the quotes as notes, ready for Zotero or LaTeX; --json gives the evidence.

    Examples:
      iranclash cite 2021-07-07-ain-al-assad-14-rockets
      iranclash cite heras-iraq-is-the-prize --style bibtex
    """
    from iranclash.ask import cite

    chosen = CitationStyle(style)
    source.answer(lambda store: cite.cite(store, record_id, chosen), output)


# --- analyst views: the one-page report -----------------------------------------------


@command("report", FILTERS, DATA)
def report_command(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", metavar="FILE", help="Write the report here (default: standard output)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
    *,
    filters: query.EventFilter,
    source: DataChoice,
) -> None:
    """Write a one-page HTML report: timeline, chains, map, counts, every quote with its source.

    Takes the same filters as 'events'. The file is self-contained (no network): open it
    in any browser, on a phone, or print it.

    Examples:
      iranclash report --since 2021-06
      iranclash report --actor "Kata'ib Hezbollah"
    """
    import contextlib
    import tempfile

    from iranclash.ingest.folder import builtin_data_dir, resolve_data_dirs
    from iranclash.output.report import report

    folders = resolve_data_dirs(source.folders)
    label = (
        "the built-in data"
        if folders == (builtin_data_dir(),)
        else "the data folder"
        + ("s " if len(folders) > 1 else " ")
        + ", ".join("built-in" if path == builtin_data_dir() else path.name for path in folders)
    )
    question: Question = lambda store: report(store, filters, label=label)  # noqa: E731
    if out is None:
        source.answer(question, Output(OutputFormat.TABLE))
        return
    if out.is_dir():
        raise UsageProblem(f"{out} is a folder; give the report a file name")
    if out.exists() and not force:
        raise UsageProblem(f"{out} exists; give --force to replace it")
    target = out.resolve()
    try:
        handle, temporary = tempfile.mkstemp(prefix=".iranclash-", suffix=".html", dir=target.parent)
    except OSError as error:
        raise UsageProblem(f"cannot write {out}: {error.strerror}") from None
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)  # as an ordinary new file, not mkstemp's 0600
        with os.fdopen(handle, "w", encoding="utf-8") as stream, contextlib.redirect_stdout(stream):
            source.answer(question, Output(OutputFormat.TABLE))
        try:
            os.replace(temporary, target)
        except OSError as error:
            raise UsageProblem(f"cannot write {out}: {error.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    _error(f"wrote {out}")


# --- analyst views: exports ------------------------------------------------------------

export_app = typer.Typer(**{**_SETTINGS, "help": "Write the events in another data set's format."})
app.add_typer(export_app, name="export")


@command("acled", FILTERS, DATA, parent=export_app)
def export_acled_command(*, filters: query.EventFilter, source: DataChoice) -> None:
    """The events as CSV with ACLED's 31 columns, to sit beside an ACLED export.

    Takes the same filters as 'events'. Only events dated to the day are written (ACLED
    would code a vaguer date to a made-up day); how many were left out is said on stderr.

    Examples:
      iranclash export acled
      iranclash export acled --since 2021-06
    """
    from iranclash.output.acled_csv import export

    def left_out(count: int) -> None:
        if count:
            _warn(f"left out {count} event{'s' if count != 1 else ''} dated only to a month, year or decade")

    source.answer(lambda store: export(store, filters, left_out), Output(OutputFormat.TABLE))
