"""--fields, --sort, --reverse, --limit: the same records and fields in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator

import pytest

from conftest import Run
from iranclash.ask.shape import Shape, shaped
from iranclash.core.results import Listing

Cli = Callable[..., Run]

LISTS = [["events"], ["actors"], ["places"], ["crossings"], ["analysts"], ["search", "rockets"], ["sources"]]


@pytest.mark.parametrize("command", LISTS, ids=lambda c: c[0])
def test_every_list_command_takes_the_list_options(cli: Cli, command: list[str]) -> None:
    whole = cli(*command, "--json").json()
    assert len(whole) > 1
    run = cli(*command, "--fields", "id", "--limit", "2", "--reverse", "--json")
    assert run.exit_code == 0, run
    assert run.json() == [{"id": row["id"]} for row in list(reversed(whole))[:2]]


def test_fields_pick_and_order_the_fields_in_every_format(cli: Cli) -> None:
    arguments = ("events", "--since", "2021-07-07", "--fields", "title,date,id")
    rows = cli(*arguments, "--json").json()
    assert [list(row) for row in rows] == [["title", "date", "id"]] * 3
    table = list(csv.reader(io.StringIO(cli(*arguments, "--format", "csv").stdout)))
    assert table[0] == ["title", "date", "id"]
    assert table[1:] == [[row["title"], row["date"], row["id"]] for row in rows]
    lines = [json.loads(line) for line in cli(*arguments, "--format", "jsonl").stdout.splitlines()]
    assert lines == rows
    header = cli(*arguments, env={"COLUMNS": "200"}).stdout.splitlines()[2].split()
    assert header == ["title", "date", "id"]


def test_fields_list_names_the_fields(cli: Cli) -> None:
    names = [row["field"] for row in cli("events", "--fields", "list", "--json").json()]
    assert names[:4] == ["id", "date", "type", "title"]
    assert set(names) == set(cli("events", "--json").json()[0])


def test_sort_orders_text_without_case_and_missing_values_last(cli: Cli) -> None:
    actors = cli("actors", "--sort", "country", "--json").json()
    countries = [actor["country"] for actor in actors]
    known = [country for country in countries if country is not None]
    assert countries == sorted(known, key=str.casefold) + [None] * (len(countries) - len(known))
    names = [actor["name"] for actor in cli("actors", "--sort", "name", "--reverse", "--json").json()]
    assert names == sorted(names, key=str.casefold, reverse=True)


def test_sort_by_date_sorts_a_partial_date_by_its_span(cli: Cli) -> None:
    events = cli("events", "--sort", "date", "--json").json()
    spans = [(event["date_start"], event["date_end"]) for event in events]
    assert spans == sorted(spans)
    assert events[-1]["date"] == "2021-07-08"


def test_limit_zero_is_an_empty_list(cli: Cli) -> None:
    assert cli("events", "--limit", "0", "--json").json() == []
    assert cli("events", "--limit", "-1").exit_code == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--sort", "when"], "--sort: no field 'when'; the fields are id, date"),
        (["--fields", "id,when"], "--fields: no field 'when'"),
        (["--fields", ","], "--fields needs field names"),
    ],
)
def test_an_unknown_field_is_a_usage_error_naming_the_fields(
    cli: Cli, arguments: list[str], message: str
) -> None:
    run = cli("events", *arguments)
    assert run.exit_code == 2
    assert message in run.stderr
    assert run.stdout == ""


def test_list_options_and_geojson(cli: Cli) -> None:
    run = cli("events", "--sort", "date", "--reverse", "--limit", "2", "--format", "geojson")
    features = run.json()["features"]
    assert [feature["id"] for feature in features] == [
        "2021-07-08-rockets-at-us-embassy-green-zone",
        "2021-07-07-ain-al-assad-14-rockets",
    ]
    refused = cli("events", "--fields", "id", "--format", "geojson")
    assert refused.exit_code == 2
    assert "--fields does not apply to --format geojson" in refused.stderr


# --- streaming ----------------------------------------------------------------------------

TIED = [{"id": f"r{n}", "group": n % 3, "name": f"Name {n % 4}"} for n in range(12)]


def _listing(rows: list[dict[str, object]]) -> Listing:
    return Listing("rows", (json.dumps(row) for row in rows), ())


@pytest.mark.parametrize("sort", [None, "group", "name"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("limit", [None, 0, 1, 5, 12, 20])
def test_shaping_a_stream_gives_what_sorting_the_whole_list_would(
    sort: str | None, reverse: bool, limit: int | None
) -> None:
    """Ties included: a stable sort of the whole list, reversed, then cut."""
    expected = sorted(TIED, key=lambda row: str(row[sort])) if sort else list(TIED)
    if reverse:
        expected.reverse()
    if limit is not None:
        expected = expected[:limit]
    result = shaped(_listing(TIED), Shape(None, limit, sort, reverse))
    assert [json.loads(item) for item in result.items] == expected


def test_limit_reads_only_the_records_it_prints() -> None:
    def records() -> Iterator[str]:
        yield from (json.dumps(row) for row in TIED[:3])
        raise AssertionError("read past the limit")

    result = shaped(Listing("rows", records(), ()), Shape(("id",), 3))
    assert [json.loads(item) for item in result.items] == [{"id": "r0"}, {"id": "r1"}, {"id": "r2"}]


def test_a_limit_beyond_what_sqlite_counts_is_a_usage_error() -> None:
    """A real process, as the fuzzing that found it (exit 70: SQLite's integers end at 2^63 - 1)."""
    import subprocess
    import sys

    most = str(2**63 - 1)
    beyond = subprocess.run(
        [sys.executable, "-m", "iranclash", "events", "--limit", str(2**63), "--json"],
        capture_output=True,
        text=True,
    )
    assert beyond.returncode == 2, beyond
    assert most in beyond.stderr and "Traceback" not in beyond.stderr
    at_most = subprocess.run(
        [sys.executable, "-m", "iranclash", "events", "--limit", most, "--json"],
        capture_output=True,
        text=True,
    )
    assert at_most.returncode == 0, at_most
    assert len(json.loads(at_most.stdout)) > 30
