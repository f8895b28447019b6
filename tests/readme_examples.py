"""Documentation examples: each ``$ iranclash ...`` block of README.md, ARCHITECTURE.md and
docs/*.md with the output it shows.

``python tests/readme_examples.py`` rewrites the outputs from the current code;
``test_docs.py`` fails when a page and the code disagree. Examples run as a
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

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n\$ (iranclash [^\n]*)\n(.*?)```", re.DOTALL)
WIDTH = 80


def pages() -> list[Path]:
    """Every page of documentation whose examples are checked: the README first."""
    listed = [README, ROOT / "ARCHITECTURE.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [page for page in listed if page.exists()]


def examples(text: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in BLOCK.finditer(text)]


def all_examples() -> list[tuple[str, str, str]]:
    """(page, command line, output) for every example of every page, the page relative to the root."""
    return [
        (str(page.relative_to(ROOT)), command_line, output)
        for page in pages()
        for command_line, output in examples(page.read_text(encoding="utf-8"))
    ]


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


def regenerate(page: Path) -> int:
    """Rewrite the output of each example of ``page``; how many there are."""
    text = page.read_text(encoding="utf-8")
    text = BLOCK.sub(lambda m: f"```console\n$ {m.group(1)}\n{run(m.group(1))}```", text)
    page.write_text(text, encoding="utf-8")
    return len(examples(text))


if __name__ == "__main__":
    os.chdir(ROOT)  # the examples name files relative to the repository (tests/fixtures/...)
    for page in pages():
        count = regenerate(page)
        sys.stdout.write(f"{page.relative_to(ROOT)}: rewrote {count} examples\n")
