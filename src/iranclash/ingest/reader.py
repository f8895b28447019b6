"""Read one YAML file strictly into positioned nodes, one top-level item at a time.

PyYAML's loaders build Python objects from whatever a file asks for: tags, anchors
that expand into alias bombs, duplicate keys where the last silently wins, and
YAML 1.1 guesses (``NO`` is false, ``012`` is octal). This reader takes only the
parser's events and keeps every scalar as text, so the schema in ``load`` decides
each field's type, and everything else is refused with its line and column.

A data file is read in chunks as the parser asks for them, and the items of its
top-level list are handed on as each is complete, so that neither the file nor
its node tree is ever held whole: memory stays that of one record at any size.
The problems are still those of the whole file, ranked as if it had been checked
before parsing (see :class:`Text`).
"""

from __future__ import annotations

import codecs
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

import yaml

from iranclash.core.errors import DataError
from iranclash.ingest.folder import open_nonblocking

#: Largest data file read; a larger one is refused before it is read.
MAX_FILE_BYTES = 128 * 1024 * 1024
#: Deepest nesting accepted; the record schema needs five levels.
MAX_DEPTH = 32
#: Bytes read at a time: what the parser holds of a file.
CHUNK_BYTES = 1 << 16

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


@contextmanager
def opened(path: Path) -> Iterator[Text]:
    """A regular data file of bounded size, opened for :func:`nodes`; devices, FIFOs and
    directories are refused unopened."""
    try:
        _check_kind(path, os.stat(path))
        # Non-blocking, so that a file swapped for a FIFO after the check cannot hang the
        # open; fstat then checks what was actually opened.
        handle = open(path, "rb", opener=open_nonblocking)  # noqa: SIM115 (closed below)
    except (OSError, ValueError) as error:
        raise DataError.single(path, f"cannot read: {_reason(error)}") from None
    with handle:
        try:
            _check_kind(path, os.fstat(handle.fileno()))
        except OSError as error:
            raise DataError.single(path, f"cannot read: {_reason(error)}") from None
        yield Text(path, handle)


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


class Text:
    """A data file as the parser reads it: decoded chunk by chunk and checked on the way
    (UTF-8 only, a byte-order mark accepted, no control characters), and hashed.

    A problem ends the text the parser sees. The problem reported is the one a check of
    the whole file before parsing would find: a read failure or a file grown past the
    limit, else the first invalid UTF-8, else the first forbidden character, else what the
    parser found; so after a problem :meth:`first` still reads the rest of the file.
    """

    def __init__(self, path: Path, handle: BinaryIO) -> None:
        self.path = path
        self.handle = handle
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        import hashlib  # 2 ms of start-up; only a build reads data files

        self.digest = hashlib.sha256()
        self.size = 0
        #: Line breaks in the bytes before the current chunk, for the line of invalid UTF-8.
        self.byte_lines = 0
        #: Line breaks in the text before the current chunk, and the characters after the last.
        self.lines = 0
        self.column = 0
        self.started = False
        self.ended = False
        self.fatal: DataError | None = None
        self.forbidden: DataError | None = None

    def read(self, size: int = -1) -> str:
        """The next chunk of text for the parser (``size`` is a hint; "" at the end)."""
        while not self.ended and self.forbidden is None and self.fatal is None:
            text = self._next_chunk(check_characters=True)
            if text:
                return text
        return ""

    def first(self, problem: DataError) -> DataError:
        """The problem to report when the parser (or the reader) found ``problem``: the
        text's own, if the rest of the file has one."""
        self._read_rest()
        return self.fatal or self.forbidden or problem

    def finish(self) -> None:
        """Read what the parser did not, and raise the file's problem if it has one."""
        self._read_rest()
        if self.fatal or self.forbidden:
            raise self.fatal or self.forbidden  # type: ignore[misc]

    def _read_rest(self) -> None:
        while not self.ended and self.fatal is None:
            self._next_chunk(check_characters=self.forbidden is None)

    def sha256(self) -> str:
        """The hash of the bytes read: of the whole file, once :meth:`finish` has run."""
        return self.digest.hexdigest()

    def _next_chunk(self, *, check_characters: bool) -> str:
        try:
            data = self.handle.read(CHUNK_BYTES)
        except (OSError, ValueError) as error:
            self.fatal = DataError.single(self.path, f"cannot read: {_reason(error)}")
            return ""
        self.digest.update(data)
        self.size += len(data)
        if self.size > MAX_FILE_BYTES:
            self.fatal = DataError.single(self.path, f"is larger than {MAX_FILE_BYTES:,} bytes")
            return ""
        pending = self.decoder.getstate()[0]
        try:
            text = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            seen = pending + data
            line = self.byte_lines + seen.count(b"\n", 0, error.start) + 1
            offset = self.size - len(seen) + error.start
            message = f"is not valid UTF-8: byte {offset} (0x{seen[error.start]:02x})"
            self.fatal = DataError.single(self.path, message, line=line)
            return ""
        self.byte_lines += data.count(b"\n")
        if not data:
            self.ended = True
        if not self.started and text:
            self.started = True
            text = text.removeprefix("\ufeff")
        if check_characters:
            bad = _FORBIDDEN_CHARS.search(text)
            if bad:
                index = bad.start()
                breaks = text.count("\n", 0, index)
                line = self.lines + breaks + 1
                column = index - (text.rfind("\n", 0, index) + 1) + 1 + (0 if breaks else self.column)
                kind = "control character" if ord(bad.group()) <= 0x9F else "character"
                self.forbidden = DataError.single(
                    self.path, f"{kind} U+{ord(bad.group()):04X} is not allowed", line=line, column=column
                )
                return ""
        breaks = text.count("\n")
        self.lines += breaks
        self.column = len(text) - (text.rfind("\n") + 1) + (0 if breaks else self.column)
        return text


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def nodes(text: Text) -> Iterator[Node]:
    """The top level of a single-document data file as the parser completes it.

    A list comes first (without its items), then each of its items as soon as it is
    complete; any other top level comes whole, once the file is read; nothing comes from
    an empty file. Every problem of the file is raised (as ``DataError``) by the time
    the last node has been taken.
    """
    path = text.path
    try:
        loader = _Parser(text)  # the pure-Python reader reads its first chunk here
    except yaml.YAMLError as error:
        raise text.first(_invalid(path, None, error)) from None
    try:
        built = _nodes(path, loader)
        root = next(built, None)
        if type(root) is Sequence:
            yield root
            yield from built
            text.finish()
        else:
            text.finish()
            if root is not None:
                yield root
    except yaml.YAMLError as error:
        raise text.first(_invalid(path, None, error)) from None
    except DataError as error:
        if error is text.fatal or error is text.forbidden:
            raise
        raise text.first(error) from None
    finally:
        loader.dispose()


def parse(path: Path, text: str) -> Node | None:
    """Build the node tree of a single-document YAML text; ``None`` for an empty file."""
    try:
        loader = _Parser(text)  # the pure-Python reader checks the characters here
    except yaml.YAMLError as error:
        raise _invalid(path, text, error) from None
    try:
        return _whole(_nodes(path, loader))
    except yaml.YAMLError as error:
        raise _invalid(path, text, error) from None
    finally:
        loader.dispose()


def read(path: Path) -> Node | None:
    """Read, check and parse one data file into its whole node tree."""
    with opened(path) as text:
        return _whole(nodes(text))


def _whole(built: Iterator[Node]) -> Node | None:
    root = next(built, None)
    if type(root) is Sequence:
        root.items.extend(built)
    else:
        for _rest in built:  # nothing, but the end of the file is checked
            pass
    return root


def _invalid(path: Path, text: str | None, error: yaml.YAMLError) -> DataError:
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
        code = error.character if isinstance(error.character, int) else ord(error.character)
        message = f"invalid YAML: character U+{code:04X} is not allowed"
        if text is None:  # pragma: no cover - ``Text`` refuses these characters first
            return DataError.single(path, message)
        # This is the parser's own check, reached only by text that ``Text`` did not check.
        line, column = _position(text, _reader_index(text, error.position))
        return DataError.single(path, message, line=line, column=column)
    return DataError.single(path, "invalid YAML: " + " ".join(str(error).split()))


def _reader_index(text: str, position: int) -> int:
    """The index in ``text`` of a reader error's position: libyaml counts UTF-8 bytes."""
    if _Parser is yaml.SafeLoader:
        return min(position, len(text))
    return len(text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore"))


def _refuse(path: Path, event: yaml.Event, message: str) -> DataError:
    mark = event.start_mark
    if mark is None:  # pragma: no cover - both parsers mark every event
        return DataError.single(path, message)
    return DataError.single(path, message, line=mark.line + 1, column=mark.column + 1)


def _nodes(path: Path, loader: yaml.SafeLoader) -> Iterator[Node]:
    """Assemble nodes from parser events (see :func:`nodes` for what comes when); the hot
    loop of every cold load, so kept flat."""
    get_event = loader.get_event
    scalar_event, mapping_start, sequence_start = (
        yaml.ScalarEvent,
        yaml.MappingStartEvent,
        yaml.SequenceStartEvent,
    )
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    root: Node | None = None
    #: The top-level list, whose items are handed on rather than kept.
    top: Sequence | None = None
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
            done = stack.pop()
            pending_keys.pop()
            parent = stack[-1] if stack else None
            pending_key = pending_keys[-1] if pending_keys else None
            if parent is top and parent is not None:
                yield done
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
            if root is not None and top is None:
                yield root
            return
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
            if type(node) is Sequence:
                top = node
                yield node
        elif parent is top:
            if type(node) is Scalar:
                yield node
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
