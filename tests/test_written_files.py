"""Files written on request (issue 20): `import --into` and `report --out` write beside the
destination, exclusively, and never through a link, into a device or onto a folder; a full
disk or a name the system refuses is one line, not a traceback.

Each attack runs the real program in its own process.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iranclash", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def one_line(result: subprocess.CompletedProcess[str], exit_code: int, *needles: str) -> None:
    assert result.returncode == exit_code, result
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    for needle in needles:
        assert needle in result.stderr


@pytest.fixture
def export(tmp_path: Path) -> Path:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    path = downloads / "acled-current.csv"
    shutil.copy(FIXTURES / "acled-current.csv", path)
    return path


def _last_pid() -> int:
    try:
        return int(Path("/proc/sys/kernel/ns_last_pid").read_text())
    except OSError:
        pytest.skip("the system does not say which process id comes next")


# 3. Links and devices at the destination ----------------------------------------------------


def test_import_never_writes_through_a_link_planted_at_a_temporary_name(export: Path, tmp_path: Path) -> None:
    into = tmp_path / "shared-data"
    (into / "acled").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    start = _last_pid()
    for pid in range(start, start + 400):  # every name the next processes would pick, as before
        (into / "acled" / f".acled-current.csv.{pid}.tmp").symlink_to(victim)
    result = run("import", "acled", str(export), "--into", str(into))
    assert result.returncode == 0, result
    assert victim.read_text() == "precious\n"
    assert (into / "acled" / "acled-current.csv").read_bytes() == export.read_bytes()


def test_report_out_never_follows_a_dangling_link(tmp_path: Path) -> None:
    planted = tmp_path / "report.html"
    elsewhere = tmp_path / "elsewhere.html"
    planted.symlink_to(elsewhere)
    one_line(run("report", "--out", str(planted)), 2, "exists", "--force")
    assert not elsewhere.exists()


def test_report_out_force_replaces_the_link_never_its_target(tmp_path: Path) -> None:
    planted = tmp_path / "report.html"
    target = tmp_path / "application.conf"
    target.write_text("keep me\n")
    planted.symlink_to(target)
    result = run("report", "--out", str(planted), "--force")
    assert result.returncode == 0, result
    assert target.read_text() == "keep me\n"
    assert not planted.is_symlink() and "<html" in planted.read_text()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["application.conf", "report.html"]


def test_report_out_force_never_replaces_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_line(run("report", "--out", str(fifo), "--force"), 2, "not a regular file")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert [path.name for path in tmp_path.iterdir()] == ["pipe"]


@pytest.mark.skipif(os.getuid() != 0, reason="making a device node needs root")
def test_report_out_force_never_replaces_a_device(tmp_path: Path) -> None:
    device = tmp_path / "full"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 7))  # what /dev/full is
    one_line(run("report", "--out", str(device), "--force"), 2, "not a regular file")
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert [path.name for path in tmp_path.iterdir()] == ["full"]


# 8. Clean errors where a file cannot be written ---------------------------------------------


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A small tmpfs filled to the last byte (root only)."""
    if os.getuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small full file system needs root")
    mount = tmp_path / "full"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        with contextlib.suppress(OSError), open(mount / "filler", "wb") as filler:
            while True:
                filler.write(b"x" * 4096)
                filler.flush()
        (mount / "acled").mkdir(exist_ok=True)
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_report_onto_a_full_disk_is_exit_74_and_leaves_nothing(full_disk: Path) -> None:
    one_line(run("report", "--out", str(full_disk / "report.html")), 74, "No space left on device")
    assert sorted(path.name for path in full_disk.iterdir()) == ["acled", "filler"]


def test_import_onto_a_full_disk_is_exit_74_and_leaves_nothing(export: Path, full_disk: Path) -> None:
    result = run("import", "acled", str(export), "--into", str(full_disk))
    assert result.returncode == 74, result
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr
    assert os.listdir(full_disk / "acled") == []


def test_names_too_long_for_the_system_are_one_line(export: Path, tmp_path: Path) -> None:
    long_name = "r" * 300
    one_line(run("report", "--out", str(tmp_path / f"{long_name}.html")), 2, "File name too long")
    result = run("import", "acled", str(export), "--into", str(tmp_path / long_name))
    assert result.returncode == 2, result
    assert "File name too long" in result.stderr and "Traceback" not in result.stderr


def test_a_temporary_file_of_an_import_killed_mid_copy_is_removed_by_the_next(
    export: Path, tmp_path: Path
) -> None:
    into = tmp_path / "data"
    (into / "acled").mkdir(parents=True)
    killed = subprocess.Popen(["sleep", "60"])
    killed.kill()
    killed.wait()
    left = [
        into / "acled" / f".acled-current.csv.{killed.pid}.tmp",  # the name before issue 20
        into / "acled" / f".acled-current.csv.{killed.pid}.0123456789ab.tmp",
    ]
    for path in left:
        path.write_bytes(b"half a cop")
    alive = into / "acled" / f".acled-current.csv.{os.getpid()}.00aa00aa00aa.tmp"
    alive.write_bytes(b"being written")
    result = run("import", "acled", str(export), "--into", str(into))
    assert result.returncode == 0, result
    assert sorted(os.listdir(into / "acled")) == sorted(["acled-current.csv", alive.name])


# 9. Formulas in CSV ---------------------------------------------------------------------------

FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def formula_data(tmp_path: Path) -> Path:
    folder = tmp_path / "formula-data"
    (folder / "events").mkdir(parents=True)
    (folder / "events" / "e.yaml").write_text(
        "- id: formula-event\n"
        '  date: "2022-03-04"\n'
        "  type: rocket-attack\n"
        f'  title: "{FORMULA}"\n'
        '  summary: "@SUM(1+1)"\n'
        "  sources:\n"
        '    - {source: report, quote: "-2+3"}\n',
        encoding="utf-8",
    )
    (folder / "sources.yaml").write_text(
        "- id: report\n  kind: report\n  title: A field report\n", encoding="utf-8"
    )
    return folder


def _csv_cells(text: str) -> set[str]:
    import csv
    import io

    return {cell for row in csv.reader(io.StringIO(text)) for cell in row}


@pytest.mark.parametrize(
    "command", [["events", "--format", "csv"], ["export", "acled"]], ids=["events-csv", "export-acled"]
)
def test_formulas_stay_exact_by_default_and_are_made_text_on_request(
    formula_data: Path, tmp_path: Path, command: list[str]
) -> None:
    exact = run(*command, "--data", str(formula_data), cwd=tmp_path)
    assert exact.returncode == 0, exact
    assert [cell for cell in _csv_cells(exact.stdout) if cell.startswith(FORMULA)]
    escaped = run(*command, "--escape-formulas", "--data", str(formula_data), cwd=tmp_path)
    assert escaped.returncode == 0, escaped
    cells = _csv_cells(escaped.stdout)
    assert [cell for cell in cells if cell.startswith("'" + FORMULA)]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "@") or cell.startswith("-2")]
    assert "2022-03-04" in cells  # a date, like a number, is not a formula


def test_escape_formulas_is_only_for_csv(tmp_path: Path) -> None:
    one_line(run("events", "--json", "--escape-formulas", cwd=tmp_path), 2, "--escape-formulas")
