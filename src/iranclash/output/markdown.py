"""Markdown for reports: lists as tables, a record as a heading with its fields, trees as lists.

Text from data files is text, never markup: every character Markdown or HTML
reads inside a line (``* _ [ ] < > | & # ~ ` \\``) is escaped with a backslash,
and so is one that would start a list at the head of a text (``-``, ``+``,
``1.``); line breaks become spaces and control characters are made visible, so
a data file cannot add a link, an image, a tag or a line of its own to a report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TextIO

from iranclash.core.analyst_results import Chart, Document, Mapped, Node, Outline
from iranclash.core.errors import UsageProblem
from iranclash.core.results import Detail, Listing, Row, Section
from iranclash.output.text import cell, counted, visible

_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")
_NUMBERED = re.compile(r"[0-9]+(?=[.)])")


def text(value: object) -> str:
    """A value as Markdown that shows exactly its text, on one line."""
    plain = _SPECIAL.sub(r"\\\1", " ".join(visible(cell(value)).split()))
    if plain[:1] in ("-", "+"):
        return "\\" + plain
    numbered = _NUMBERED.match(plain)
    return plain[: numbered.end()] + "\\" + plain[numbered.end() :] if numbered else plain


def write_markdown(result: Listing | Detail | Outline | Document | Mapped | Chart, out: TextIO) -> None:
    if isinstance(result, Mapped):
        raise UsageProblem("--format markdown and geojson are separate formats")
    if isinstance(result, Chart):
        result = result.people
    out.write("\n".join(_document(result)) + "\n")


def _document(result: Listing | Detail | Outline | Document) -> list[str]:
    if isinstance(result, Listing):
        rows = result.rows
        return [
            f"# {text(result.title)}",
            "",
            *_table(Section(result.title, result.columns, rows)),
            "",
            counted(len(rows), len(rows) if result.total is None else result.total()),
        ]
    if isinstance(result, Detail):
        lines = [f"# {text(result.title)}", ""]
        lines += [
            f"- **{text(label)}:** {text(value)}" for label, value in result.fields if value not in (None, "")
        ]
        for section in result.sections:
            if section.rows:
                lines += ["", f"## {text(section.title)}", "", *_table(section)]
        return lines
    if isinstance(result, Outline):
        lines = [f"# {text(result.title)}"]
        for node in result.nodes:
            lines += ["", f"## {text(node.text)}", "", *_items(node.children, 0)]
        if result.caption:
            lines += ["", text(result.caption)]
        return lines
    # A document keeps its exact text, in a fence longer than any run of backticks in it.
    longest = max((len(run) for run in re.findall("`+", result.text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"# {text(result.title)}", "", fence, result.text.rstrip("\n"), fence]


def _table(section: Section) -> list[str]:
    headers = [text(column.header) or " " for column in section.columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    rows: Sequence[Row] = section.rows
    lines += ["| " + " | ".join(text(column.cell(row)) for column in section.columns) + " |" for row in rows]
    return lines


def _items(nodes: tuple[Node, ...], depth: int) -> list[str]:
    lines = []
    for node in nodes:
        note = f" — {text(node.note)}" if node.note else ""
        label = f"**{text(node.text)}**" if node.heading else text(node.text)
        lines.append("  " * depth + f"- {label}{note}")
        lines += _items(node.children, depth + 1)
    return lines
