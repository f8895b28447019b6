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

import yaml

from .errors import DataError

#: Largest data file read; a larger one is refused before it is read.
MAX_FILE_BYTES = 128 * 1024 * 1024
#: Deepest nesting accepted; the record schema needs five levels.
MAX_DEPTH = 32

_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_Parser = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class Scalar:
    text: str
    line: int
    column: int
    plain: bool

    @property
    def is_null(self) -> bool:
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
        info = os.stat(path)
    except OSError as error:
        raise DataError.single(path, f"cannot read: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise DataError.single(path, "is a directory, not a data file")
    if not stat.S_ISREG(info.st_mode):
        raise DataError.single(path, "is not a regular file (a device, FIFO or socket?)")
    if info.st_size > MAX_FILE_BYTES:
        raise DataError.single(
            path, f"is {info.st_size:,} bytes; data files may be at most {MAX_FILE_BYTES:,} bytes"
        )
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise DataError.single(path, f"cannot read: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DataError.single(path, f"is larger than {MAX_FILE_BYTES:,} bytes")
    return data


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
        line = text.count("\n", 0, bad.start()) + 1
        column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
        raise DataError.single(
            path, f"control character U+{ord(bad.group()):04X} is not allowed", line=line, column=column
        )
    return text


def parse(path: Path, text: str) -> Node | None:
    """Build the node tree of a single-document YAML text; ``None`` for an empty file."""
    loader = _Parser(text)
    try:
        return _build(path, loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise DataError.single(
            path,
            f"invalid YAML: {problem}",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as error:
        raise DataError.single(path, f"invalid YAML: {error}") from None
    finally:
        loader.dispose()


def read(path: Path) -> Node | None:
    """Read, decode and parse one data file."""
    return parse(path, decode(path, read_bytes(path)))


def _refuse(path: Path, event: yaml.Event, message: str) -> DataError:
    mark = event.start_mark
    if mark is None:  # pragma: no cover - both parsers mark every event
        return DataError.single(path, message)
    return DataError.single(path, message, line=mark.line + 1, column=mark.column + 1)


def _build(path: Path, loader: yaml.SafeLoader) -> Node | None:
    root: Node | None = None
    stack: list[Mapping | Sequence] = []
    pending_keys: list[Scalar | None] = []
    documents = 0
    while True:
        event: yaml.Event = loader.get_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.StreamEndEvent):
            return root
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise _refuse(path, event, "holds more than one YAML document ('---'); use one")
            continue
        if isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
            continue
        if isinstance(event, yaml.AliasEvent):
            raise _refuse(path, event, f"YAML aliases (*{event.anchor}) are not allowed")
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            stack.pop()
            pending_keys.pop()
            continue
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _refuse(path, event, f"YAML anchors (&{anchor}) are not allowed")
        tag = getattr(event, "tag", None)
        if tag is not None and tag not in _PLAIN_TAGS and tag not in ("!", "?"):
            raise _refuse(path, event, f"YAML tag {tag!r} is not allowed")
        line, column = (
            (event.start_mark.line + 1, event.start_mark.column + 1) if event.start_mark else (0, 0)
        )
        node: Node
        if isinstance(event, yaml.ScalarEvent):
            node = Scalar(event.value, line, column, event.style is None)
        elif isinstance(event, yaml.MappingStartEvent):
            node = Mapping(line, column)
        elif isinstance(event, yaml.SequenceStartEvent):
            node = Sequence(line, column)
        else:  # pragma: no cover - the parser emits no other event kinds
            raise _refuse(path, event, f"unexpected YAML event {type(event).__name__}")

        if not stack:
            root = node
        else:
            parent = stack[-1]
            if isinstance(parent, Sequence):
                parent.items.append(node)
            else:
                key = pending_keys[-1]
                if key is None:
                    if not isinstance(node, Scalar):
                        raise _refuse(path, event, "a mapping key must be plain text")
                    if node.text in parent.items:
                        first = parent.items[node.text][0]
                        raise _refuse(
                            path,
                            event,
                            f"key {node.text!r} is given twice (first at line {first.line})",
                        )
                    pending_keys[-1] = node
                else:
                    parent.items[key.text] = (key, node)
                    pending_keys[-1] = None
        if isinstance(node, (Mapping, Sequence)):
            if len(stack) >= MAX_DEPTH:
                raise _refuse(path, event, f"nesting is deeper than {MAX_DEPTH} levels")
            stack.append(node)
            pending_keys.append(None)
