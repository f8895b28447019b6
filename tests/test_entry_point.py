"""The installed program, as a user runs it from any directory."""

from __future__ import annotations

import importlib.util
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


DEFERRED = """
import sys
from iranclash.cli import launch

launch._defer(("subprocess",))
import subprocess

assert type(sys.modules["subprocess"]).__name__ == "_Deferred", "subprocess was loaded at once"
from subprocess import PIPE, run

done = run([sys.executable, "-c", "print(7)"], stdout=PIPE, check=True)
print(done.stdout.decode().strip(), subprocess.DEVNULL == -3)
print(type(sys.modules["subprocess"]).__name__, sys.modules["subprocess"].__file__.endswith("subprocess.py"))
"""


def test_modules_deferred_at_start_up_load_whole_when_used() -> None:
    """``launch`` leaves some of the standard modules Typer brings unloaded until they are
    used; used, they are the real modules, names read before and after loading alike."""
    done = subprocess.run([sys.executable, "-c", DEFERRED], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first == "7 True"
    assert second == "module True"


def test_a_query_leaves_the_deferred_modules_unloaded(tmp_path: Path) -> None:
    """What the deferral is for: a query through the console script's entry point never
    loads them (if Typer starts to use them, the deferral is only dead weight)."""
    probe = (
        "import os, sys\n"
        f"names = {DEFERRED_BY_QUERIES!r}\n"
        "before = [name for name in names if name in sys.modules]\n"
        "from iranclash.cli import launch\n"
        "sys.argv = ['iranclash', 'events', '--since', '2021-07-05', '--json']\n"
        "real = os._exit\n"
        "def report(code):\n"
        "    kinds = [type(sys.modules.get(name)).__name__ for name in names if name not in before]\n"
        "    sys.stderr.write(' '.join(kinds))\n"
        "    sys.stderr.flush(); real(code)\n"
        "os._exit = report\n"
        "launch.main()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    kinds = done.stderr.split()
    assert kinds and set(kinds) == {"_Deferred"}


#: Standard modules a query never uses: a query that loads one fails the test above.
DEFERRED_BY_QUERIES = ("subprocess", "tokenize", "token", "linecache", "ipaddress", "bz2", "lzma")
if importlib.util.find_spec("_bz2") is None or importlib.util.find_spec("_lzma") is None:
    DEFERRED_BY_QUERIES = DEFERRED_BY_QUERIES[:-2]  # this Python cannot import them: none stands in


def test_a_module_python_cannot_import_gets_no_stand_in() -> None:
    """``shutil`` and ``zipfile`` learn whether they have bz2 by importing it: where Python was
    built without its compiled part, no stand-in may answer for it."""
    probe = (
        "import sys\n"
        "from iranclash.cli import launch\n"
        "launch._COMPILED_PART['bz2'] = '_no_such_compiled_part'\n"
        "launch._defer(('bz2', 'lzma'))\n"
        "print(type(sys.modules.get('bz2')).__name__, type(sys.modules.get('lzma')).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    bz2, lzma = done.stdout.split()
    assert bz2 != "_Deferred"
    assert lzma == ("_Deferred" if importlib.util.find_spec("_lzma") else "NoneType")
