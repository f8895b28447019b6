"""An export's rows as text: the CSV read as it streams, and read by byte offset in chunks
so that two processes can share a large file (``exports``)."""

from __future__ import annotations

import csv
import os
import re
import stat
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO

from ..errors import DataError
from ..folder import open_nonblocking
from ._rows import Header, sniff


def read_rows(path: Path) -> tuple[Header, Generator[tuple[int, list[str]], None, None]]:
    """The header, read now (so a file of the wrong kind fails at once), and a stream of
    (line the row starts on, its cells) for the rest, the hashtag row of an HDX copy skipped.

    The stream yields a row whose width differs from the header's as it is; the
    caller reports it. A file that breaks off (bad encoding, a quote never closed)
    raises a DataError at its line.
    """
    try:
        # Non-blocking, so that a FIFO cannot hang the open; fstat then checks what was opened.
        handle = open(path, "rb", opener=open_nonblocking)  # noqa: SIM115 (the stream closes it)
    except IsADirectoryError:
        raise DataError.single(path, "is a directory, not an export") from None
    except OSError as error:
        raise DataError.single(path, f"cannot be read: {error.strerror or error}") from None
    try:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise DataError.single(path, "is not a regular file (a device, FIFO or socket?)")
        lines = _stream(path, handle)
        first = next(lines, None)
        if first is None:
            raise DataError.single(path, "is empty; an export starts with its header row", line=1)
        header = sniff(first[1], path)
    except BaseException:
        handle.close()
        raise
    return header, _skip_hashtags(lines)


def _stream(path: Path, handle: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    with handle:
        counter = _Decoded(path, handle)
        reader = csv.reader(counter, strict=True)
        while (row := _next_row(path, counter, reader)) is not None:
            yield row


def _next_row(path: Path, counter: _Decoded, reader: Iterator[list[str]]) -> tuple[int, list[str]] | None:
    """The next row (the line it starts on, its cells), None at the end of the file; a file
    that breaks off raises a DataError at its line."""
    while True:
        start = counter.line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            raise DataError.single(path, f"is not valid CSV: {error}", line=start) from None
        if cells:  # a blank line, such as a trailing one, holds no row
            return start, cells


class _Decoded:
    """The file's lines as text, decoded one at a time so that bad bytes are reported at
    their own line (a text stream decodes ahead, in blocks); ``line`` counts them."""

    def __init__(self, path: Path, handle: IO[bytes]) -> None:
        self.path = path
        self.handle = handle
        self.line = 0

    def __iter__(self) -> _Decoded:
        return self

    def __next__(self) -> str:
        raw = self.handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            raise StopIteration
        self.line += 1
        if len(raw) > MAX_LINE_BYTES:
            raise DataError.single(
                self.path, f"has a line longer than {MAX_LINE_BYTES:,} bytes", line=self.line
            )
        if self.line == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError.single(self.path, "is not UTF-8 text", line=self.line) from None


#: No row of an export comes near this; a file without line breaks is not one.
MAX_LINE_BYTES = 1 << 20
_HASHTAG = re.compile(r"#[A-Za-z][\w+-]*")


def _skip_hashtags(
    lines: Iterator[tuple[int, list[str]]],
) -> Generator[tuple[int, list[str]], None, None]:
    first = next(lines, None)
    if first is None:
        return
    if not _hashtags(*first):
        yield first
    yield from lines


def _hashtags(line: int, cells: list[str]) -> bool:
    """Whether a row is the hashtag row an HDX copy has below its header."""
    return (
        line == 2
        and any(cells)
        and all(_HASHTAG.fullmatch(cell.strip()) or not cell.strip() for cell in cells)
    )


#: Rows as ``RowsAt.chunk`` reads them: each row, with the problem the file broke off with, if it did.
Chunk = tuple[list[tuple[int, list[str]]], DataError | None]


class RowsAt:
    """An export's rows (as ``read_rows`` streams them, header and hashtag row left out),
    read a chunk at a time from wherever ``seek`` puts it: where a chunk ends (``at``) is
    where the next starts, so two processes can each read their own chunks of one file
    (``exports``). ``read_rows`` must have read the header first."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.counter = _Decoded(path, open(path, "rb", opener=open_nonblocking))  # noqa: SIM115 (closed by close)
        self.reader = csv.reader(self.counter, strict=True)
        self.chunk(1)  # the header
        after = self.at
        rows, _broken = self.chunk(1)
        if not (rows and _hashtags(*rows[0])):
            self.seek(*after)

    def __enter__(self) -> RowsAt:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.counter.handle.close()

    @property
    def at(self) -> tuple[int, int]:
        """The byte offset of the next row, and the number of lines before it."""
        return self.counter.handle.tell(), self.counter.line

    def seek(self, offset: int, line: int) -> None:
        """Read on from ``offset`` (where a row starts: an ``at`` of this file), after ``line`` lines."""
        self.counter.handle.seek(offset)
        self.counter.line = line

    def chunk(self, count: int) -> Chunk:
        """The next ``count`` rows (fewer at the end of the file, or where it breaks off)."""
        rows: list[tuple[int, list[str]]] = []
        try:
            while len(rows) < count and (row := _next_row(self.path, self.counter, self.reader)) is not None:
                rows.append(row)
        except DataError as error:
            return rows, error
        return rows, None

    def skip(self, count: int) -> None:
        """Pass over ``count`` rows without reading their cells: a row ends at the end of a
        line with an even number of quotes since it began. Right for any file a CSV writer
        made; where a stray quote misleads it, the next row read does not start where the
        other process's chunk did, which that process sees (``exports``)."""
        handle, line, rows, quotes = self.counter.handle, self.counter.line, 0, 0
        while rows < count:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            line += 1
            quotes += raw.count(b'"')
            if quotes % 2 == 0:
                rows += 1 if raw.rstrip(b"\r\n") or quotes else 0
                quotes = 0
        self.counter.line = line
