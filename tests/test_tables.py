"""Tables for people: what a terminal of 80 to 160 columns shows, what a pipe gets, and
the layout rules underneath (``iranclash.output.tables``) on cells chosen to test them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run
from iranclash.core.results import Fit
from iranclash.output import tables
from terminal import Screen, run_in_terminal

Cli = Callable[..., Run]
MakeData = Callable[..., Path]
WIDTHS = [80, 100, 120, 160]


def token(text: str) -> re.Pattern[str]:
    """``text`` whole: not part of a longer id, date or word."""
    return re.compile(rf"(?<![\w-]){re.escape(text)}(?![\w-])")


def rows_by_id(screen: Screen, ids: list[str]) -> list[list[str]]:
    """The lines of each record: from after the previous record's id line to its own.

    Records are listed in order and each id is on one line, so this is how a
    person reads the table: every line after the rule under the header, up to and
    including a record's id, belongs to it.
    """
    chunks: list[list[str]] = []
    lines = screen.lines
    start = next(number for number, line in enumerate(lines) if line.startswith(" ─")) + 1
    for identifier in ids:
        pattern = token(identifier)
        at = next((number for number in range(start, len(lines)) if pattern.search(lines[number])), None)
        assert at is not None, f"{identifier} is not whole on any line after line {start}:\n{screen.text}"
        chunks.append(lines[start : at + 1])
        start = at + 1
    return chunks


@pytest.fixture(scope="module")
def all_events() -> list[dict[str, Any]]:
    import json

    from typer.testing import CliRunner

    from iranclash.cli.commands import app

    result = CliRunner().invoke(app, ["events", "--json"])
    events: list[dict[str, Any]] = json.loads(result.stdout)
    return events


# --- on a terminal -------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_events_fit_the_terminal_with_every_id_and_date_whole(
    width: int, all_events: list[dict[str, Any]]
) -> None:
    screen = run_in_terminal("events", columns=width)
    assert screen.code == 0, screen
    too_long = [line for line in screen.lines if tables.cell_len(line) > width]
    assert not too_long, screen.text
    chunks = rows_by_id(screen, [event["id"] for event in all_events])
    for event, chunk in zip(all_events, chunks, strict=True):
        text = "\n".join(chunk)
        assert token(event["date"]).search(text), (event["id"], chunk)
        assert token(event["type"]).search(text), (event["id"], chunk)
        if width == 80:
            assert len(chunk) <= 3, chunk
    assert screen.lines[-1] == f"  {len(all_events)} found"


def test_events_at_80_columns_take_two_lines_each_and_cut_titles_after_a_word(
    all_events: list[dict[str, Any]],
) -> None:
    screen = run_in_terminal("events", columns=80)
    chunks = rows_by_id(screen, [event["id"] for event in all_events])
    assert {len(chunk) for chunk in chunks} == {2}
    header = screen.lines[2]
    start, end = header.index("Title"), header.index("Place")
    cut = 0
    for event, chunk in zip(all_events, chunks, strict=True):
        shown = chunk[0][start:end].strip()
        if shown != event["title"]:
            cut += 1
            assert shown.endswith("…") and len(shown) > 4, shown
            kept = shown[:-1]
            assert event["title"].startswith(kept) and event["title"][len(kept)] in " ,", (
                shown,
                event["title"],
            )
    assert cut, "at 80 columns long titles are cut"


@pytest.mark.parametrize("width", [40, 50])
def test_below_the_width_a_table_needs_records_become_blocks(cli: Cli, width: int) -> None:
    events = cli("events", "--since", "2021-07-05", "--json").json()
    screen = run_in_terminal("events", "--since", "2021-07-05", columns=width)
    assert screen.code == 0
    assert "…" not in screen.text  # a block cuts nothing
    assert [line for line in screen.lines if line.startswith("Date ")] == [
        f"Date   {event['date']}" for event in events
    ]
    assert sum(line.startswith("Type ") for line in screen.lines) == len(events)
    if width == 50:
        assert [line for line in screen.lines if line.startswith("ID ")] == [
            f"ID     {event['id']}" for event in events
        ]
        assert all(tables.cell_len(line) <= width for line in screen.lines), screen.text
    flat = re.sub(r"\s+", " ", screen.text)
    for event in events:
        assert event["title"] in flat


def test_wide_shows_every_column_and_cuts_nothing(cli: Cli) -> None:
    compact = run_in_terminal("events", "--since", "2021-07-05", columns=160)
    wide = run_in_terminal("events", "--since", "2021-07-05", "--wide", columns=160)
    assert wide.code == 0
    for header in ("Actors", "Munitions", "Casualties", "Certainty"):
        assert header not in compact.lines[2]
        assert header in " ".join(wide.lines[2:4])
    assert "…" not in wide.text
    assert all(tables.cell_len(line) <= 160 for line in wide.lines)
    events = cli("events", "--since", "2021-07-05", "--json").json()
    rows_by_id(wide, [event["id"] for event in events])


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "command", [["actors"], ["places"], ["crossings"], ["analysts"], ["search", "rocket"]], ids=" ".join
)
def test_every_listing_fits_with_its_ids_whole(cli: Cli, command: list[str], width: int) -> None:
    ids = [record["id"] for record in cli(*command, "--json").json()]
    screen = run_in_terminal(*command, columns=width)
    assert screen.code == 0
    assert all(tables.cell_len(line) <= width for line in screen.lines), screen.text
    chunks = rows_by_id(screen, ids)
    assert max(len(chunk) for chunk in chunks) <= 2, screen.text


@pytest.mark.parametrize("width", [60, *WIDTHS])
@pytest.mark.parametrize(
    "command",
    [
        ["event", "2021-06-28-us-forces-return-fire-at-al-omar"],
        ["actor", "KH"],
        ["place", "Ain al-Asad"],
        ["analyst", "Gause"],
        ["summary"],
    ],
    ids=" ".join,
)
def test_lookups_fit_the_terminal_and_keep_ids_whole(cli: Cli, command: list[str], width: int) -> None:
    data = cli(*command, "--json").json()
    screen = run_in_terminal(*command, columns=width)
    assert screen.code == 0
    assert all(tables.cell_len(line) <= width for line in screen.lines), screen.text
    assert "…" not in screen.text  # a lookup shows everything
    # responds_to holds ids, as in the events listing; events and responses are records.
    linked = [
        event if isinstance(event, str) else event["id"]
        for key in ("events", "responds_to", "responses")
        if isinstance(data.get(key), list)
        for event in data[key]
    ]
    for identifier in linked:
        assert any(token(identifier).search(line) for line in screen.lines), identifier


# --- the sources of an event ------------------------------------------------------------


def test_event_sources_list_each_quote_once_and_the_source_once_beneath(cli: Cli) -> None:
    event_id = "2021-07-08-rockets-at-us-embassy-green-zone"
    data = cli("event", event_id, "--json").json()
    for screen_text in (cli("event", event_id).stdout, run_in_terminal("event", event_id, columns=80).text):
        flat = re.sub(r"\s+", " ", screen_text)
        for citation in data["sources"]:
            assert flat.count(citation["quote"]) == 1, citation["quote"]
        title = "U.S.-Iran Clashes in Syria and Iraq: Exchange of Messages or Serious Escalation?"
        assert flat.count(title) == 1
        after_quotes = flat[flat.index(data["sources"][-1]["quote"]) :]
        for label, value in [
            ("Source", title),
            ("Author", "Abdulaziz Kilani"),
            ("Publisher", "Gulf International Forum"),
            ("Date", "2021-07"),
        ]:
            assert f"{label} {value}" in after_quotes


def test_a_quote_cited_twice_is_listed_once_with_both_footnotes(
    cli: Cli, make_data: Callable[..., Path]
) -> None:
    folder = make_data(
        {
            "sources.yaml": """
                - id: report
                  kind: report
                  title: A field report
                  author: Jane Roe
                  publisher: Field Press
                  date: "2022-04"
                - id: memo
                  kind: other
                  title: An internal memo
            """,
            "events.yaml": """
                - id: first-attack
                  date: "2022-03-04"
                  type: rocket-attack
                  title: Rockets hit North Base
                  sources:
                    - {source: report, quote: "Three rockets hit North Base.", footnote: 4}
                    - {source: report, quote: "Three rockets hit North Base.", footnote: 9}
                    - {source: report, quote: "Nobody was hurt."}
                    - {source: memo, quote: "Rockets, again."}
            """,
        }
    )
    run = cli("event", "first-attack", "--data", str(folder))
    assert run.exit_code == 0, run
    lines = run.stdout.splitlines()
    assert run.stdout.count("Three rockets hit North Base.") == 1
    assert "  4, 9      Three rockets hit North Base." in lines
    assert "Sources (1 of 2)" in lines and "Sources (2 of 2)" in lines
    first = lines.index("Sources (1 of 2)")
    second = lines.index("Sources (2 of 2)")
    assert lines[first : second - 1] == [
        "Sources (1 of 2)",
        "",
        "  Footnote  Quote",
        " " + "─" * 40,
        "  4, 9      Three rockets hit North Base.",
        "            Nobody was hurt.",
        "",
        "  Source     A field report",
        "  Author     Jane Roe",
        "  Publisher  Field Press",
        "  Date       2022-04",
    ]
    # A source without footnotes gets no footnote column.
    assert "  Quote" in lines[second:]
    assert "  Source  An internal memo" in lines[second:]


# --- piped ------------------------------------------------------------------------------


@pytest.mark.parametrize("columns", ["", "40", "80"])
def test_piped_events_are_one_line_each_with_nothing_cut(cli: Cli, columns: str) -> None:
    events = cli("events", "--json").json()
    run = cli("events", env={"COLUMNS": columns} if columns else None)
    assert run.exit_code == 0
    assert "…" not in run.stdout
    for event in events:
        lines = [line for line in run.stdout.splitlines() if token(event["id"]).search(line)]
        assert len(lines) == 1, event["id"]
        assert event["title"] in lines[0]
        assert token(event["date"]).search(lines[0])
    assert len(run.stdout.splitlines()) == len(events) + 6  # title, blank, header, rule; blank, count


def test_piped_wide_events_carry_every_column_on_the_line(cli: Cli) -> None:
    events = cli("events", "--json").json()
    run = cli("events", "--wide")
    header = run.stdout.splitlines()[2].split()
    assert header == [
        "Date",
        "Type",
        "Title",
        "Place",
        "Actors",
        "Munitions",
        "Casualties",
        "Certainty",
        "ID",
    ]
    for event in events:
        (line,) = [line for line in run.stdout.splitlines() if token(event["id"]).search(line)]
        assert token(event["certainty"]).search(line)


# --- the layout rules -------------------------------------------------------------------


def test_shorten_cuts_after_a_whole_word_and_only_mid_word_when_no_word_fits() -> None:
    assert tables.shorten("Ain al-Assad air base, Anbar province", 24) == "Ain al-Assad air base…"
    assert tables.shorten("Ain al-Assad air base, Anbar province", 12) == "Ain…"
    assert tables.shorten("Supercalifragilistic rockets", 8) == "Superca…"
    assert tables.shorten("fits exactly", 12) == "fits exactly"
    # Wide characters count as two cells.
    assert tables.shorten("中文 中文 中文", 7) == "中文…"


def test_wrap_breaks_at_spaces_and_folds_only_words_longer_than_a_line() -> None:
    assert tables.wrap("one two three four", 9) == ["one two", "three", "four"]
    assert tables.wrap("2021-07-08-rockets-at-us-embassy", 10) == [
        "2021-07-08",
        "-rockets-a",
        "t-us-embas",
        "sy",
    ]
    assert tables.wrap("a\nb  c", 80) == ["a b c"]


def grid(rows: list[list[str]], fits: list[Fit], cut: bool = True) -> tables.Grid:
    return tables.Grid([f"H{index}" for index in range(len(fits))], fits, rows, cut)


def plain(lines: list[tables.Line]) -> list[str]:
    return ["".join(text for text, _style in line).rstrip() for line in lines]


def test_an_id_moves_beneath_its_row_before_a_table_turns_into_blocks() -> None:
    rows = [["2022-01-01", "a title of some length that will not fit", "an-identifier-of-thirty-chars-x"]]
    fits = [Fit.WHOLE, Fit.CUT, Fit.ID]
    one_line = plain(tables.table_lines(grid(rows, fits), 100))
    assert one_line[2:] == [
        "  2022-01-01  a title of some length that will not fit  an-identifier-of-thirty-chars-x"
    ]
    beneath = plain(tables.table_lines(grid(rows, fits), 60))
    assert beneath[:2] == ["  H0          H1", "              H2"]
    assert beneath[3:] == [
        "  2022-01-01  a title of some length that will not fit",
        "              an-identifier-of-thirty-chars-x",
    ]
    # Beneath the second column it would not fit: it starts at the left.
    cut = plain(tables.table_lines(grid(rows, fits), 40))
    assert cut[3:] == ["  2022-01-01  a title of some length…", "  an-identifier-of-thirty-chars-x"]
    blocks = plain(tables.table_lines(grid(rows, fits), 30))
    assert blocks == [
        "H0  2022-01-01",
        "H1  a title of some length",
        "    that will not fit",
        "H2:",
        "an-identifier-of-thirty-chars-",
        "x",
    ]
    # An id that fits the width, though not beside its label, stays whole beneath it.
    assert plain(tables.table_lines(grid(rows, fits), 32))[-2:] == ["H2:", "an-identifier-of-thirty-chars-x"]


def test_narrow_text_columns_stay_whole_while_long_ones_share_the_rest() -> None:
    rows = [["Walid (Iraq)", "x " * 40, "Tanf (Syria)", "tanf-walid"]]
    fits = [Fit.CUT, Fit.CUT, Fit.CUT, Fit.ID]
    lines = plain(tables.table_lines(grid(rows, fits), 70))
    assert lines[2].startswith("  Walid (Iraq)  x x")
    assert lines[2].endswith("…  Tanf (Syria)  tanf-walid")
    assert max(len(line) for line in lines) <= 70


def test_values_too_cramped_beside_long_labels_go_beneath_them() -> None:
    lines = plain(
        tables.labelled("Also known as (general knowledge)", "Kataib Hezbollah, KH", Fit.WRAP, 33, 60)
    )
    assert lines == ["Also known as (general knowledge): Kataib Hezbollah, KH"]
    lines = plain(tables.labelled("Description", "word " * 20, Fit.WRAP, 33, 40))
    assert lines == ["Description:", *["  " + " ".join(["word"] * 7)] * 2, "  " + " ".join(["word"] * 6)]
    lines = plain(
        tables.labelled("Also known as (general knowledge)", "Kataib Hezbollah, KH", Fit.WRAP, 33, 80)
    )
    assert lines == ["Also known as (general knowledge)  Kataib Hezbollah, KH"]


def test_prose_wraps_and_rows_of_wrapped_prose_stand_apart() -> None:
    rows = [["1", "word " * 12], ["2", "short"]]
    lines = plain(tables.table_lines(grid(rows, [Fit.WHOLE, Fit.WRAP]), 30))
    assert lines[2:] == [
        "  1   word word word word word",
        "      word word word word word",
        "      word word",
        "",
        "  2   short",
    ]


def test_piped_tables_are_unbounded() -> None:
    rows = [["x" * 300, "y-" * 100]]
    lines = plain(tables.table_lines(grid(rows, [Fit.CUT, Fit.ID]), None))
    assert lines[2] == "  " + "x" * 300 + "  " + "y-" * 100


def test_a_narrow_terminal_wraps_titles_too() -> None:
    screen = run_in_terminal("event", "2021-07-08-rockets-at-us-embassy-green-zone", columns=40)
    assert screen.code == 0
    assert screen.lines[:5] == [
        "Two rockets fired at the U.S. Embassy in",
        "the Green Zone",
        "Date        2021-07-08 (morning; year",
        "            inferred: the source does",
        "            not state it)",
    ]
    assert all(tables.cell_len(line) <= 40 for line in screen.lines), screen.text


# --- many records -----------------------------------------------------------------------

MANY = 1004


def many_events() -> dict[str, str]:
    events = "".join(
        f"""
        - id: e{number:04d}
          date: "2022-03-{number % 28 + 1:02d}"
          type: rocket-attack
          title: Rockets number {number} {"with a longer title " * (number == MANY - 1)}
          places: [north-base]
          actors: [{{actor: alpha-brigade, role: attacker}}]
          sources: [{{source: report, quote: "Rockets."}}]
        """
        for number in range(MANY)
    )
    return {"events.yaml": events}


@pytest.mark.parametrize("width", [80, 120])
def test_a_terminal_shows_the_first_thousand_records_and_says_how_many_there_are(
    make_data: MakeData, tmp_path: Path, width: int
) -> None:
    folder = make_data(many_events())
    screen = run_in_terminal(
        "events", "--data", str(folder), columns=width, env={"IRANCLASH_CACHE_DIR": str(tmp_path / "cache")}
    )
    assert screen.code == 0, screen
    total = MANY
    shown = [line for line in screen.lines if re.search(r"\be\d{4}\b", line)]
    assert 998 <= len(shown) <= 1000
    # The note is wrapped at word ends beneath the table's indent, never by the terminal.
    last_blank = max(number for number, line in enumerate(screen.lines) if not line.strip())
    note = screen.lines[last_blank + 1 :]
    assert len(note) == (2 if width == 80 else 1)
    assert all(line.startswith("  ") and len(line) <= width for line in note)
    assert " ".join(line.strip() for line in note) == (
        f"1,000 of {total:,} shown: narrow them with filters or --limit, or pipe them or use --json"
        " or --format csv for all"
    )


def test_piped_and_csv_listings_have_every_record_aligned_to_the_widest(
    cli: Cli, make_data: MakeData
) -> None:
    """Read twice through a temporary file, they still have every record, and the columns
    are as wide as the widest cell, however late it comes."""
    folder = make_data(many_events())
    run = cli("events", "--data", str(folder))
    assert run.exit_code == 0, run
    lines = run.stdout.splitlines()
    rows = [line for line in lines if re.search(r"\be\d{4}$", line)]
    assert len(rows) == MANY and lines[-1] == f"  {MANY:,} found"
    # One title, among the last events read, is the longest: every id starts in the same
    # column, after its end.
    assert len({line.index(" e") for line in rows}) == 1
    (longest,) = [line for line in rows if "with a longer title" in line]
    assert "Rockets number 1003 with a longer title  " in longest
    assert longest.index(" e") == rows[0].index(" e")
    table = cli("events", "--data", str(folder), "--format", "csv")
    records = list(csv.DictReader(io.StringIO(table.stdout)))
    ids = [record["id"] for record in records]
    assert sorted(ids) == [f"e{number:04d}" for number in range(MANY)]


@pytest.mark.parametrize(
    ("lookup", "name", "option"),
    [("actor", "Alpha Brigade", "--actor alpha-brigade"), ("place", "North Base", "--place north-base")],
)
def test_a_lookup_nests_the_latest_thousand_events_and_says_how_to_list_them_all(
    cli: Cli, make_data: MakeData, lookup: str, name: str, option: str
) -> None:
    folder = make_data(many_events())
    every = cli("events", *option.split(), "--data", str(folder), "--json").json()
    assert len(every) == MANY
    record = cli(lookup, name, "--data", str(folder), "--json").json()
    assert record["events_total"] == MANY
    assert [event["id"] for event in record["events"]] == [event["id"] for event in every[-1000:]]
    table = cli(lookup, name, "--data", str(folder), env={"COLUMNS": "200"}).stdout
    expected = f"the latest 1,000 of {MANY:,} are shown; iranclash events {option} lists them all"
    assert any(line.split(None, 1) == ["Events", expected] for line in table.splitlines())


@pytest.mark.parametrize("arguments", [[], ["--sort", "date", "--reverse"], ["--fields", "id,date"]])
def test_a_limit_says_how_many_of_how_many_are_shown(cli: Cli, arguments: list[str]) -> None:
    total = len(cli("events", "--json").json())
    cut = cli("events", "--limit", "2", *arguments)
    assert cut.stdout.rstrip().endswith(f"2 of {total} shown"), cut.stdout
    screen = run_in_terminal("events", "--limit", "2", *arguments, columns=80)
    assert screen.lines[-1].strip() == f"2 of {total} shown", screen.text
    assert (
        cli("events", "--limit", "2", "--format", "markdown").stdout.rstrip().endswith(f"2 of {total} shown")
    )
    assert len(cli("events", "--limit", "2", "--json").json()) == 2
    everything = cli("events", "--limit", str(total))
    assert everything.stdout.rstrip().endswith(f"{total} found")


def test_counts_for_people_have_thousands_separators() -> None:
    from iranclash.output.text import counted

    assert counted(1000, 200_000) == "1,000 of 200,000 shown"
    assert counted(35, 35) == "35 found"
    assert counted(2, 35) == "2 of 35 shown"


@pytest.mark.parametrize(("width", "least"), [(80, 30), (120, 60)])
def test_event_titles_get_the_spare_width_first(width: int, least: int) -> None:
    screen = run_in_terminal("events", "--since", "2021-06", columns=width)
    header = next(line for line in screen.lines if line.strip().startswith("Date"))
    title_width = header.index("Place") - header.index("Title") - tables.GAP
    assert title_width >= least, screen.text
    assert "Biden orders U.S. airstrikes on" in screen.text
    assert max(len(line) for line in screen.lines) >= width - 4, "no width goes unused"


@pytest.mark.parametrize("width", [80, 120, 200])
def test_with_wide_the_layout_follows_the_width_not_the_records(width: int) -> None:
    layouts = set()
    for filters in (["--since", "2021-07-07"], ["--until", "2012"]):
        screen = run_in_terminal("events", *filters, "--wide", columns=width)
        layouts.add("table" if any(line.strip().startswith("Date ") for line in screen.lines) else "blocks")
    assert len(layouts) == 1, (width, layouts)


def test_a_snippet_is_cut_around_its_mark() -> None:
    text = "sources.quote: …the first words of a long quote, then the «drone» and what it did to the base…"
    for width in (24, 30, 40, 60):
        cut = tables.shorten(text, width)
        assert "«drone»" in cut and tables.cell_len(cut) <= width, (width, cut)
        assert cut.startswith("sources.quote: ") == (width >= 30), "the field where it leaves room"
    assert tables.shorten("«Drone» with explosives attacks Erbil airport", 20) == "«Drone» with…"
    assert tables.shorten("no mark here at all, only words", 12) == "no mark…"


@pytest.mark.parametrize("width", [80, 120])
def test_every_search_hit_shows_its_match(width: int) -> None:
    screen = run_in_terminal("search", "drone", columns=width)
    rows = [line for line in screen.lines if re.match(r"  (event|actor|place|analyst|source) ", line)]
    assert len(rows) >= 10
    assert all(re.search(r"«[Dd]rone»", line) for line in rows), screen.text


def test_a_right_to_left_run_is_wrapped_as_one_unit() -> None:
    arabic = "كتائب حزب الله"
    for width in (20, 30, 40, 44):
        lines = tables.wrap(f"Kataib Hizbullah, KH, Hezbollah Brigades, {arabic}", width)
        assert any(arabic in line for line in lines), (width, lines)
        assert all(tables.cell_len(line) <= width for line in lines)
    # A run wider than a line is broken where it must be, as any text is.
    long_run = " ".join([arabic] * 4)
    assert " ".join(tables.wrap(long_run, 20)) == long_run


def test_an_arabic_name_is_whole_on_a_terminal() -> None:
    screen = run_in_terminal("actor", "kataib-hezbollah", columns=80)
    assert any("كتائب حزب الله" in line for line in screen.lines), screen.text
