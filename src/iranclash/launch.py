"""The console script's entry point: Ctrl-C while the program is still starting up
(importing typer and the CLI) ends with one line too, not a traceback."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("iranclash: interrupted\n")
        sys.exit(130)
    run()
