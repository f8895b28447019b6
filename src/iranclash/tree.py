"""The analyst views for people: outlines (the timeline, a chain) drawn as trees with Rich,
documents (a BibTeX reference) printed as they are.

Imported by ``render`` only when one of them is printed. Every text from the data
is plain ``Text`` (never markup) with control characters made visible; a
document keeps its exact text when it goes to a file or a pipe.
"""

from __future__ import annotations

from typing import Any, TextIO

from .render import _console, _flush, _table, visible
from .views import Document, Mapped, Node, Outline


def write_for_people(result: Outline | Document | Mapped, out: TextIO) -> None:
    if isinstance(result, Mapped):
        _table(result.listing, out)
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
