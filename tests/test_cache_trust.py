"""A cache you can trust (issue 8): nothing in it runs, one build at a time, clean after any
crash, damage caught, and a process that behaves when its outputs break.

Concurrency, crashes and broken outputs are tested with real processes; a build is
stopped at a named point with ``$IRANCLASH_TEST_PAUSE_AT`` and killed there.
"""

from __future__ import annotations

import json
import os
import pickle
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import Run, export_text
from iranclash.build import cache, packed
from iranclash.build import integrity as checks

EVENT = """
- id: {id}
  date: "2022-03-04"
  type: rocket-attack
  title: {title}
  munitions:
    - {{weapon: rocket, count: 14}}
  sources:
    - {{source: report, quote: "x"}}
"""

Cli = Callable[..., Run]
MakeData = Callable[..., Path]

#: Runs the real entry point, logging every data file the loader parses to $PARSE_LOG.
DRIVER = """
import os, sys
from iranclash.ingest import load
real = load.records
def counting(kind, text):
    with open(os.environ["PARSE_LOG"], "a") as log:
        log.write(str(text.path) + "\\n")
    return real(kind, text)
load.records = counting
from iranclash.cli.launch import main
main()
"""


def events_yaml(prefix: str, count: int) -> str:
    return "".join(EVENT.format(id=f"{prefix}{n}", title=f"Title {prefix}{n}") for n in range(count))


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("IRANCLASH_CACHE_DIR", str(home))
    return home


def program(*args: str) -> list[str]:
    return [sys.executable, "-m", "iranclash", *args]


def env_with(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def leftovers(home: Path) -> list[str]:
    """Files in the cache folder other than caches, their seals and lock files."""
    return sorted(path.name for path in home.iterdir() if path.suffix not in (".sqlite", ".lock", ".seal"))


def wait_for_line(process: subprocess.Popen[bytes], text: str, timeout: float = 60) -> None:
    """Read the process's stderr until ``text`` appears (the build reached its pause point)."""
    assert process.stderr is not None
    deadline = time.monotonic() + timeout
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stderr], [], [], 0.5)
        if ready:
            chunk = os.read(process.stderr.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            if text.encode() in seen:
                return
    process.kill()
    raise AssertionError(f"never saw {text!r}; stderr was {seen!r}")


def cache_file(home: Path) -> Path:
    (found,) = home.glob("*.sqlite")
    return found


def _read_events(cache_path: Path) -> str:
    """The events of a cache file as a JSON list, read through the checked view."""
    connection = checks.connect(str(cache_path))
    try:
        return "[" + ", ".join(text for (text,) in connection.execute("SELECT json FROM event_json")) + "]"
    finally:
        connection.close()


# 1. Nothing in the cache runs ------------------------------------------------------------


#: The only blobs: events' JSON, deflated (``packed``), the dictionary it is deflated with,
#: and the search index's segments (SQLite's FTS5 format, read by SQLite alone).
PACKED = {
    ("event_json_data", "json"),
    ("json_dictionary", "bytes"),
    ("search_text_data", "block"),
    ("search_text_idx", "term"),
}


def test_the_cache_holds_data_only(cli: Cli, make_data: MakeData, cache_home: Path) -> None:
    """Every value in every table is text or a number, or an event's JSON text deflated:
    no pickle, nothing that is run to be read."""
    folder = make_data({"events/a.yaml": events_yaml("a", 3), "events/b.yaml": events_yaml("b", 3)})
    assert cli("events", "--data", str(folder), "--json").exit_code == 0
    with sqlite3.connect(cache_file(cache_home)) as connection:
        tables = [
            name
            for name, sql in connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            if not sql.startswith("CREATE VIRTUAL TABLE")  # its rows are in the tables below it
        ]
        for table in tables:
            for (column,) in connection.execute(f"SELECT name FROM pragma_table_info('{table}')"):
                types = {
                    row[0] for row in connection.execute(f"SELECT DISTINCT typeof({column}) FROM {table}")
                }
                blob = {"blob"} if (table, column) in PACKED else set()
                assert types <= {"text", "integer", "real", "null", *blob}, (table, column, types)
        (preset,) = connection.execute("SELECT bytes FROM json_dictionary").fetchone()
        events = connection.execute("SELECT json, crc FROM event_json_data").fetchall()
        assert len(events) == 8
        for data, crc in events:
            text = packed.unpack(data, preset)
            assert zlib.adler32(text) == crc
            assert json.loads(text)["id"]
    connection.close()


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.marker,))


def test_a_planted_pickle_never_runs(cli: Cli, make_data: MakeData, cache_home: Path, tmp_path: Path) -> None:
    """A pickle payload where the freshness check reads what the cache knows of each file:
    it is compared as data, and the rebuild reads the files again."""
    folder = make_data({"events/a.yaml": events_yaml("a", 2), "events/b.yaml": events_yaml("b", 2)})
    assert cli("events", "--data", str(folder), "--json").exit_code == 0
    marker = tmp_path / "payload-ran"
    payload = pickle.dumps(_Payload(marker))
    with sqlite3.connect(cache_file(cache_home)) as connection:
        connection.execute("UPDATE source_file SET sha256 = ?, racy = 1", (payload,))
    connection.close()
    run = cli("events", "--data", str(folder), "--json")
    assert not marker.exists(), "the pickled payload ran"
    assert run.exit_code == 0, run
    ids = {event["id"] for event in run.json()}
    assert ids == {"first-attack", "vague-development", "a0", "a1", "b0", "b1"}
    with sqlite3.connect(cache_file(cache_home)) as connection:
        kept = connection.execute("SELECT sha256 FROM source_file").fetchall()
        assert len(kept) == 6 and all(isinstance(sha, str) and len(sha) == 64 for (sha,) in kept)
    connection.close()


def test_a_cache_file_that_is_a_link_is_not_followed(
    cli: Cli, make_data: MakeData, cache_home: Path, tmp_path: Path
) -> None:
    """A link planted where the cache file goes, to a crafted cache (with good checksums),
    is not read: the file must be a regular file in the checked folder."""
    folder = make_data()
    assert cli("events", "--data", str(folder), "--json").exit_code == 0
    target = cache_file(cache_home)
    crafted = tmp_path / "crafted.sqlite"
    crafted.write_bytes(target.read_bytes())
    with sqlite3.connect(crafted) as connection:
        (preset,) = connection.execute("SELECT bytes FROM json_dictionary").fetchone()
        pack = packed.packer(preset)
        for seq, data in list(connection.execute("SELECT seq, json FROM event_json_data")):
            text = packed.unpack(data, preset).decode().replace("Rockets hit", "Planted")
            crc = zlib.adler32(text.encode())
            connection.execute(
                "UPDATE event_json_data SET json = ?, crc = ? WHERE seq = ?", (pack(text), crc, seq)
            )
    connection.close()
    assert "Planted North Base" in [event["title"] for event in json.loads(_read_events(crafted))]
    target.unlink()
    target.symlink_to(crafted)
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    assert "Rockets hit North Base" in [event["title"] for event in run.json()]
    assert not target.is_symlink(), "the link is replaced by a cache built from the data"


# 2. One build at a time ----------------------------------------------------------------


def test_concurrent_cold_runs_build_once_and_all_answer_right(make_data: MakeData, tmp_path: Path) -> None:
    folder = make_data({f"events/{part}.yaml": events_yaml(part, 700) for part in "abc"})
    log = tmp_path / "parsed.log"
    env = env_with(IRANCLASH_CACHE_DIR=str(tmp_path / "cache"), PARSE_LOG=str(log))
    command = [sys.executable, "-c", DRIVER, "events", "--data", str(folder), "--json"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(6)
    ]
    for process in processes:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert len(json.loads(stdout)) == 2100 + 2
    parsed = log.read_text().splitlines()
    assert len(parsed) == len(set(parsed)) == 7, "one build: each of the 7 files parsed once"
    assert leftovers(tmp_path / "cache") == []


def test_a_waiting_run_shows_the_builders_progress_and_recovers_when_it_dies(
    make_data: MakeData, tmp_path: Path
) -> None:
    folder = make_data({"events/a.yaml": events_yaml("a", 5), "events/b.yaml": events_yaml("b", 5)})
    home = tmp_path / "cache"
    builder = subprocess.Popen(
        program("events", "--data", str(folder), "--json"),
        env=env_with(IRANCLASH_CACHE_DIR=str(home), IRANCLASH_TEST_PAUSE_AT="compile"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_line(builder, "paused at compile")
    controller, terminal = pty.openpty()
    waiter = subprocess.Popen(
        program("events", "--data", str(folder), "--json"),
        env=env_with(IRANCLASH_CACHE_DIR=str(home)),
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + 30
    while b"1/6 files" not in shown and time.monotonic() < deadline:
        if select.select([controller], [], [], 0.5)[0]:
            shown += os.read(controller, 4096)
    assert b"compiling data [" in shown and b"1/6 files" in shown, shown
    assert waiter.poll() is None, "the waiter waits for the build"
    assert len(leftovers(home)) == 1, "the builder's temp file"
    builder.kill()
    builder.wait()
    stdout, _ = waiter.communicate(timeout=60)
    os.close(controller)
    assert waiter.returncode == 0
    assert len(json.loads(stdout)) == 12
    assert leftovers(home) == [], "the dead builder's temp file is gone"


def test_a_waiting_run_shows_the_rows_and_rate_of_the_export_being_built(
    make_data: MakeData, tmp_path: Path
) -> None:
    """The builder stops with its one file, an export, read: the waiting run shows its rows,
    and the rate the builder measured, from the lock file."""
    rows = [{"event_id_cnty": f"IRQ97{n:04d}", "notes": f"MADE UP for tests: row {n}."} for n in range(40)]
    folder = make_data({"acled/export.csv": export_text("acled-current.csv", rows)}, base=False)
    home = tmp_path / "cache"
    builder = subprocess.Popen(
        program("events", "--data", str(folder), "--json"),
        env=env_with(IRANCLASH_CACHE_DIR=str(home), IRANCLASH_TEST_PAUSE_AT="compile"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_line(builder, "paused at compile")
    controller, terminal = pty.openpty()
    waiter = subprocess.Popen(
        program("events", "--data", str(folder), "--json"),
        env=env_with(IRANCLASH_CACHE_DIR=str(home), COLUMNS="120"),
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    shown = b""
    deadline = time.monotonic() + 30
    while b"rows/s" not in shown and time.monotonic() < deadline:
        if select.select([controller], [], [], 0.5)[0]:
            shown += os.read(controller, 4096)
    builder.kill()
    builder.wait()
    waiter.communicate(timeout=60)
    os.close(controller)
    assert re.search(rb"compiling data \[#{30}\] 100%  40 rows, [0-9,]+ rows/s", shown), shown
    assert waiter.returncode == 0


# 3. Readers never stall others -----------------------------------------------------------


def test_an_open_reader_does_not_stall_other_runs(make_data: MakeData, cache_home: Path) -> None:
    """A racily clean file is settled by a write into the cache; a reader holding the cache
    open (``| less``) must not make that write, or the runs behind it, wait."""
    folder = make_data({"events.yaml": events_yaml("e", 300)})
    env = env_with(IRANCLASH_CACHE_DIR=str(cache_home))
    command = program("events", "--data", str(folder), "--json")
    subprocess.run(command, env=env, capture_output=True, check=True)
    time.sleep(cache.RACY_WINDOW_NS / 1e9 + 0.2)
    reader = sqlite3.connect(cache_file(cache_home).as_uri() + "?mode=ro", uri=True)
    held = reader.execute("SELECT * FROM source_file")
    held.fetchone()  # a read in progress holds SQLite's shared lock, as `| less` would
    started = time.monotonic()
    run = subprocess.run(command, env=env, capture_output=True)
    elapsed = time.monotonic() - started
    reader.close()
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""
    assert elapsed < 2.5, f"a run behind an open reader took {elapsed:.1f} s"


def test_a_locked_database_is_not_damage(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("CREATE TABLE t(x)")
    reader = checks.connect(str(path), timeout=0)
    writer.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sqlite3.OperationalError) as error:
        reader.execute("SELECT * FROM t").fetchall()
    assert "locked" in str(error.value)
    assert checks.damage(reader, error.value) is None
    reader.close()
    writer.close()


# 4. Crash leftovers ---------------------------------------------------------------------


def test_kill_9_during_a_build_leaves_nothing_the_next_run_keeps(make_data: MakeData, tmp_path: Path) -> None:
    folder = make_data({"events/a.yaml": events_yaml("a", 5), "events/b.yaml": events_yaml("b", 5)})
    home = tmp_path / "cache"
    env = env_with(IRANCLASH_CACHE_DIR=str(home))
    builder = subprocess.Popen(
        program("events", "--data", str(folder), "--json"),
        env={**env, "IRANCLASH_TEST_PAUSE_AT": "compile"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_line(builder, "paused at compile")
    assert len(leftovers(home)) == 1
    builder.kill()
    builder.wait()
    run = subprocess.run(program("events", "--data", str(folder), "--json"), env=env, capture_output=True)
    assert run.returncode == 0, run.stderr
    assert len(json.loads(run.stdout)) == 12
    assert leftovers(home) == []


def test_the_temp_file_of_a_dead_builder_of_another_folder_is_removed(
    make_data: MakeData, tmp_path: Path
) -> None:
    home = tmp_path / "cache"
    home.mkdir(mode=0o700)
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    stale = home / f"0123456789abcdef.sqlite.{finished.pid}.1.tmp"
    stale.write_bytes(b"x" * 1000)
    running = home / f"fedcba9876543210.sqlite.{os.getpid()}.1.tmp"
    running.write_bytes(b"x")
    run = subprocess.run(
        program("events", "--data", str(make_data()), "--json"),
        env=env_with(IRANCLASH_CACHE_DIR=str(home)),
        capture_output=True,
    )
    assert run.returncode == 0, run.stderr
    assert leftovers(home) == [running.name], "only a live builder's temp file stays"


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_like_ctrl_c(make_data: MakeData, tmp_path: Path, number: int) -> None:
    folder = make_data({"events/a.yaml": events_yaml("a", 5), "events/b.yaml": events_yaml("b", 5)})
    home = tmp_path / "cache"
    builder = subprocess.Popen(
        program("events", "--data", str(folder), "--json"),
        env=env_with(IRANCLASH_CACHE_DIR=str(home), IRANCLASH_TEST_PAUSE_AT="compile"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wait_for_line(builder, "paused at compile")
    builder.send_signal(number)
    stdout, stderr = builder.communicate(timeout=60)
    assert builder.returncode == 130
    assert stderr.decode() == "iranclash: interrupted\n"
    assert stdout == b""
    assert leftovers(home) == []


def test_kill_9_while_settling_is_recovered_by_the_next_run(make_data: MakeData, cache_home: Path) -> None:
    folder = make_data({"events.yaml": events_yaml("e", 50)})
    env = env_with(IRANCLASH_CACHE_DIR=str(cache_home))
    command = program("events", "--data", str(folder), "--json")
    subprocess.run(command, env=env, capture_output=True, check=True)
    time.sleep(cache.RACY_WINDOW_NS / 1e9 + 0.2)
    settler = subprocess.Popen(
        command,
        env={**env, "IRANCLASH_TEST_PAUSE_AT": "settle"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_for_line(settler, "paused at settle")
    settler.kill()
    settler.wait()
    journal = cache_file(cache_home).with_name(cache_file(cache_home).name + "-journal")
    assert journal.exists(), "the settle was killed inside its transaction"
    for _ in range(2):
        run = subprocess.run(command, env=env, capture_output=True)
        assert run.returncode == 0, run.stderr
        assert run.stderr == b""
        assert len(json.loads(run.stdout)) == 50
    assert not journal.exists()


# 5. Silent damage ----------------------------------------------------------------------


def test_a_flipped_byte_in_a_stored_record_is_caught_and_answered_from_a_rebuild(
    cli: Cli, make_data: MakeData, cache_home: Path
) -> None:
    folder = make_data({"events.yaml": events_yaml("e", 400)})
    assert cli("events", "--data", str(folder), "--json").exit_code == 0
    target = cache_file(cache_home)
    with sqlite3.connect(target) as connection:
        last = "SELECT json FROM event_json_data ORDER BY seq DESC LIMIT 1"
        (stored,) = connection.execute(last).fetchone()
    connection.close()
    content = target.read_bytes()
    # One bit of the last event's packed JSON, in the file as a disk would damage it.
    at = content.index(stored) + len(stored) // 2
    target.write_bytes(content[:at] + bytes([content[at] ^ 0x10]) + content[at + 1 :])
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    assert "the cache is damaged" in run.stderr and "rebuilding it" in run.stderr
    counts = {munition["count"] for event in run.json() for munition in event["munitions"]}
    assert counts == {14}, "valid JSON, whole, and every count as written"
    again = cli("events", "--data", str(folder), "--json")
    assert again.stderr == ""


@pytest.mark.parametrize(
    "command",
    [
        ["events", "--json"],
        ["events", "--format", "jsonl"],
        ["actor", "Alpha Brigade", "--json"],
        ["search", "rockets", "--json"],
        ["events"],
        ["summary", "--json"],
    ],
)
def test_a_stored_record_that_is_not_json_is_damage(
    cli: Cli, make_data: MakeData, cache_home: Path, command: list[str]
) -> None:
    folder = make_data()
    expected = cli(*command, "--data", str(folder))
    assert expected.exit_code == 0
    with sqlite3.connect(cache_file(cache_home)) as connection:
        for (table,) in list(connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")):
            columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
            if "json" in columns:
                connection.execute(f"UPDATE {table} SET json = '{{not json' WHERE json != ''")
    connection.close()
    run = cli(*command, "--data", str(folder))
    assert run.exit_code == 0, run
    assert run.stdout == expected.stdout
    assert "the cache is damaged" in run.stderr


# 6. Query errors are not damage --------------------------------------------------------------


@pytest.mark.parametrize("no_cache", [False, True])
def test_a_search_too_large_to_run_is_a_usage_error(
    cli: Cli, make_data: MakeData, cache_home: Path, no_cache: bool
) -> None:
    folder = make_data()
    assert cli("events", "--data", str(folder)).exit_code == 0
    before = cache_file(cache_home).stat()
    flags = ["--no-cache"] if no_cache else []
    run = cli("search", " ".join(["rocket"] * 1000), "--data", str(folder), *flags)
    assert run.exit_code == 2, run
    assert (
        run.stderr
        == "iranclash: error: search takes at most 100 words, not 1000 (see 'iranclash search -h')\n"
    )
    after = cache_file(cache_home).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "the cache is kept"


def test_a_query_sqlite_cannot_run_is_not_damage(cli: Cli, make_data: MakeData, cache_home: Path) -> None:
    from iranclash.ask import query

    folder = make_data()
    assert cli("events", "--data", str(folder)).exit_code == 0
    before = cache_file(cache_home).stat()
    original = query.search

    def too_deep(connection: sqlite3.Connection, text: str) -> query.Listing:
        connection.execute("SELECT " + " + ".join(["1"] * 5000)).fetchall()
        return original(connection, text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(query, "search", too_deep)
        run = cli("search", "rockets", "--data", str(folder))
    assert run.exit_code == 2, run
    assert "too large" in run.stderr and "damaged" not in run.stderr
    assert cache_file(cache_home).stat().st_ino == before.st_ino


# 7. Where the cache lives ---------------------------------------------------------------------


@pytest.fixture
def no_cache_location(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    variable = request.param
    for name in ("IRANCLASH_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    if variable == "no home":
        import pwd

        def unknown(uid: int) -> pwd.struct_passwd:
            raise KeyError(uid)

        monkeypatch.delenv("HOME", raising=False)
        monkeypatch.setattr(pwd, "getpwuid", unknown)
    else:
        monkeypatch.setenv("HOME", "/nonexistent-home-for-the-test")
        monkeypatch.setenv(variable, "relative/cache")
    yield variable


@pytest.mark.parametrize(
    "no_cache_location", ["IRANCLASH_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "no home"], indirect=True
)
def test_no_fixed_cache_location_is_a_warning_and_a_bypass(
    cli: Cli, no_cache_location: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    run = cli("events", "--json")
    assert run.exit_code == 0, run
    assert len(run.json()) > 30
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("iranclash: warning: not using the cache: ")
    info = cli("info", "--json")
    assert info.exit_code == 0, info
    assert info.json()["cache_status"] == "bypassed"
    cleared = cli("cache", "clear")
    assert cleared.exit_code == 0, cleared
    assert cleared.stderr.startswith("iranclash: warning: no cache to clear: ")
    assert list(tmp_path.iterdir()) == [], "nothing written under the working directory"


def test_one_folder_named_three_ways_shares_one_cache(
    cli: Cli, make_data: MakeData, monkeypatch: pytest.MonkeyPatch, cache_home: Path, count_parses: list[Path]
) -> None:
    folder = make_data()
    parsed = count_parses
    monkeypatch.chdir(folder.parent)
    names = [str(folder), folder.name, f"{folder}/../{folder.name}", str(folder)]
    for name in names:
        assert cli("events", "--data", name, "--json").exit_code == 0
    assert len(parsed) == 4, "built once, for the first name"


# 8. Broken outputs ------------------------------------------------------------------------


def shell(command: list[str], redirect: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run ``command`` with a shell redirection such as ``>&-`` or ``>/dev/full``."""
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {redirect}', "sh", *command], capture_output=True, env=env_with(**env)
    )


full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")


@full
@pytest.mark.parametrize(
    "args", [["events", "--json"], ["events"], ["--version"], ["--help"], ["events", "--help"], ["info"]]
)
def test_output_into_a_full_disk_is_one_line_and_exit_74(args: list[str], tmp_path: Path) -> None:
    run = shell(program(*args), ">/dev/full", IRANCLASH_CACHE_DIR=str(tmp_path))
    assert run.stderr.decode() == "iranclash: cannot write output: No space left on device\n"
    assert run.returncode == 74


@pytest.mark.parametrize("args", [["events", "--json"], ["--version"]])
def test_a_closed_stdout_is_one_line_and_exit_74(args: list[str], tmp_path: Path) -> None:
    run = shell(program(*args), ">&-", IRANCLASH_CACHE_DIR=str(tmp_path))
    assert run.stderr.decode() == "iranclash: cannot write output: stdout is closed\n"
    assert run.returncode == 74


@pytest.mark.parametrize("redirect", ["2>&-", "2>/dev/full"])
def test_a_broken_stderr_does_not_stop_the_answer(redirect: str, tmp_path: Path) -> None:
    if "full" in redirect and not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # a warning is due: the cache folder is not private
    run = shell(program("events", "--json"), redirect, IRANCLASH_CACHE_DIR=str(shared))
    assert run.returncode == 0
    assert len(json.loads(run.stdout)) > 30


# 9. Smaller --------------------------------------------------------------------------------


def test_the_last_month_dates_can_hold_is_a_date(cli: Cli) -> None:
    for month in ("9999-11", "9999-12"):
        run = cli("events", "--since", month, "--json")
        assert run.exit_code == 0, run
        assert run.json() == []


def test_a_group_writable_cache_folder_is_named_so(cli: Cli, make_data: MakeData, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o770)
    run = cli("events", "--data", str(make_data()), env={"IRANCLASH_CACHE_DIR": str(shared)})
    assert run.exit_code == 0
    assert run.stderr == f"iranclash: warning: not using the cache: {shared} is writable by other users\n"


@pytest.mark.skipif(os.getuid() != 0, reason="giving a folder to another user needs root")
def test_a_cache_folder_owned_by_another_user_is_named_so(
    cli: Cli, make_data: MakeData, tmp_path: Path
) -> None:
    theirs = tmp_path / "theirs"
    theirs.mkdir(mode=0o700)
    os.chown(theirs, 65534, 65534)
    link = tmp_path / "link"
    link.symlink_to(theirs)
    run = cli("events", "--data", str(make_data()), env={"IRANCLASH_CACHE_DIR": str(link)})
    assert run.exit_code == 0
    assert run.stderr == f"iranclash: warning: not using the cache: {link} is owned by another user\n"
    assert list(theirs.iterdir()) == []


def test_the_summary_kept_in_the_cache_is_the_one_computed_from_the_events(
    cli: Cli, make_data: MakeData, cache_home: Path
) -> None:
    """The summary of every event is computed as the cache is built; read back, it is
    the same, byte for byte, as one computed from the events without the cache."""
    folder = make_data({"events/a.yaml": events_yaml("a", 30)})
    kept = cli("summary", "--data", str(folder), "--json")
    assert kept.exit_code == 0, kept
    with sqlite3.connect(cache_file(cache_home)) as connection:
        (stored,) = connection.execute("SELECT json FROM precomputed_data WHERE name = 'summary'").fetchone()
    connection.close()
    assert json.loads(stored) == kept.json()
    live = cli("summary", "--data", str(folder), "--json", "--no-cache")
    assert live.stdout == kept.stdout
    assert kept.json()["events"] == 32
