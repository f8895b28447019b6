"""Tables for people: a listing or a record laid out to the terminal's width (printed
through Rich), or one line per record when piped."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

from iranclash.core.collector import paused
from iranclash.core.results import Column, Detail, Fit, Listing, Row
from iranclash.output.text import cell, counted, spool, visible

if TYPE_CHECKING:
    from rich.console import Console

    from iranclash.output import tables


def table(result: Listing | Detail, out: TextIO, *, wide: bool) -> None:
    """A table for people: fitted to the terminal's width; piped, one line per row, uncut."""
    from iranclash.output import tables  # only tables need it: machine output starts without it

    shown = console(out) if out.isatty() else None
    width = shown.width if shown else None
    if isinstance(result, Listing) and shown is None:
        _piped_listing(result, out, wide=wide)
        return
    if isinstance(result, Listing):
        records = result.records()
        rows = list(itertools.islice(records, SCREEN_ROWS))
        total = len(rows) + sum(1 for _record in records) if result.total is None else result.total()
        lines = [*tables.heading(visible(result.title), width), ()]
        lines += tables.table_lines(
            _grid(result.columns, rows, wide=wide, cut=not wide, by_width=wide), width
        )
        found = counted(len(rows), total)
        if total > len(rows) == SCREEN_ROWS:
            found += (
                ": narrow them with filters or --limit, or pipe them or use --json or --format csv for all"
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
            columns = section.columns if wide else _spared(section.columns, section.rows, width)
            lines += tables.table_lines(_grid(columns, section.rows, wide=wide, cut=False), width)
            left_out = [column.header.casefold() for column in section.columns if column not in columns]
            if left_out:
                lines += [(), ((" " * tables.INDENT + f"--wide shows {', '.join(left_out)} too", "dim"),)]
            if section.notes:
                lines.append(())
                lines += _labelled_lines(section.notes, width, indent=tables.INDENT)
    _write(lines, out, shown)


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
    with spool() as spooled:
        for record in result.records():
            cells = [tables.one_line(visible(cell(column.cell(record)))) for column in columns]
            natural = list(starmap(max, zip(natural, map(tables.cell_len, cells), strict=True)))
            # One line per record: a cell holds neither a line break nor a control (``visible``).
            spooled.write(_CELL_SEPARATOR.join(cells) + "\n")
            count += 1
        spooled.seek(0)
        rows = (line[:-1].split(_CELL_SEPARATOR) for line in spooled)
        lines = [*tables.heading(visible(result.title), None), ()]
        _write(lines, out, None)
        _write(tables.unbounded_lines(headers, natural, rows), out, None)
    total = count if result.total is None else result.total()
    _write([(), ((" " * tables.INDENT + counted(count, total), ""),)], out, None)


#: Between the cells of a record in the spool of a piped table: a control, so never in a cell.
_CELL_SEPARATOR = "\x1f"


def _grid(
    columns: Sequence[Column], rows: Sequence[Row], *, wide: bool, cut: bool, by_width: bool = False
) -> tables.Grid:
    from iranclash.output import tables

    shown = [column for column in columns if wide or not column.wide]
    return tables.Grid(
        [visible(column.header) for column in shown],
        [column.fit for column in shown],
        [[visible(cell(column.cell(row))) for column in shown] for row in rows],
        cut,
        by_width,
    )


def _spared(columns: Sequence[Column], rows: Sequence[Row], width: int | None) -> Sequence[Column]:
    """The columns with those ``Fit.SPARE`` ones, taken from the left, that leave every row
    on one line of ``width``: a chart's bars line up, its figures beside them where they fit."""
    from iranclash.output import tables

    if width is None:
        return columns

    def natural(column: Column) -> int:
        cells = (tables.cell_len(visible(cell(column.cell(row)))) for row in rows)
        return max([tables.cell_len(column.header), *cells])

    used = tables.INDENT - tables.GAP
    used += sum(natural(column) + tables.GAP for column in columns if column.fit is not Fit.SPARE)
    shown = []
    for column in columns:
        if column.fit is Fit.SPARE:
            needed = tables.GAP + natural(column)
            if used + needed > width:
                continue
            used += needed
        shown.append(column)
    return shown


def _labelled_lines(
    pairs: Sequence[tuple[str, object]], width: int | None, *, indent: int
) -> list[tables.Line]:
    """``label  value`` lines, values aligned and wrapped to ``width``."""
    from iranclash.output import tables

    labels = [visible(label) for label, _value in pairs]
    label_width = max((tables.cell_len(label) for label in labels), default=0)
    lines: list[tables.Line] = []
    for label, (_label, value) in zip(labels, pairs, strict=True):
        shown = visible(cell(value))
        # A record's id is copied: kept whole, beneath its label when it does not fit beside.
        fit = Fit.ID if label == "ID" else Fit.WRAP
        for line in tables.labelled(
            label, shown, fit, label_width, None if width is None else width - indent
        ):
            lines.append(((" " * indent, ""), *line) if indent else line)
    return lines


def console(out: TextIO) -> Console:
    """A console for a terminal: it knows the width and which escape codes to use."""
    with paused(freeze=True):
        from rich.console import Console

    return Console(file=out, markup=False, emoji=False, highlight=False)


def _write(lines: Iterable[tables.Line], out: TextIO, shown: Console | None) -> None:
    """Lines to ``out``: styled through Rich on a terminal, plain text otherwise."""
    if shown is None:
        out.writelines("".join(text for text, _style in line).rstrip() + "\n" for line in lines)
        return
    from rich.text import Text

    screen = Text()
    for number, line in enumerate(lines):
        if number:
            screen.append("\n")
        for text, style in line:
            screen.append(text, style=style or None)
    shown.print(screen, soft_wrap=True)
