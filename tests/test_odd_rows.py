"""What real exports hold, read as it is: one made-up file per kind of odd row seen in public
ACLED and UCDP exports (issue 17), each checked through the CLI and the account it gives.

Every row here is MADE UP (ACLED's terms forbid committing its data); each file is written
by the test from the made-up fixtures of tests/fixtures/datasets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run, export_text
from iranclash.ingest import datasets
from iranclash.ingest.datasets import Imported, Merged, SetAside

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"


def _events(cli: Callable[..., Run], folder: Path) -> tuple[dict[str, dict[str, Any]], list[str]]:
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    return {event["id"]: event for event in run.json()}, run.stderr.splitlines()


def _without(text: str, *columns: str) -> str:
    """The CSV ``text`` with ``columns`` left out."""
    rows = list(csv.DictReader(io.StringIO(text)))
    kept = [name for name in csv.DictReader(io.StringIO(text)).fieldnames or () if name not in columns]
    out = io.StringIO()
    writer = csv.DictWriter(out, kept, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_cells_written_na_are_empty_never_a_name(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    rows = [
        {"event_id_cnty": "IRQ970001", "actor2": "NA", "assoc_actor_2": "NA", "inter2": "NA", "admin3": "NA"},
        {"event_id_cnty": "IRQ970002", "assoc_actor_1": "NULL", "admin3": "nan"},
    ]
    folder = make_data({"acled/r.csv": export_text("acled-current.csv", rows)})
    events, said = _events(cli, folder)
    actors = cli("actors", "--data", str(folder), "--json").json()
    assert not [actor for actor in actors if actor["name"] in ("NA", "NULL", "nan")]
    assert len(events["acled:IRQ970001"]["actors"]) == 1  # actor1 alone: actor2 was NA
    assert said == [
        f"iranclash: {folder / 'acled' / 'r.csv'}: 2 rows: 2 read, 0 with notes, 0 set aside; "
        "6 cells written NA (or NULL, nan) read as empty: 2 in admin3, 1 in actor2, 1 in assoc_actor_1, "
        "1 in assoc_actor_2, 1 in inter2"
    ]


def test_numeric_dates_are_day_first_only_where_the_file_proves_it(tmp_path: Path) -> None:
    proven = tmp_path / "proven.csv"
    proven.write_text(
        export_text(
            "acled-2019.csv",
            [
                {"event_id_cnty": "IRQ970011", "event_date": "03/04/2020", "year": "2020"},
                {"event_id_cnty": "IRQ970012", "event_date": "28/12/2020", "year": "2020"},
            ],
        ),
        encoding="utf-8",
    )
    first, second = datasets.read(proven)
    assert isinstance(first, Imported) and first.event.date.text == "2020-04-03" and not first.notes
    assert isinstance(second, Imported) and second.event.date.text == "2020-12-28"
    unproven = tmp_path / "unproven.csv"
    unproven.write_text(
        export_text(
            "acled-2019.csv", [{"event_id_cnty": "IRQ970013", "event_date": "03-04-20", "year": "2020"}]
        ),
        encoding="utf-8",
    )
    (only,) = datasets.read(unproven)
    assert isinstance(only, Imported)
    assert (only.event.date.start.isoformat(), only.event.date.end.isoformat()) == (
        "2020-03-04",
        "2020-04-03",
    )
    assert [note.kind for note in only.notes] == ["day and month order unknown"]
    months = tmp_path / "months.csv"
    months.write_text(
        export_text(
            "acled-2019.csv",
            [
                {"event_id_cnty": "IRQ970014", "event_date": "12/28/2020", "year": "2020"},
                {"event_id_cnty": "IRQ970015", "event_date": "03/04/2020", "year": "2021"},
            ],
        ),
        encoding="utf-8",
    )
    _late, early = datasets.read(months)
    assert isinstance(early, Imported) and early.event.date.text == "2020-03-04"  # month first, proven
    assert [note.kind for note in early.notes] == ["year disagrees with event_date"]


def test_an_empty_id_is_made_from_data_id_and_a_row_with_neither_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        export_text(
            "acled-2019.csv",
            [
                {"event_id_cnty": "", "data_id": "7080698"},
                {"event_id_cnty": "", "data_id": ""},
                {"event_id_cnty": "IRQ970021", "geo_precision": "", "time_precision": "", "latitude": ""},
            ],
        ),
        encoding="utf-8",
    )
    made, none, vague = datasets.read(path)
    assert isinstance(made, Imported) and made.event.id == "acled:data-7080698"
    assert [note.kind for note in made.notes] == ["id taken from data_id"]
    assert isinstance(none, SetAside) and none.reason == "no id"
    assert isinstance(vague, Imported)
    assert sorted(note.kind for note in vague.notes) == [
        "coordinates empty",
        "geo_precision empty",
        "time_precision empty",
    ]
    assert vague.event.date.start < vague.event.date.end  # the week or month it may stand for


def test_monadic_rows_of_one_event_are_one_event_with_every_actor(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    text = _without(
        export_text(
            "acled-2019.csv",
            [
                {"event_id_cnty": "IRQ970031", "actor1": "Made-up Militia", "fatalities": "3"},
                {"event_id_cnty": "IRQ970031", "actor1": "Made-up Army", "fatalities": "3"},
                {"event_id_cnty": "IRQ970032", "actor1": "Made-up Army", "fatalities": "1"},
            ],
        ),
        "actor2",
        "inter2",
        "assoc_actor_2",
    )
    folder = make_data({"acled/monadic.csv": text})
    events, said = _events(cli, folder)
    assert {key for key in events if key.startswith("acled:")} == {"acled:IRQ970031", "acled:IRQ970032"}
    assert len(events["acled:IRQ970031"]["actors"]) >= 2
    killed = [event["casualties"]["killed"] for key, event in events.items() if key.startswith("acled:")]
    assert sorted(killed) == [1, 3]  # 3 once, not twice
    assert said == [
        f"iranclash: {folder / 'acled' / 'monadic.csv'}: 3 rows: 3 read, 0 with notes, 0 set aside; "
        "1 row added actors to an event of the same id"
    ]
    rows = list(datasets.read(folder / "acled" / "monadic.csv"))
    assert [type(item) for item in rows] == [Merged, Imported, Imported]


def test_ucdp_float_ids_an_index_column_and_a_hashtag_row(tmp_path: Path) -> None:
    lines = (FIXTURES / "ucdp-ged-hdx.csv").read_text(encoding="utf-8").splitlines()
    header, hashtags, *rows = lines
    indexed = [f",{header}", f"0,{hashtags}"]
    indexed += [f"{number},{row}" for number, row in enumerate(rows, start=1)]
    path = tmp_path / "pandas.csv"
    path.write_text("\n".join(indexed).replace("990001,", "990001.0,", 1) + "\n", encoding="utf-8")
    items = list(datasets.read(path))
    assert [item.event.id for item in items if isinstance(item, Imported)] == ["ucdp:990001", "ucdp:990002"]
    assert all(isinstance(item, Imported) and not item.notes for item in items)


def test_columns_a_file_lacks_or_cuts_short_are_said_once(tmp_path: Path) -> None:
    text = _without(export_text("acled-2016.csv", [{}]), "ADMIN3")
    path = tmp_path / "shapefile.csv"
    path.write_text(text.replace("GEO_PRECISION", "GEO_PRECIS", 1), encoding="utf-8")
    header, lines = datasets.read_rows(path)
    lines.close()
    assert header.notes == (
        "column names cut to 10 characters (a shapefile's table) read as GEO_PRECIS as geo_precision",
        "no column admin3: unknown in every row",
    )
    (only,) = datasets.read(path)
    assert isinstance(only, Imported) and only.row.geo_precision is not None


def test_a_file_that_is_no_export_is_named_by_what_it_lacks_not_what_it_holds(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    folder = make_data({"acled/x.csv": "root:$6$secret:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n"})
    run = cli("events", "--data", str(folder))
    assert run.exit_code == 1
    assert "its first line does not look like column names" in run.stderr
    assert "secret" not in run.stderr
    extract = make_data({"acled/y.csv": "event_date,latitude,longitude,fatalities,event_type\n"})
    refused = cli("events", "--data", str(extract))
    assert refused.exit_code == 1
    assert "first columns: event_date, latitude, longitude, fatalities, event_type" in refused.stderr


@pytest.mark.parametrize("command", ["events", "validate", "import"])
def test_a_linked_secret_is_never_shown_by_events_validate_or_import(
    make_data: Callable[..., Path], tmp_path: Path, command: str
) -> None:
    """acled/x.csv linked to a file like /etc/shadow (issue 20): a real process, each command."""
    import subprocess
    import sys

    secret = tmp_path / "shadow"
    secret.write_text("root:$6$secret-hash:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n")
    folder = make_data()
    (folder / "acled").mkdir()
    (folder / "acled" / "x.csv").symlink_to(secret)
    arguments = {
        "events": ["events", "--data", str(folder)],
        "validate": ["validate", str(folder)],
        "import": ["import", "acled", str(folder / "acled" / "x.csv"), "--into", str(tmp_path / "into")],
    }[command]
    run = subprocess.run([sys.executable, "-m", "iranclash", *arguments], capture_output=True, text=True)
    assert run.returncode == 1, run
    assert "does not look like column names" in run.stderr + run.stdout
    assert "secret-hash" not in run.stderr + run.stdout and "root:" not in run.stderr + run.stdout


def test_every_shipped_event_written_by_export_acled_reads_back_without_a_note(
    cli: Callable[..., Run], tmp_path: Path
) -> None:
    run = cli("export", "acled")
    assert run.exit_code == 0, run
    path = tmp_path / "ours.csv"
    path.write_text(run.stdout, encoding="utf-8")
    items = list(datasets.read(path))
    assert items and all(isinstance(item, Imported) for item in items)
    noted = {note.kind for item in items if isinstance(item, Imported) for note in item.notes}
    # An event the article places nowhere: no location, coordinates or precision to write.
    assert noted == {"location empty", "coordinates empty", "geo_precision empty"}, noted
    unplaced = [item for item in items if isinstance(item, Imported) and item.notes]
    assert all(not item.event.places or item.event.places[0].count("/") <= 2 for item in unplaced)
