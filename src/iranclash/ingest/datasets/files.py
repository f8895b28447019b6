"""An export's rows as text, in whichever form it was downloaded: CSV separated by commas,
tabs or semicolons (a spreadsheet's save), in UTF-8 or Windows-1252 (old ACLED files),
plain or inside a zip (UCDP's downloads); or the JSON the ACLED and UCDP APIs answer with.

``read_rows`` tells the form from the file's first bytes, not from its name, sniffs the
header and streams the rest; ``RowsAt`` reads a plain CSV file by byte offset, so that two
processes can share a large one (``exports``). Nothing is extracted to disk. What was done
that a person should know (the delimiter, the zip member, lines read as Windows-1252) is
said once for the file, as a note of its ``Account``.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import os
import re
import stat
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from iranclash.core.errors import DataError, Problem
from iranclash.ingest.datasets.account import Account, SetAside
from iranclash.ingest.datasets.rows import Header, Row, Schema, sniff
from iranclash.ingest.folder import open_nonblocking

if TYPE_CHECKING:
    import zipfile

#: No row of an export comes near this; a file without line breaks is not one.
MAX_LINE_BYTES = 1 << 20
#: JSON is read whole (the standard library parses no JSON as a stream). An API's answer
#: is tens of MiB; this much already takes gigabytes as Python objects.
MAX_JSON_BYTES = 512 << 20
#: A zip member that would unpack to more than this, or to more than ``MAX_RATIO`` times
#: its packed size (CSV packs about 5 to 10 times), is not read: a zip bomb, not an export.
MAX_MEMBER_BYTES = 16 << 30
MAX_RATIO = 100
#: The reason a row the csv module cannot parse is set aside under.
NOT_CSV = "not valid CSV"
#: The delimiters a header is tried with, in this order, and their names in the file note.
DELIMITERS = {",": "comma", "\t": "tab", ";": "semicolon"}

_BOM = b"\xef\xbb\xbf"
_HASHTAG = re.compile(r"#[A-Za-z][\w+-]*")
Note = Callable[[str], None]


@dataclass
class Recoded:
    """Lines that were not UTF-8 and were read as Windows-1252: how many, and the first."""

    count: int = 0
    first: int = 0

    def add(self, other: Recoded) -> None:
        if other.count:
            self.first = min(self.first, other.first) if self.count else other.first
            self.count += other.count

    def note(self) -> str | None:
        """The file note that says so, if any line was."""
        if not self.count:
            return None
        if self.count == 1:
            return f"1 line not UTF-8, read as Windows-1252 (line {self.first})"
        return f"{self.count:,} lines not UTF-8, read as Windows-1252 (first at line {self.first})"


def read_rows(path: Path, account: Account | None = None) -> tuple[Header, Generator[Row, None, None]]:
    """The header, read now (so a file of the wrong kind fails at once), and a stream of the
    rest: each row as (the line it starts on, its cells), or set aside (``SetAside``, reason
    ``NOT_CSV``) where the csv module cannot parse it, the reading going on at the next line.
    The hashtag row of an HDX copy is left out.

    The form is told from the first bytes: a zip (its CSV member read in place), JSON (an
    ACLED or UCDP API answer, or a list of records: each record a row, numbered from 1 in
    place of a line), else CSV, with the delimiter its header is found with. A line that is
    not UTF-8 is read as Windows-1252. Each of these is said to ``account``
    (``Account.file_note``): the form at once, the lines read as Windows-1252 when the stream
    ends (not when it is closed before).

    The stream yields a row whose width differs from the header's as it is; the caller
    reports it. A file that truly breaks off (a line longer than ``MAX_LINE_BYTES``, a
    damaged zip) raises a DataError at its line.
    """
    note = account.file_note if account is not None else _unsaid
    closing = contextlib.ExitStack()
    try:
        handle = closing.enter_context(_opened(path))
        head = handle.read(4096)
        handle.seek(0)
        if not head:
            raise DataError.single(path, "is empty; an export starts with its header row", line=1)
        if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
            return _zip_rows(path, handle, closing, note)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataError.single(
                path, "is UTF-16 text (a spreadsheet's 'Unicode text'); save it as CSV in UTF-8", line=1
            )
        if head.removeprefix(_BOM).lstrip(b" \t\r\n").startswith((b"{", b"[")):
            with closing:
                return _json_rows(path, handle, note)
        return _csv_rows(path, _Decoded(path, handle), closing, note, by_offset=True)
    except BaseException:
        closing.close()
        raise


def _opened(path: Path) -> IO[bytes]:
    try:
        # Non-blocking, so that a FIFO cannot hang the open; fstat then checks what was opened.
        handle = open(path, "rb", opener=open_nonblocking)  # noqa: SIM115 (the caller closes it)
    except IsADirectoryError:
        raise DataError.single(path, "is a directory, not an export") from None
    except OSError as error:
        raise DataError.single(path, f"cannot be read: {error.strerror or error}") from None
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise DataError.single(path, "is not a regular file (a device, FIFO or socket?)")
    return handle


def _unsaid(_text: str) -> None:
    pass


# --- CSV ----------------------------------------------------------------------------------


def _csv_rows(
    path: Path, counter: _Decoded, closing: contextlib.ExitStack, note: Note, *, by_offset: bool
) -> tuple[Header, Generator[Row, None, None]]:
    first = _header_line(counter)
    if first is None:
        raise DataError.single(path, "is empty; an export starts with its header row", line=1)
    header = dataclasses.replace(_sniffed(path, first), by_offset=by_offset)
    if header.delimiter != ",":
        note(f"read as {DELIMITERS[header.delimiter]}-separated")
    reader = csv.reader(counter, delimiter=header.delimiter, strict=True)
    stream = _stream(path, counter, reader, closing, note)
    # Begun now, so that a stream dropped unread closes the file (its with-block has begun).
    return header, _after(next(stream, None), stream)


def _header_line(counter: _Decoded) -> str | None:
    """The first line that is not blank: the header's."""
    for line in counter:
        if line.rstrip("\r\n"):
            return line
    return None


def _sniffed(path: Path, line: str) -> Header:
    """The header a line holds, split by the first delimiter that makes it an export's; else
    the refusal of the delimiter that splits it most (the comma's, where none splits it)."""
    refusals: list[tuple[int, DataError]] = []
    for delimiter in DELIMITERS:
        try:
            names = next(csv.reader([line], delimiter=delimiter))
        except csv.Error:
            names = [line]
        try:
            return dataclasses.replace(sniff(names, path), delimiter=delimiter)
        except DataError as error:
            refusals.append((len(names), error))
    raise max(refusals, key=lambda refusal: refusal[0])[1]


def _stream(
    path: Path, counter: _Decoded, reader: Iterator[list[str]], closing: contextlib.ExitStack, note: Note
) -> Generator[Row, None, None]:
    with closing:
        try:
            while (row := _next_row(path, counter, reader)) is not None:
                yield row
        except DataError:
            _say(note, counter.recoded)
            raise
        _say(note, counter.recoded)


def _after(first: Row | None, stream: Generator[Row, None, None]) -> Generator[Row, None, None]:
    if first is not None and not _hashtags(first):
        yield first
    yield from stream


def _say(note: Note, recoded: Recoded) -> None:
    text = recoded.note()
    if text is not None:
        note(text)


def _next_row(path: Path, counter: _Decoded, reader: Iterator[list[str]]) -> Row | None:
    """The next row, None at the end of the file. A row the csv module cannot parse (a stray
    quote) is set aside as its first line, and the lines after that are read again; a file
    that breaks off raises a DataError at its line."""
    while True:
        counter.taken.clear()
        start = counter.line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            counter.read_again(start)
            return SetAside(Problem(path, f"is not valid CSV: {error}", start), NOT_CSV)
        if cells:  # a blank line, such as a trailing one, holds no row
            return start, cells


def _hashtags(row: Row) -> bool:
    """Whether a row is the hashtag row an HDX copy has below its header (after the number
    a leading index column gives it, where pandas saved the copy again)."""
    if isinstance(row, SetAside):
        return False
    line, cells = row
    if cells and cells[0].strip().isdigit():
        cells = cells[1:]
    return (
        line == 2
        and any(cells)
        and all(_HASHTAG.fullmatch(cell.strip()) or not cell.strip() for cell in cells)
    )


class _Decoded:
    """The file's lines as text, each decoded alone (a text stream decodes ahead, in blocks),
    as UTF-8 or else as Windows-1252 (counted in ``recoded``): so a line reads the same
    whichever process reads it. ``line`` counts them. The lines of the row being read are
    kept (``taken``), so that a row the csv module cannot parse gives up its first line
    alone and the others are read again (``again``, the next one last). ``breaks`` are the
    errors of reading on that end the file (a damaged zip)."""

    def __init__(self, path: Path, handle: IO[bytes], breaks: tuple[type[Exception], ...] = ()) -> None:
        self.path = path
        self.handle = handle
        self.breaks = breaks
        self.line = 0
        self.recoded = Recoded()
        #: The last line counted in ``recoded``: one read again after a seek is not counted again.
        self.counted = 0
        #: The lines of the row being read, and those to read again, as they are in the file.
        self.taken: list[bytes] = []
        self.again: list[bytes] = []

    def __iter__(self) -> _Decoded:
        return self

    def __next__(self) -> str:
        if self.again:
            raw = self.again.pop()
        else:
            try:
                raw = self.handle.readline(MAX_LINE_BYTES + 1)
            except self.breaks as error:
                raise DataError.single(self.path, f"cannot be read on: {error}", line=self.line + 1) from None
            if not raw:
                raise StopIteration
            if len(raw) > MAX_LINE_BYTES:
                raise DataError.single(
                    self.path, f"has a line longer than {MAX_LINE_BYTES:,} bytes", line=self.line + 1
                )
        self.line += 1
        self.taken.append(raw)  # the bytes, not the text: keeping the text costs 10% of the reading
        if self.line == 1 and raw.startswith(_BOM):
            raw = raw[3:]
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            if self.line > self.counted:
                self.counted = self.line
                self.recoded.add(Recoded(1, self.line))
            return raw.decode("cp1252", "replace")  # the five bytes cp1252 leaves undefined: U+FFFD

    def read_again(self, start: int) -> None:
        """Read again the lines of the row begun at line ``start``, but its first."""
        self.again.extend(reversed(self.taken[1:]))
        self.taken.clear()
        self.line = start

    def rewound(self) -> int:
        """The bytes of the lines to read again: how far before the file's position the next line is."""
        return sum(len(raw) for raw in self.again)


#: Rows as ``RowsAt.chunk`` reads them: each row, with the problem the file broke off with, if it did.
Chunk = tuple[list[Row], DataError | None]


class RowsAt:
    """The rows of a plain CSV export (as ``read_rows`` streams them, header and hashtag row
    left out), read a chunk at a time from wherever ``seek`` puts it: where a chunk ends
    (``at``) is where the next starts, so two processes can each read their own chunks of
    one file (``exports``). ``header`` is the one ``read_rows`` read (its delimiter is used);
    a zip's member or a JSON file (``header.by_offset`` false) is not read this way."""

    def __init__(self, path: Path, header: Header) -> None:
        if not header.by_offset:
            raise ValueError(f"{path} is not a plain CSV file: its rows have no byte offsets")
        self.path = path
        self.counter = _Decoded(path, open(path, "rb", opener=open_nonblocking))  # noqa: SIM115 (closed by close)
        self.reader = csv.reader(self.counter, delimiter=header.delimiter, strict=True)
        _header_line(self.counter)
        after = self.at
        rows, _broken = self.chunk(1)
        if not (rows and _hashtags(rows[0])):
            self.seek(*after)

    def __enter__(self) -> RowsAt:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.counter.handle.close()

    @property
    def at(self) -> tuple[int, int]:
        """The byte offset of the next row, and the number of lines before it."""
        return self.counter.handle.tell() - self.counter.rewound(), self.counter.line

    def seek(self, offset: int, line: int) -> None:
        """Read on from ``offset`` (where a row starts: an ``at`` of this file), after ``line`` lines."""
        self.counter.handle.seek(offset)
        self.counter.line = line
        self.counter.again.clear()
        self.counter.taken.clear()

    def chunk(self, count: int) -> Chunk:
        """The next ``count`` rows (fewer at the end of the file, or where it breaks off)."""
        rows: list[Row] = []
        try:
            while len(rows) < count and (row := _next_row(self.path, self.counter, self.reader)) is not None:
                rows.append(row)
        except DataError as error:
            return rows, error
        return rows, None

    def recoded(self) -> Recoded:
        """The lines read as Windows-1252 since this was last asked (the first time, since
        this was made: the header's too). Each line is counted once, however often read."""
        taken, self.counter.recoded = self.counter.recoded, Recoded()
        return taken

    def skip(self, count: int) -> None:
        """Pass over ``count`` rows without reading their cells: a row ends at the end of a
        line with an even number of quotes since it began. Right for any file a CSV writer
        made; where a stray quote misleads it, the next row read does not start where the
        other process's chunk did, which that process sees (``exports``)."""
        if self.counter.again:
            self.seek(*self.at)
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


# --- zip ----------------------------------------------------------------------------------


def _zip_rows(
    path: Path, handle: IO[bytes], closing: contextlib.ExitStack, note: Note
) -> tuple[Header, Generator[Row, None, None]]:
    """The rows of the one CSV file a zip holds (or of the one, among several, that is an
    export), read from the zip as they unpack."""
    import zipfile

    try:
        archive = closing.enter_context(zipfile.ZipFile(handle))
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
        raise DataError.single(path, f"is not a zip file that can be read ({error})") from None
    tables = [info for info in archive.infolist() if _is_table(info)]
    if not tables:
        held = _listed([info.filename for info in archive.infolist() if not info.is_dir()])
        raise DataError.single(
            path, f"is a zip holding no CSV file ({f'it holds {held}' if held else 'it is empty'})"
        )
    chosen = tables[0]
    if len(tables) > 1:
        exports = [info for info in tables if _member_is_export(path, archive, info)]
        if len(exports) != 1:
            names = _listed([info.filename for info in tables])
            which = "none is an export" if not exports else f"{len(exports)} are exports"
            raise DataError.single(
                path,
                f"is a zip holding {len(tables)} CSV files ({names}) and {which}: "
                "unzip the one to read into the folder",
            )
        chosen = exports[0]
    name = _shown(chosen.filename)
    counter = _Decoded(path, closing.enter_context(_member(path, archive, chosen)), _zip_breaks())
    note(f"read from {name} in the zip")
    try:
        return _csv_rows(path, counter, closing, note, by_offset=False)
    except DataError as error:
        named = [problem._replace(message=f"{name}: {problem.message}") for problem in error.problems]
        raise DataError(named) from None


def _is_table(info: zipfile.ZipInfo) -> bool:
    base = info.filename.rsplit("/", 1)[-1]
    return (
        not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not base.startswith("._")
        and base.lower().endswith((".csv", ".tsv", ".txt"))
    )


def _member(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> IO[bytes]:
    """A member opened to read as it unpacks, unless it is encrypted or unpacks to too much."""
    import zipfile

    name = _shown(info.filename)
    if info.flag_bits & 0x1:
        raise DataError.single(path, f"{name} in the zip is encrypted; unzip it into the folder")
    large = info.file_size > MAX_MEMBER_BYTES
    if large or (info.file_size > 1 << 20 and info.file_size > MAX_RATIO * info.compress_size):
        raise DataError.single(
            path,
            f"{name} in the zip would unpack to {info.file_size:,} bytes from {info.compress_size:,}: "
            "not an export's size, so it is not read",
        )
    try:
        return archive.open(info)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as error:
        raise DataError.single(path, f"{name} in the zip cannot be read ({error})") from None


def _member_is_export(path: Path, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    try:
        with _member(path, archive, info) as handle:
            line = _header_line(_Decoded(path, handle, _zip_breaks()))
            return line is not None and bool(_sniffed(path, line))
    except DataError:
        return False


def _zip_breaks() -> tuple[type[Exception], ...]:
    """The errors of damaged data: a bad CRC at the end, bad deflate data (bzip2's is an
    OSError), a member cut short, bad LZMA data (where Python has lzma)."""
    import zipfile
    import zlib

    breaks: list[type[Exception]] = [zipfile.BadZipFile, zlib.error, EOFError, OSError]
    with contextlib.suppress(ImportError):
        import lzma

        breaks.append(lzma.LZMAError)
    return tuple(breaks)


def _listed(names: list[str], most: int = 5) -> str:
    shown = ", ".join(_shown(name) for name in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _shown(name: str) -> str:
    """A name from a zip, as it can be printed on one line."""
    return name if name.isprintable() else repr(name)


# --- JSON ---------------------------------------------------------------------------------


def _json_rows(path: Path, handle: IO[bytes], note: Note) -> tuple[Header, Generator[Row, None, None]]:
    """The records of an API's answer as rows: the first record's keys are the header."""
    size = os.fstat(handle.fileno()).st_size
    if size > MAX_JSON_BYTES:
        raise DataError.single(
            path,
            f"is {size / 2**20:,.0f} MiB of JSON, more than the {MAX_JSON_BYTES >> 20} MiB read whole; "
            "save its records as CSV, or in several files",
        )
    # Read whole: an API's answer is tens of MiB (see MAX_JSON_BYTES).
    data = _parsed(path, handle.read(), note)
    if isinstance(data, dict) and data.get("success") is False:
        said = json.dumps(data.get("error") or data.get("message"), ensure_ascii=False)
        raise DataError.single(path, f"is an ACLED API answer saying the request failed: {said[:200]}")
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        records, form, schema = data["data"], "ACLED API JSON", Schema.ACLED
    elif isinstance(data, dict) and isinstance(data.get("Result"), list):
        records, form, schema = data["Result"], "UCDP API JSON", Schema.UCDP_GED
    elif isinstance(data, list):
        records, form, schema = data, "a JSON list of records", None
    else:
        raise DataError.single(
            path,
            'is JSON, but neither an ACLED API answer ({"data": [...]}), a UCDP API answer '
            '({"Result": [...]}) nor a list of records',
        )
    if not records:
        if schema is None:
            raise DataError.single(path, "is an empty JSON list: no record says which dataset it is")
        names = list(schema.columns)
    elif isinstance(records[0], dict):
        names = [str(name) for name in records[0]]
    else:
        raise DataError.single(path, f"record 1 is {_kind(records[0])}, not a record (a JSON object)")
    header = dataclasses.replace(sniff(names, path), by_offset=False)
    plural = "" if len(records) == 1 else "s"
    said = f"read from {form}: {len(records):,} record{plural}, numbered from 1 in place of lines"
    total = data.get("TotalCount") if isinstance(data, dict) else None
    if isinstance(total, int) and total > len(records):
        said += f" (the API counts {total:,}: the others are on its other pages)"
    note(said)
    return header, _records(path, names, records)


def _parsed(path: Path, raw: bytes, note: Note) -> object:
    try:
        return _loaded(path, raw)
    except UnicodeDecodeError:
        pass
    note("not UTF-8, read as Windows-1252")
    return _loaded(path, raw.removeprefix(_BOM).decode("cp1252", "replace"))


def _loaded(path: Path, text: bytes | str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise DataError.single(
            path, f"is not valid JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    except UnicodeDecodeError:
        raise
    except (ValueError, RecursionError) as error:
        raise DataError.single(path, f"is not valid JSON: {error}") from None


def _records(path: Path, names: list[str], records: list[object]) -> Generator[Row, None, None]:
    for number, record in enumerate(records, start=1):
        if isinstance(record, dict):
            yield number, [_cell(record.get(name)) for name in names]
        else:
            problem = Problem(path, f"is {_kind(record)}, not a record (a JSON object)", number)
            yield SetAside(problem, "not a record")


def _cell(value: object) -> str:
    """A JSON value as the cell a CSV export writes: null empty, numbers as Python writes
    them (a whole number as ``3``, or ``3.0`` which the cells read as 3)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def _kind(value: object) -> str:
    kinds = {list: "a list", str: "a string", bool: "true or false", int: "a number", float: "a number"}
    return "null" if value is None else kinds.get(type(value), "a value")
