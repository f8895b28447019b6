"""Write a large data folder from the shipped records, for benchmarks and scale tests.

Events are copied with new ids and dates shifted by whole years (partial dates
keep their precision; references stay valid within each copy) and spread over
several files under events/; the other files are copied as they are.

    python bench/generate.py OUT_DIR --events 100000 --files 10
"""

from __future__ import annotations

import argparse
import re
import shutil
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parents[1] / "data"


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes shared lists out in full: iranclash refuses YAML anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def shift_date(text: str, years: int) -> str:
    decade = re.fullmatch(r"(\d{3})0s", text)
    if decade:
        return f"{int(decade.group(1)) * 10 + (years // 10) * 10}s"
    year, _, rest = text.partition("-")
    shifted = f"{int(year) + years:04d}" + (f"-{rest}" if rest else "")
    return shifted.replace("-02-29", "-02-28")


def copy_event(event: dict[str, Any], copy: int, years: int) -> dict[str, Any]:
    """Copy 0 keeps the shipped ids and dates, so quotes about events still resolve."""
    if copy == 0:
        return event
    clone = dict(event)
    clone["id"] = f"{event['id']}-c{copy}"
    clone["date"] = shift_date(event["date"], years)
    if "responds_to" in clone:
        clone["responds_to"] = [f"{target}-c{copy}" for target in clone["responds_to"]]
    return clone


def generate(out: Path, events: int, files: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("sources", "actors", "places", "analysts"):
        shutil.copy(DATA / f"{name}.yaml", out / f"{name}.yaml")
    shipped = yaml.load((DATA / "events.yaml").read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    copies = -(-events // len(shipped))
    generated = [
        copy_event(event, copy, (copy % 41) - 20 if copy else 0)
        for copy in range(copies)
        for event in shipped
    ][:events]
    part_folder = out / "events"
    part_folder.mkdir(exist_ok=True)
    size = -(-len(generated) // files)
    for index in range(files):
        chunk = generated[index * size : (index + 1) * size]
        text = yaml.dump(chunk, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)
        (part_folder / f"part-{index:03d}.yaml").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=10)
    arguments = parser.parse_args()
    generate(arguments.out, arguments.events, arguments.files)


if __name__ == "__main__":
    main()
