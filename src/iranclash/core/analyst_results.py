"""Result types of the analyst views: trees, documents, maps and charts.

Each holds what a person sees and, beside it, the same answer as flat records
(``flat``) for JSON, JSON lines and CSV, so that a script never has to parse
indentation or bars: an :class:`Outline` is a tree (the timeline, a chain), a
:class:`Document` text in a format of its own (BibTeX, RIS, CSL-JSON, HTML), a
:class:`Mapped` list carries the places it needs for GeoJSON, and a
:class:`Chart` is counts with bars. Kept apart from ``results`` so that the
views added for analysts do not touch the result types every command shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from iranclash.core.results import Detail, Listing


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


@dataclass(frozen=True)
class Document:
    """Text in a format of its own (a BibTeX file), printed as it is for a person or a file;
    ``flat`` is the same answer as records for ``--json``, JSON lines and CSV."""

    title: str
    text: str
    flat: Listing | Detail


@dataclass(frozen=True)
class Mapped:
    """A list of events or places with every place it may need to be put on a map."""

    listing: Listing
    places: dict[str, Any]


@dataclass(frozen=True)
class Chart:
    """Counts drawn for people (``people``: fields, and a table whose bar column is never
    wrapped) and the same rows flat for programs (``flat``)."""

    people: Detail
    flat: Listing


def flat(result: Outline | Document | Mapped | Chart) -> Listing | Detail:
    """The records behind a view, for JSON, JSON lines and CSV."""
    return result.listing if isinstance(result, Mapped) else result.flat
