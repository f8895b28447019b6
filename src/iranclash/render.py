"""The one place that turns results into output: a table, JSON, JSON lines or CSV.

Text from data files is untrusted: in tables it is shown as plain text (never
Rich markup) with control and bidirectional-override characters made visible;
in JSON they are escaped (``jsonout``). Rich is imported only for tables, so
scripted ``--json`` calls start fast.
"""

from __future__ import annotations

import csv
import io
import os
import re
from enum import Enum
from typing import TYPE_CHECKING, Any, TextIO

from . import jsonout
from .query import Detail, Listing, Section

if TYPE_CHECKING:
    from rich.console import Console


class OutputFormat(str, Enum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_INVISIBLE = re.compile("[\x80-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]")


def visible(text: str) -> str:
    """Text safe for a terminal: controls as their Unicode pictures, others as ⟨U+XXXX⟩."""
    text = text.replace("\t", " ")
    text = _CONTROL.sub(lambda m: "␡" if m.group() == "\x7f" else chr(0x2400 + ord(m.group())), text)
    return _INVISIBLE.sub(lambda m: f"⟨U+{ord(m.group()):04X}⟩", text)


def render(result: Listing | Detail, output: OutputFormat, out: TextIO) -> None:
    if output is OutputFormat.JSON:
        if isinstance(result, Listing):
            out.write("[\n" + ",\n".join(result.items) + "\n]\n" if result.items else "[]\n")
        else:
            out.write(jsonout.dumps(result.data, indent=2) + "\n")
    elif output is OutputFormat.JSONL:
        if isinstance(result, Listing):
            out.writelines(item + "\n" for item in result.items)
        else:
            out.write(jsonout.dumps(result.data) + "\n")
    elif output is OutputFormat.CSV:
        _csv(result, out)
    else:
        _table(result, out)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return jsonout.dumps(value)
    return str(value)


def _csv(result: Listing | Detail, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    if isinstance(result, Listing):
        writer.writerow([column.header for column in result.columns])
        for row in result.rows:
            writer.writerow([_cell(column.cell(row)) for column in result.columns])
    else:
        writer.writerow(list(result.data))
        writer.writerow([_cell(value) for value in result.data.values()])


def _console(out: TextIO) -> Console:
    """A console for ``out``; off a terminal: no colour, no escape codes, and no width limit
    (unless $COLUMNS sets one) so that no cell is cut short."""
    from rich.console import Console

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
        console.print(_section_table(section, f"{len(result.items)} found", narrow=console.width < NARROW))
        _flush(console, out)
        return
    from rich.table import Table
    from rich.text import Text

    console.print(Text(visible(result.title), style="bold"))
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for label, value in result.fields:
        if value not in (None, ""):
            grid.add_row(_text(label), _text(value))
    console.print(grid)
    for section in result.sections:
        if section.rows:
            console.print()
            console.print(_section_table(section, None, narrow=console.width < NARROW))
    _flush(console, out)


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
                    parts.append(Text.assemble((visible(column.header) + ": ", "bold"), visible(value)))
        if caption:
            parts.extend([Text(""), Text(caption)])
        return Group(*parts)
    table = Table(title=_text(section.title), caption=caption, box=box.SIMPLE_HEAD, title_justify="left")
    for column in section.columns:
        table.add_column(_text(column.header), overflow="fold")
    for row in section.rows:
        table.add_row(*(_text(column.cell(row)) for column in section.columns))
    return table
