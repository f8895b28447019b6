"""The analyst views for people: outlines (the timeline, a chain) drawn as trees with Rich,
documents (a BibTeX reference) printed as they are.

Imported by ``render`` only when one of them is printed. Every text from the data
is plain ``Text`` (never markup) with control characters made visible; a
document keeps its exact text when it goes to a file or a pipe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO

from .render import _console, _flush, _section_table, _table, _text, visible
from .results import Row
from .views import Chart, Document, Mapped, Node, Outline


def write_for_people(result: Outline | Document | Mapped | Chart, out: TextIO) -> None:
    if isinstance(result, Mapped):
        _table(result.listing, out)
    elif isinstance(result, Chart):
        write_chart(result, out)
    elif isinstance(result, Document):
        out.write(visible(result.text) if out.isatty() else result.text)
    else:
        write_tree(result, out)


def write_tree(outline: Outline, out: TextIO) -> None:
    from rich.text import Text
    from rich.tree import Tree

    console = _console(out)
    console.print(Text(visible(outline.title), style="bold"))
    for node in outline.nodes:
        tree = Tree(_label(node), guide_style="dim")
        _add(tree, node.children)
        console.print(tree)
    if outline.caption:
        console.print()
        console.print(Text(visible(outline.caption), style="dim"))
    _flush(console, out)


def _add(tree: Any, nodes: tuple[Node, ...]) -> None:
    for node in nodes:
        _add(tree.add(_label(node)), node.children)


def _label(node: Node) -> Any:
    from rich.text import Text

    if node.heading:
        return Text(visible(node.text), style="bold")
    label = Text(visible(node.text))
    if node.note:
        label.append("  " + visible(node.note), style="dim")
    return label


def write_chart(chart: Chart, out: TextIO) -> None:
    """The fields, then the counts with their bars on one line each; below 80 columns, each
    row as ``Header: value`` lines, as six columns no longer fit."""
    from dataclasses import replace

    from rich import box
    from rich.table import Table

    from .counts import BAR

    console = _console(out)
    _table(replace(chart.people, sections=()), out)
    # The bar gives way first on a narrower terminal, so no figure is cut.
    room = max(5, min(BAR, console.width - 90))
    for section in chart.people.sections:
        rows = [[column.cell(row) for column in section.columns] for row in section.rows]
        for cells in rows:
            drawn = len(str(cells[chart.bar]))
            cells[chart.bar] = "█" * (max(1, round(drawn * room / BAR)) if drawn else 0)
        console.print()
        if console.width < 80:
            stacked = [{"cells": cells} for cells in rows]
            columns = tuple(replace(column, cell=_nth(index)) for index, column in enumerate(section.columns))
            console.print(_section_table(replace(section, columns=columns, rows=stacked), None, narrow=True))
            continue
        table = Table(title=_text(section.title), box=box.SIMPLE_HEAD, title_justify="left")
        for index, column in enumerate(section.columns):
            if index == chart.bar:
                table.add_column(_text(column.header), no_wrap=True, overflow="crop")
            elif index == 0:
                # What is counted (a period, a type id) stays whole where it can.
                widest = max((len(visible(str(cells[0]))) for cells in rows), default=0)
                table.add_column(_text(column.header), overflow="fold", min_width=min(widest, room + 8))
            else:
                table.add_column(_text(column.header), overflow="fold")
        for cells in rows:
            table.add_row(*(_text(cell) for cell in cells))
        console.print(table)
    _flush(console, out)


def _nth(index: int) -> Callable[[Row], object]:
    return lambda row: row["cells"][index]
