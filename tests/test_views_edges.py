"""The analyst views on awkward data: empty folders, markup and control-like text, every format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

Cli = Callable[..., Run]
MakeData = Callable[..., Path]

MARKUP = "[bold red]x[/] [link=file:///etc/passwd]y[/link] :smiley: <b>z</b> *w* | v"
VIEWS = [
    ["timeline"],
    ["chain", "first-attack"],
    ["sources"],
    ["cite", "first-attack"],
    ["cite", "report", "--style", "bibtex"],
    ["summary", "--by", "month"],
    ["summary", "--by", "actor"],
    ["search", "rockets"],
    ["export", "acled"],
]
FORMATS = ["table", "json", "jsonl", "csv", "markdown"]


@pytest.fixture
def marked(make_data: MakeData) -> Path:
    return make_data(
        {
            "events.yaml": f"""
                - id: first-attack
                  date: "2022-03-04"
                  type: rocket-attack
                  title: "Rockets {MARKUP}"
                  date_note: "{MARKUP}"
                  places: [north-base]
                  actors: [{{actor: alpha-brigade, role: attacker}}]
                  sources: [{{source: report, quote: "Rockets {MARKUP}"}}]
            """
        }
    )


@pytest.mark.parametrize("command", VIEWS, ids=" ".join)
@pytest.mark.parametrize("output", FORMATS)
def test_markup_in_data_is_printed_as_text_in_every_format(
    cli: Cli, marked: Path, command: list[str], output: str
) -> None:
    if command[0] == "export":
        run = cli(*command, "--data", str(marked))
    else:
        run = cli(*command, "--data", str(marked), "--format", output, env={"COLUMNS": "400"})
    assert run.exit_code == 0, run
    shows_title = command[0] in ("timeline", "chain", "search", "export") or command[1:] == ["first-attack"]
    if shows_title and (output != "markdown" or command[0] == "export"):
        assert MARKUP in run.stdout


EMPTY = {"events.yaml": "[]\n"}


@pytest.mark.parametrize(
    "command",
    [
        ["timeline"],
        ["summary", "--by", "week"],
        ["export", "acled"],
        ["events", "--format", "geojson"],
        ["events", "--format", "markdown"],
        ["events", "--sort", "date", "--fields", "id"],
        ["report"],
    ],
    ids=" ".join,
)
def test_a_folder_without_events(cli: Cli, make_data: MakeData, command: list[str]) -> None:
    run = cli(*command, "--data", str(make_data(EMPTY)))
    assert run.exit_code == 0, run
    assert "Traceback" not in run.stderr


def test_no_events_give_an_empty_feature_collection_and_a_header_only_export(
    cli: Cli, make_data: MakeData
) -> None:
    folder = make_data(EMPTY)
    assert cli("events", "--data", str(folder), "-f", "geojson").json() == {
        "type": "FeatureCollection",
        "features": [],
    }
    assert cli("export", "acled", "--data", str(folder)).stdout.startswith("event_id_cnty,event_date,year,")
    assert cli("export", "acled", "--data", str(folder)).stdout.count("\n") == 1
    assert cli("summary", "--by", "year", "--data", str(folder), "--json").json() == []
