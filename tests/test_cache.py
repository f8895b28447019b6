"""The compiled cache never gives a wrong answer: edits, races, damage and versions."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import Run
from iranclash.build import cache, fingerprint
from iranclash.build.progress import Step
from iranclash.core.model import Record
from iranclash.ingest import load, reader

EVENT = """
- id: {id}
  date: "2022-03-04"
  type: rocket-attack
  title: {title}
  sources:
    - {{source: report, quote: "x"}}
"""


def _titles(cli: Callable[..., Run], folder: Path, *extra: str) -> list[str]:
    run = cli("events", "--data", str(folder), "--json", *extra)
    assert run.exit_code == 0, run
    return [event["title"] for event in run.json()]


def _cache_files(directory: Path) -> list[Path]:
    """Every file in the cache folder but the lock files, which stay (see cache.clear), and
    the seals beside the caches."""
    return sorted(
        path
        for path in (directory / "iranclash").glob("*")
        if path.is_file() and path.suffix not in (".lock", ".seal")
    )


def _alter(cache_file: Path, statement: str) -> None:
    """Change a cache file behind iranclash's back."""
    with sqlite3.connect(cache_file) as connection:
        connection.execute(statement)
    connection.close()


@pytest.fixture
def cache_home() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"])


def test_second_query_reads_no_yaml(
    cli: Callable[..., Run], make_data: Callable[..., Path], count_parses: list[Path], cache_home: Path
) -> None:
    folder = make_data()
    first = _titles(cli, folder)
    assert len(count_parses) == 4
    assert len(_cache_files(cache_home)) == 1
    assert _titles(cli, folder) == first
    assert len(count_parses) == 4


def test_editing_one_events_file_of_several_reads_only_that_file(
    cli: Callable[..., Run], make_data: Callable[..., Path], count_parses: list[Path]
) -> None:
    """The rebuild starts from the last cache and replaces the edited file's share: the
    other files are not read, and their records are there as they were."""
    folder = make_data(
        {
            "events/a.yaml": EVENT.format(id="a", title="Alpha"),
            "events/b.yaml": EVENT.format(id="b", title="Bravo"),
        }
    )
    assert "Bravo" in _titles(cli, folder)
    count_parses.clear()
    (folder / "events" / "b.yaml").write_text(EVENT.format(id="b", title="Bravissimo"), encoding="utf-8")
    assert sorted(_titles(cli, folder)) == [
        "Alpha",
        "Bravissimo",
        "Rockets hit North Base",
        "Talks at some point in 2022",
    ]
    assert count_parses == [folder / "events" / "b.yaml"]


def test_an_edit_keeping_size_and_mtime_is_seen(
    cli: Callable[..., Run], make_data: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """git's "racily clean" case: on a filesystem whose stat shows nothing but size and
    mtime, an edit of the same size within the same clock tick must still be seen."""
    monkeypatch.setattr(
        fingerprint.Fingerprint,
        "of",
        classmethod(lambda cls, info: cls(info.st_size, info.st_mtime_ns, 0, 0)),
    )
    folder = make_data({"events.yaml": EVENT.format(id="a", title="Alpha")})
    events = folder / "events.yaml"
    assert _titles(cli, folder) == ["Alpha"]
    before = events.stat()
    events.write_text(EVENT.format(id="a", title="Omega").lstrip("\n"), encoding="utf-8")
    os.utime(events, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert events.stat().st_size == before.st_size
    assert _titles(cli, folder) == ["Omega"]


def test_a_file_stops_being_hashed_once_its_clock_tick_has_passed(
    make_data: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_data()
    cache.open_store(folder).close()
    target = cache.cache_path(folder)
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT count(*) FROM source_file WHERE racy = 1").fetchone()[0] == 4
    connection.close()
    monkeypatch.setattr(cache, "RACY_WINDOW_NS", 0)
    cache.open_store(folder).close()
    with sqlite3.connect(target) as connection:
        assert connection.execute("SELECT count(*) FROM source_file WHERE racy = 1").fetchone()[0] == 0
    connection.close()


def test_added_and_removed_files_are_seen(cli: Callable[..., Run], make_data: Callable[..., Path]) -> None:
    folder = make_data({"events/a.yaml": EVENT.format(id="a", title="Alpha")})
    assert "Alpha" in _titles(cli, folder)
    (folder / "events" / "b.yaml").write_text(EVENT.format(id="b", title="Bravo"), encoding="utf-8")
    assert "Bravo" in _titles(cli, folder)
    (folder / "events" / "a.yaml").unlink()
    assert "Alpha" not in _titles(cli, folder)


def test_a_damaged_cache_is_rebuilt(
    cli: Callable[..., Run], make_data: Callable[..., Path], cache_home: Path
) -> None:
    folder = make_data()
    expected = _titles(cli, folder)
    (target,) = _cache_files(cache_home)
    for damage in (b"", b"not a database at all" * 100, target.read_bytes()[: target.stat().st_size // 2]):
        target.write_bytes(damage)
        run = cli("events", "--data", str(folder), "--json")
        assert run.exit_code == 0, run
        assert [event["title"] for event in run.json()] == expected
        assert "Traceback" not in run.stderr


def test_a_cache_of_another_version_is_not_used(
    cli: Callable[..., Run], make_data: Callable[..., Path], cache_home: Path, count_parses: list[Path]
) -> None:
    folder = make_data()
    expected = _titles(cli, folder)
    (target,) = _cache_files(cache_home)
    _alter(target, "UPDATE meta SET value = '0.0.1' WHERE key = 'iranclash_version'")
    count_parses.clear()
    assert _titles(cli, folder) == expected
    assert len(count_parses) == 4, "a cache of another version is not read"


def test_an_unwritable_cache_location_falls_back_to_memory(
    cli: Callable[..., Run], make_data: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_data()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = cli("events", "--data", str(folder), "--json", env={"IRANCLASH_CACHE_DIR": str(blocker / "cache")})
    assert run.exit_code == 0
    assert len(run.json()) == 2
    assert "warning: not using the cache" in run.stderr


def test_a_cache_folder_others_can_write_is_not_trusted(
    cli: Callable[..., Run], make_data: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_data()
    shared = tmp_path / "shared-cache"
    shared.mkdir()
    shared.chmod(0o777)
    run = cli("events", "--data", str(folder), "--json", env={"IRANCLASH_CACHE_DIR": str(shared)})
    assert run.exit_code == 0
    assert "writable by other users" in run.stderr
    assert list(shared.iterdir()) == []


def test_no_cache_neither_reads_nor_writes_it(
    cli: Callable[..., Run], make_data: Callable[..., Path], cache_home: Path
) -> None:
    folder = make_data()
    assert len(_titles(cli, folder, "--no-cache")) == 2
    assert _cache_files(cache_home) == []


def test_two_processes_building_at_once_both_answer_right(
    make_data: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_data({"events.yaml": "".join(EVENT.format(id=f"e{n}", title=f"T{n}") for n in range(400))})
    env = {**os.environ, "IRANCLASH_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "iranclash", "events", "--data", str(folder), "--json"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert len(json.loads(stdout)) == 400
    assert sorted(path.suffix for path in (tmp_path / "cache").iterdir()) == [".lock", ".seal", ".sqlite"]


def test_an_interrupted_build_leaves_no_partial_file(
    cli: Callable[..., Run], make_data: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, cache_home: Path
) -> None:
    def interrupted(kind: str, text: reader.Text) -> Iterator[tuple[Record, int]]:
        raise KeyboardInterrupt

    monkeypatch.setattr(load, "records", interrupted)
    run = cli("events", "--data", str(make_data()))
    assert run.exit_code == 130
    assert run.stderr == "iranclash: interrupted\n"
    assert _cache_files(cache_home) == []


def test_cache_clear_and_info(
    cli: Callable[..., Run], make_data: Callable[..., Path], cache_home: Path
) -> None:
    folder = make_data()
    info = cli("info", "--data", str(folder), "--json").json()
    assert info["cache_status"] == "missing"
    assert info["cache_file"].startswith(str(cache_home))
    _titles(cli, folder)
    assert cli("info", "--data", str(folder), "--json").json()["cache_status"] == "fresh"
    (folder / "events.yaml").write_text(EVENT.format(id="a", title="Changed"), encoding="utf-8")
    assert cli("info", "--data", str(folder), "--json").json()["cache_status"] == "stale"
    run = cli("cache", "clear")
    assert run.exit_code == 0
    assert "removed 1 cache file" in run.stderr
    assert _cache_files(cache_home) == []


def test_a_json_query_imports_neither_rich_nor_yaml_nor_the_build(tmp_path: Path) -> None:
    """Start-up stays fast: a warm --json query needs neither the table renderer nor the parser,
    nor the build pipeline (the freshness check needs only ``fingerprint``), nor a dataclass
    (``core.results`` says what one costs to create)."""
    env = {**os.environ, "IRANCLASH_CACHE_DIR": str(tmp_path)}
    probe = (
        "import sys\n"
        "from iranclash.cli.commands import main\n"
        "sys.argv = ['iranclash', 'events', '--since', '2021-07-05', '--json']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "tops = {'rich', 'yaml', 'pickle', 'hashlib', 'dataclasses'}\n"
        "build = {'iranclash.build.compile', 'iranclash.build.store', 'iranclash.build.partial'}\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in tops or m in build)\n"
        "sys.stderr.write(repr(heavy))\n"
    )
    subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, check=True)
    warm = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, check=True)
    assert json.loads(warm.stdout)
    assert warm.stderr.decode() == "[]"


def test_a_compile_of_more_than_a_second_shows_a_progress_bar(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """YAML alone: the files read, and the time left at the build's pace so far."""
    from iranclash.cli import answer as cli

    clock = [100.0]
    monkeypatch.setattr(cli.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(cli, "stderr_width", lambda: 120)
    progress = cli.ProgressLine()
    progress(Step(1, 4, 100, 400, 0, 0.2))
    assert capsys.readouterr().err == "", "nothing is shown during the first second"
    clock[0] = 101.5
    progress(Step(2, 4, 200, 400, 0, 1.7))
    clock[0] = 101.55
    progress(Step(3, 4, 300, 400, 0, 1.75))
    progress(Step(4, 4, 400, 400, 0, 1.8))
    progress.close()
    shown = capsys.readouterr().err
    head = "iranclash: compiling data ["
    assert shown.startswith(f"\r{head}###############...............]  50%  2/4 files, 0:02 left")
    assert "3/4" not in shown, "at most ten lines a second"
    assert shown.rsplit("\r", 1)[-1].rstrip() == f"{head}##############################] 100%  4/4 files"
    assert "left" not in shown.rsplit("\r", 1)[-1], "a shorter line covers the longer one before it"


@pytest.mark.parametrize(
    ("columns", "line"),
    [
        (
            120,
            "iranclash: compiling data [##########....................]  35%"
            "  150,000 rows, 41,700 rows/s, 0:07 left",
        ),
        # 80 columns: the percentage is left out (the bar shows the share) before anything else.
        (80, "iranclash: compiling data [####........] 150,000 rows, 41,700 rows/s, 0:07 left"),
        # 60 columns: the rate and the time left too, rather than a bar narrower than 10.
        (60, "iranclash: compiling data [######............] 150,000 rows"),
    ],
)
def test_an_exports_progress_shows_its_rows_their_rate_and_the_time_left(
    columns: int, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bar moves with the bytes read; the rows read so far, how many a second (to three
    figures), and the time left at that pace, on one line of the terminal."""
    from iranclash.cli import answer as cli

    monkeypatch.setattr(cli, "stderr_width", lambda: columns)
    progress = cli.ProgressLine()
    progress.started -= 5
    progress(Step(0.35, 1, 42_000_000, 120_000_000, 150_000, 3.6))
    assert capsys.readouterr().err == "\r" + line
    assert len(line) < columns, "never in the last column, where a terminal may wrap"


def test_a_waiting_process_reads_the_builders_step_from_the_lock_file(tmp_path: Path) -> None:
    """What the builder writes into the lock file is what those waiting show: its rows, bytes
    and seconds too. A lock file left by an earlier version (two numbers; or two numbers over
    a second line of this one's, of another build) gives the files alone."""
    step = Step(0.35, 1, 42_000_000, 120_000_000, 150_000, 3.6)
    assert _waited_for(tmp_path, "new", lambda holder: holder.report(step)) == step
    earlier = b"2 6".ljust(40)  # as earlier versions write it
    assert _waited_for(tmp_path, "old", lambda holder: os.pwrite(holder.fd, earlier, 0)) == Step(2, 6)
    assert _waited_for(tmp_path, "new", lambda holder: os.pwrite(holder.fd, earlier, 0)) == Step(2, 6)


def _waited_for(tmp_path: Path, key: str, write: Callable[[cache.BuildLock], object]) -> Step:
    """The first step a process waiting for the lock ``key`` is shown, once its holder wrote."""
    with cache.CacheFolder.open(tmp_path / "locks") as folder:
        holder = cache.BuildLock(folder, key)
        assert holder.try_lock()
        write(holder)
        shown: list[Step] = []

        def showing(step: Step) -> None:
            shown.append(step)
            holder.__exit__()  # the build ends: the waiter takes the lock

        with cache.BuildLock(folder, key) as waiter:
            waiter.wait(showing)
        return shown[0]


def test_a_cache_damaged_past_its_header_is_rebuilt(
    cli: Callable[..., Run], make_data: Callable[..., Path], cache_home: Path
) -> None:
    """Damage the freshness check cannot see (the record pages) still gives the right answer,
    and the next run finds a sound cache again."""
    folder = make_data()
    expected = _titles(cli, folder)
    (target,) = _cache_files(cache_home)
    _alter(target, "DROP TABLE event_json_data")
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    assert [event["title"] for event in run.json()] == expected
    assert "rebuilding" in run.stderr
    again = cli("events", "--data", str(folder), "--json")
    assert again.stderr == ""
    assert [event["title"] for event in again.json()] == expected
