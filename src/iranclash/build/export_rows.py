"""An export's rows streamed into the store; a large export's shared with a child process.

Converting a row and gathering what the store keeps of it (its JSON, packed, and its
search words) costs about four times what writing it does. Above ``APART_BYTES``,
an export is read in chunks of ``CHUNK_ROWS`` rows: a child forked from the build
converts and gathers most chunks (``store.gather_event``) while this process
converts the others and writes every chunk, in file order. Each process reads only
its own chunks (``datasets.RowsAt``): the child passes over this process's by
counting quotes, and says where each of its own starts and ends, so that this
process takes a chunk only where it starts where the last one ended.

What is stored is what reading the file in one process stores:

- The records several rows name (an actor, a place) are made from the first row that
  names them. The child knows every record read before it was forked; of those its
  own rows name first, this process adds the ones no earlier chunk named, each where
  one process would have, and numbers every event as it goes (``store.FILE_SHIFT``).
- An event's countries are its place's, so the child's events hold the countries of
  the places the child made. Should one read otherwise than the record an earlier
  chunk made (a country written differently, the same once folded into the id), the
  child is stopped and this process reads the rest of the file alone; so it is when
  a chunk of the child's starts elsewhere (a stray quote misled it), or does not come.
- Every row is accounted for (``datasets.Account``): read, read with notes, or set aside
  with its reason, in file order; a row id given twice is found here, and the row that
  repeats it set aside. The child stops at a break in the file (a line without end), and
  this process reads that chunk itself and reports the break. A monadic ACLED export (one
  row per actor, rows joined by id) is read in this process alone.
- Lines read as Windows-1252 are counted once for the file: the child sends its count
  with each chunk, which is added where the chunk is taken.

Only a plain CSV file is shared: a zip's member or a JSON file is read by this process
alone, whatever its size.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from iranclash.build.child import Child, available
from iranclash.core.model import Actor, Place, Source
from iranclash.ingest import datasets
from iranclash.ingest.datasets import Merged, SetAside
from iranclash.ingest.datasets.tally import FirstPlaces, Tell, kept, repeated

if TYPE_CHECKING:
    from iranclash.build.store import Builder, GatheredEvent, PlaceTrail

#: Exports smaller than this are read in this process alone: forking costs more than it saves.
APART_BYTES = 16 * 1024 * 1024
#: Rows a chunk holds: what the child sends at a time.
CHUNK_ROWS = 1000
#: Of each ``PERIOD`` chunks, the ones this process converts (it writes all of them). At
#: 1,000,000 rows on 2 cores, 3 of 8 leave both about as busy (52-55 s of CPU each, two
#: runs); with 2 of 5 the child waited on this process (55-59 s against 52-54 s), with 1 of
#: 3 this process on the child (51-53 s against 55-56 s).
PERIOD = 8
OURS = frozenset({0, 3, 6})

#: One row as the child sends it: set aside, or (line, row id, records it named first in
#: the child's share, the event gathered, the kinds of its notes, its columns written NA).
_Sent = (
    SetAside
    | tuple[int, str, tuple[Source | Actor | Place, ...], "GatheredEvent", tuple[str, ...], tuple[str, ...]]
)


#: What is done with each record the rows name first (``Builder.add``, unless told otherwise).
Named = Callable[[Source | Actor | Place], None]


def read_export(
    path: Path,
    builder: Builder,
    seen: set[str],
    firsts: FirstPlaces,
    tell: Tell,
    named: Named | None = None,
    *,
    reading: Callable[[int, int], None] | None = None,
) -> None:
    """Read every row of the export at ``path`` into ``builder``, each accounted for in ``tell``.

    ``seen`` holds the ids of the records handed out already (``datasets.read``); each
    record the rows name first goes to ``named`` (``partial`` keeps the one an earlier
    build made), else to ``builder``; ``reading`` is told the bytes of the file read and its
    rows accounted for, chunk by chunk, where it is read in chunks; ``account`` is given the
    file's notes (``datasets.read_rows``). Raises ``DataError`` for a file that cannot be read at all,
    or that breaks off (after the rows before the break are read).
    """
    named = named or builder.add
    try:
        size = os.stat(path).st_size
    except OSError:
        size = 0
    header, lines = datasets.read_rows(path, tell.account)
    for note in header.notes:
        tell.account.file_note(note)
    convert = datasets.converter(header)
    # Every note's words are wanted (``told``) only to list them, where one process is
    # plenty; a monadic export's rows are joined by id as they stream, which chunks would
    # cut; a zip's member or a JSON file cannot be read by offset.
    one = not available() or size <= APART_BYTES or tell.told is not None
    if one or header.monadic or not header.by_offset:
        _add(convert(path, header, lines, seen), builder, named, firsts, tell)
        return
    lines.close()  # read_rows has checked the file and its header; chunks are read by offset
    with datasets.RowsAt(path, header) as rows:
        _read_shared(path, header, rows, builder, named, seen, firsts, tell, reading)


#: What the child sends of a chunk: its number, where it starts and ends (``RowsAt.at``),
#: its rows, and its lines read as Windows-1252.
_SentChunk = tuple[int, tuple[int, int], tuple[int, int], list[_Sent], datasets.Recoded]


def _read_shared(
    path: Path,
    header: datasets.Header,
    reading: datasets.RowsAt,
    builder: Builder,
    named: Named,
    seen: set[str],
    firsts: FirstPlaces,
    tell: Tell,
    progress: Callable[[int, int], None] | None,
) -> None:
    """``read_export`` with a child: this process reads its chunks from where the chunk
    before ended, and takes the child's chunk where the child's started there too."""
    convert = datasets.converter(header)
    child: Child[_SentChunk] | None = None
    stopped = False
    index = 0
    recoded = datasets.Recoded()  # of the child's chunks taken; this process's own are reading's
    try:
        while True:
            if progress is not None:
                progress(reading.at[0], tell.account.rows)
            if child is not None and index % PERIOD not in OURS:
                sent = next(child, None)
                if (
                    sent is not None
                    and sent[:2] == (index, reading.at)
                    and _agrees(sent[3], seen, builder.places)
                ):
                    _merge(path, header.schema.dataset, sent[3], builder, named, seen, firsts, tell)
                    recoded.add(sent[4])
                    reading.seek(*sent[2])
                    index += 1
                    continue
                child.close()  # it read otherwise, or no further: this process reads on alone
                child, stopped = None, True
            rows, broken = reading.chunk(CHUNK_ROWS)
            if not rows and broken is None:
                return
            _add(convert(path, header, iter(rows), seen), builder, named, firsts, tell)
            if broken is not None:
                raise broken
            index += 1
            if child is None and not stopped:
                if builder.pack is None:
                    builder.flush()  # the events are packed against a dictionary sampled from the first
                if builder.pack is not None:
                    share = functools.partial(
                        _share, path, header, index, reading.at, seen, builder.places, builder.pack
                    )
                    child = Child(share, 1, f"converting {path}")
    finally:
        if child is not None:
            child.close()
        recoded.add(reading.recoded())
        if (note := recoded.note()) is not None:
            tell.account.file_note(note)


def _add(
    items: Iterable[datasets.Imported | SetAside | Merged],
    builder: Builder,
    named: Named,
    firsts: FirstPlaces,
    tell: Tell,
) -> None:
    """Add rows converted in this process: each event after the records it names first."""
    for item in kept(items, firsts, tell):
        for record in item.new:
            named(record)
        builder.add(item.event, item.row)


def _share(
    path: Path,
    header: datasets.Header,
    start: int,
    at: tuple[int, int],
    seen: set[str],
    places: dict[str, PlaceTrail],
    pack: Callable[[str], bytes],
) -> Iterator[_SentChunk]:  # pragma: no cover - runs in the child, which coverage does not follow
    """The child's share of an export, from chunk ``start`` (at ``at``) on: each chunk it
    converts, its rows gathered; the chunks of the process that forked it are passed over.
    ``seen`` and ``places`` are this process's own copies (it is a fork), from then on
    its own records'."""
    from iranclash.build.store import PlaceTrail, gather_event

    convert = datasets.converter(header)
    with datasets.RowsAt(path, header) as reading:
        reading.seek(*at)
        reading.recoded()  # the header's lines, which the parent counts
        index = start
        while True:
            if index % PERIOD in OURS:
                reading.skip(CHUNK_ROWS)
                index += 1
                continue
            begins = reading.at
            rows, broken = reading.chunk(CHUNK_ROWS)
            if broken is not None or not rows:
                return  # the parent reads on from here alone, and reports the break
            sent: list[_Sent] = []
            for item in convert(path, header, iter(rows), seen):
                if isinstance(item, SetAside):
                    sent.append(item)
                    continue
                assert not isinstance(item, Merged)  # a monadic export is read in one process
                for record in item.new:
                    if isinstance(record, Place):
                        places[record.id] = PlaceTrail.of(record)
                gathered = gather_event(item.event, item.row, places, pack)
                kinds = tuple(note.kind for note in item.notes)
                sent.append((item.line, item.row.row, item.new, gathered, kinds, item.blanks))
            yield index, begins, reading.at, sent, reading.recoded()
            index += 1


def _agrees(sent: list[_Sent], seen: set[str], places: dict[str, PlaceTrail]) -> bool:
    """Whether every place the child made that an earlier chunk made too reads the same
    (the countries of the child's events come from its own)."""
    from iranclash.build.store import PlaceTrail

    for item in sent:
        if isinstance(item, SetAside):
            continue
        for record in item[2]:
            if not isinstance(record, Place) or record.id not in seen:
                continue
            if places.get(record.id) != PlaceTrail.of(record):
                return False
    return True


def _merge(
    path: Path,
    dataset: str,
    sent: list[_Sent],
    builder: Builder,
    named: Named,
    seen: set[str],
    firsts: FirstPlaces,
    tell: Tell,
) -> None:
    """Add a chunk the child converted, as ``_add`` would have."""
    for item in sent:
        if isinstance(item, SetAside):
            tell.set_aside(item)
            continue
        line, row, new, gathered, kinds, blanks = item
        fresh = [record for record in new if record.id not in seen]
        seen.update(record.id for record in fresh)
        event_id = f"{dataset}:{row}"
        again = repeated(path, line, row, event_id, firsts)
        if again is not None:
            tell.set_aside(again)
            continue
        for record in fresh:
            named(record)
        builder.add_gathered(gathered)
        tell.read(path, line, event_id, tuple(datasets.Note(kind, kind) for kind in kinds), blanks)
