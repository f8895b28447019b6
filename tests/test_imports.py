"""ACLED and UCDP exports in a data folder, read in place beside the YAML files, through the CLI.

The exports are the made-up fixtures of tests/fixtures/datasets (no real ACLED or UCDP data),
copied into data folders the tests write.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run
from iranclash.build import store
from iranclash.ingest import datasets
from iranclash.ingest.datasets import files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"


@pytest.fixture
def exports(make_data: Callable[..., Path]) -> Path:
    """The minimal curated folder with every made-up export under acled/ and ucdp/."""
    folder = make_data()
    for name in ("acled-current.csv", "acled-2019.csv", "acled-2016.csv"):
        (folder / "acled").mkdir(exist_ok=True)
        shutil.copy(FIXTURES / name, folder / "acled" / name)
    (folder / "ucdp").mkdir()
    shutil.copy(FIXTURES / "ucdp-ged.csv", folder / "ucdp" / "ucdp-ged.csv")
    return folder


def _events(cli: Callable[..., Run], folder: Path, *extra: str) -> dict[str, dict[str, Any]]:
    run = cli("events", "--data", str(folder), "--json", *extra)
    assert run.exit_code == 0, run
    return {event["id"]: event for event in run.json()}


def test_exports_are_listed_with_the_curated_events(cli: Callable[..., Run], exports: Path) -> None:
    events = _events(cli, exports)
    curated = [event for event in events.values() if event["dataset"] is None]
    imported = [event for event in events.values() if event["dataset"] is not None]
    assert len(curated) == 2
    assert len(imported) == 11
    assert {"acled:IRQ990001", "acled:IRQ990101", "acled:IRQ990201", "ucdp:990001"} <= set(events)
    dates = [(event["date_start"], event["date_end"]) for event in events.values()]
    assert dates == sorted(dates)


def test_an_imported_event_keeps_its_datasets_coding_and_provenance(
    cli: Callable[..., Run], exports: Path
) -> None:
    events = _events(cli, exports)
    clash = events["acled:IRQ990002"]
    assert clash["type"] == "armed-clash"
    assert clash["acled"] == {"event_type": "Battles", "sub_event_type": "Armed clash"}
    assert clash["dataset"] == {
        "name": "acled",
        "row": "IRQ990002",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "sources": ["Made-up Agency"],
        "time_precision": 2,
        "geo_precision": 2,
        "killed_low": None,
        "killed_high": None,
        "notes": [],
    }
    assert clash["sources"] == [
        {"source": "acled", "quote": "MADE UP for tests: a clash near an example village.", "footnote": None}
    ]
    # Our type where it does not map is "other", and ACLED's own type is the row's, not other's.
    shelling = events["acled:IRQ990001"]
    assert shelling["type"] == "other"
    assert shelling["acled"] == {
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Shelling/artillery/missile attack",
    }
    assert events["acled:IRQ990201"]["acled"] == {"event_type": "Remote violence", "sub_event_type": None}
    ucdp = events["ucdp:990001"]
    assert ucdp["acled"] is None
    assert ucdp["dataset"]["event_type"] == "one-sided violence"
    assert (ucdp["casualties"]["killed"], ucdp["dataset"]["killed_low"], ucdp["dataset"]["killed_high"]) == (
        6,
        6,
        9,
    )


def test_imported_records_are_looked_up_and_filtered(cli: Callable[..., Run], exports: Path) -> None:
    event = cli("event", "acled:IRQ990002", "--data", str(exports), "--json")
    assert event.exit_code == 0, event
    assert event.json()["linked"]["acled:actor/badr-organization"] == {
        "kind": "actor",
        "name": "Badr Organization",
    }
    shown = cli("event", "ucdp:990001", "--data", str(exports))
    assert shown.exit_code == 0, shown
    assert "other (UCDP: one-sided violence / IS - Civilians)" in shown.stdout
    assert "Dataset row  UCDP 990001; sources: Made-up Wire,2016-03-02" in shown.stdout
    actor = cli("actor", "Badr Organization", "--data", str(exports), "--json")
    assert actor.exit_code == 0, actor
    assert [item["id"] for item in actor.json()["events"]] == ["acled:IRQ990002"]
    unit = cli("actor", "Popular Mobilization Forces", "--data", str(exports))
    assert "Aliases (in ACLED)  Popular Mobilization Forces" in unit.stdout
    assert "Member of           Military Forces of Iraq (2018-)" in unit.stdout
    assert set(_events(cli, exports, "--country", "Syria")) == {"acled:SYR990003"}


def test_validate_counts_the_imported_records(cli: Callable[..., Run], exports: Path) -> None:
    run = cli("validate", str(exports), "--json")
    assert run.exit_code == 0, run
    counts = run.json()["records"]
    assert counts["event"] == 13
    assert counts["source"] == 3  # the curated report, ACLED and UCDP


def test_a_row_set_aside_is_said_by_file_and_line_and_the_rest_answers(
    cli: Callable[..., Run], exports: Path
) -> None:
    path = exports / "acled" / "acled-current.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("2021-07-08", "2021-13-08", 1)
    path.write_text("".join(lines), encoding="utf-8")
    run = cli("events", "--data", str(exports), "--json")
    assert run.exit_code == 0
    assert "acled:IRQ990002" not in {event["id"] for event in run.json()}
    assert "acled:IRQ990001" in {event["id"] for event in run.json()}
    assert f"iranclash: {path}: 4 rows: 3 read, 0 with notes, 1 set aside (1 no usable date at line 3)" in (
        run.stderr.splitlines()
    )
    warm = cli("events", "--data", str(exports), "--json")
    assert warm.stderr == ""  # said when the export is compiled, not on every query
    listed = cli("validate", str(exports), "--json")
    assert listed.exit_code == 1
    notes = listed.json()["notes"]
    assert [(note["line"], note["column"], note["field"]) for note in notes] == [(3, 2, "event_date")]
    account = next(found for found in listed.json()["exports"] if found["file"] == str(path))
    assert account["set_aside_reasons"] == {"no usable date": {"count": 1, "lines": [3]}}
    strict = cli("events", "--data", str(exports), "--strict")
    assert strict.exit_code == 1
    assert f"{path}:3: 1 row set aside: no usable date" in strict.stderr


def test_a_row_id_in_two_exports_names_both_places(cli: Callable[..., Run], exports: Path) -> None:
    shutil.copy(FIXTURES / "acled-current.csv", exports / "acled" / "again.csv")
    run = cli("validate", str(exports), "--json")
    assert run.exit_code == 1
    notes = run.json()["notes"]
    assert len(notes) == 4  # each of the copy's rows, set aside
    first = notes[0]
    assert (first["file"], first["line"], first["record"]) == (
        str(exports / "acled" / "again.csv"),
        2,
        "acled:IRQ990001",
    )
    assert f"first at {exports / 'acled' / 'acled-current.csv'}:2" in first["message"]
    events = cli("events", "--data", str(exports), "--json")
    assert events.exit_code == 0 and len(events.json()) == len(set(e["id"] for e in events.json()))


def test_a_folder_of_exports_alone_is_a_data_folder(cli: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "ucdp").mkdir()
    shutil.copy(FIXTURES / "ucdp-ged-hdx.csv", tmp_path / "ucdp" / "ged.csv")
    assert set(_events(cli, tmp_path)) == {"ucdp:990001", "ucdp:990002"}
    info = cli("info", "--data", str(tmp_path), "--json")
    assert info.json()["data_files"] == 1


def test_a_fresh_cache_reads_no_export_and_a_redownload_is_seen(
    cli: Callable[..., Run], exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[Path] = []
    real = datasets.read_rows

    def counting(path: Path, *args: Any) -> Any:
        read.append(path)
        return real(path, *args)

    monkeypatch.setattr(datasets, "read_rows", counting)
    assert "acled:IRQ990004" in _events(cli, exports)
    assert len(read) == 4
    read.clear()
    assert "acled:IRQ990004" in _events(cli, exports)
    assert read == []
    # A re-downloaded export: a new file in its place, one row fewer.
    target = exports / "acled" / "acled-current.csv"
    kept = target.read_text(encoding="utf-8").splitlines(keepends=True)[:-1]
    target.unlink()
    target.write_text("".join(kept), encoding="utf-8")
    events = _events(cli, exports)
    assert "acled:IRQ990004" not in events
    assert "acled:IRQ990002" in events


def test_events_written_in_batches_keep_their_date_order(
    cli: Callable[..., Run], exports: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows stream into the store a batch at a time; the order by date is made once all are in."""
    whole = cli("events", "--data", str(exports), "--no-cache", "--json")
    monkeypatch.setattr(store, "_BATCH", 1)
    batched = cli("events", "--data", str(exports), "--no-cache", "--json")
    assert batched.exit_code == 0, batched
    assert batched.stdout == whole.stdout
    searched = cli("search", "clash near an example village", "--data", str(exports), "--no-cache", "--json")
    assert [item["id"] for item in searched.json()][:1] == ["acled:IRQ990002"]


def test_an_export_that_is_not_a_regular_file_is_refused(cli: Callable[..., Run], tmp_path: Path) -> None:
    (tmp_path / "acled").mkdir()
    os.mkfifo(tmp_path / "acled" / "pipe.csv")
    (tmp_path / "acled" / "folder.csv").mkdir()
    run = cli("validate", str(tmp_path), "--json")
    assert run.exit_code == 1
    assert sorted(problem["message"] for problem in run.json()) == [
        "is a directory, not an export",
        "is not a regular file (a device, FIFO or socket?)",
    ]


def test_an_export_without_line_breaks_is_refused_at_its_first_line(
    cli: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_LINE_BYTES", 1000)
    (tmp_path / "acled").mkdir()
    header = (FIXTURES / "acled-current.csv").read_text(encoding="utf-8").splitlines()[0]
    (tmp_path / "acled" / "long.csv").write_text(header + "\n" + "x" * 5000, encoding="utf-8")
    run = cli("events", "--data", str(tmp_path))
    assert run.exit_code == 1
    assert "long.csv:2: has a line longer than 1,000 bytes" in run.stderr


CURATED_ACTOR = """
- id: made-up-units
  name: Made-up Mobilization Units
  kind: militia
  known_as: [MMU]
  external:
    acled:
      - Military Forces of Iraq (2018-) Popular Mobilization Forces
      - Badr Organization
    ucdp: [Made-up Front]
  sources:
    - {source: report, quote: "MADE UP."}
"""


def test_a_curated_actor_includes_the_rows_of_its_external_names(
    cli: Callable[..., Run], exports: Path
) -> None:
    (exports / "actors" / "more.yaml").parent.mkdir()
    (exports / "actors" / "more.yaml").write_text(CURATED_ACTOR, encoding="utf-8")
    lookup = cli("actor", "MMU", "--data", str(exports), "--json")
    assert lookup.exit_code == 0, lookup
    data = lookup.json()
    assert data["external"] == {
        "acled": ["Military Forces of Iraq (2018-) Popular Mobilization Forces", "Badr Organization"],
        "ucdp": ["Made-up Front"],
    }
    # IRQ990002 names two of them: it counts once, in the role the row gives.
    assert [(event["id"], event["role"]) for event in data["events"]] == [
        ("ucdp:990003", "participant"),
        ("acled:IRQ990002", "participant"),
    ]
    assert list(_events(cli, exports, "--actor", "Made-up Mobilization Units")) == [
        "ucdp:990003",
        "acled:IRQ990002",
    ]
    summary = cli("summary", "--data", str(exports), "--json").json()
    assert summary["by_actor"]["made-up-units"] == 2
    shown = cli("actor", "MMU", "--data", str(exports))
    assert "In datasets as" in shown.stdout and "UCDP: Made-up Front" in shown.stdout
    # Without the names, the curated actor has no events.
    (exports / "actors" / "more.yaml").write_text(
        CURATED_ACTOR.split("  external:")[0] + '  sources:\n    - {source: report, quote: "MADE UP."}\n',
        encoding="utf-8",
    )
    assert cli("actor", "MMU", "--data", str(exports), "--json").json()["events"] == []


SAME_EVENT = """
- id: clash-at-example-village
  date: "2021-07-08"
  type: armed-clash
  title: A clash at Example Village
  same_as: [{row}]
  sources:
    - {{source: report, quote: "MADE UP: a clash at the village."}}
"""


def test_a_curated_event_the_same_as_a_row_counts_once_with_both_sources(
    cli: Callable[..., Run], exports: Path
) -> None:
    before = _events(cli, exports)
    (exports / "events").mkdir()
    (exports / "events" / "same.yaml").write_text(SAME_EVENT.format(row="acled:IRQ990002"), encoding="utf-8")
    events = _events(cli, exports)
    assert len(events) == len(before)  # one curated event more, one row fewer
    assert "acled:IRQ990002" not in events
    merged = events["clash-at-example-village"]
    assert [citation["source"] for citation in merged["sources"]] == ["report", "acled"]
    assert merged["dataset"]["row"] == "IRQ990002"
    assert merged["same_as"] == ["acled:IRQ990002"]
    assert merged["type"] == "armed-clash" and merged["date"] == "2021-07-08"
    summary = cli("summary", "--data", str(exports), "--json").json()
    assert summary["events"] == len(before)
    # The row's id finds the curated event, and the row's actors count it as theirs.
    lookup = cli("event", "acled:IRQ990002", "--data", str(exports), "--json")
    assert lookup.exit_code == 0, lookup
    assert lookup.json()["id"] == "clash-at-example-village"
    badr = cli("actor", "Badr Organization", "--data", str(exports), "--json").json()
    assert [event["id"] for event in badr["events"]] == ["clash-at-example-village"]
    place = "acled:place/iraq/made-up-province/sample-district/sample-subdistrict/example-village"
    assert list(_events(cli, exports, "--place", place)) == ["clash-at-example-village"]


def test_same_as_a_row_no_export_holds_is_an_error(cli: Callable[..., Run], exports: Path) -> None:
    (exports / "events").mkdir()
    path = exports / "events" / "same.yaml"
    path.write_text(SAME_EVENT.format(row="acled:IRQ000000"), encoding="utf-8")
    run = cli("events", "--data", str(exports))
    assert run.exit_code == 1
    assert run.stderr == (
        f"iranclash: error: {path}:2: record 'clash-at-example-village', field 'same_as': "
        "'acled:IRQ000000' is no row of the exports read\n"
    )
