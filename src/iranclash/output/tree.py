"""The analyst views for people: outlines (the timeline, a chain) drawn as trees with Rich,
documents (a BibTeX reference) printed as they are, maps and charts as tables.

Imported by ``render`` only when one of them is printed. Every text from the data
is plain ``Text`` (never markup) with control characters made visible; a
document keeps its exact text when it goes to a file or a pipe. Piped, a tree
keeps each line whole, as tables do.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, TextIO

from iranclash.core.analyst_results import Chart, Document, Mapped, Node, Outline
from iranclash.output.terminal import console, table
from iranclash.output.text import visible

if TYPE_CHECKING:
    from rich.console import Console


def write_for_people(result: Outline | Document | Mapped | Chart, out: TextIO, *, wide: bool = False) -> None:
    if isinstance(result, Mapped):
        table(result.listing, out, wide=wide)
    elif isinstance(result, Chart):
        table(result.people, out, wide=wide)
    elif isinstance(result, Document):
        out.write(visible(result.text) if out.isatty() else result.text)
    else:
        write_tree(result, out)


def _tree_console(out: TextIO) -> Console:
    """The terminal's console; off a terminal, one without a width limit, colour or escapes."""
    if out.isatty():
        return console(out)
    from rich.console import Console

    return Console(
        file=io.StringIO(),
        markup=False,
        emoji=False,
        highlight=False,
        width=100_000,
        force_terminal=False,
        no_color=True,
        color_system=None,
    )


def write_tree(outline: Outline, out: TextIO) -> None:
    from rich.text import Text
    from rich.tree import Tree

    console = _tree_console(out)
    console.print(Text(visible(outline.title), style="bold"))
    for node in outline.nodes:
        tree = Tree(_label(node), guide_style="dim")
        _add(tree, node.children)
        console.print(tree)
    if outline.caption:
        console.print()
        console.print(Text(visible(outline.caption), style="dim"))
    if isinstance(console.file, io.StringIO):
        out.write("".join(line.rstrip() + "\n" for line in console.file.getvalue().splitlines()))


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
