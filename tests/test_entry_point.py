"""The installed program, as a user runs it from any directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = shutil.which(
    "iranclash", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
)


@pytest.mark.parametrize(
    "program",
    [[SCRIPT or "iranclash"], [sys.executable, "-m", "iranclash"]],
    ids=["console-script", "python-m"],
)
def test_installed_program_prints_json_from_another_directory(tmp_path: Path, program: list[str]) -> None:
    assert SCRIPT, "the iranclash console script is not installed next to this Python"
    run = subprocess.run(
        [*program, "events", "--since", "2021-07-05", "--json"],
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == b""
    events = json.loads(run.stdout)
    assert [event["date"] for event in events] == sorted(event["date"] for event in events)
    assert len(events) == 6
    assert "2021-07-08-rockets-at-us-embassy-green-zone" in {event["id"] for event in events}
    assert list(tmp_path.iterdir()) == []  # nothing written where it was run
