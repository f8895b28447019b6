"""A cache you can trust (issue 8): nothing in it runs, one build at a time, clean after any
crash, damage caught, and a process that behaves when its outputs break.

Concurrency, crashes and broken outputs are tested with real processes; a build is
stopped at a named point with ``$IRANCLASH_TEST_PAUSE_AT`` and killed there.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

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
from iranclash import load
real = load.load_bytes
def counting(kind, path, data):
    with open(os.environ["PARSE_LOG"], "a") as log:
        log.write(str(path) + "\\n")
    return real(kind, path, data)
load.load_bytes = counting
from iranclash.launch import main
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
    """Files in the cache folder other than caches and lock files."""
    return sorted(path.name for path in home.iterdir() if path.suffix not in (".sqlite", ".lock"))


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
    assert run.stderr == "iranclash: error: search takes at most 100 words, not 1000\n"
    after = cache_file(cache_home).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), "the cache is kept"


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
