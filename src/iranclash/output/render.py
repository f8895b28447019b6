"""The one place that turns results into output: a table, JSON, JSON lines or CSV
(and, through ``geo``, ``markdown`` and ``tree``, GeoJSON, Markdown and the analyst views).

Text from data files is untrusted: in tables it is shown as plain text (never
Rich markup) with control and bidirectional-override characters made visible;
in JSON they are escaped (``jsonout``). Tables are laid out by ``tables``; Rich
is imported only to print them on a terminal, so scripted ``--json`` calls and
piped tables start fast.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import json
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple, TextIO

from iranclash.core import jsonout
from iranclash.core.errors import UsageProblem
from iranclash.core.results import Detail, Listing, Row
from iranclash.output import terminal
from iranclash.output.text import defused, spool, visible

if TYPE_CHECKING:
    from iranclash.core.analyst_results import Chart, Document, Mapped, Outline


class OutputFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    GEOJSON = "geojson"
    MARKDOWN = "markdown"
    #: Only ``corroborate --accept``'s lines to paste into a curated file; never rendered here.
    YAML = "yaml"


class Output(NamedTuple):
    """How to print an answer: the format, whether tables show every column, uncut, and
    whether CSV cells that would run as spreadsheet formulas are made text, and whether a table
    longer than the terminal may go through a pager (``cli.answer``)."""

    format: OutputFormat = OutputFormat.TABLE
    wide: bool = False
    escape_formulas: bool = False
    page: bool = False


def render(
    result: Listing | Detail | Outline | Document | Mapped | Chart, output: Output, out: TextIO
) -> None:
    if output.format is OutputFormat.YAML:
        raise UsageProblem("--format yaml is for corroborate --accept")
    if output.format is OutputFormat.GEOJSON:
        from iranclash.output.geo import write_geojson

        write_geojson(result, out, _json_encoder(out))
        return
    if output.format is OutputFormat.MARKDOWN:
        from iranclash.output.markdown import write_markdown

        write_markdown(result, out)
        return
    if not isinstance(result, (Listing, Detail)):
        # A view (views.py) has its own form for people and flat records for programs.
        if output.format is OutputFormat.TABLE:
            from iranclash.output.tree import write_for_people

            write_for_people(result, out, wide=output.wide)
            return
        from iranclash.core.analyst_results import flat

        result = flat(result)
    if output.format is OutputFormat.JSON:
        if isinstance(result, Listing):
            _json_array(result.items, out)
        else:
            out.write(_json_for(out, jsonout.dumps(result.data, indent=2) + "\n"))
    elif output.format is OutputFormat.JSONL:
        if isinstance(result, Listing):
            safe = _json_encoder(out)
            out.writelines(safe(item) + "\n" for item in result.items)
        else:
            out.write(_json_for(out, jsonout.dumps(result.data) + "\n"))
    elif output.format is OutputFormat.CSV:
        _csv(result, out, escape_formulas=output.escape_formulas)
    else:
        terminal.table(result, out, wide=output.wide)


def _json_encoder(out: TextIO) -> Callable[[str], str]:
    """What makes JSON text fit ``out``: on a stream that is not UTF-8 (``PYTHONIOENCODING=ascii``),
    other characters are written as ``\\uXXXX`` escapes instead of being replaced by '?'."""
    encoding = getattr(out, "encoding", None) or "utf-8"
    try:
        utf = codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        utf = False
    return str if utf else jsonout.ascii_only


def _json_for(out: TextIO, text: str) -> str:
    return _json_encoder(out)(text)


def _json_array(items: Iterable[str], out: TextIO) -> None:
    """A JSON array of stored records, one per line, written as the records stream in."""
    safe = _json_encoder(out)
    opened = False
    for item in items:
        out.write((",\n" if opened else "[\n") + safe(item))
        opened = True
    out.write("\n]\n" if opened else "[]\n")


#: Between the items of a list in one CSV cell; no text in the shipped data contains it.
LIST_SEPARATOR = " | "


def _csv(result: Listing | Detail, out: TextIO, *, escape_formulas: bool = False) -> None:
    """Records as flat CSV for spreadsheets: one column per field, named by its path in the
    JSON (``coordinates.lat``), one row per record. A list is one cell, its items joined by
    `` | ``; a list of objects gives one column per field of its items (``actors.role``),
    their values in item order. Columns are those of every row, in order of first appearance.

    The columns are known only once every record has been read, so a listing is read
    twice: its records are kept in a temporary file meanwhile, not in memory, and a
    million of them print in bounded memory. CSV keeps the data exact for programs; on a
    terminal, controls are made visible; with ``escape_formulas``, a cell a spreadsheet would
    run as a formula starts with ``'``.
    """
    shown: Callable[[str], str] = visible if out.isatty() else str
    if escape_formulas:
        exact = shown
        shown = lambda text: defused(exact(text))  # noqa: E731
    # Rows end in "\n", but the writer is told "\r\n": the csv module quotes a field only for
    # the characters of its line terminator, and a bare "\r" in a field must be quoted too.
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer, lineterminator="\r\n")

    def write(row: Iterable[str]) -> None:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([shown(cell) for cell in row])
        out.write(buffer.getvalue()[:-2] + "\n")

    if isinstance(result, Detail):
        flat = _flat_record(result.data)
        headers = _headers(flat, {key for key, value in flat.items() if value})
        write(headers)
        write(flat.get(key, "") for key in headers)
        return
    with _flattened(result.records()) as (records, seen, filled):
        headers = _headers(seen, filled)
        write(headers)
        for flat in records():
            write(flat.get(key, "") for key in headers)


@contextlib.contextmanager
def _flattened(
    records: Iterable[Row],
) -> Iterator[tuple[Callable[[], Iterator[dict[str, str]]], dict[str, None], set[str]]]:
    """Flatten ``records`` once, keeping them in a temporary file (in memory while small):
    gives a function that reads them back, the fields seen, in order of first appearance,
    and those that were ever filled."""
    seen: dict[str, None] = {}
    filled: set[str] = set()
    with spool() as spooled:
        for record in records:
            flat = _flat_record(record)
            for key, value in flat.items():
                if value:
                    filled.add(key)
            seen.update(dict.fromkeys(flat))
            spooled.write(json.dumps(flat, separators=(",", ":")) + "\n")  # ASCII: a lone surrogate survives

        def read_back() -> Iterator[dict[str, str]]:
            spooled.seek(0)
            return map(json.loads, spooled)

        yield read_back, seen, filled


#: A listing's records are kept in memory up to this size while it is read twice, then on disk.
def _headers(seen: Iterable[str], filled: set[str]) -> list[str]:
    """Every column, in order of first appearance; where a field is an object in some rows and
    empty in others (``coordinates``), its parts take its place and it has no column itself."""
    seen = list(seen)
    headers: list[str] = []
    for key in seen:
        if key in headers:
            continue
        parts = [other for other in seen if other.startswith(key + ".")]
        if parts and key not in filled:
            headers.extend(part for part in parts if part not in headers)
        else:
            headers.append(key)
    return headers


def _flat_record(record: Row) -> dict[str, str]:
    cells: dict[str, str] = {}
    _flatten(record, "", cells)
    return cells


def _flatten(value: object, path: str, cells: dict[str, str]) -> None:
    # Exact type tests, not isinstance: this runs for every field of every record of a CSV.
    kind = type(value)
    if kind is dict:
        prefix = f"{path}." if path else ""
        for key, item in value.items():  # type: ignore[attr-defined]
            _flatten(item, prefix + str(key), cells)
    elif kind is list:
        items: list[object] = value  # type: ignore[assignment]
        if items and all(type(item) is dict for item in items):
            fields = dict.fromkeys(key for item in items for key in item)  # type: ignore[attr-defined]
            for key in fields:
                cells[f"{path}.{key}"] = LIST_SEPARATOR.join(
                    [_scalar(item.get(key)) for item in items]  # type: ignore[attr-defined]
                )
        else:
            cells[path] = LIST_SEPARATOR.join(map(_scalar, items))
    else:
        cells[path] = _scalar(value)


def _scalar(value: object) -> str:
    """One value as CSV text: JSON's spelling for null and booleans; nested lists and objects
    (a list inside a list of objects) as JSON text."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is dict or kind is list:
        return jsonout.dumps(value)
    return str(value)
