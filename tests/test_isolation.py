"""The tests never read the user's environment nor write outside their temporary folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_a_test_sees_none_of_the_users_settings(tmp_path_factory: pytest.TempPathFactory) -> None:
    assert [name for name in os.environ if name.startswith("IRANCLASH_")] == ["IRANCLASH_PAGER"]
    assert os.environ["IRANCLASH_PAGER"] == "", "no pager"
    base = tmp_path_factory.getbasetemp()
    for name in ("XDG_CACHE_HOME", "HOME"):
        assert Path(os.environ[name]).is_relative_to(base), name
    assert "PAGER" not in os.environ and "COLUMNS" not in os.environ


def test_the_suite_passes_with_the_users_cache_and_data_set_and_leaves_them_alone(tmp_path: Path) -> None:
    """Tests that build caches, in-process, in subprocesses and in a pseudo-terminal, run with
    every variable a user may have set pointing at folders of theirs: which must be unread
    (the data folder holds a broken file) and untouched."""
    users = tmp_path / "users"
    (users / "data").mkdir(parents=True)
    (users / "data" / "events.yaml").write_text("- id: [broken\n", encoding="utf-8")
    for folder in ("cache", "xdg"):
        (users / folder).mkdir()
    before = sorted(users.rglob("*"))
    env = {
        **os.environ,
        "IRANCLASH_CACHE_DIR": str(users / "cache"),
        "IRANCLASH_DATA": str(users / "data"),
        "XDG_CACHE_HOME": str(users / "xdg"),
        "IRANCLASH_DEBUG": "1",
        "PAGER": "false",
        "COLUMNS": "33",
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--basetemp",
            str(tmp_path / "base"),
            "tests/test_messages.py",
            "tests/test_cache.py",
            "tests/test_pager.py",
            "-k",
            "not the_suite_passes",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert sorted(users.rglob("*")) == before
