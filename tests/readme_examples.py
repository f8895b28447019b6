"""README examples: each ``$ iranclash ...`` block in README.md with the output it shows.

``python tests/readme_examples.py`` rewrites the outputs from the current code;
``test_docs.py`` fails when the README and the code disagree. Examples run at
a width of 100 columns, as if piped.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from typer.testing import CliRunner

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```console\n\$ (iranclash [^\n]*)\n(.*?)```", re.DOTALL)
ENV = {"COLUMNS": "100", "IRANCLASH_DATA": ""}


def examples(text: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in BLOCK.finditer(text)]


def run(command_line: str) -> str:
    from iranclash.cli import app

    arguments = shlex.split(command_line)[1:]
    result = CliRunner().invoke(app, arguments, env=ENV)
    return result.stdout


def regenerate() -> None:
    text = README.read_text(encoding="utf-8")
    text = BLOCK.sub(lambda m: f"```console\n$ {m.group(1)}\n{run(m.group(1))}```", text)
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    regenerate()
    sys.stdout.write(f"rewrote {len(examples(README.read_text(encoding='utf-8')))} examples\n")
