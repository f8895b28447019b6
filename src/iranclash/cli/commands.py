"""The commands: each parses what is particular to it, then hands its question to
``answer`` (open the data, ask ``ask``, hand the result to ``output.render``)."""

from __future__ import annotations

import os
import sqlite3
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from iranclash import __version__
from iranclash.ask import query
from iranclash.cli.answer import (
    ProgressLine,
    Question,
    evidenced,
    exit_status,
    say,
    show,
    silence_stdout,
    warn,
)
from iranclash.cli.options import (
    DATA,
    ESCAPE_FORMULAS,
    FILTERS,
    LIST,
    OUTPUT,
    SETTINGS,
    DataChoice,
    app,
    choice_option,
    command,
    completer,
    output_options,
    parse_day,
    parse_folder,
    parse_path,
)
from iranclash.core.errors import DataError, ExitStatus, IranclashError, Problem, UsageProblem
from iranclash.core.results import Column, Detail, Listing, Section
from iranclash.output.render import Output, OutputFormat

if TYPE_CHECKING:
    from iranclash.ask.shape import Shape
from iranclash.core.vocabulary import ActorKind, CitationStyle, Dataset, Grain, PlaceKind

# --- commands ------------------------------------------------------------------------

SourcesOption = Annotated[
    bool,
    typer.Option("--sources", help="Also show which quote names which field (an Evidence section)."),
]
IdArgument = Annotated[
    str,
    typer.Argument(
        metavar="ID", help="The event's id (see 'iranclash events').", autocompletion=completer(None)
    ),
]
NameArgument = Annotated[
    str,
    typer.Argument(
        metavar="NAME", help="Any name, alias, abbreviation or spelling.", autocompletion=completer(None)
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
        say(
            f"note: {count} more event{'s' if count != 1 else ''} with imprecise dates may fall in "
            "this range: --overlap includes them"
        )


@command("events", FILTERS, DATA, output_options(geojson=True), LIST)
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
    source.answer(evidenced(lambda store: query.event(store, event_id), sources), output)


@command("actors", DATA, OUTPUT, LIST)
def actors_command(
    kind: Annotated[
        ActorKind | None,
        choice_option("--kind", ActorKind, "an actor kind", "Only actors of this kind.", "KIND"),
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
    source.answer(evidenced(lambda store: query.actor(store, name), sources), output)


@command("places", DATA, output_options(geojson=True), LIST)
def places_command(
    kind: Annotated[
        PlaceKind | None,
        choice_option("--kind", PlaceKind, "a place kind", "Only places of this kind.", "KIND"),
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
    source.answer(evidenced(lambda store: query.place(store, name), sources), output)


@command("crossings", DATA, output_options(geojson=True), LIST)
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
        str, typer.Argument(metavar="NAME", help="Name or surname.", autocompletion=completer(None))
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
    source.answer(evidenced(lambda store: query.analyst(store, name), sources), output)


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
        choice_option("--by", Grain, "a grain", "Count by this, with a bar chart, one row each.", "GRAIN"),
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


@command("info", DATA, output_options(wide=False))
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
        warn(f"not using the cache: {problem}")
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
    show(Detail("iranclash", details, fields), output)


cache_app = typer.Typer(
    **{
        **SETTINGS,
        "help": "Manage the compiled cache of data folders.\n\n"
        "\b\nExamples:\n"
        "  iranclash cache clear\n"
        "  iranclash info   (where the cache is, and whether it is fresh)",
    }
)
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
        warn(f"no cache to clear: {problem}")
        return
    except OSError as error:
        raise IranclashError(
            f"could not clear the cache in {cache.cache_dir()}: {error.strerror or error}"
        ) from None
    say(f"removed {removed} cache file{'s' if removed != 1 else ''} from {cache.cache_dir()}")


@command("validate", output_options(wide=False))
def validate_command(
    folder: Annotated[
        list[Path] | None,
        typer.Argument(
            parser=parse_folder,
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
        show(_problem_listing(error.problems), output)
        say(f"error: {len(error.problems)} problem{'s' if len(error.problems) > 1 else ''} in {named}")
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
    show(detail, output)
    for account in read:
        say(account.summary())
    if not valid:
        say(
            f"error: {set_aside:,} row{'s' if set_aside != 1 else ''} set aside"
            + (f", {noted:,} read with notes (--strict)" if strict and noted else "")
            + f" in {named}"
        )
        raise typer.Exit(ExitStatus.ERROR)


@command("import", output_options(wide=False))
def import_command(
    dataset: Annotated[
        Dataset,
        typer.Argument(metavar="DATASET", help="acled or ucdp: the export's dataset.", show_default=False),
    ],
    file: Annotated[
        Path,
        typer.Argument(parser=parse_path, metavar="FILE", help="The export, a CSV file.", show_default=False),
    ],
    *,
    into: Annotated[
        Path,
        typer.Option(
            "--into",
            parser=parse_path,
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

    progress = ProgressLine("checking") if sys.stderr.isatty() else None
    try:
        shown = progress.lines if progress else None
        done = import_export(dataset.value, file, into, replace=replace, strict=strict, progress=shown)
    except DataError as error:
        if progress:
            progress.close()
            progress = None
        if len(error.problems) == 1 and error.problems[0].line in (None, 1):
            raise  # the file as a whole: one line, like any other bad data file
        show(_problem_listing(error.problems), output)
        count = len(error.problems)
        say(f"error: {count} problem{'s' if count > 1 else ''} in {file}; nothing was copied")
        raise typer.Exit(ExitStatus.ERROR) from None
    finally:
        if progress:
            progress.close()
    say(done.account.summary())
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
    show(
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
    """Run the app on this process's arguments (``cli.launch.main``, the console script,
    calls it once signals and stdout are set up): quiet on a closed pipe, 130 on Ctrl-C."""
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
        sys.exit(exit_status(error))
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()


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
    single = typer.Typer(**SETTINGS)
    single.registered_callback = app.registered_callback
    single.registered_commands = chosen
    return single


# --- analyst views: the timeline, chains -----------------------------------------------


@command("timeline", FILTERS, DATA, output_options(geojson=True, wide=False))
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


@command("chain", DATA, output_options(wide=False))
def chain_command(event_id: IdArgument, *, source: DataChoice, output: Output) -> None:
    """Everything that led to an event and everything it led to, as trees.

    Follows the 'responds to' links the data states, as far as they go, both ways.

    Examples:
      iranclash chain 2021-06-27-us-airstrikes-iraq-syria-border
      iranclash chain 2021-06-28-us-forces-return-fire-at-al-omar --json
    """
    from iranclash.ask import timeline

    source.answer(lambda store: timeline.chain(store, event_id), output)


@command("corroborate", FILTERS, DATA, output_options(yaml=True), LIST)
def corroborate_command(
    event_id: Annotated[
        str | None,
        typer.Argument(
            metavar="[EVENT]",
            help="One curated event (an id, its start, or a row it is the same as); none: every event "
            "the filters select.",
            autocompletion=completer(None),
            show_default=False,
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            min=0,
            max=3650,
            metavar="N",
            help="Widen each event's dates by N days on each side (default: 1 around an event dated to "
            "the day, none around a vaguer one).",
            show_default=False,
        ),
    ] = None,
    km: Annotated[
        float | None,
        typer.Option(
            "--km",
            min=0.0,
            max=20000.0,
            metavar="KM",
            help="One radius for every pair of places (default: 25 km, 150 where either is known only to "
            "a region).",
            show_default=False,
        ),
    ] = None,
    unmatched: Annotated[
        bool,
        typer.Option(
            "--unmatched",
            help="Instead: the dataset rows in the events' period and area that no event accounts for.",
        ),
    ] = False,
    accept: Annotated[
        list[str] | None,
        typer.Option(
            "--accept",
            metavar="ROW",
            help="Record that EVENT is this dataset row: adds it to the event's same_as in its YAML file "
            "(with --format yaml: print the lines to paste instead).",
            show_default=False,
        ),
    ] = None,
    *,
    filters: query.EventFilter,
    source: DataChoice,
    output: Output,
    shape: Shape | None,
) -> None:
    """Each curated event beside the ACLED and UCDP rows that may record it, best first, with why.

    A row is a candidate when its dates overlap the event's (widened by --days) and its place
    lies within --km of the event's (or, with no coordinates, in the same named area); type and
    actors are scored and shown, never required. For one EVENT, its best rows side by side with
    the article: dates, place, type, munitions, casualties, attribution; each source keeps its
    own figures. Needs exports in a data folder's acled/ or ucdp/ (see 'iranclash import').

    Examples:
      iranclash corroborate --since 2021-07 --data builtin --data ~/acled
      iranclash corroborate 2021-07-07-ain --data builtin --data ~/acled
      iranclash corroborate --unmatched --data builtin --data ~/acled
      iranclash corroborate 2021-07-07-ain --accept acled:IRQ1 --data ~/iraq
    """
    from iranclash.ask import corroborate

    tolerance = corroborate.Tolerance(days, km)
    if unmatched and (event_id or accept):
        raise UsageProblem("--unmatched lists rows no event accounts for: it takes no EVENT and no --accept")
    if accept and not event_id:
        raise UsageProblem("--accept needs the EVENT the rows record")
    if output.format is OutputFormat.YAML and not accept:
        raise UsageProblem("--format yaml prints the lines --accept would write: give --accept ROW")
    if accept:
        assert event_id is not None
        _accept(event_id, accept, source, output)
        return
    if unmatched:

        def rows(store: sqlite3.Connection) -> Listing:
            where, params = query.event_where(store, filters)
            texts = corroborate.unmatched(store, where, params, tolerance)
            return Listing(
                "Dataset rows no curated event accounts for",
                texts,
                query.event_columns(store),
                lambda: len(texts),
            )

        source.answer(rows, output, shape)
        return
    if event_id is not None:
        chosen = event_id
        source.answer(
            lambda store: corroborate.detail(corroborate.for_event(store, chosen, tolerance), tolerance),
            output,
        )
        return

    def every(store: sqlite3.Connection) -> Listing:
        where, params = query.event_where(store, filters)
        return corroborate.listing(corroborate.corroboration(store, where, params, tolerance))

    source.answer(every, output, shape)


def _accept(event_text: str, rows: list[str], source: DataChoice, output: Output) -> None:
    """Check the event and rows against the data in use, then write the same_as, or with
    --format yaml print the lines to paste (as a text of its own, like a BibTeX file)."""
    from iranclash.ask import corroborate
    from iranclash.core.analyst_results import Document
    from iranclash.ingest import same_as
    from iranclash.ingest.folder import resolve_data_dirs

    def accepted(store: sqlite3.Connection) -> Detail | Document:
        event_id = corroborate.curated_event(store, event_text)["id"]
        row_ids = [corroborate.dataset_row(store, row) for row in rows]
        if output.format is OutputFormat.YAML:
            lines = same_as.same_as_lines(event_id, row_ids)
            return Document("same_as", lines, corroborate.accepted_detail(event_id, "", 0, row_ids, ()))
        done = same_as.accept(resolve_data_dirs(source.folders), event_id, row_ids)
        return corroborate.accepted_detail(event_id, str(done.path), done.line, done.added, done.already)

    shown = output._replace(format=OutputFormat.TABLE) if output.format is OutputFormat.YAML else output
    source.answer(accepted, shown)


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


@command("cite", DATA, output_options(wide=False))
def cite_command(
    record_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="Any record's id (event, actor, place, analyst, quote, source), a name, or an id's start.",
            autocompletion=completer(None),
        ),
    ],
    style: Annotated[
        CitationStyle,
        choice_option("--style", CitationStyle, "a reference style", "Reference style.", "STYLE"),
    ] = CitationStyle.CHICAGO,
    accessed: Annotated[
        str | None,
        typer.Option(
            "--accessed",
            parser=parse_day,
            metavar="DATE",
            help="The day you read the article online (YYYY-MM-DD), given with its URL.",
        ),
    ] = None,
    *,
    source: DataChoice,
    output: Output,
) -> None:
    """The evidence behind a record: each verbatim quote with its footnote, whose words and
    when. A reference for each source (Chicago note, BibTeX, RIS or CSL-JSON).

    With --style bibtex, ris or csl-json the reference file itself is printed, each entry
    carrying the quotes as notes, ready for Zotero or LaTeX; --json gives the evidence.
    A reference to a source online gives its URL, and with --accessed the day you read it.

    Examples:
      iranclash cite 2021-07-07-ain-al-assad-14-rockets
      iranclash cite KH
      iranclash cite heras-iraq-is-the-prize --style bibtex
    """
    from iranclash.ask import cite

    chosen = CitationStyle(style)
    source.answer(lambda store: cite.cite(store, record_id, chosen, accessed), output)


# --- analyst views: the one-page report -----------------------------------------------


@command("report", FILTERS, DATA)
def report_command(
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="FILE",
            help="Write the report here (default: standard output, if redirected).",
        ),
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
    import io

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
    if out is None and sys.stdout.isatty():
        # As gzip does: a page of HTML is for a browser, not for the terminal.
        raise UsageProblem(
            "the report is HTML, not written to a terminal: give --out\u00a0report.html, or redirect it"
        )
    if out is None:
        source.answer(question, Output(OutputFormat.TABLE))
        return
    from iranclash.ingest import destination

    found = destination.existing(out)
    if found is not None:
        destination.check_replaceable(out, found)
        if not force:
            raise UsageProblem(f"{out} exists; give --force to replace it")
    page = io.StringIO()
    with contextlib.redirect_stdout(page):
        source.answer(question, Output(OutputFormat.TABLE))
    destination.write(
        out, lambda descriptor: destination.write_all(descriptor, page.getvalue().encode()), replace=force
    )
    say(f"wrote {out}")


# --- analyst views: exports ------------------------------------------------------------

export_app = typer.Typer(
    **{
        **SETTINGS,
        "help": "Write the events in another data set's format.\n\n"
        "\b\nExamples:\n"
        "  iranclash export acled > events.csv\n"
        '  iranclash export acled --since 2021-06 --actor "Kata\'ib Hezbollah" > kh.csv',
    }
)
app.add_typer(export_app, name="export")


@command("acled", FILTERS, DATA, parent=export_app)
def export_acled_command(
    escape_formulas: Annotated[bool, ESCAPE_FORMULAS] = False,
    *,
    filters: query.EventFilter,
    source: DataChoice,
) -> None:
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
            warn(f"left out {count} event{'s' if count != 1 else ''} dated only to a month, year or decade")

    source.answer(
        lambda store: export(store, filters, left_out, escape_formulas=escape_formulas),
        Output(OutputFormat.TABLE),
    )


# --- shell completion --------------------------------------------------------------------


class Shell(str, Enum):
    BASH = "bash"
    ZSH = "zsh"
    FISH = "fish"


@command("completion")
def completion_command(
    shell: Annotated[Shell, typer.Argument(metavar="SHELL", help="bash, zsh or fish.", case_sensitive=False)],
) -> None:
    """Print the shell completion script for bash, zsh or fish, to load from the shell's start-up.

    Tab then completes commands, options, choices and the ids of the records in the data
    in use, each shown with its name where the shell shows descriptions. Install it with
    one line:

    \b
      eval "$(iranclash completion bash)"   in ~/.bashrc
      eval "$(iranclash completion zsh)"    in ~/.zshrc, after compinit
      iranclash completion fish > ~/.config/fish/completions/iranclash.fish

    Examples:
      iranclash completion bash
      iranclash completion fish
    """
    from typer._completion_shared import get_completion_script

    script = get_completion_script(prog_name="iranclash", complete_var=_COMPLETE_VAR, shell=shell.value)
    sys.stdout.write(script.strip("\n") + "\n")
