"""Several data folders read together: --data given more than once, $IRANCLASH_DATA listing
several, and 'builtin' naming the shipped data."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from iranclash.ingest.folder import builtin_data_dir

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A folder holding nothing but a made-up ACLED export."""
    folder = tmp_path / "iraq-2021"
    (folder / "acled").mkdir(parents=True)
    shutil.copy(FIXTURES / "acled-current.csv", folder / "acled" / "export.csv")
    return folder


def _ids(run: Run) -> list[str]:
    assert run.exit_code == 0, run
    return [event["id"] for event in run.json()]


def test_builtin_and_a_folder_are_read_together(cli: Callable[..., Run], exports: Path) -> None:
    builtin = _ids(cli("events", "--json"))
    alone = _ids(cli("events", "--data", str(exports), "--json"))
    together = _ids(cli("events", "--data", "builtin", "--data", str(exports), "--json"))
    assert sorted(together) == sorted(builtin + alone)
    assert len(alone) == 4
    summary = cli("summary", "--data", "builtin", "--data", str(exports), "--json").json()
    assert summary["events"] == len(builtin) + 4
    assert summary["date_span"]["last"] == "2021-07-09"  # the last made-up ACLED row


def test_the_environment_lists_folders_like_repeated_options(
    cli: Callable[..., Run], exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = cli("info", "--data", "builtin", "--data", str(exports), "--json").json()
    monkeypatch.setenv("IRANCLASH_DATA", os.pathsep.join(["builtin", str(exports)]))
    listed = cli("info", "--json").json()
    assert listed == options
    assert listed["data_folders"] == [str(builtin_data_dir()), str(exports)]
    assert listed["data_folder"] == os.pathsep.join(listed["data_folders"])
    assert listed["data_files"] == 6  # five YAML files and the export
    alone = cli("info", "--data", str(exports), "--json").json()
    assert alone["cache_file"] != listed["cache_file"]
    assert alone["data_folders"] == [str(exports)]


def test_an_id_in_two_folders_names_both_files(cli: Callable[..., Run], tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(builtin_data_dir() / "sources.yaml", mine / "sources.yaml")
    run = cli("events", "--data", "builtin", "--data", str(mine))
    assert run.exit_code == 1
    assert f"{mine / 'sources.yaml'}:1:" in run.stderr
    assert f"(first at {builtin_data_dir() / 'sources.yaml'}:1)" in run.stderr


def test_a_row_in_exports_of_two_folders_names_both_files(
    cli: Callable[..., Run], exports: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    shutil.copytree(exports, again)
    run = cli("validate", str(exports), str(again), "--json")
    assert run.exit_code == 1  # the second file's rows are set aside, each naming the first
    first = run.json()["notes"][0]
    assert first["file"] == str(again / "acled" / "export.csv")
    assert f"first at {exports / 'acled' / 'export.csv'}:2" in first["message"]
    assert first["message"].startswith("set aside (row id given twice): ")


def test_a_folder_named_twice_is_read_once(cli: Callable[..., Run], exports: Path) -> None:
    twice = _ids(cli("events", "--data", str(exports), "--data", f"{exports}/../{exports.name}", "--json"))
    assert len(twice) == 4


def test_an_edit_in_the_second_folder_is_seen(cli: Callable[..., Run], exports: Path) -> None:
    both = ("--data", "builtin", "--data", str(exports), "--json")
    assert "acled:IRQ990004" in _ids(cli("events", *both))
    export = exports / "acled" / "export.csv"
    rows = export.read_text(encoding="utf-8").splitlines(keepends=True)
    export.write_text("".join(rows[:-1]), encoding="utf-8")
    assert "acled:IRQ990004" not in _ids(cli("events", *both))


def test_validate_checks_folders_together(cli: Callable[..., Run], exports: Path) -> None:
    run = cli("validate", "builtin", str(exports), "--json")
    assert run.exit_code == 0, run
    builtin = cli("validate", "--json").json()["records"]
    assert run.json()["records"]["event"] == builtin["event"] + 4
    assert run.json()["folder"] == os.pathsep.join([str(builtin_data_dir()), str(exports)])


def test_the_word_builtin_is_told_from_a_folder_of_that_name(
    cli: Callable[..., Run], exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(exports.parent)
    exports.rename(exports.parent / "builtin")
    assert len(_ids(cli("events", "--data", "./builtin", "--json"))) == 4
    assert _ids(cli("events", "--data", "builtin", "--json")) == _ids(cli("events", "--json"))


def test_search_summary_and_filters_span_curated_and_imported(cli: Callable[..., Run], exports: Path) -> None:
    both = ("--data", "builtin", "--data", str(exports))
    builtin_iraq = _ids(cli("events", "--country", "Iraq", "--json"))
    iraq = _ids(cli("events", *both, "--country", "Iraq", "--json"))
    assert sorted(iraq) == sorted([*builtin_iraq, "acled:IRQ990001", "acled:IRQ990002", "acled:IRQ990004"])
    # A province holds the districts and villages the rows name, at any depth.
    province = _ids(cli("events", *both, "--place", "Made-up Province", "--json"))
    assert province == ["acled:IRQ990002", "acled:IRQ990001", "acled:IRQ990004"]
    found = cli("search", *both, "clash near an example village", "--json").json()
    assert found[0]["id"] == "acled:IRQ990002"
    assert found[0]["record"]["dataset"]["row"] == "IRQ990002"
    summary = cli("summary", *both, "--json").json()
    builtin = cli("summary", "--json").json()
    assert summary["by_type"]["armed-clash"] == builtin["by_type"].get("armed-clash", 0) + 1
    assert summary["by_type"]["interception"] == builtin["by_type"].get("interception", 0) + 1
    assert summary["date_span"] == {"first": builtin["date_span"]["first"], "last": "2021-07-09"}


def test_an_event_of_one_folder_at_a_place_of_the_next_is_in_its_country(
    cli: Callable[..., Run], tmp_path: Path
) -> None:
    """Places are compiled before events whichever folder holds them, so the event's
    countries (from its places) are known."""
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "events.yaml").write_text(
        "- id: far-attack\n"
        '  date: "2022-03-04"\n'
        "  type: rocket-attack\n"
        "  title: Rockets hit a far base\n"
        "  places: [far-base]\n"
        "  sources:\n"
        '    - {source: gif-kilani-2021, quote: "x"}\n',
        encoding="utf-8",
    )
    (second / "places.yaml").write_text(
        "- id: far-base\n"
        "  name: Far Base\n"
        "  kind: base\n"
        "  country: Syria\n"
        "  sources:\n"
        '    - {source: gif-kilani-2021, quote: "x"}\n',
        encoding="utf-8",
    )
    both = ("--data", "builtin", "--data", str(first), "--data", str(second))
    run = cli("events", *both, "--country", "Syria", "--json")
    assert run.exit_code == 0, run
    found = {event["id"]: event for event in run.json()}
    assert found["far-attack"]["countries"] == ["Syria"]
