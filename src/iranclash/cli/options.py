"""The Typer app and the options its commands share: the groups (where the data is, how to
print, the event filters, list shaping) that :func:`command` adds to each command that asks
for them and hands over as one value, the choices, and the parsers of dates and paths."""

from __future__ import annotations

import functools
import inspect
import os
import sys
import textwrap
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple, TypeVar

import typer

from iranclash import __version__
from iranclash.ask import query
from iranclash.cli.answer import F, Group, Question, answer_question, guarded, state
from iranclash.core.dates import PartialDate
from iranclash.core.errors import UsageProblem
from iranclash.output.render import Output, OutputFormat

if TYPE_CHECKING:
    from iranclash.ask.shape import Shape
from iranclash.core.vocabulary import EventType

SETTINGS: dict[str, Any] = {
    "cls": Group,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "no_args_is_help": True,
    "add_completion": False,
    # Help as wide as the terminal, so that no command's description is cut with "...".
    "context_settings": {"help_option_names": ["-h", "--help"], "max_content_width": 160},
    "help": "Look up facts on the U.S.-Iran proxy conflict in Iraq and Syria: events, actors, "
    "places, border crossings, analysts and their quotes, each with its source.\n\n"
    "\b\nExamples:\n"
    "  iranclash events --since 2021-07\n"
    '  iranclash actor "Kata\'ib Hezbollah"\n'
    "  iranclash search drone --limit 5\n"
    "  iranclash summary --by month\n"
    "  iranclash completion bash   (the shell completion script)",
}
app = typer.Typer(**SETTINGS)


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
    state["debug"] = debug


E = TypeVar("E", bound=Enum)

#: The largest --limit: SQLite's integers end at 2^63 - 1.
_MOST = 2**63 - 1


def choice_option(name: str, vocabulary: type[E], noun: str, help: str, metavar: str) -> Any:
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
        raise typer.BadParameter(f"{text!r} is not {noun}{hint}")

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


def help_text(doc: str | None) -> str:
    """A docstring as help: its Examples paragraph kept line by line, not re-flowed (Click's
    \\b marker). Typer dedents the docstring itself; this runs for every command at import,
    so it is a plain replacement of the command docstrings' indented "Example"."""
    return (doc or "").replace("\n    Example", "\n    \b\n    Example")


def parse_date(text: str) -> PartialDate:
    try:
        return PartialDate.parse(text.strip())
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


def parse_day(text: str) -> str:
    """A day as YYYY-MM-DD, checked (``--accessed``)."""
    day = parse_date(text)
    if day.precision.value != "day":
        raise typer.BadParameter(f"{text.strip()[:40]!r} is not a day: use YYYY-MM-DD")
    return day.text


def parse_path(text: str) -> Path:
    """A file or folder name as typed; Click's own path type would stat it, and fail on text
    that no file name can hold (a lone surrogate) with a traceback instead of a usage error."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise typer.BadParameter(f"{text!a} is not a file name") from None
    return Path(text)


def parse_folder(text: str) -> Path:
    """A data folder as typed, the word ``builtin`` naming the shipped data."""
    from iranclash.ingest.folder import folder_named

    parse_path(text)  # the word is told apart on the text as typed: Path drops the "./"
    return folder_named(text)


# --- shell completion ------------------------------------------------------------------


def completer(kind: str | None) -> Callable[[typer.Context, str], list[tuple[str, str]]]:
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
        answer_question(self.folders, not self.use_cache, question, output, strict=self.strict)


def output_of(
    output: OutputFormat, as_json: bool, wide: bool, no_pager: bool = False, escape_formulas: bool = False
) -> Output:
    if as_json and output not in (OutputFormat.TABLE, OutputFormat.JSON):
        raise UsageProblem(f"--json contradicts --format {output.value}")
    if escape_formulas and output is not OutputFormat.CSV:
        raise UsageProblem("--escape-formulas is for --format csv")
    return Output(
        OutputFormat.JSON if as_json else output,
        wide=wide,
        escape_formulas=escape_formulas,
        page=not no_pager,
    )


ESCAPE_FORMULAS = typer.Option(
    "--escape-formulas",
    help="CSV for a spreadsheet: a cell that would run as a formula (=, +, -, @) starts with ' "
    "(off: CSV keeps every value exact).",
)

DATA = OptionGroup(
    "source",
    lambda: (
        _option(
            "data",
            Annotated[
                list[Path] | None,
                typer.Option(
                    "--data",
                    parser=parse_folder,
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


class TextFormat(str, Enum):
    """The output formats of a command whose answer cannot be drawn on a map."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    MARKDOWN = "markdown"


class MapFormat(str, Enum):
    """The output formats of a command whose answer can be drawn on a map."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    GEOJSON = "geojson"
    MARKDOWN = "markdown"


class PasteFormat(str, Enum):
    """The output formats of ``corroborate``, whose --accept can print YAML lines to paste."""

    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    MARKDOWN = "markdown"
    YAML = "yaml"


def output_options(*, geojson: bool = False, wide: bool = True, yaml: bool = False) -> OptionGroup:
    """How to print: --format (geojson among the formats only where a map can be drawn, yaml
    only where there are lines to paste), --json, --wide (only where a table has more to
    show), --no-pager."""
    formats = (
        "table, json, jsonl, csv, markdown, or geojson"
        if geojson
        else "table, json, jsonl, csv, markdown, or yaml (with --accept)"
        if yaml
        else "table, json, jsonl, csv, or markdown"
    )
    chosen: type[Enum] = MapFormat if geojson else PasteFormat if yaml else TextFormat

    def declare() -> tuple[inspect.Parameter, ...]:
        options = [
            _option(
                "output_format",
                Annotated[
                    chosen,
                    typer.Option(
                        "--format",
                        "-f",
                        metavar="FORMAT",
                        help=f"Output format: {formats}.",
                        case_sensitive=False,
                    ),
                ],
                chosen("table"),
            ),
            _option("as_json", Annotated[bool, typer.Option("--json", help="Same as --format json.")], False),
            _option(
                "no_pager",
                Annotated[
                    bool,
                    typer.Option(
                        "--no-pager",
                        help="Print a long table straight to the terminal, not through the pager "
                        "($IRANCLASH_PAGER, else $PAGER, else 'less -FRX'; never when piped).",
                    ),
                ],
                False,
            ),
            _option("escape_formulas", Annotated[bool, ESCAPE_FORMULAS], False),
        ]
        if wide:
            options.insert(
                2,
                _option(
                    "wide",
                    Annotated[
                        bool,
                        typer.Option(
                            "--wide",
                            help="Tables show every column and cut no text "
                            "(CSV and JSON always have everything).",
                        ),
                    ],
                    False,
                ),
            )
        return tuple(options)

    def collect(
        output_format: Enum, as_json: bool, no_pager: bool, escape_formulas: bool, wide: bool = False
    ) -> Output:
        return output_of(OutputFormat(output_format.value), as_json, wide, no_pager, escape_formulas)

    return OptionGroup("output", declare, collect)


#: How to print, for most commands; ``output_options`` for those that draw a map
#: (``geojson=True``) or whose answer has nothing more to show with --wide (``wide=False``).
OUTPUT = output_options()
FILTERS = OptionGroup(
    "filters",
    lambda: (
        _option(
            "since",
            Annotated[
                PartialDate | None,
                typer.Option(
                    parser=parse_date,
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
                    parser=parse_date,
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
                    autocompletion=completer("actor"),
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
                    autocompletion=completer("place"),
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
                choice_option(
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
                int | None,
                typer.Option("--limit", min=0, max=_MOST, metavar="N", help="Show at most N records."),
            ],
            None,
        ),
    ),
    lambda fields, sort, reverse, limit: shape_of(fields, limit, sort, reverse),
)


def command(name: str, *groups: OptionGroup, parent: typer.Typer | None = None) -> Callable[[F], F]:
    """Register a guarded command with the option groups it takes; its docstring is its help."""

    def register(function: F) -> F:
        (parent or app).command(name)(guarded(_Command(function, groups)))
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
        self.__doc__ = help_text(function.__doc__)
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


def shape_of(fields: str | None, limit: int | None, sort: str | None, reverse: bool) -> Shape | None:
    """The list options as one value; None when none is given, so that a plain listing
    does not import what shapes one."""
    if fields is None and limit is None and sort is None and not reverse:
        return None
    from iranclash.ask.shape import Shape

    return Shape.parse(fields, limit, sort, reverse)
