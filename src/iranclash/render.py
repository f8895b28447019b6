"""The one place that turns results into output: a table, JSON, JSON lines or CSV
(and, through ``geo``, ``markdown`` and ``tree``, GeoJSON, Markdown and the analyst views).

Text from data files is untrusted: in tables it is shown as plain text (never
Rich markup) with control and bidirectional-override characters made visible;
in JSON they are escaped (``jsonout``). Rich is imported only for tables, so
scripted ``--json`` calls start fast.
"""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable, Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any, TextIO

from . import jsonout
from .collector import paused
from .results import Detail, Listing, Section

if TYPE_CHECKING:
    from rich.console import Console

    from .views import Chart, Document, Mapped, Outline


class OutputFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"
    GEOJSON = "geojson"
    MARKDOWN = "markdown"


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_INVISIBLE = re.compile("[\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")


def visible(text: str) -> str:
    """Text safe for a terminal: controls as their Unicode pictures, others as ⟨U+XXXX⟩."""
    text = text.replace("\t", " ")
    text = _CONTROL.sub(lambda m: "␡" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), text)
    return _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def render(
    result: Listing | Detail | Outline | Document | Mapped | Chart, output: OutputFormat, out: TextIO
) -> None:
    if output is OutputFormat.GEOJSON:
        from .geo import write_geojson

        write_geojson(result, out, _json_encoder(out))
        return
    if output is OutputFormat.MARKDOWN:
        from .markdown import write_markdown

        write_markdown(result, out)
        return
    if not isinstance(result, (Listing, Detail)):
        # A view (views.py) has its own form for people and flat records for programs.
        if output is OutputFormat.TABLE:
            from .tree import write_for_people

            write_for_people(result, out)
            return
        from .views import flat

        result = flat(result)
    if output is OutputFormat.JSON:
        if isinstance(result, Listing):
            _json_array(result.items, out)
        else:
            out.write(_json_for(out, jsonout.dumps(result.data, indent=2) + "\n"))
    elif output is OutputFormat.JSONL:
        if isinstance(result, Listing):
            safe = _json_encoder(out)
            out.writelines(safe(item) + "\n" for item in result.items)
        else:
            out.write(_json_for(out, jsonout.dumps(result.data) + "\n"))
    elif output is OutputFormat.CSV:
        _csv(result, out)
    else:
        _table(result, out)


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


def _csv(result: Listing | Detail, out: TextIO) -> None:
    """CSV keeps the data exact for programs; on a terminal, controls are made visible."""
    shown: Callable[[str], str] = visible if out.isatty() else str
    if isinstance(result, Listing):
        rows = [[column.header for column in result.columns]]
        rows += [[_cell(column.cell(row)) for column in result.columns] for row in result.rows]
    else:
        rows = [list(result.data), [_cell(value) for value in result.data.values()]]
    # Rows end in "\n", but the writer is told "\r\n": the csv module quotes a field only for
    # the characters of its line terminator, and a bare "\r" in a field must be quoted too.
    buffer = io.StringIO()
    import csv

    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([shown(cell) for cell in row])
        out.write(buffer.getvalue()[:-2] + "\n")


def _console(out: TextIO) -> Console:
    """A console for ``out``; off a terminal: no colour, no escape codes, and no width limit
    (unless $COLUMNS sets one) so that no cell is cut short."""
    with paused(freeze=True):
        from rich.console import Console
        from rich.table import Table  # noqa: F401  (imported here, with the collector paused)

    if out.isatty():
        return Console(file=out, markup=False, emoji=False, highlight=False)
    columns = os.environ.get("COLUMNS", "")
    return Console(
        file=io.StringIO(),
        markup=False,
        emoji=False,
        highlight=False,
        width=int(columns) if columns.isdigit() and int(columns) > 0 else 100_000,
        force_terminal=False,
        no_color=True,
        color_system=None,
        legacy_windows=False,
    )


def _flush(console: Console, out: TextIO) -> None:
    """Copy what a captured console printed to ``out``, without Rich's trailing padding."""
    if isinstance(console.file, io.StringIO):
        text = console.file.getvalue()
        out.write("".join(line.rstrip() + "\n" for line in text.splitlines()))


def _text(value: object) -> Any:
    from rich.text import Text

    return Text(visible(_cell(value)))


#: Below this width a table of several columns is unreadable; rows are stacked instead.
NARROW = 60


def _table(result: Listing | Detail, out: TextIO) -> None:
    console = _console(out)
    if isinstance(result, Listing):
        section = Section(result.title, result.columns, result.rows)
        console.print(_section_table(section, f"{len(section.rows)} found", narrow=console.width < NARROW))
        _flush(console, out)
        return
    from rich.table import Table
    from rich.text import Text

    narrow = console.width < NARROW
    console.print(Text(visible(result.title), style="bold"))
    fields = [(label, _cell(value)) for label, value in result.fields if value not in (None, "")]
    if narrow:
        for label, value in fields:
            console.print(_labelled(label, value))
    else:
        grid = Table.grid(padding=(0, 2))
        # "fold", not Rich's default "ellipsis": a long id or word is wrapped, never cut short.
        grid.add_column(style="bold", overflow="fold")
        grid.add_column(overflow="fold")
        for label, value in fields:
            grid.add_row(_text(label), _text(value))
        console.print(grid)
    for section in result.sections:
        if section.rows:
            console.print()
            console.print(_section_table(section, None, narrow=narrow))
    _flush(console, out)


def _labelled(label: str, value: str) -> Any:
    from rich.text import Text

    return Text.assemble((visible(label) + ": ", "bold"), visible(value))


def _section_table(section: Section, caption: str | None, *, narrow: bool) -> Any:
    """A table, or on a narrow terminal each row as ``Header: value`` lines."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    if narrow:
        parts: list[Any] = [Text(visible(section.title), style="bold")]
        for row in section.rows:
            parts.append(Text(""))
            for column in section.columns:
                value = _cell(column.cell(row))
                if value:
                    parts.append(_labelled(column.header, value))
        if caption:
            parts.extend([Text(""), Text(caption)])
        return Group(*parts)
    table = Table(title=_text(section.title), caption=caption, box=box.SIMPLE_HEAD, title_justify="left")
    for column in section.columns:
        table.add_column(_text(column.header), overflow="fold")
    for row in section.rows:
        table.add_row(*(_text(column.cell(row)) for column in section.columns))
    return table
