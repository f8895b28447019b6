"""Outlines (the timeline, a chain) drawn as trees in the terminal, with Rich.

Imported by ``render`` only when a tree is printed. Every text from the data is
plain ``Text`` (never markup) with control characters made visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TextIO

from .render import _console, _flush, visible

if TYPE_CHECKING:
    from .outline import Node, Outline


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
