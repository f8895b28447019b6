"""The console script's entry point: the CLI imported with the cycle collector
paused (see ``collector``), and Ctrl-C while still starting up ends with one
line, not a traceback."""

from __future__ import annotations

import sys

from .collector import paused


def main() -> None:
    try:
        with paused(freeze=True):
            from .cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("iranclash: interrupted\n")
        sys.exit(130)
    run()
