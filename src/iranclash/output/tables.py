"""Tables for people: rows of cells laid out to fit a terminal's width, or unbounded for a pipe.

On a terminal of a given width a table takes the first of these that fits:

1. one line per row (kept for rows whose text columns get a fair share of the width);
2. each row's id on a line of its own beneath the rest of the row: ids are long,
   are what people copy, and are never wrapped or cut;
3. one block per record, a ``field  value`` line per column, like psql's expanded display.

How a cell may be fitted is its column's :class:`~iranclash.results.Fit`. Without a
width (output piped to ``less`` or ``grep``), every row is one line and nothing is
cut. Cells arrive as plain text already made safe (``render.visible``); lines leave
as segments of text and a style name, so that only the caller knows about Rich.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from iranclash.core.results import Fit

#: A line of output: (text, style) segments, the style "" for plain text.
Line = tuple[tuple[str, str], ...]

INDENT = 2
GAP = 2
#: The least a name or text column gets when each row keeps to one line...
ONE_LINE_TEXT = 24
#: ...and when the id has moved to a line of its own; narrower than this, records become blocks.
MIN_TEXT = 16
#: What the first text column of a row (a listing's title) may take before the others grow.
FIRST_TEXT = 48
#: Values get at least this much room beside their labels (and as much as the labels
#: take), or follow them as "label: value".
MIN_VALUE = 20

_UNBROKEN = (Fit.ID, Fit.WHOLE)


def cell_len(text: str) -> int:
    """Terminal cells ``text`` takes (CJK and some symbols take two)."""
    from rich.cells import cell_len as rich_cell_len

    return rich_cell_len(text) if not text.isascii() else len(text)


def one_line(text: str) -> str:
    """``text`` with every run of white space, line breaks included, as one space."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Grid:
    """The cells of one table; ``cut`` says whether ``Fit.CUT`` columns may be cut short."""

    headers: Sequence[str]
    fits: Sequence[Fit]
    rows: Sequence[Sequence[str]]
    cut: bool = True
    #: Whether the layout is picked by the width alone, whatever the cells (a listing with
    #: --wide: one command keeps one layout at one width, whatever records it lists).
    by_width: bool = False


def table_lines(grid: Grid, width: int | None) -> list[Line]:
    """The table at ``width`` cells (``None``: unbounded, one line per row, nothing cut)."""
    rows = [[one_line(cell) for cell in row] for row in grid.rows]
    grid = Grid(grid.headers, grid.fits, rows, grid.cut, grid.by_width)
    natural = [
        max([cell_len(header), *(cell_len(row[index]) for row in rows)])
        for index, header in enumerate(grid.headers)
    ]
    if width is None:
        return list(unbounded_lines(grid.headers, natural, rows))
    widths = _share(grid, natural, range(len(natural)), width, ONE_LINE_TEXT)
    if widths is not None:
        return _side_by_side(grid, widths, natural)
    if Fit.ID in grid.fits and len(grid.fits) > 1:
        key = grid.fits.index(Fit.ID)
        others = [index for index in range(len(natural)) if index != key]
        widths = _share(grid, natural, others, width, MIN_TEXT)
        if widths is not None:
            # Under the second column, as the first (a date, a kind) reads better alone.
            for offset in (INDENT + widths[others[0]] + GAP, INDENT):
                if offset + natural[key] <= width:
                    return _side_by_side(grid, widths, natural, key, offset)
    return block_lines(grid, width)


def unbounded_lines(
    headers: Sequence[str], natural: Sequence[int], rows: Iterable[Sequence[str]]
) -> Iterator[Line]:
    """The table without a width (piped): one line per row, nothing cut, each column as
    wide as its widest cell (``natural``, known beforehand); the rows stream through."""

    def joined(cells: Sequence[str]) -> str:
        return (" " * INDENT + (" " * GAP).join(map(_pad, cells, natural))).rstrip()

    yield ((joined(headers), "bold"),)
    yield ((" " + "─" * (INDENT + sum(natural) + GAP * (len(natural) - 1) - 1), "dim"),)
    for row in rows:
        yield ((joined(row), ""),)


def _share(grid: Grid, natural: list[int], shown: Sequence[int], width: int, least: int) -> list[int] | None:
    """Column widths (0 for columns not in ``shown``) that fit ``width``, or None.

    Ids, dates and numbers get their natural width. Text columns get ``least`` each (or
    less where all their cells are narrower, never under the header). Text that wraps
    shares what is left: the narrower columns whole first, the rest in equal parts. Text
    cut to one line gets it from the left: a listing's title, its first, is cut last.
    """
    widths = [0] * len(natural)
    text = [index for index in shown if grid.fits[index] not in _UNBROKEN]
    floor = {index: max(min(natural[index], least), cell_len(grid.headers[index])) for index in text}
    room = width - INDENT - GAP * (len(shown) - 1)
    room -= sum(natural[index] for index in shown if grid.fits[index] in _UNBROKEN)
    # Judged by the width alone, a text column counts as ``least`` wide even where its cells
    # are all narrower.
    judged = {index: max(least, cell_len(grid.headers[index])) for index in text} if grid.by_width else floor
    if room < sum(judged.values()):
        return None
    for index in shown:
        widths[index] = natural[index]
    if not (text and grid.cut and grid.fits[text[0]] is Fit.CUT):
        # Wrapped text: the narrower columns whole first, the rest in equal parts.
        text.sort(key=natural.__getitem__)
        for place, index in enumerate(text):
            later = text[place + 1 :]
            share = room // (len(text) - place)
            widths[index] = min(natural[index], max(floor[index], share), room - sum(floor[i] for i in later))
            room -= widths[index]
        return widths
    for index in text:
        widths[index] = floor[index]
    spare = room - sum(floor.values())
    # Cut text: first up to a fair share each (the title's is larger), then up to whole.
    for fair in (True, False):
        for index in text:
            goal = (
                min(FIRST_TEXT if index == text[0] else ONE_LINE_TEXT, natural[index])
                if fair
                else natural[index]
            )
            grown = max(0, min(goal - widths[index], spare))
            widths[index] += grown
            spare -= grown
    return widths


def _side_by_side(
    grid: Grid, widths: list[int], natural: list[int], key: int | None = None, offset: int = 0
) -> list[Line]:
    """Header, rule and rows, columns side by side; ``key``'s cell on a line of its own,
    ``offset`` cells in."""
    columns = [index for index in range(len(widths)) if index != key]

    def joined(cells: list[str]) -> str:
        text = (" " * GAP).join(_pad(cell, widths[index]) for index, cell in zip(columns, cells, strict=True))
        return (" " * INDENT + text).rstrip()

    lines: list[Line] = [((joined([grid.headers[index] for index in columns]), "bold"),)]
    span = INDENT + sum(widths[index] for index in columns) + GAP * (len(columns) - 1)
    if key is not None:
        lines.append(((" " * offset + grid.headers[key], "bold"),))
        span = max(span, offset + natural[key])
    lines.append(((" " + "─" * (span - 1), "dim"),))
    stacked = [
        [_fitted(row[index], grid.fits[index], widths[index], grid.cut) for index in columns]
        for row in grid.rows
    ]
    # Rows of wrapped text are kept apart by a blank line, unless an id line already is.
    apart = key is None and any(len(stack) > 1 for stacks in stacked for stack in stacks)
    for number, (row, stacks) in enumerate(zip(grid.rows, stacked, strict=True)):
        if apart and number:
            lines.append(())
        for depth in range(max(len(stack) for stack in stacks)):
            lines.append(((joined([stack[depth] if depth < len(stack) else "" for stack in stacks]), ""),))
        if key is not None:
            lines.append(((" " * offset + row[key], ""),))
    return lines


def _fitted(cell: str, fit: Fit, width: int, cut: bool) -> list[str]:
    """The lines ``cell`` takes in a column ``width`` cells wide."""
    if fit in _UNBROKEN or cell_len(cell) <= width:
        return [cell]
    if fit is Fit.CUT and cut:
        return [shorten(cell, width)]
    return wrap(cell, width)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - cell_len(text))


def block_lines(grid: Grid, width: int) -> list[Line]:
    """Each record as a block of ``field  value`` lines, records apart by a blank line.

    Nothing is cut: values wrap at word ends beside their field, or beneath it when
    the terminal leaves too little room beside it.
    """
    label_width = max(cell_len(header) for header in grid.headers)
    lines: list[Line] = []
    for number, row in enumerate(grid.rows):
        if number:
            lines.append(())
        for header, fit, cell in zip(grid.headers, grid.fits, row, strict=True):
            if cell:
                lines.extend(labelled(header, cell, fit, label_width, width))
    return lines


def labelled(label: str, value: str, fit: Fit, label_width: int, width: int | None) -> list[Line]:
    """``label`` with its value beside it, wrapped to ``width`` (``None``: on one line);
    beneath it when too little room is left beside it for the value to read well."""
    value = one_line(value)
    label_cell = (_pad(label, label_width + GAP), "bold")
    if width is None:
        return [(label_cell, (value, ""))]
    beside = width - label_width - GAP
    if beside >= max(MIN_VALUE, label_width) and (fit not in _UNBROKEN or cell_len(value) <= beside):
        parts = wrap(value, beside)
        return [
            (label_cell, (parts[0], "")),
            *(((" " * (label_width + GAP) + part, ""),) for part in parts[1:]),
        ]
    # Too little room beside the labels: "label: value", the rest of the value indented beneath.
    head = label + ":"
    if fit in _UNBROKEN and cell_len(value) > width - GAP:
        return [((head, "bold"),), *(((part, ""),) for part in _chop(value, width))]
    parts = wrap(value, max(width - GAP, 1))
    rest: list[Line] = [((" " * GAP + part, ""),) for part in parts]
    if cell_len(head) + 1 + cell_len(parts[0]) <= width:
        return [((head, "bold"), (" " + parts[0], "")), *rest[1:]]
    return [((head, "bold"),), *rest]


def heading(text: str, width: int | None) -> list[Line]:
    """A title in bold, wrapped to ``width``."""
    return [((part, "bold"),) for part in ([one_line(text)] if width is None else wrap(text, width))]


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at spaces; a word longer
    than a whole line is broken where it must be."""
    lines: list[str] = []
    line = ""
    for word in _units(one_line(text).split(" "), width):
        candidate = f"{line} {word}" if line else word
        if cell_len(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        pieces = _chop(word, width)
        lines.extend(pieces[:-1])
        line = pieces[-1]
    lines.append(line)
    return lines


#: Letters of the right-to-left scripts (Hebrew, Arabic and its supplements and forms).
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def _units(words: list[str], width: int) -> list[str]:
    """The words to wrap, a run of right-to-left words as one unit where it fits a line: a
    terminal lays a run out right to left, so a run broken across lines reads out of order
    ("كتائب حزب" / "الله")."""
    units: list[str] = []
    for word in words:
        if units and _RTL.search(word) and _RTL.search(units[-1].rsplit(" ", 1)[-1]):
            joined = f"{units[-1]} {word}"
            if cell_len(joined) <= width:
                units[-1] = joined
                continue
        units.append(word)
    return units


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells with "…", after the last whole word that fits;
    mid-word only when not even the first word fits. A search snippet's first «mark»
    stays in sight: the text is cut around it (see :func:`_around`)."""
    if cell_len(text) <= width:
        return text
    if "«" in text and "»" in text:
        around = _around(text, width)
        if around is not None:
            return around
    room = width - 1
    kept = ""
    for word in text.split(" "):
        candidate = f"{kept} {word}" if kept else word
        if cell_len(candidate) > room:
            break
        kept = candidate
    kept = kept.rstrip(" ,;:")
    if not kept:
        kept = _chop(text, room)[0] if room > 0 else ""
    return kept + "…"


def _around(text: str, width: int) -> str | None:
    """``text`` cut to ``width`` cells on both sides of its first «mark», whole words kept,
    the mark in the middle; a short label before it ("title: ") kept. None when the
    mark itself does not fit."""
    mark = text.index("«")
    label = text[: text.index(": ") + 2] if ": " in text[:mark] else ""
    if cell_len(label) > width // 2:
        label = ""
    body = text[len(label) :].strip("…")
    left, right = body.index("«"), body.index("»", body.index("«")) + 1
    room = width - cell_len(label) - 2  # an ellipsis on each side
    if cell_len(body[left:right]) > room:
        return None
    start = max(0, left - (room - (right - left)) // 2)
    end = min(len(body), start + room)
    start = max(0, min(start, end - room))
    if start > 0 and body[start - 1] != " ":
        start = min(body.find(" ", start) + 1 or left, left)
    if end < len(body) and body[end] != " ":
        end = max(body.rfind(" ", start, end), right)
    shown = body[start:end].strip()
    cut = label + ("…" if start > 0 else "") + shown + ("…" if end < len(body) else "")
    return cut if cell_len(cut) <= width else None


def _chop(word: str, width: int) -> list[str]:
    """``word`` in pieces of at most ``width`` cells (one character at least per piece)."""
    from rich.cells import get_character_cell_size

    pieces = [""]
    used = 0
    for character in word:
        size = get_character_cell_size(character)
        if used + size > width and pieces[-1]:
            pieces.append("")
            used = 0
        pieces[-1] += character
        used += size
    return pieces
