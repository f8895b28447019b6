"""Dataset rows added to a curated event's ``same_as``, in its YAML file, every other byte kept.

``iranclash corroborate EVENT --accept ROW`` records a curator's judgement that a dataset
row and a curated event are one event. The file is the curator's own: its comments,
quoting, blank lines, line ends and key order are theirs, so the change is an insertion
(a ``same_as:`` line at the end of the event, or rows appended to the list it has),
never a YAML dump of the records. Where to insert is read from the parser's marks,
not guessed from the text; the result is parsed again and must differ from the file
only in that ``same_as``, and the folder must validate with it, before it replaces the
file (``destination``: a temporary file beside it, renamed into place).
"""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from iranclash.core.errors import DataError, NotFound, Problem, UsageProblem
from iranclash.ingest import destination, folder, reader

#: What a row id of each dataset looks like after its ``dataset:`` prefix: ACLED's
#: ``event_id_cnty`` (or ``data-N``), UCDP GED's whole-number id. A ``/`` marks an
#: actor or place of the dataset (``acled:actor/...``), never a row.
_ROW_IDS = {"acled": re.compile(r"[^\s/]+"), "ucdp": re.compile(r"[0-9]+")}
#: What YAML counts as a line break; ``\r\n`` is one.
_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
#: The line ends a new line may take, as the file's own.
_LINE_END = re.compile("\r\n|\n|\r")
_BOM = "\ufeff"


@dataclass(frozen=True)
class Accepted:
    """What :func:`accept` did to the event's file.

    ``added`` are the rows written into ``same_as``, in the order given; ``already`` those
    it listed before, which are not added twice. When nothing was added the file was
    not written (``written`` is False). ``line`` is the line of the ``same_as`` key in the
    file as it now is (1-based).
    """

    path: Path
    event: str
    added: tuple[str, ...]
    already: tuple[str, ...]
    line: int

    @property
    def written(self) -> bool:
        """Whether the file was replaced."""
        return bool(self.added)


def accept(folders: Sequence[Path], event_id: str, rows: Sequence[str]) -> Accepted:
    """Add ``rows`` (full row ids, ``acled:IRQ24127``, ``ucdp:123456``) to the ``same_as`` of
    the curated event ``event_id`` in the events file of ``folders`` that holds it.

    Raises ``UsageProblem`` for no rows or a row id of the wrong shape, for an events file
    that is a symbolic link or lies in the installed package's own data; ``NotFound`` when
    no events file of the folders holds the event; ``DataError`` when a file cannot be
    read, or when the folders would not validate with the change (its ``problems`` are
    what validation found; the file is then left as it was); ``CannotWrite`` when the
    system refuses the write (exit 74 for a full disk). That a row is in the exports is
    the caller's to check.
    """
    wanted = _checked_rows(rows)
    path, found = _find(folders, event_id)
    if set(wanted) <= set(_listed(path, found, event_id)):  # nothing to write, wherever it is
        return Accepted(path, event_id, (), wanted, found.items["same_as"][0].line)
    _check_writable(path)
    data, info = _read(path)
    text = _decoded(path, data)
    bom = _BOM if text.startswith(_BOM) else ""
    body = text.removeprefix(bom)
    number, old = _located(path, reader.parse(path, body), event_id)
    before = _listed(path, old, event_id)  # the file as read now decides
    added = tuple(row for row in wanted if row not in before)
    already = tuple(row for row in wanted if row in before)
    if not added:
        return Accepted(path, event_id, (), already, old.items["same_as"][0].line)
    new_body, line, edit = _edited(path, body, number, event_id, before, added)
    new_data = (bom + new_body).encode("utf-8")
    _validate(folders, path, new_data, event_id, added, _Renumbered(body, edit))

    def fill(descriptor: int) -> None:
        os.fchmod(descriptor, stat.S_IMODE(info.st_mode))
        destination.write_all(descriptor, new_data)
        if _read(path)[0] != data:  # edited meanwhile: their change must not be lost
            raise DataError.single(path, "changed while same_as was being added; nothing was written")

    destination.write(path, fill, replace=True)
    return Accepted(path, event_id, added, already, line)


def same_as_lines(event_id: str, rows: Sequence[str], *, file: str | None = None) -> str:
    """The lines a curator pastes at the end of the event's mapping (``--format yaml``): a
    comment saying where, and the ``same_as`` key indented as an event of ``- id:`` is,
    each row quoted where YAML needs it. ``file`` names the file in the comment.

    Raises ``UsageProblem`` as :func:`accept` does for the rows.
    """
    wanted = _checked_rows(rows)
    where = f" in {file if file.isprintable() else ascii(file)}" if file else ""  # one comment line
    return (
        f"# add to the event {event_id}{where} (if it has a same_as already, add the rows to that list)\n"
        f"  same_as: {_flow_list(wanted)}\n"
    )


def _checked_rows(rows: Sequence[str]) -> tuple[str, ...]:
    """The rows given, each once, in order; a ``UsageProblem`` for none or a bad one."""
    if not rows:
        raise UsageProblem("give a dataset row to accept, such as acled:IRQ24127")
    for row in rows:
        dataset, colon, rest = row.partition(":")
        shape = _ROW_IDS.get(dataset)
        if not (colon and shape and shape.fullmatch(rest) and rest.isprintable()):
            raise UsageProblem(
                f"{row!r} is not a dataset row id; write acled:ROW (ACLED's event_id_cnty, "
                "such as acled:IRQ24127) or ucdp:ROW (a UCDP GED id, such as ucdp:123456)"
            )
    return tuple(dict.fromkeys(rows))


def _find(folders: Sequence[Path], event_id: str) -> tuple[Path, reader.Mapping]:
    """The curated events file holding the event, and the event's node in it."""
    for kind, path in folder.all_data_files(folders):
        if kind != "events":
            continue
        root = reader.read(path)
        if isinstance(root, reader.Sequence):
            for item in root.items:
                if _is_event(item, event_id):
                    return path, item
    raise NotFound(f"no curated event has the id {event_id!r} in {_named(folders)}")


def _named(folders: Sequence[Path]) -> str:
    return ", ".join(str(path) for path in folders)


def _is_event(node: reader.Node, event_id: str) -> TypeGuard[reader.Mapping]:
    if not isinstance(node, reader.Mapping):
        return False
    found = node.items.get("id")
    return found is not None and isinstance(found[1], reader.Scalar) and found[1].text == event_id


def _located(path: Path, root: reader.Node | None, event_id: str) -> tuple[int, reader.Mapping]:
    """The event's number among the file's top-level items, and its node."""
    if isinstance(root, reader.Sequence):
        for number, item in enumerate(root.items):
            if _is_event(item, event_id):
                return number, item
    raise DataError.single(path, f"changed while same_as was being added: the event {event_id!r} is gone")


def _listed(path: Path, event: reader.Mapping, event_id: str) -> tuple[str, ...]:
    """The rows the event's ``same_as`` lists now; a ``DataError`` if it is no list."""
    found = event.items.get("same_as")
    if found is None:
        return ()
    value = found[1]
    if isinstance(value, reader.Scalar) and value.is_null:
        return ()
    if isinstance(value, reader.Sequence) and all(isinstance(item, reader.Scalar) for item in value.items):
        return tuple(item.text for item in value.items)  # type: ignore[union-attr]
    message = "must be a list of row ids, such as [acled:IRQ24127]; fix it first"
    problem = Problem(path, message, value.line, value.column, event_id, "same_as")
    raise DataError([problem])


def _check_writable(path: Path) -> None:
    """Refuse a file we must not replace: a link (a write never goes through one) or the
    installed package's data."""
    if path.is_symlink():
        raise UsageProblem(
            f"{path} is a symbolic link; same_as is never written through a link: "
            "edit the file it points to, or run with --format yaml and paste the lines"
        )
    packaged = folder.packaged_data_dir()
    if packaged is not None and path.resolve().is_relative_to(packaged.resolve()):
        raise UsageProblem(
            f"{path} is the data installed with iranclash, which an upgrade replaces; "
            "copy it into a data folder of your own (--data DIR), or run with --format yaml"
        )


def _read(path: Path) -> tuple[bytes, os.stat_result]:
    """The file's bytes, opened without following a link, and what it is."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise DataError.single(path, f"cannot read: {error.strerror or error}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > reader.MAX_FILE_BYTES:
            raise DataError.single(path, "is no longer a regular data file")
        return handle.read(), info


def _decoded(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DataError.single(path, f"is not valid UTF-8: byte {error.start}") from None


# The edit: where the parser's marks say the event ends, or its same_as list does.


@dataclass
class _Span:
    """A node of the event with its extent in the text (the reader keeps only starts)."""

    start: int
    end: int
    column: int
    flow: bool
    text: str | None = None
    #: A mapping's keys and values, alternating; a list's items.
    children: list[_Span] = field(default_factory=list)

    @property
    def content_end(self) -> int:
        """Where its last character is, past a flow collection's bracket; a block
        collection's ends with its last child (its own end mark is the next token's)."""
        if self.flow or not self.children:
            return self.end
        return self.children[-1].content_end


def _spans(body: str, number: int) -> _Span:
    """The positioned node of top-level item ``number``, from the pure-Python parser,
    whose marks count characters of ``body`` (libyaml's may count bytes)."""
    import yaml

    loader = yaml.SafeLoader(body)
    #: The collections open, the top-level list first.
    stack: list[_Span] = []
    seen = -1
    try:
        while True:
            event = loader.get_event()  # type: ignore[no-untyped-call]
            start: Any = event.start_mark  # the pure-Python parser marks every event
            end: Any = event.end_mark
            if isinstance(event, yaml.CollectionStartEvent | yaml.ScalarEvent):
                span = _Span(
                    start.index,
                    end.index,
                    start.column,
                    bool(getattr(event, "flow_style", False)),
                    getattr(event, "value", None),
                )
                if len(stack) == 1:
                    seen += 1
                elif len(stack) > 1 and seen == number:
                    stack[-1].children.append(span)
                if isinstance(event, yaml.CollectionStartEvent):
                    stack.append(span)
            elif isinstance(event, yaml.CollectionEndEvent):
                done = stack.pop()
                done.end = end.index
                if len(stack) == 1 and seen == number:
                    return done
            elif isinstance(event, yaml.StreamEndEvent):  # pragma: no cover - it was found
                raise DataError.single(None, "the event read before is not in the text")
    finally:
        loader.dispose()


def _edited(
    path: Path, body: str, number: int, event_id: str, before: tuple[str, ...], added: tuple[str, ...]
) -> tuple[str, int, _Edit]:
    """``body`` with ``added`` in the event's ``same_as``, the line of that key, and the edit:
    the first way of inserting that changes nothing else, checked by parsing the result."""
    event = _spans(body, number)
    keys = event.children[0::2]
    values = event.children[1::2]
    texts = [key.text for key in keys]
    if "same_as" in texts:
        value = values[texts.index("same_as")]
        candidates = _extended(body, value, added)
    else:
        candidates = _appended(body, event, added)
    for edit in candidates:
        start, end, insert = edit
        new_body = body[:start] + insert + body[end:]
        line = _same_line(path, body, new_body, number, before + added)
        if line is not None:
            return new_body, line, edit
    raise DataError.single(  # a layout this does not know: the curator pastes the line instead
        path,
        f"cannot add same_as to the event {event_id!r} without changing the rest of it; "
        "run with --format yaml and paste the lines",
    )


#: (start, end, text): the text replaces ``body[start:end]``, mostly an insertion (start == end).
_Edit = tuple[int, int, str]


class _Renumbered:
    """A line of the edited text as the line of the file as it is, for problems found in the
    edited text of a file left unchanged: lines after the insertion move up, and the
    inserted lines are the line they go at."""

    def __init__(self, body: str, edit: _Edit) -> None:
        start, end, insert = edit
        self.first = len(_BREAK.findall(body, 0, start)) + 1
        self.added = len(_BREAK.findall(insert)) - len(_BREAK.findall(body, start, end))

    def __call__(self, line: int) -> int:
        return line - self.added if line >= self.first + self.added else min(line, self.first)


def _appended(body: str, event: _Span, added: tuple[str, ...]) -> list[_Edit]:
    """A new ``same_as`` key at the end of the event's mapping, in its style."""
    listed = _flow_list(added)
    if event.flow:  # ``- {id: ..., title: ...}``: before the brace, after the last value
        end = event.children[-1].content_end
        return [(end, end, f", same_as: {listed}")]
    end = event.content_end
    line = f"{' ' * event.column}same_as: {listed}"
    return [_line_after(body, _last_visible(body, end), line), *_line_at(body, end, line)]


def _extended(body: str, value: _Span, added: tuple[str, ...]) -> list[_Edit]:
    """Rows appended to an existing ``same_as``: a flow list, a block list, or empty."""
    if value.text is not None:  # ``same_as:`` with no value, ``~`` or ``null``: now a list
        listed = _flow_list(added)
        if value.start == value.end:
            return [(value.start, value.end, f" {listed}")]
        return [(value.start, value.end, listed)]
    if value.flow:
        if value.children:
            end = value.children[-1].content_end
            return [(end, end, "".join(f", {_scalar(row, flow=True)}" for row in added))]
        return [(value.start + 1, value.start + 1, ", ".join(_scalar(row, flow=True) for row in added))]
    end = value.content_end
    items = _newline(body, end).join(f"{' ' * value.column}- {_scalar(row, flow=False)}" for row in added)
    return [_line_after(body, _last_visible(body, end), items), *_line_at(body, end, items)]


def _last_visible(body: str, end: int) -> int:
    """The index of the last character before ``end`` that is not white space or a line
    break (a block scalar's marks end after the blank lines that follow it)."""
    index = end - 1
    while index > 0 and body[index] in " \t\r\n\x85\u2028\u2029":
        index -= 1
    return index


def _line_after(body: str, index: int, line: str) -> _Edit:
    """``line`` on a line of its own after the line holding ``body[index]`` (and whatever
    comment ends it), with that line's line end; at the end of a text with no final
    line break, the text still ends without one."""
    found = _BREAK.search(body, index + 1)
    if found is None:
        return (len(body), len(body), _newline(body, len(body)) + line)
    return (found.end(), found.end(), line + found.group())


def _line_at(body: str, index: int, line: str) -> list[_Edit]:
    """``line`` at ``index`` when that starts a line: after a block scalar that keeps its
    trailing blank lines (``|+``), the way :func:`_line_after` would change it."""
    if index == 0 or not _BREAK.match(body[index - 1]):
        return []
    return [(index, index, line + _newline(body, index))]


def _newline(body: str, index: int) -> str:
    """The line end to write at ``index``: that of the line before it, else the file's first."""
    found = None
    for found in _LINE_END.finditer(body, 0, index):  # noqa: B007 - the last one is wanted
        pass
    found = found or _LINE_END.search(body)
    return found.group() if found else "\n"


def _same_line(path: Path, body: str, new_body: str, number: int, rows: tuple[str, ...]) -> int | None:
    """The line of ``same_as`` in ``new_body`` if it reads as ``body`` does but for the
    event's ``same_as``, which lists ``rows``; else None."""
    try:
        old, new = reader.parse(path, body), reader.parse(path, new_body)
    except DataError:
        return None
    line = None
    if not (isinstance(old, reader.Sequence) and isinstance(new, reader.Sequence)):
        return None  # pragma: no cover - the event was found in a list
    if len(old.items) != len(new.items):
        return None
    for index, (before, after) in enumerate(zip(old.items, new.items, strict=True)):
        if index != number:
            if _shape(before) != _shape(after):
                return None
            continue
        if not (isinstance(before, reader.Mapping) and isinstance(after, reader.Mapping)):
            return None  # pragma: no cover - the event is a mapping
        key = after.items.get("same_as")
        try:
            if key is None or _listed(path, after, "") != rows:
                return None
        except DataError:
            return None
        if _shape(before, leave_out="same_as") != _shape(after, leave_out="same_as"):
            return None
        if "same_as" not in before.items and list(after.items)[-1] != "same_as":
            return None
        line = key[0].line
    return line


def _shape(node: reader.Node, leave_out: str | None = None) -> object:
    """A node without its positions: what a record is read from."""
    if isinstance(node, reader.Scalar):
        return (node.text, node.plain)
    if isinstance(node, reader.Sequence):
        return [_shape(item) for item in node.items]
    return [(key, _shape(value)) for key, (_key, value) in node.items.items() if key != leave_out]


def _flow_list(rows: Sequence[str]) -> str:
    return "[" + ", ".join(_scalar(row, flow=True) for row in rows) + "]"


def _scalar(row: str, *, flow: bool) -> str:
    """``row`` as YAML reads it back: plain where it can be, else double-quoted."""
    import json

    import yaml

    text = f"[{row}]" if flow else f"- {row}"
    try:
        events = list(yaml.parse(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        events = []
    scalars = [event for event in events if isinstance(event, yaml.ScalarEvent)]
    if len(scalars) == 1 and scalars[0].value == row and scalars[0].style is None:
        return row
    return json.dumps(row, ensure_ascii=False)  # JSON's escapes are YAML's too


# The check: the folders read as a build reads them, with the new text for the file.


def _validate(
    folders: Sequence[Path],
    target: Path,
    new_data: bytes,
    event_id: str,
    added: tuple[str, ...],
    renumbered: Callable[[int], int],
) -> None:
    """Every problem ``validate`` would find in the curated YAML of ``folders`` with
    ``new_data`` as ``target``, and a row added that another event names already:
    raised as one ``DataError``, before anything is written, with the lines of ``target``
    as it is (``renumbered``)."""
    from iranclash.core.model import Event
    from iranclash.ingest import load, validate

    curated = folder.curated_in_order(folder.all_data_files(folders))
    index = validate.Index()
    problems: list[Problem] = []
    #: Each row added that another event names already: that event, its file and line.
    others: dict[str, tuple[str, Path, int]] = {}
    line: int | None = None
    for kind, path in curated:
        try:
            if path == target:
                found = list(load.records(kind, reader.Text(path, io.BytesIO(new_data))))
            else:
                with reader.opened(path) as text:
                    found = list(load.records(kind, text))
        except DataError as error:
            problems.extend(error.problems)
            continue
        for record, at in found:
            index.add(record, path, at)
            if path == target:
                at = renumbered(at)
            if isinstance(record, Event) and record.id == event_id:
                line = at
            elif isinstance(record, Event):
                for row in set(record.same_as).intersection(added):
                    others.setdefault(row, (record.id, path, at))
    problems.extend(index.problems())
    for row in added:
        if row in others:
            owner, path, at = others[row]
            message = f"{row!r} is already the same as another event, {owner!r} (at {path}:{at})"
            problems.append(Problem(target, message, line, None, event_id, "same_as"))
    if problems:
        problems = [
            problem._replace(line=renumbered(problem.line))
            if problem.path == target and problem.line is not None
            else problem
            for problem in problems
        ]
        refused = DataError(problems)
        rows = ", ".join(added)
        refused.args = (
            f"{target} was not changed: with same_as {rows} the data would not validate: {refused}",
        )
        raise refused
