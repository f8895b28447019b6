"""README examples: each ``$ iranclash ...`` block in README.md with the output it shows.

``python tests/readme_examples.py`` rewrites the outputs from the current code;
``test_docs.py`` fails when the README and the code disagree. Examples run as a
person sees them: on a terminal 80 columns wide, or, for a pipeline
(``iranclash events | grep rocket``), by the shell with the output of each step piped.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from terminal import run_in_terminal

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```console\n\$ (iranclash [^\n]*)\n(.*?)```", re.DOTALL)
WIDTH = 80


def examples(text: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in BLOCK.finditer(text)]


def run(command_line: str) -> str:
    if "|" in shlex.split(command_line):
        scripts = str(Path(sys.executable).parent)
        env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "IRANCLASH_DATA")}
        env["PATH"] = scripts + os.pathsep + env.get("PATH", "")
        piped = subprocess.run(
            ["sh", "-c", command_line], capture_output=True, text=True, env=env, check=False
        )
        return piped.stdout
    screen = run_in_terminal(*shlex.split(command_line)[1:], columns=WIDTH)
    return screen.text


def regenerate() -> None:
    text = README.read_text(encoding="utf-8")
    text = BLOCK.sub(lambda m: f"```console\n$ {m.group(1)}\n{run(m.group(1))}```", text)
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    regenerate()
    sys.stdout.write(f"rewrote {len(examples(README.read_text(encoding='utf-8')))} examples\n")
