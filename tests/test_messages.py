"""Messages on stderr as a person sees them: one style for every usage error, and lines
wrapped at word boundaries to the terminal's width, ids whole, candidates one per line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from terminal import run_in_terminal


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["events", "--since", "2021-13"], "invalid value for '--since': '2021-13' is not a real date"),
        (["events", "--format", "xml"], "'xml' is not one of"),
        (["actors", "--kind", "milita"], "did you mean 'militia'?"),
        (["events", "--limit", "-1"], "invalid value for '--limit'"),
        (["events", "--until", "2020", "--since", "2021"], "--until 2020 is earlier than --since 2021"),
        (["events", "--overlapp"], "no such option: --overlapp; did you mean --overlap?"),
        (["events", "extra"], "unexpected extra argument"),
        (["cite"], "missing argument 'ID'"),
    ],
)
def test_every_usage_error_is_one_line_with_the_help_hint(
    cli: Callable[..., Run], arguments: list[str], said: str
) -> None:
    run = cli(*arguments)
    assert run.exit_code == 2, run
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1, run
    assert run.stderr.startswith("iranclash: error: "), run
    assert said in run.stderr
    assert run.stderr.rstrip().endswith(f"{arguments[0]} -h')"), run
    assert "Usage:" not in run.stderr


def test_no_such_command_points_at_the_top_level_help(cli: Callable[..., Run]) -> None:
    run = cli("evnets")
    assert run.exit_code == 2
    assert run.stderr.startswith("iranclash: error: no such command 'evnets'")
    assert run.stderr.rstrip().endswith(" -h')")


def test_an_error_on_a_terminal_wraps_at_words_and_keeps_the_hint_whole() -> None:
    screen = run_in_terminal("events", "--format", "xml", columns=50, stderr_too=True)
    assert screen.code == 2
    assert screen.lines[0].startswith("iranclash: error: ")
    assert all(len(line) <= 50 for line in screen.lines), screen.text
    assert screen.lines[-1].strip().startswith("(see '") and screen.lines[-1].endswith(" events -h')")
    words = " ".join(line.strip() for line in screen.lines).split()
    assert "'table'," in words and "'markdown'" in words, "no word is broken"


def test_several_candidates_on_a_terminal_are_one_a_line() -> None:
    screen = run_in_terminal("actor", "kataib", columns=60, stderr_too=True)
    assert screen.code == 1
    assert screen.lines == [
        'iranclash: error: no actor named "kataib"; did you mean:',
        "  kataib-hezbollah (Kata'ib Hezbollah)",
        "  kataib-sayyid-al-shuhada (Kata'ib Sayyid al-Shuhada)",
    ]


def test_an_id_longer_than_the_line_is_never_broken() -> None:
    typed = "2099-01-01-an-event-the-data-does-not-have"
    screen = run_in_terminal("event", typed, columns=30, stderr_too=True)
    assert screen.code == 1
    assert any(typed in line for line in screen.lines), screen.text


def test_piped_the_candidates_stay_on_one_line(cli: Callable[..., Run]) -> None:
    run = cli("actor", "kataib")
    assert run.exit_code == 1
    assert len(run.stderr.splitlines()) == 1
    assert "kataib-hezbollah (Kata'ib Hezbollah), kataib-sayyid-al-shuhada" in run.stderr


def test_report_refuses_a_terminal_and_says_how_to_write_it(tmp_path: Path) -> None:
    screen = run_in_terminal("report", columns=80, stderr_too=True)
    assert screen.code == 2
    assert "<html" not in screen.text.lower()
    assert "--out report.html" in screen.text


@pytest.mark.parametrize(
    ("command", "refused"),
    [
        (["validate"], ["--wide", "geojson"]),
        (["info"], ["--wide", "geojson"]),
        (["cite", "kataib-hezbollah"], ["--wide", "geojson"]),
        (["import", "acled", "x.csv", "--into", "y"], ["--wide", "geojson"]),
        (["actors"], ["geojson"]),
        (["chain", "2021-06-28-rockets-at-al-omar-oil-field"], ["--wide", "geojson"]),
        (["timeline"], ["--wide"]),
    ],
)
def test_an_option_is_offered_only_where_it_works(
    cli: Callable[..., Run], command: list[str], refused: list[str]
) -> None:
    shown = cli(command[0], "-h").stdout
    for option in refused:
        assert option not in shown, (command, option)
        run = cli(*command, *(["--wide"] if option == "--wide" else ["--format", "geojson"]))
        assert run.exit_code == 2 and run.stdout == "", run


@pytest.mark.parametrize("command", ["events", "places", "crossings", "timeline"])
def test_geojson_is_offered_where_a_map_can_be_drawn(cli: Callable[..., Run], command: str) -> None:
    assert "geojson" in cli(command, "-h").stdout
    assert cli(command, "--format", "geojson").json()["type"] == "FeatureCollection"
