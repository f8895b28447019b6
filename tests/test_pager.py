"""A table longer than the terminal goes through a pager, as git, gh and psql do:
$IRANCLASH_PAGER, then $PAGER, then ``less -FRX``; never with --no-pager or when piped."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from conftest import Run
from terminal import run_in_terminal


def recording_pager(path: Path) -> str:
    """A pager command that keeps what it is given in ``path``."""
    script = f"import sys; open({str(path)!r}, 'w').write(sys.stdin.read())"
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}"


def test_a_listing_longer_than_the_screen_goes_through_the_pager(tmp_path: Path) -> None:
    paged = tmp_path / "paged"
    screen = run_in_terminal("events", columns=80, rows=20, env={"IRANCLASH_PAGER": recording_pager(paged)})
    assert screen.code == 0
    assert "2021-07-08-rockets-at-us-embassy-green-zone" in paged.read_text(encoding="utf-8")
    assert paged.read_text(encoding="utf-8").rstrip().endswith("35 found")
    assert "2021-07-08" not in screen.text, "the pager has it, not the screen"


def test_pager_is_iranclash_pager_then_pager(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    env: dict[str, str | None] = {"IRANCLASH_PAGER": recording_pager(ours), "PAGER": recording_pager(theirs)}
    run_in_terminal("events", columns=80, rows=20, env=env)
    assert ours.exists() and not theirs.exists()
    run_in_terminal(
        "events", columns=80, rows=20, env={"IRANCLASH_PAGER": None, "PAGER": recording_pager(theirs)}
    )
    assert theirs.exists()


def test_no_pager_for_a_short_answer_with_no_pager_or_with_an_empty_setting(tmp_path: Path) -> None:
    paged = tmp_path / "paged"
    pager = recording_pager(paged)
    short = run_in_terminal("events", "--limit", "3", columns=80, rows=40, env={"IRANCLASH_PAGER": pager})
    assert "3 of 35 shown" in short.text
    refused = run_in_terminal("events", "--no-pager", columns=80, rows=20, env={"IRANCLASH_PAGER": pager})
    assert "35 found" in refused.text
    assert not paged.exists()
    empty = run_in_terminal("events", columns=80, rows=20, env={"IRANCLASH_PAGER": "", "PAGER": pager})
    assert "35 found" in empty.text and not paged.exists()


def test_never_a_pager_when_piped(cli: Callable[..., Run], tmp_path: Path) -> None:
    paged = tmp_path / "paged"
    run = cli("events", env={"IRANCLASH_PAGER": recording_pager(paged), "PAGER": recording_pager(paged)})
    assert run.stdout.rstrip().endswith("35 found")
    assert not paged.exists()
