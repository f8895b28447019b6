"""Run iranclash under a real pseudo-terminal of a given size and read back the screen text."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Screen:
    code: int
    text: str
    stderr: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


def run_in_terminal(
    *args: str,
    columns: int,
    rows: int = 50,
    env: dict[str, str | None] | None = None,
    stderr_too: bool = False,
) -> Screen:
    """``iranclash ARGS`` with stdout on a terminal ``columns`` wide; stderr apart, or on the
    terminal too with ``stderr_too`` (then ``Screen.stderr`` is empty). A variable of
    ``env`` given as None is taken out of the environment.

    TERM=dumb keeps escape codes out of the text; the width is both the terminal's
    own (TIOCSWINSZ) and $COLUMNS, as a shell would set them.
    """
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("COLUMNS", "LINES", "TERM", "NO_COLOR", "FORCE_COLOR", "IRANCLASH_DATA")
    }
    # No pager unless a test asks for one: ``less`` would wait for a key.
    given = {
        "COLUMNS": str(columns),
        "LINES": str(rows),
        "TERM": "dumb",
        "IRANCLASH_PAGER": "",
        **(env or {}),
    }
    environment.update({key: value for key, value in given.items() if value is not None})
    for key in [key for key, value in given.items() if value is None]:
        environment.pop(key, None)
    process = subprocess.Popen(
        [sys.executable, "-m", "iranclash", *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave if stderr_too else subprocess.PIPE,
        env=environment,
        close_fds=True,
    )
    os.close(slave)
    code, output = read_screen(master, process)
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    return Screen(code, output, stderr)


def read_screen(master: int, process: subprocess.Popen[bytes]) -> tuple[int, str]:
    """Everything ``process`` writes to the terminal behind ``master`` until it ends (at most
    a minute), and its exit code; closes ``master``."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the program has closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        code = process.wait(timeout=10)
    finally:
        os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
