"""Run iranclash over real ACLED and UCDP exports and account for every row of each.

    python bench/real_exports.py DIR...            # a table, a row a file
    python bench/real_exports.py DIR... --json     # the same as JSON, with every kind of note

Every export under the folders (``*.csv``, ``*.tsv``, ``*.zip``, ``*.json``, found by
walking them; a file is taken as ACLED's or UCDP's from its folder name, else from its
header) is compiled alone, in memory, as a data folder holding only it. For each file:
the rows Python's csv module counts (the records, for JSON), what the tool read, read
with notes and set aside, each kind of note with its count, the time, and the deaths
total by the file's own sum (ACLED ``fatalities``, UCDP ``best``, over the rows the tool
kept: one row per event id) beside the tool's total of the same events. A file the tool
refuses whole is listed with its message.

No export is committed to this repository (ACLED's terms forbid redistributing its
data): point this at copies of public exports people committed elsewhere.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
import sqlite3
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from iranclash.build.compile import compile_folder
from iranclash.build.store import accounts
from iranclash.core.errors import DataError

SUFFIXES = (".csv", ".tsv", ".zip", ".json", ".txt")
EMPTY = {"", "NA", "N/A", "NULL", "nan", "NaN", "null", "n/a"}


def exports_under(folders: list[Path]) -> Iterator[tuple[str, Path]]:
    """(dataset, path) of every export-looking file under ``folders``, in name order."""
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in SUFFIXES:
                parts = {part.lower() for part in path.relative_to(folder).parts[:-1]}
                dataset = "ucdp" if "ucdp" in parts else "acled" if "acled" in parts else _sniffed(path)
                if dataset:
                    yield dataset, path


def _sniffed(path: Path) -> str | None:
    head = _text(path)[:4000].lower()
    if "event_id_cnty" in head:
        return "acled"
    if "type_of_violence" in head:
        return "ucdp"
    return None


def _text(path: Path) -> str:
    """The export's text as the file's own reader would see it (a zip's one CSV member)."""
    data = path.read_bytes()
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = [
                name
                for name in archive.namelist()
                if name.lower().endswith((".csv", ".tsv", ".txt")) and not name.startswith("__MACOSX/")
            ]
            data = archive.read(names[0]) if names else b""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def own_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows as Python reads them (lower-case column names; the HDX hashtag row left out)."""
    text = _text(path)
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        records = data if isinstance(data, list) else data.get("data") or data.get("Result") or []
        return [
            {str(key).lower(): "" if value is None else str(value) for key, value in row.items()}
            for row in records
        ]
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    rows = [dict(zip(header, row, strict=False)) for row in reader if row]
    if rows and all(value.startswith("#") or not value for value in list(rows[0].values())[1:]):
        rows = rows[1:]
    return rows


def _number(text: str | None) -> int:
    value = (text or "").strip()
    if value in EMPTY:
        return 0
    try:
        return int(float(value))
    except ValueError:
        return 0


def measure(dataset: str, path: Path) -> dict[str, object]:
    rows = own_rows(path)
    key, deaths = ("event_id_cnty", "fatalities") if dataset == "acled" else ("id", "best")
    figures: dict[str, object] = {"file": path.name, "dataset": dataset, "rows_by_python": len(rows)}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / dataset).mkdir()
        shutil.copyfile(path, folder / dataset / path.name)
        connection = sqlite3.connect(":memory:")
        started = time.perf_counter()
        try:
            compile_folder(folder, connection)
        except DataError as error:
            figures.update(refused=str(error).replace(scratch, ""), seconds=time.perf_counter() - started)
            return figures
        figures["seconds"] = round(time.perf_counter() - started, 2)
        (account,) = accounts(connection)
        kept = {
            event_id.split(":", 1)[1]: killed
            for event_id, killed in connection.execute("SELECT id, killed FROM event")
        }
    own: dict[str, int] = {}
    for row in rows:
        row_id = (row.get(key) or "").strip().removesuffix(".0")
        if not row_id and dataset == "acled" and row.get("data_id"):
            row_id = "data-" + row["data_id"].strip().removesuffix(".0")
        own.setdefault(row_id, _number(row.get(deaths)))
    figures.update(
        read=account.read,
        with_notes=account.noted,
        set_aside=account.set_aside,
        merged=account.merged,
        notes={kind: tally.count for kind, tally in account.notes.items()},
        set_aside_reasons={kind: tally.count for kind, tally in account.reasons.items()},
        file_notes=[*account.file_notes, *([account.blanks_note()] if account.blanks else [])],
        deaths_by_file=sum(own.get(row_id, 0) for row_id in kept),
        deaths_by_tool=sum(killed or 0 for killed in kept.values()),
    )
    return figures


def table(results: list[dict[str, object]]) -> str:
    lines = [
        "| file | rows (csv) | read | with notes | set aside | deaths: file / tool | s | notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for found in results:
        if "refused" in found:
            lines.append(
                f"| {found['file']} | {found['rows_by_python']:,} | refused: {found['refused']} |||||||"
            )
            continue
        kinds = {**found["notes"], **found["set_aside_reasons"]}  # type: ignore[dict-item]
        said = "; ".join(
            f"{count:,} {kind}" for kind, count in sorted(kinds.items(), key=lambda item: -item[1])
        )
        joined = f"{found['merged']:,} rows joined to their event (monadic)" if found["merged"] else ""
        said = "; ".join(part for part in (said, *found["file_notes"], joined) if part)  # type: ignore[misc]
        same = "=" if found["deaths_by_file"] == found["deaths_by_tool"] else "**≠**"
        lines.append(
            f"| {found['file']} | {found['rows_by_python']:,} | {found['read']:,} | "
            f"{found['with_notes']:,} | {found['set_aside']:,} | "
            f"{found['deaths_by_file']:,} {same} {found['deaths_by_tool']:,} | "
            f"{found['seconds']} | {said} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", nargs="+", type=Path, metavar="DIR")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    arguments = parser.parse_args()
    results = []
    for dataset, path in exports_under(arguments.folders):
        print(f"reading {path}", file=sys.stderr)
        results.append(measure(dataset, path))
    print(json.dumps(results, indent=1) if arguments.json else table(results))


if __name__ == "__main__":
    main()
