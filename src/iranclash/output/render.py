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
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from enum import Enum
from typing import IO, TYPE_CHECKING, NamedTuple, TextIO

from iranclash.core import jsonout
from iranclash.core.collector import paused
from iranclash.core.results import Column, Detail, Fit, Listing, Row

if TYPE_CHECKING:
    from rich.console import Console

    from iranclash.core.views import Chart, Document, Mapped, Outline
    from iranclash.output import tables


class OutputFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    GEOJSON = "geojson"
    MARKDOWN = "markdown"


class Output(NamedTuple):
    """How to print an answer: the format, and whether tables show every column, uncut."""

    format: OutputFormat = OutputFormat.TABLE
    wide: bool = False


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_INVISIBLE = re.compile("[\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")


def visible(text: str) -> str:
    """Text safe for a terminal: controls as their Unicode pictures, others as ⟨U+XXXX⟩."""
    text = text.replace("\t", " ")
    text = _CONTROL.sub(lambda m: "␡" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), text)
    return _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def render(
    result: Listing | Detail | Outline | Document | Mapped | Chart, output: Output, out: TextIO
) -> None:
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
        from iranclash.core.views import flat

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
        _csv(result, out)
    else:
        _table(result, out, wide=output.wide)


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


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return jsonout.dumps(value)
    return str(value)


#: Between the items of a list in one CSV cell; no text in the shipped data contains it.
LIST_SEPARATOR = " | "


def _csv(result: Listing | Detail, out: TextIO) -> None:
    """Records as flat CSV for spreadsheets: one column per field, named by its path in the
    JSON (``coordinates.lat``), one row per record. A list is one cell, its items joined by
    `` | ``; a list of objects gives one column per field of its items (``actors.role``),
    their values in item order. Columns are those of every row, in order of first appearance.

    The columns are known only once every record has been read, so a listing is read
    twice: its records are kept in a temporary file meanwhile, not in memory, and a
    million of them print in bounded memory. CSV keeps the data exact for programs; on a
    terminal, controls are made visible.
    """
    shown: Callable[[str], str] = visible if out.isatty() else str
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
    with _spool() as spool:
        for record in records:
            flat = _flat_record(record)
            for key, value in flat.items():
                if value:
                    filled.add(key)
            seen.update(dict.fromkeys(flat))
            spool.write(json.dumps(flat, separators=(",", ":")) + "\n")  # ASCII: a lone surrogate survives

        def read_back() -> Iterator[dict[str, str]]:
            spool.seek(0)
            return map(json.loads, spool)

        yield read_back, seen, filled


#: A listing's records are kept in memory up to this size while it is read twice, then on disk.
_SPOOL_IN_MEMORY = 8 << 20


def _spool() -> IO[str]:
    """Where a listing's records wait while it is read twice (a CSV's columns, a piped
    table's widths): in memory while small, then a temporary file. Lines end in "\n"
    only, so a record is one line whatever other line breaks its text holds."""
    import tempfile  # only for a listing's CSV or piped table: start-up goes without it

    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline="\n")


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


def _table(result: Listing | Detail, out: TextIO, *, wide: bool) -> None:
    """A table for people: fitted to the terminal's width; piped, one line per row, uncut."""
    from iranclash.output import tables  # only tables need it: machine output starts without it

    console = _console(out) if out.isatty() else None
    width = console.width if console else None
    if isinstance(result, Listing) and console is None:
        _piped_listing(result, out, wide=wide)
        return
    if isinstance(result, Listing):
        records = result.records()
        rows = list(itertools.islice(records, SCREEN_ROWS))
        if result.total is None or next(records, None) is None:
            more = sum(1 for _record in records)
        else:
            more = result.total() - len(rows)
        lines = [*tables.heading(visible(result.title), width), ()]
        lines += tables.table_lines(_grid(result.columns, rows, wide=wide, cut=not wide), width)
        found = f"{len(rows)} found"
        if more:
            found = (
                f"{len(rows)} of {len(rows) + more} shown: narrow them with filters or --limit,"
                " or pipe them or use --json or --format csv for all"
            )
        assert width is not None  # a terminal's: a piped listing was handed on above
        indent = " " * tables.INDENT
        lines += [(), *(((indent + part, ""),) for part in tables.wrap(found, width - tables.INDENT))]
    else:
        lines = tables.heading(visible(result.title), width)
        fields = [(label, value) for label, value in result.fields if value not in (None, "")]
        lines += _labelled_lines(fields, width, indent=0)
        for section in result.sections:
            if not section.rows:
                continue
            lines += [(), *tables.heading(visible(section.title), width), ()]
            lines += tables.table_lines(_grid(section.columns, section.rows, wide=wide, cut=False), width)
            if section.notes:
                lines.append(())
                lines += _labelled_lines(section.notes, width, indent=tables.INDENT)
    _write(lines, out, console)


#: The most records a table shows on a terminal; the rest are counted, and the count says
#: how to see them all. Piped, JSON and CSV output have every record.
SCREEN_ROWS = 1000


def _piped_listing(result: Listing, out: TextIO, *, wide: bool) -> None:
    """The table of a listing for ``less`` and ``grep``: every record on one line, nothing
    cut, columns aligned. The widths are known only once every record has been read, so
    the cells are kept in a temporary file meanwhile and any number of records print in
    bounded memory."""
    from itertools import starmap

    from iranclash.output import tables

    columns = [column for column in result.columns if wide or not column.wide]
    headers = [visible(column.header) for column in columns]
    natural = [tables.cell_len(header) for header in headers]
    count = 0
    with _spool() as spool:
        for record in result.records():
            cells = [tables.one_line(visible(_cell(column.cell(record)))) for column in columns]
            natural = list(starmap(max, zip(natural, map(tables.cell_len, cells), strict=True)))
            # One line per record: a cell holds neither a line break nor a control (``visible``).
            spool.write(_CELL_SEPARATOR.join(cells) + "\n")
            count += 1
        spool.seek(0)
        rows = (line[:-1].split(_CELL_SEPARATOR) for line in spool)
        lines = [*tables.heading(visible(result.title), None), ()]
        _write(lines, out, None)
        _write(tables.unbounded_lines(headers, natural, rows), out, None)
    _write([(), ((" " * tables.INDENT + f"{count} found", ""),)], out, None)


#: Between the cells of a record in the spool of a piped table: a control, so never in a cell.
_CELL_SEPARATOR = "\x1f"


def _grid(columns: Sequence[Column], rows: Sequence[Row], *, wide: bool, cut: bool) -> tables.Grid:
    from iranclash.output import tables

    shown = [column for column in columns if wide or not column.wide]
    return tables.Grid(
        [visible(column.header) for column in shown],
        [column.fit for column in shown],
        [[visible(_cell(column.cell(row))) for column in shown] for row in rows],
        cut,
    )


def _labelled_lines(
    pairs: Sequence[tuple[str, object]], width: int | None, *, indent: int
) -> list[tables.Line]:
    """``label  value`` lines, values aligned and wrapped to ``width``."""
    from iranclash.output import tables

    labels = [visible(label) for label, _value in pairs]
    label_width = max((tables.cell_len(label) for label in labels), default=0)
    lines: list[tables.Line] = []
    for label, (_label, value) in zip(labels, pairs, strict=True):
        shown = visible(_cell(value))
        for line in tables.labelled(
            label, shown, Fit.WRAP, label_width, None if width is None else width - indent
        ):
            lines.append(((" " * indent, ""), *line) if indent else line)
    return lines


def _console(out: TextIO) -> Console:
    """A console for a terminal: it knows the width and which escape codes to use."""
    with paused(freeze=True):
        from rich.console import Console

    return Console(file=out, markup=False, emoji=False, highlight=False)


def _write(lines: Iterable[tables.Line], out: TextIO, console: Console | None) -> None:
    """Lines to ``out``: styled through Rich on a terminal, plain text otherwise."""
    if console is None:
        out.writelines("".join(text for text, _style in line).rstrip() + "\n" for line in lines)
        return
    from rich.text import Text

    screen = Text()
    for number, line in enumerate(lines):
        if number:
            screen.append("\n")
        for text, style in line:
            screen.append(text, style=style or None)
    console.print(screen, soft_wrap=True)
