"""The console script's entry point.

- The CLI is imported with the cycle collector paused (see ``collector``).
- Ctrl-C while still starting up ends with one line, not a traceback.
- A shell completing a record id is answered by ``complete`` without the CLI.
- Once the command has finished and its output is flushed, the process ends
  without the interpreter's teardown of every module (4 ms of a 50 ms query, for
  people who run iranclash in shell loops); nothing of ours is left to clean up
  by then: connections are closed and cache files renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import sys

from .collector import paused


def main() -> None:
    instruction = os.environ.get("_IRANCLASH_COMPLETE")
    if instruction:
        # A shell's Tab asking for a record id is answered before the CLI is even imported.
        from .complete import answer

        answered = answer(instruction)
        if answered is not None:
            sys.stdout.flush()
            os._exit(answered)
    try:
        with paused(freeze=True):
            from .cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("iranclash: interrupted\n")
        sys.exit(130)
    code = 0
    try:
        run()
    except SystemExit as exit:
        if isinstance(exit.code, str):
            sys.stderr.write(exit.code + "\n")
            code = 1
        else:
            code = exit.code or 0
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):
            stream.flush()
    os._exit(code)
