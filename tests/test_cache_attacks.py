"""The cache against what another user plants and against a folder gone strange (issue 20):
nothing planted is obeyed, nothing outside the tool's own files is written or removed, and
a run ends with the right answer (or one clear line) instead of a traceback or a hang.

Each attack runs the real program in its own process; where it needs a second user, one is
made with ``useradd`` (root only; skipped, with the reason, elsewhere).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from iranclash.build import cache

MakeData = Callable[..., Path]

EVENTS = "".join(
    f"""
- id: e{n}
  date: "2022-03-04"
  type: rocket-attack
  title: Title e{n}
  sources:
    - {{source: report, quote: "x"}}
"""
    for n in range(20)
)

root_only = pytest.mark.skipif(os.getuid() != 0, reason="needs root (a second user, a mount)")


def run(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "iranclash", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "IRANCLASH_CACHE_DIR": str(home)},
    )


def answers(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result
    return [event["id"] for event in json.loads(result.stdout)]


@pytest.fixture
def data(make_data: MakeData) -> Path:
    return make_data({"events.yaml": EVENTS})


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "cache"
    folder.mkdir(mode=0o700)
    return folder


def build_with_settle_due(home: Path, data: Path) -> list[str]:
    """Build the cache of ``data`` (its files just written, so racily clean), then wait until
    the next run settles them: the one write a query makes."""
    built = answers(run(home, "events", "--data", str(data), "--json"))
    assert len(built) == 20
    time.sleep(cache.RACY_WINDOW_NS / 1e9 + 0.2)
    return built


def the_cache(home: Path) -> Path:
    (found,) = home.glob("*.sqlite")
    return found


@pytest.fixture
def other_user() -> Iterator[pwd.struct_passwd]:
    """A second local user, made for this test and removed after it."""
    if os.getuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("making a second local user needs root and useradd")
    name = f"icl-attack-{os.getpid()}"
    made = subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/sh", name], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"useradd failed: {made.stderr.decode().strip()}")
    try:
        yield pwd.getpwnam(name)
    finally:
        subprocess.run(["userdel", name], capture_output=True, check=False)


# 8. A folder gone strange: one line or a bypass, never exit 70 or a hang ----------------------


@pytest.mark.parametrize("kind", ["folder", "link"])
def test_a_lock_that_is_not_a_file_when_a_settle_is_due(home: Path, data: Path, kind: str) -> None:
    built = build_with_settle_due(home, data)
    (lock,) = home.glob("*.lock")
    lock.unlink()
    if kind == "folder":
        lock.mkdir()
    else:
        lock.symlink_to(home.parent / "elsewhere")
    assert answers(run(home, "events", "--data", str(data), "--json")) == built
    assert not (home.parent / "elsewhere").exists()


def test_a_journal_that_is_a_folder_is_one_warning(home: Path, data: Path) -> None:
    built = build_with_settle_due(home, data)
    the_cache(home).with_name(the_cache(home).name + "-journal").mkdir()
    result = run(home, "events", "--data", str(data), "--json")
    assert answers(result) == built
    assert result.stderr.count("\n") == 1 and "journal is not a regular file" in result.stderr


def test_a_fifo_named_as_the_cache_hangs_nothing(home: Path, data: Path) -> None:
    built = answers(run(home, "events", "--data", str(data), "--json"))
    target = the_cache(home)
    target.unlink()
    os.mkfifo(target)
    assert answers(run(home, "events", "--data", str(data), "--json", timeout=30)) == built
    assert stat.S_ISREG(os.lstat(target).st_mode), "the FIFO is replaced by a cache built from the data"


@pytest.fixture
def read_only(home: Path) -> Iterator[Callable[[], None]]:
    """Makes ``home`` read-only, by a read-only bind mount (root is not stopped by modes)."""
    mounted: list[bool] = []

    def make() -> None:
        if os.getuid() != 0 or shutil.which("mount") is None:
            pytest.skip("a read-only mount needs root")
        for command in (
            ["mount", "--bind", str(home), str(home)],
            ["mount", "-o", "remount,ro,bind", str(home)],
        ):
            done = subprocess.run(command, capture_output=True)
            if done.returncode != 0:
                pytest.skip(f"cannot mount read-only here: {done.stderr.decode().strip()}")
            mounted.append(True)

    yield make
    if mounted:
        subprocess.run(["umount", str(home)], check=False)


def test_a_read_only_cache_folder_with_a_settle_due_still_answers(
    home: Path, data: Path, read_only: Callable[[], None]
) -> None:
    built = build_with_settle_due(home, data)
    read_only()
    assert answers(run(home, "events", "--data", str(data), "--json")) == built


def test_cache_clear_on_a_read_only_folder_is_one_line(
    home: Path, data: Path, read_only: Callable[[], None]
) -> None:
    answers(run(home, "events", "--data", str(data), "--json"))
    read_only()
    result = run(home, "cache", "clear")
    assert result.returncode == 1, result
    assert result.stderr.count("\n") == 1 and "could not clear the cache" in result.stderr


# 2. A link at the cache location; what cache clear removes ------------------------------------


def test_cache_clear_removes_only_the_tools_own_files(home: Path, data: Path) -> None:
    answers(run(home, "events", "--data", str(data), "--json"))
    for name in ("app.sqlite3", "notes.sqlite", "0123456789abcdef.sqlite-wal.bak"):
        (home / name).write_text("someone else's")
    (home / "fedcba9876543210.sqlite").symlink_to(home.parent / "kept.sqlite")
    (home.parent / "kept.sqlite").write_text("not ours either")
    result = run(home, "cache", "clear")
    assert result.returncode == 0, result
    assert sorted(path.name for path in home.iterdir() if path.suffix != ".lock") == sorted(
        ["app.sqlite3", "notes.sqlite", "0123456789abcdef.sqlite-wal.bak", "fedcba9876543210.sqlite"]
    )
    assert (home.parent / "kept.sqlite").read_text() == "not ours either"


def test_a_cache_location_linked_by_another_user_is_refused(
    tmp_path: Path, data: Path, other_user: pwd.struct_passwd
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # like /tmp: anyone may put a name here
    application = tmp_path / "application"
    application.mkdir(mode=0o700)
    (application / "app.sqlite3").write_text("an application's database")
    location = shared / "iranclash-cache"
    location.symlink_to(application)
    os.lchown(location, other_user.pw_uid, other_user.pw_gid)
    result = run(location, "events", "--data", str(data), "--json")
    assert len(answers(result)) == 20
    assert "is a link owned by another user" in result.stderr and result.stderr.count("\n") == 1
    cleared = run(location, "cache", "clear")
    assert cleared.returncode == 0, cleared
    assert sorted(path.name for path in application.iterdir()) == ["app.sqlite3"]


# 1. A folder on the way to the cache that another user can change -----------------------------


def test_a_cache_under_another_users_folder_is_not_used(
    data: Path, other_user: pwd.struct_passwd, request: pytest.FixtureRequest
) -> None:
    """Root with HOME in another user's home (``su`` without ``-``): the attacker can swap
    root's private cache folder for their own, with a journal SQLite would play."""
    if shutil.which("sh") is None:
        pytest.skip("no sh to run the attacker's loop")
    shared = Path(tempfile.mkdtemp(prefix="iranclash-attack-", dir="/tmp"))  # reachable by both users
    request.addfinalizer(lambda: shutil.rmtree(shared, ignore_errors=True))
    shared.chmod(0o755)
    attacker_home = shared / "home"
    attacker_home.mkdir()
    os.chown(attacker_home, other_user.pw_uid, other_user.pw_gid)
    location = attacker_home / ".cache" / "iranclash"
    # The attacker swaps whatever cache folder root makes for one of their own, with a journal in it.
    loop = (
        'cd "$1" && mkdir -p forged && echo x > forged/planted.sqlite-journal && '
        "while :; do mv .cache taken-$$-$(date +%s%N) 2>/dev/null; cp -r forged .cache 2>/dev/null; done"
    )
    swapper = subprocess.Popen(
        ["sh", "-c", loop, "sh", str(attacker_home)],
        user=other_user.pw_uid,
        group=other_user.pw_gid,
        start_new_session=True,  # its group is killed whole: no mv or cp left running
    )
    try:
        result = run(location, "events", "--data", str(data), "--json")
    finally:
        os.killpg(swapper.pid, signal.SIGKILL)
        swapper.wait()
    assert len(answers(result)) == 20
    assert "owned by another user" in result.stderr
    written = [path for path in attacker_home.rglob("*") if path.stat().st_uid == 0]
    assert written == [], "root made nothing in a folder the other user controls"


# 7. A reader beside a live settle -------------------------------------------------------------


def test_a_reader_does_not_wait_for_a_live_settle(home: Path, data: Path) -> None:
    built = build_with_settle_due(home, data)
    settler = subprocess.Popen(
        [sys.executable, "-m", "iranclash", "events", "--data", str(data), "--json"],
        env={**os.environ, "IRANCLASH_CACHE_DIR": str(home), "IRANCLASH_TEST_PAUSE_AT": "settle"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert settler.stderr is not None
        assert b"paused at settle" in settler.stderr.readline()
        journal = the_cache(home).with_name(the_cache(home).name + "-journal")
        assert journal.exists(), "the settle is inside its transaction"
        started = time.monotonic()
        result = run(home, "events", "--data", str(data), "--json")
        took = time.monotonic() - started
        assert answers(result) == built
        assert took < 10, f"the reader waited {took:.1f} s for the settle"
        assert journal.exists(), "a live journal is not rolled back"
    finally:
        settler.kill()
        settler.wait()


# 5. Damage SQLite finds at open, or text that no longer decodes, is healed once ----------------


def _header_garbage(path: Path) -> None:
    with open(path, "r+b") as damaged:
        damaged.write(b"not SQLite at all")  # over the header: SQLite rejects the file at open


def _undecodable(column: str) -> Callable[[Path], None]:
    table, field = column.split(".")

    def damage(path: Path) -> None:
        import sqlite3

        with sqlite3.connect(path) as connection:
            connection.execute(f"UPDATE {table} SET {field} = CAST(x'ff' AS TEXT)")
        connection.close()

    return damage


def _schema_not_utf8(path: Path) -> None:
    """Bit 7 of a letter of an index's name in the schema (as fuzzing found it): SQLite's own
    error message then holds text that is not UTF-8."""
    content = path.read_bytes()
    assert b"indexevent_aggregateevent" in content
    path.write_bytes(content.replace(b"indexevent_aggregateevent", b"indexevent_aggr\xe5gateevent", 1))


def _schema_not_utf8_unsealed(path: Path) -> None:
    _schema_not_utf8(path)
    path.with_suffix(".seal").unlink()


@pytest.mark.parametrize(
    "damage",
    [
        _header_garbage,
        _undecodable("record_data.name"),
        _undecodable("meta.value"),
        _schema_not_utf8,
        _schema_not_utf8_unsealed,
    ],
    ids=["rejected-at-open", "record-name-not-utf8", "meta-not-utf8", "schema-not-utf8", "unsealed"],
)
def test_damage_is_said_once_and_healed(home: Path, data: Path, damage: Callable[[Path], None]) -> None:
    command = ("actors", "--data", str(data), "--json")
    built = run(home, *command)
    assert built.returncode == 0, built
    damage(the_cache(home))
    healed = run(home, *command)
    assert healed.returncode == 0, healed
    assert healed.stdout == built.stdout
    sealed = damage is not _schema_not_utf8_unsealed  # else there is nothing to tell damage by
    assert healed.stderr.count("\n") == sealed and ("the cache is damaged" in healed.stderr) == sealed
    again = run(home, *command)
    assert (again.returncode, again.stdout, again.stderr) == (0, built.stdout, "")


# 6. A flipped byte in the index tables never answers -----------------------------------------


def test_a_flipped_bit_in_an_index_table_is_damage_not_an_answer(home: Path, data: Path) -> None:
    """The filters read index tables that carry no checksum of their own; the file's seal
    covers them: a bit flipped on disk is found before any answer is given from it."""
    command = ("events", "--type", "rocket-attack", "--data", str(data), "--json")
    built = answers(run(home, *command))
    assert len(built) == 20
    target = the_cache(home)
    content = target.read_bytes()
    assert b"rocket-attack" in content
    target.write_bytes(content.replace(b"rocket-attack", b"rocket-attacj"))  # 'k' ^ 1: one bit each
    for attempt in range(2):
        result = run(home, *command)
        assert answers(result) == built, f"run {attempt + 1} answered from the damaged index"
        assert ("the cache is damaged" in result.stderr) == (attempt == 0), result.stderr


def test_a_cache_file_only_touched_is_kept(home: Path, data: Path) -> None:
    command = ("events", "--data", str(data), "--json")
    built = answers(run(home, *command))
    target = the_cache(home)
    before = target.stat().st_ino
    os.utime(target, None)
    result = run(home, *command)
    assert answers(result) == built and result.stderr == ""
    assert target.stat().st_ino == before, "checked against its seal, not rebuilt"
