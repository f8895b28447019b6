"""A rebuild that replaces only the changed files' share of the last cache (``partial``).

Each test builds a cache, changes the data, and compares what the rebuilt cache answers
with what a full build in another cache folder answers, command by command; and it
checks which files the rebuild read, so that a shortcut that silently became a full
build fails as well. The exports are made up, written from tests/fixtures/datasets.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, export_text
from iranclash.build import cache, compile, export_rows, store
from iranclash.build.progress import Step
from iranclash.ingest.folder import data_files

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"

EVENTS_A = """
- id: base-shelled
  date: "2022-05-01"
  type: rocket-attack
  title: Rockets on North Base again
  places: [north-base]
  actors:
    - {actor: alpha-brigade, role: attacker}
  sources:
    - {source: report, quote: "MADE UP: more rockets hit North Base."}
"""
EVENTS_B = """
- id: reply-strike
  date: "2022-05-03"
  type: airstrike
  title: A strike answers the rockets
  places: [north-base]
  responds_to: [base-shelled]
  munitions:
    - {weapon: airstrike, count: 2}
  sources:
    - {source: report, quote: "MADE UP: a strike followed."}
- id: talks-resume
  date: "2022-06"
  type: diplomatic
  title: Talks resume
  sources:
    - {source: report, quote: "MADE UP: talks resumed."}
"""
EXTERNAL = """
- id: made-up-units
  name: Made-up Mobilization Units
  kind: militia
  external:
    acled: [Made-up Brigade, Badr Organization]
  sources:
    - {source: report, quote: "MADE UP."}
"""


def _rows(changes: list[dict[str, str]]) -> str:
    """ACLED rows: the current fixture's first row once per change, those cells changed."""
    return export_text("acled-current.csv", changes)


def _row(number: int, location: str, actor: str = "Made-up Brigade", **cells: str) -> dict[str, str]:
    return {
        "event_id_cnty": f"IRQ99{number:04d}",
        "event_date": f"2021-07-{number % 28 + 1:02d}",
        "location": location,
        "actor1": actor,
        "notes": f"MADE UP for tests: row {number} at {location}.",
        **cells,
    }


#: Rows of the history export; the recent one shares "Shared Town" and "Made-up Brigade" with it.
HISTORY = [_row(1, "Shared Town"), _row(2, "Old Town", actor="Badr Organization"), _row(3, "Lone Town")]
RECENT = [_row(11, "Shared Town"), _row(12, "New Town", actor="Fresh Group"), _row(13, "Gone Town")]


@pytest.fixture
def folder(make_data: Callable[..., Path]) -> Path:
    data = make_data(
        {
            "events/a.yaml": EVENTS_A,
            "events/b.yaml": EVENTS_B,
            "actors/units.yaml": EXTERNAL,
            "acled/1-history.csv": _rows(HISTORY),
            "acled/2-recent.csv": _rows(RECENT),
        }
    )
    (data / "ucdp").mkdir()
    shutil.copy(FIXTURES / "ucdp-ged.csv", data / "ucdp" / "ged.csv")
    return data


QUESTIONS = [
    ("events", "--json"),
    ("actors", "--json"),
    ("places", "--json"),
    ("summary", "--json"),
    ("summary", "--by", "month", "--json"),
    ("search", "made up", "--json"),
    ("search", "town", "--json"),
    ("actor", "Made-up Mobilization Units", "--json"),
    ("actor", "Made-up Brigade", "--json"),
    ("place", "Shared Town", "--json"),
    ("place", "North Base", "--json"),
    ("event", "reply-strike", "--json"),
    ("timeline", "--json"),
    ("chain", "reply-strike", "--json"),
    ("events", "--format", "geojson"),
    ("events", "--format", "csv"),
    ("events",),
]


def _answers(cli: Callable[..., Run], folder: Path, cache: Path) -> dict[str, tuple[int, str, str]]:
    """Each question's answer from the cache in ``cache``, built first if it is not there
    (a build says what became of the exports' rows, which a warm query does not)."""
    cli("summary", "--data", str(folder), env={"XDG_CACHE_HOME": str(cache)})
    answers = {}
    for question in QUESTIONS:
        run = cli(*question, "--data", str(folder), env={"XDG_CACHE_HOME": str(cache)})
        answers[" ".join(question)] = (run.exit_code, run.stdout, run.stderr)
    return answers


def _same_as_a_full_build(cli: Callable[..., Run], folder: Path, tmp_path: Path) -> None:
    """The cache the test rebuilt answers every question as a cache built anew does, and
    holds as many rows in each table: nothing left behind that no answer shows."""
    fresh = tmp_path / "fresh-cache"
    fresh.mkdir(exist_ok=True)
    shutil.rmtree(fresh)
    updated = _answers(cli, folder, Path(os.environ["XDG_CACHE_HOME"]))
    assert updated == _answers(cli, folder, fresh)
    assert all(code == 0 for code, _out, _err in updated.values()), updated
    name = cache.cache_path(folder).name
    assert _rows_by_table(Path(os.environ["XDG_CACHE_HOME"]) / "iranclash" / name) == _rows_by_table(
        fresh / "iranclash" / name
    )


def _rows_by_table(path: Path) -> dict[str, object]:
    """Each table's row count, and the accounts of the exports' rows as they are."""
    tables = ("record_data", "event", "event_json_data", "event_actor", "event_place", "event_country")
    with sqlite3.connect(path) as connection:
        counts: dict[str, object] = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in (*tables, "munition", "link", "name")
        }
        counts["export_account"] = connection.execute("SELECT * FROM export_account ORDER BY file").fetchall()
    connection.close()
    return counts


def _every_file(folder: Path) -> list[Path]:
    """The data files in the order a full build reads them."""
    curated, exports, _numbers = compile.reading_order(data_files(folder))
    return [path for _kind, path in curated] + exports


def _build(cli: Callable[..., Run], folder: Path, files_read: list[Path]) -> None:
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    files_read.clear()


def _rebuild(cli: Callable[..., Run], folder: Path) -> Run:
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    return run


def test_an_edited_events_file_is_read_alone(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    _build(cli, folder, files_read)
    edited = EVENTS_B.replace("A strike answers the rockets", "A strike answers, at night").replace(
        "- id: talks-resume", "- id: talks-collapse"
    )
    (folder / "events" / "b.yaml").write_text(edited, encoding="utf-8")
    titles = {event["id"]: event["title"] for event in _rebuild(cli, folder).json()}
    assert files_read == [folder / "events" / "b.yaml"]
    assert titles["reply-strike"] == "A strike answers, at night"
    assert "talks-collapse" in titles and "talks-resume" not in titles
    _same_as_a_full_build(cli, folder, tmp_path)


def test_a_revised_export_is_read_alone(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    _build(cli, folder, files_read)
    revised = [
        _row(11, "Shared Town", notes="MADE UP for tests: revised notes."),
        _row(12, "New Town", actor="Fresh Group"),
        _row(14, "Brand-new Town", actor="Another Group"),
    ]
    (folder / "acled" / "2-recent.csv").write_text(_rows(revised), encoding="utf-8")
    events = {event["id"]: event for event in _rebuild(cli, folder).json()}
    assert files_read == [folder / "acled" / "2-recent.csv"]
    assert events["acled:IRQ990011"]["sources"][0]["quote"] == "MADE UP for tests: revised notes."
    assert "acled:IRQ990014" in events and "acled:IRQ990013" not in events
    places = cli("places", "--data", str(folder), "--json").json()
    assert "Brand-new Town" in [place["name"] for place in places]
    assert "Gone Town" not in [place["name"] for place in places], "no row names it any more"
    _same_as_a_full_build(cli, folder, tmp_path)


def test_a_revised_export_read_alone_moves_the_progress_bar_with_its_rows(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The progress of a rebuild is the changed files': the export's bytes and rows as its
    chunks are read (here one row each, shared with a child), then the file read."""
    _build(cli, folder, files_read)
    revised = folder / "acled" / "2-recent.csv"
    revised.write_text(_rows([*RECENT, _row(14, "Brand-new Town")]), encoding="utf-8")
    monkeypatch.setattr(export_rows, "APART_BYTES", -1)
    monkeypatch.setattr(export_rows, "CHUNK_ROWS", 1)
    shown: list[Step] = []
    cache.open_store(folder, progress=shown.append).close()
    assert files_read == [revised]
    size = revised.stat().st_size
    assert all((step.total, step.size) == (1, size) for step in shown)
    assert [step.rows for step in shown] == [0, 1, 2, 3, 4, 4]
    assert all(a.read < b.read for a, b in itertools.pairwise(shown[:-1])) and shown[-1].read == size
    assert [step.done for step in shown][-1] == 1 and all(step.done < 1 for step in shown[:-1])


def test_an_export_downloaded_again_has_only_its_changed_rows_written_again(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], taken_out: list[str], tmp_path: Path
) -> None:
    """The rows before and after a revised one are stored as they were: the revised row's
    event alone is taken out, and a row added at the end is only put in."""
    more = [*RECENT, _row(15, "Far Town"), _row(16, "Near Town", actor="Fresh Group")]
    (folder / "acled" / "2-recent.csv").write_text(_rows(more), encoding="utf-8")
    _build(cli, folder, files_read)
    more[1] = _row(12, "New Town", actor="Fresh Group", fatalities="7")
    (folder / "acled" / "2-recent.csv").write_text(_rows([*more, _row(17, "Last Town")]), encoding="utf-8")
    events = {event["id"]: event for event in _rebuild(cli, folder).json()}
    assert files_read == [folder / "acled" / "2-recent.csv"]
    assert taken_out == ["acled:IRQ990012"]
    assert events["acled:IRQ990012"]["casualties"]["killed"] == 7
    assert "acled:IRQ990017" in events
    _same_as_a_full_build(cli, folder, tmp_path)


def test_rows_that_move_up_in_an_export_are_stored_again_in_their_new_places(
    cli: Callable[..., Run],
    folder: Path,
    files_read: list[Path],
    taken_out: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With its first row gone, each row of the export is one place earlier: the event
    stored there is taken out, and so is the row's own, further on, before it is written
    again (the store holds an id once; each event is written as it comes, here)."""
    _build(cli, folder, files_read)
    monkeypatch.setattr(store, "_BATCH", 1)
    (folder / "acled" / "2-recent.csv").write_text(_rows(RECENT[1:]), encoding="utf-8")
    events = [event["id"] for event in _rebuild(cli, folder).json()]
    assert files_read == [folder / "acled" / "2-recent.csv"]
    assert taken_out == ["acled:IRQ990011", "acled:IRQ990012", "acled:IRQ990013"]
    assert "acled:IRQ990011" not in events and "acled:IRQ990013" in events
    _same_as_a_full_build(cli, folder, tmp_path)


def test_rows_moved_by_rows_put_in_before_them_are_taken_out_at_once(
    cli: Callable[..., Run],
    folder: Path,
    files_read: list[Path],
    taken_out: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After ``MOVED_AFTER`` events in a row that differ, the rest of the file's stored events
    go at once, and only those: the revised row before them, written again already, keeps
    its links (each event is written as it comes, here)."""
    from iranclash.build import partial

    rows = [_row(11, "Shared Town"), _row(12, "New Town", actor="Fresh Group"), _row(13, "Gone Town")]
    rows.append(_row(14, "Far Town"))
    (folder / "acled" / "2-recent.csv").write_text(_rows(rows), encoding="utf-8")
    _build(cli, folder, files_read)
    monkeypatch.setattr(partial, "MOVED_AFTER", 2)
    monkeypatch.setattr(store, "_BATCH", 1)
    revised = _row(11, "Shared Town", notes="MADE UP for tests: revised notes.")
    ahead = [_row(20, "Town 0", actor="Group 0"), _row(21, "Town 1")]
    (folder / "acled" / "2-recent.csv").write_text(
        _rows([revised, rows[1], *ahead, *rows[2:]]), encoding="utf-8"
    )
    _rebuild(cli, folder)
    assert files_read == [folder / "acled" / "2-recent.csv"]
    assert taken_out == ["acled:IRQ990011", "acled:IRQ990013"], "then 14 with the rest, at once"
    _same_as_a_full_build(cli, folder, tmp_path)


def test_a_row_of_a_curated_actors_external_name_joins_it(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    _build(cli, folder, files_read)
    (folder / "acled" / "2-recent.csv").write_text(
        _rows([*RECENT, _row(15, "New Town", actor="Badr Organization")]), encoding="utf-8"
    )
    _rebuild(cli, folder)
    assert files_read == [folder / "acled" / "2-recent.csv"]
    lookup = cli("actor", "Made-up Mobilization Units", "--data", str(folder), "--json").json()
    assert "acled:IRQ990015" in [event["id"] for event in lookup["events"]]
    _same_as_a_full_build(cli, folder, tmp_path)


@pytest.mark.parametrize(
    "history",
    [
        pytest.param([_row(2, "Old Town"), _row(3, "Lone Town")], id="a shared place no longer named first"),
        pytest.param([_row(1, "Shared Town", latitude="33.9"), *HISTORY[1:]], id="a shared place moved"),
        pytest.param([_row(1, "Shared Town", inter1="1"), *HISTORY[1:]], id="a shared actor of another kind"),
    ],
)
def test_a_record_another_file_shares_is_made_again_from_every_file(
    cli: Callable[..., Run],
    folder: Path,
    files_read: list[Path],
    tmp_path: Path,
    history: list[dict[str, str]],
) -> None:
    """The first file to name a place or actor makes its record, which later files' rows
    share: changing or dropping it leaves only a full build to say what it is now."""
    _build(cli, folder, files_read)
    (folder / "acled" / "1-history.csv").write_text(_rows(history), encoding="utf-8")
    _rebuild(cli, folder)
    # The file read alone found a record the others share, and then every file was read.
    assert files_read == [folder / "acled" / "1-history.csv", *_every_file(folder)]
    _same_as_a_full_build(cli, folder, tmp_path)


def test_an_edited_actors_file_is_read_with_every_yaml_file_and_no_export(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    """Actors, places, sources and analysts are named from every YAML file, and never from an
    export's rows (a curated actor's dataset names are linked again from all of them)."""
    _build(cli, folder, files_read)
    path = folder / "actors" / "units.yaml"
    path.write_text(EXTERNAL.replace("Badr Organization", "Fresh Group"), encoding="utf-8")
    _rebuild(cli, folder)
    assert files_read == [entry for entry in _every_file(folder) if entry.suffix == ".yaml"]
    events = cli("actor", "Made-up Mobilization Units", "--data", str(folder), "--json").json()["events"]
    assert "acled:IRQ990012" in [event["id"] for event in events], "Fresh Group's row"
    assert "acled:IRQ990002" not in [event["id"] for event in events], "Badr Organization's row"
    _same_as_a_full_build(cli, folder, tmp_path)


def _refused_as_a_full_build_refuses(cli: Callable[..., Run], folder: Path, tmp_path: Path) -> str:
    """The error of the query after the edit: exit 1, the same words as a build anew gives."""
    updated = cli("events", "--data", str(folder), "--json")
    fresh = cli("events", "--data", str(folder), "--json", env={"XDG_CACHE_HOME": str(tmp_path / "fresh")})
    assert updated.exit_code == fresh.exit_code == 1
    assert updated.stderr == fresh.stderr
    return updated.stderr


def test_an_event_citing_an_exports_source_is_refused_as_a_full_build_does(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    """The YAML files are checked before any export is read: a curated event cannot name a
    record only an export holds, even where the cache already holds it."""
    _build(cli, folder, files_read)
    (folder / "events" / "b.yaml").write_text(
        EVENTS_B.replace("{source: report,", "{source: acled,"), encoding="utf-8"
    )
    assert "refers to unknown source 'acled'" in _refused_as_a_full_build_refuses(cli, folder, tmp_path)


def test_an_event_another_file_answers_cannot_go_quietly(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    """The full build's error, not a cache missing the event a response names."""
    _build(cli, folder, files_read)
    (folder / "events" / "a.yaml").write_text("[]\n", encoding="utf-8")
    assert "refers to unknown event 'base-shelled'" in _refused_as_a_full_build_refuses(cli, folder, tmp_path)


def test_a_new_event_with_an_id_of_another_file_is_reported_as_twice(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    _build(cli, folder, files_read)
    (folder / "events" / "b.yaml").write_text(EVENTS_B + EVENTS_A, encoding="utf-8")
    assert "id is used twice" in _refused_as_a_full_build_refuses(cli, folder, tmp_path)


def test_events_the_same_as_a_row_are_merged_again_from_every_file(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    same = EVENTS_A.replace("  sources:", "  same_as: [acled:IRQ990012]\n  sources:")
    (folder / "events" / "a.yaml").write_text(same, encoding="utf-8")
    _build(cli, folder, files_read)
    (folder / "events" / "b.yaml").write_text(EVENTS_B.replace("Talks resume", "Talks"), encoding="utf-8")
    _rebuild(cli, folder)
    assert sorted(files_read) == sorted(_every_file(folder))
    _same_as_a_full_build(cli, folder, tmp_path)


def test_an_export_downloaded_again_with_the_same_bytes_is_not_read(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    _build(cli, folder, files_read)
    path = folder / "acled" / "2-recent.csv"
    fresh_copy = path.with_suffix(".download")
    shutil.copyfile(path, fresh_copy)
    os.replace(fresh_copy, path)
    _rebuild(cli, folder)
    _rebuild(cli, folder)
    assert files_read == []
    _same_as_a_full_build(cli, folder, tmp_path)


def test_a_place_read_back_from_the_cache_lies_where_the_record_says() -> None:
    """An event's countries come from its places; a partial rebuild reads them back from the
    stored JSON (``PlaceTrail.of_data``), which must agree with the records themselves."""
    from iranclash.core import model
    from iranclash.ingest import folder, load

    records = load.load_file("places", folder.builtin_data_dir() / "places.yaml").records
    places = [record for record in records if isinstance(record, model.Place)]
    assert any(len(place.countries) > 1 for place in places), "a crossing between two countries"
    for place in places:
        assert store.PlaceTrail.of_data(store._data_of(place)) == (place.countries, place.located_in)


def test_a_row_taken_out_of_the_last_file_leaves_nothing_in_the_search_index(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    """Its words are taken out with it; and the new rows never get its rowid, so nothing
    left behind could be counted as theirs."""
    _build(cli, folder, files_read)
    path = folder / "ucdp" / "ged.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if not line.startswith("990003")), encoding="utf-8")
    found = cli("search", "fighting between", "--data", str(folder), "--json")
    assert files_read == [path]
    assert (found.exit_code, found.json()) == (0, [])
    with sqlite3.connect(cache.cache_path(folder)) as connection:
        hits = connection.execute("SELECT rowid FROM search_text WHERE search_text MATCH 'fighting*'")
        assert hits.fetchall() == []
    connection.close()
    _same_as_a_full_build(cli, folder, tmp_path)


def test_records_a_file_names_again_keep_their_place_in_the_reading_order(
    cli: Callable[..., Run], folder: Path, files_read: list[Path], tmp_path: Path
) -> None:
    """Rows put in front of those naming New Town and Fresh Group: a full build lists the
    new towns first, and so must the rebuilt cache, which kept those two records."""
    _build(cli, folder, files_read)
    ahead = [_row(20 + number, f"Town {number}", actor=f"Group {number}") for number in range(3)]
    (folder / "acled" / "2-recent.csv").write_text(_rows([*ahead, *RECENT]), encoding="utf-8")
    _rebuild(cli, folder)
    assert files_read == [folder / "acled" / "2-recent.csv"]
    places = [place["name"] for place in cli("places", "--data", str(folder), "--json").json()]
    assert places.index("Town 2") < places.index("New Town")
    _same_as_a_full_build(cli, folder, tmp_path)
