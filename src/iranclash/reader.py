"""Read one YAML file strictly into a small tree of positioned nodes.

PyYAML's loaders build Python objects from whatever a file asks for: tags, anchors
that expand into alias bombs, duplicate keys where the last silently wins, and
YAML 1.1 guesses (``NO`` is false, ``012`` is octal). This reader takes only the
parser's events and keeps every scalar as text, so the schema in ``load`` decides
each field's type, and everything else is refused with its line and column.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import yaml

from .errors import DataError
from .folder import open_nonblocking

#: Largest data file read; a larger one is refused before it is read.
MAX_FILE_BYTES = 128 * 1024 * 1024
#: Deepest nesting accepted; the record schema needs five levels.
MAX_DEPTH = 32

_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}
#: C0 controls (but tab, LF, CR), DEL, C1 controls, and the non-characters YAML refuses.
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class Scalar:
    text: str
    line: int
    column: int
    plain: bool

    @property
    def is_null(self) -> bool:
        """An empty value or ``~``/``null``, written plain and untagged; ``"null"`` is text."""
        return self.plain and self.text in ("", "~", "null", "Null", "NULL")


@dataclass(slots=True)
class Mapping:
    line: int
    column: int
    items: dict[str, tuple[Scalar, Node]] = field(default_factory=dict)


@dataclass(slots=True)
class Sequence:
    line: int
    column: int
    items: list[Node] = field(default_factory=list)


Node = Scalar | Mapping | Sequence


def read_bytes(path: Path) -> bytes:
    """Read a regular file of bounded size, refusing devices, FIFOs and directories."""
    try:
        _check_kind(path, os.stat(path))
        # Non-blocking, so that a file swapped for a FIFO after the check cannot hang the
        # open; fstat then checks what was actually opened.
        with open(path, "rb", opener=open_nonblocking) as handle:
            _check_kind(path, os.fstat(handle.fileno()))
            data = handle.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as error:
        raise DataError.single(path, f"cannot read: {_reason(error)}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DataError.single(path, f"is larger than {MAX_FILE_BYTES:,} bytes")
    return data


def _check_kind(path: Path, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise DataError.single(path, "is a directory, not a data file")
    if not stat.S_ISREG(info.st_mode):
        raise DataError.single(path, "is not a regular file (a device, FIFO or socket?)")
    if info.st_size > MAX_FILE_BYTES:
        raise DataError.single(
            path, f"is {info.st_size:,} bytes; data files may be at most {MAX_FILE_BYTES:,} bytes"
        )


def _reason(error: Exception) -> str:
    return (error.strerror if isinstance(error, OSError) else None) or str(error)


def decode(path: Path, data: bytes) -> str:
    """UTF-8 only (a byte-order mark is accepted); control characters are refused."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise DataError.single(
            path, f"is not valid UTF-8: byte {error.start} (0x{data[error.start]:02x})", line=line
        ) from None
    text = text.removeprefix("\ufeff")
    bad = _FORBIDDEN_CHARS.search(text)
    if bad:
        line, column = _position(text, bad.start())
        kind = "control character" if ord(bad.group()) <= 0x9F else "character"
        raise DataError.single(
            path, f"{kind} U+{ord(bad.group()):04X} is not allowed", line=line, column=column
        )
    return text


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def parse(path: Path, text: str) -> Node | None:
    """Build the node tree of a single-document YAML text; ``None`` for an empty file."""
    try:
        loader = _Parser(text)  # the pure-Python reader checks the characters here
    except yaml.YAMLError as error:
        raise _invalid(path, text, error) from None
    try:
        return _build(path, loader)
    except yaml.YAMLError as error:
        raise _invalid(path, text, error) from None
    finally:
        loader.dispose()


def _invalid(path: Path, text: str, error: yaml.YAMLError) -> DataError:
    """The parser's complaint as one located line."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        problem = " ".join((error.problem or error.context or "unreadable").split())
        return DataError.single(
            path,
            f"invalid YAML: {problem}",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        )
    if isinstance(error, yaml.reader.ReaderError):
        # ``decode`` refuses these characters first; this is the parser's own check.
        line, column = _position(text, _reader_index(text, error.position))
        code = error.character if isinstance(error.character, int) else ord(error.character)
        message = f"invalid YAML: character U+{code:04X} is not allowed"
        return DataError.single(path, message, line=line, column=column)
    return DataError.single(path, "invalid YAML: " + " ".join(str(error).split()))


def _reader_index(text: str, position: int) -> int:
    """The index in ``text`` of a reader error's position: libyaml counts UTF-8 bytes."""
    if _Parser is yaml.SafeLoader:
        return min(position, len(text))
    return len(text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore"))


def read(path: Path) -> Node | None:
    """Read, decode and parse one data file."""
    return parse(path, decode(path, read_bytes(path)))


def _refuse(path: Path, event: yaml.Event, message: str) -> DataError:
    mark = event.start_mark
    if mark is None:  # pragma: no cover - both parsers mark every event
        return DataError.single(path, message)
    return DataError.single(path, message, line=mark.line + 1, column=mark.column + 1)


def _build(path: Path, loader: yaml.SafeLoader) -> Node | None:
    """Assemble nodes from parser events; the hot loop of every cold load, so kept flat."""
    get_event = loader.get_event
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    root: Node | None = None
    stack: list[Mapping | Sequence] = []
    parent: Mapping | Sequence | None = None
    pending_key: Scalar | None = None
    pending_keys: list[Scalar | None] = []
    documents = 0
    while True:
        event = get_event()  # type: ignore[no-untyped-call]
        kind = type(event)
        node: Node
        if kind is scalar_event:
            if event.anchor is not None or (event.tag is not None and event.tag not in _PLAIN_TAGS):
                _check_anchor_and_tag(path, event)
            mark = event.start_mark
            # Plain and untagged: PyYAML's parser gives a plain scalar the style None, libyaml "".
            node = Scalar(event.value, mark.line + 1, mark.column + 1, not event.style and event.tag is None)
        elif kind in ends:
            stack.pop()
            pending_keys.pop()
            parent = stack[-1] if stack else None
            pending_key = pending_keys[-1] if pending_keys else None
            continue
        elif kind is mapping_start or kind is sequence_start:
            _check_anchor_and_tag(path, event)
            mark = event.start_mark
            node = (
                Mapping(mark.line + 1, mark.column + 1)
                if kind is mapping_start
                else Sequence(mark.line + 1, mark.column + 1)
            )
        elif kind is yaml.StreamEndEvent:
            return root
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _refuse(path, event, "holds more than one YAML document ('---'); use one")
            continue
        elif kind is yaml.AliasEvent:
            raise _refuse(path, event, f"YAML aliases (*{event.anchor}) are not allowed")
        else:
            continue

        if parent is None:
            root = node
        elif type(parent) is Sequence:
            parent.items.append(node)
        else:
            mapping = cast(Mapping, parent)
            if pending_key is None:
                if type(node) is not Scalar:
                    raise _refuse(path, event, "a mapping key must be plain text")
                key = node
                if key.text in mapping.items:
                    first = mapping.items[key.text][0]
                    raise _refuse(
                        path, event, f"key {key.text!r} is given twice (first at line {first.line})"
                    )
                pending_key = key
                pending_keys[-1] = key
                continue
            mapping.items[pending_key.text] = (pending_key, node)
            pending_key = None
            pending_keys[-1] = None
        if type(node) is not Scalar:
            if len(stack) >= MAX_DEPTH:
                raise _refuse(path, event, f"nesting is deeper than {MAX_DEPTH} levels")
            container = cast(Mapping | Sequence, node)
            stack.append(container)
            pending_keys.append(None)
            parent = container
            pending_key = None


def _check_anchor_and_tag(path: Path, event: yaml.NodeEvent) -> None:
    if event.anchor is not None:
        raise _refuse(path, event, f"YAML anchors (&{event.anchor}) are not allowed")
    tag = getattr(event, "tag", None)
    if tag is not None and tag not in _PLAIN_TAGS and tag not in ("!", "?"):
        raise _refuse(path, event, f"YAML tag {tag!r} is not allowed")
