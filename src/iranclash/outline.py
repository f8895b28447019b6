"""Results drawn as a tree for people: the timeline and an event's chain.

An :class:`Outline` holds the tree a person reads and, beside it, the same
answer as flat records (``flat``) for JSON, JSON lines and CSV, so that a script
never has to parse indentation. Kept apart from ``results`` so that the views
added for analysts do not touch the result types every command shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .results import Detail, Listing


@dataclass(frozen=True)
class Node:
    """One line of a tree: its text, a quieter note after it, and the lines beneath it.

    A ``heading`` groups the lines beneath it (a month, "What led to it") and is no
    record itself.
    """

    text: str
    note: str = ""
    children: tuple[Node, ...] = field(default=())
    heading: bool = False


@dataclass(frozen=True)
class Outline:
    """A tree for people (``nodes``) and the same records flat for programs (``flat``)."""

    title: str
    nodes: tuple[Node, ...]
    flat: Listing | Detail
    caption: str | None = None
