"""`iranclash import acled|ucdp FILE --into DIR`: check an export, then copy it into a data folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import Run
from iranclash.ingest.importer import import_export

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"


def _export(tmp_path: Path, name: str = "acled-current.csv") -> Path:
    """A copy of a made-up export in the user's downloads, its times set in the past."""
    downloads = tmp_path / "downloads"
    downloads.mkdir(exist_ok=True)
    path = downloads / name
    shutil.copy(FIXTURES / name, path)
    os.utime(path, (1_000_000_000, 1_000_000_000))
    return path


def test_an_export_is_checked_and_copied_and_the_users_file_left_alone(
    cli: Callable[..., Run], tmp_path: Path
) -> None:
    export = _export(tmp_path)
    before = (export.read_bytes(), os.stat(export).st_mtime_ns)
    into = tmp_path / "iraq"
    run = cli("import", "acled", str(export), "--into", str(into), "--json")
    assert run.exit_code == 0, run
    target = into / "acled" / "acled-current.csv"
    assert run.json() == {
        "file": str(target),
        "dataset": "acled",
        "schema": "acled",
        "rows": 4,
        "read": 4,
        "with_notes": 0,
        "set_aside": 0,
        "action": "copied",
    }
    assert run.stderr == f"iranclash: {export}: 4 rows: 4 read, 0 with notes, 0 set aside\n"
    assert target.read_bytes() == before[0]
    assert (export.read_bytes(), os.stat(export).st_mtime_ns) == before
    assert sorted(os.listdir(into / "acled")) == ["acled-current.csv"]  # no temp file left
    events = cli("events", "--data", str(into), "--json")
    assert [event["id"] for event in events.json()][-1] == "acled:IRQ990004"


def test_a_ucdp_copy_with_hashtags_is_imported(cli: Callable[..., Run], tmp_path: Path) -> None:
    export = _export(tmp_path, "ucdp-ged-hdx.csv")
    run = cli("import", "ucdp", str(export), "--into", str(tmp_path / "d"), "--json")
    assert run.exit_code == 0, run
    assert (run.json()["schema"], run.json()["rows"]) == ("ucdp-ged", 2)
    assert (tmp_path / "d" / "ucdp" / "ucdp-ged-hdx.csv").is_file()


def _odd_export(tmp_path: Path) -> Path:
    """The made-up export with a row whose time_precision is 9 and its first row given again."""
    export = _export(tmp_path)
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",3,Strategic", ",9,Strategic", 1)  # time_precision 9
    lines.append(lines[1])  # and the first row again
    export.write_text("".join(lines), encoding="utf-8")
    return export


def test_odd_rows_are_counted_and_the_file_copied_as_it_is(cli: Callable[..., Run], tmp_path: Path) -> None:
    export = _odd_export(tmp_path)
    into = tmp_path / "iraq"
    run = cli("import", "acled", str(export), "--into", str(into), "--json")
    assert run.exit_code == 0, run
    assert (run.json()["rows"], run.json()["read"], run.json()["with_notes"], run.json()["set_aside"]) == (
        5,
        3,
        1,
        1,
    )
    assert run.stderr == (
        f"iranclash: {export}: 5 rows: 3 read, 1 with notes (1 time_precision not a number at line 4), "
        "1 set aside (1 row id given twice at line 6)\n"
    )
    assert (into / "acled" / "acled-current.csv").read_bytes() == export.read_bytes()


def test_strict_lists_every_note_and_copies_nothing(cli: Callable[..., Run], tmp_path: Path) -> None:
    export = _odd_export(tmp_path)
    into = tmp_path / "iraq"
    run = cli("import", "acled", str(export), "--into", str(into), "--json", "--strict")
    assert run.exit_code == 1
    problems = run.json()
    assert [(problem["line"], problem["column"], problem["field"]) for problem in problems] == [
        (4, 4, "time_precision"),
        (6, None, "event_id_cnty"),
    ]
    assert "row id IRQ990001 is used twice (first at line 2)" in problems[1]["message"]
    assert run.stderr == f"iranclash: error: 2 problems in {export}; nothing was copied\n"
    assert not into.exists()
    table = cli("import", "acled", str(export), "--into", str(into), "--strict")
    assert f"{export}:4:4: record 'acled:SYR990003', field 'time_precision'" in table.stdout


def test_an_export_of_the_other_dataset_is_refused(cli: Callable[..., Run], tmp_path: Path) -> None:
    export = _export(tmp_path, "ucdp-ged.csv")
    run = cli("import", "acled", str(export), "--into", str(tmp_path / "d"))
    assert run.exit_code == 1
    assert run.stderr == (f"iranclash: error: {export}:1: is a UCDP export (ucdp-ged), not an ACLED one\n")
    assert not (tmp_path / "d").exists()


def test_a_different_file_there_is_replaced_only_when_asked(cli: Callable[..., Run], tmp_path: Path) -> None:
    into = tmp_path / "iraq"
    (into / "acled").mkdir(parents=True)
    target = into / "acled" / "acled-current.csv"
    shutil.copy(FIXTURES / "acled-2019.csv", target)
    export = _export(tmp_path)
    refused = cli("import", "acled", str(export), "--into", str(into))
    assert refused.exit_code == 2
    assert "exists and differs" in refused.stderr and "--replace" in refused.stderr
    assert target.read_bytes() == (FIXTURES / "acled-2019.csv").read_bytes()
    replaced = cli("import", "acled", str(export), "--into", str(into), "--replace", "--json")
    assert replaced.exit_code == 0, replaced
    assert replaced.json()["action"] == "replaced"
    assert target.read_bytes() == export.read_bytes()
    again = cli("import", "acled", str(export), "--into", str(into), "--json")
    assert again.json()["action"] == "unchanged"


def test_a_link_at_the_destination_is_never_written_through(cli: Callable[..., Run], tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_text("keep me\n", encoding="utf-8")
    into = tmp_path / "iraq"
    (into / "acled").mkdir(parents=True)
    (into / "acled" / "acled-current.csv").symlink_to(elsewhere)
    run = cli("import", "acled", str(_export(tmp_path)), "--into", str(into), "--replace")
    assert run.exit_code == 2
    assert "is not a regular file" in run.stderr
    assert elsewhere.read_text(encoding="utf-8") == "keep me\n"


def test_the_check_reports_progress_up_to_the_last_line(tmp_path: Path) -> None:
    export = _export(tmp_path)
    seen: list[tuple[int, int]] = []
    into = tmp_path / "into"
    done = import_export("acled", export, into, progress=lambda done, total: seen.append((done, total)))
    assert done.rows == 4
    assert seen[-1] == (5, 5)  # the header and four rows
    assert all(done <= total for done, total in seen)
