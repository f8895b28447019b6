"""Cross-record checks: ids unique and well formed, every reference resolvable.

Each check returns problems instead of raising, so ``iranclash validate`` can
list them all; nothing here prints.

Records are checked as they are read (:class:`Index`), so that a folder of any size
is checked without holding its records: what is kept is each id's kind and place,
and the few references to ids not read yet.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from iranclash.core.errors import Problem
from iranclash.core.model import Actor, Analyst, Event, Place, Record, Source, SourceKind

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: The kinds an id can have, as numbers; each id's kind, file and line are packed into one int.
_KINDS = ("event", "actor", "place", "quote", "analyst", "source")
_KIND_NUMBER = {kind: number for number, kind in enumerate(_KINDS)}
_KIND_BITS = 3
_KIND_MASK = (1 << _KIND_BITS) - 1
_FILE_BITS = 29
_FILE_MASK = (1 << _FILE_BITS) - 1
_LINE_SHIFT = _KIND_BITS + _FILE_BITS


class Index:
    """The cross-record checks of records added one at a time: :meth:`problems` gives the
    same problems, in the same order, as checking all of them together.

    Per id it keeps one int (kind, file number, line); a reference is resolved when its
    record is added if its target is known by then, and kept until :meth:`problems`
    otherwise. Only problems are kept, with the record's number so that they come out
    in record order.
    """

    def __init__(self, known: Callable[[str], str | None] | None = None) -> None:
        """``known`` gives the kind of an id read before, elsewhere (a cache's records, when
        one file is read again: ``partial``), or None."""
        self.known = known
        self.paths: list[Path] = []
        self.numbers: dict[Path, int] = {}
        self.ids: dict[str, int] = {}
        #: The kind of each source, for ``interview``; of the last record with that id.
        self.source_kinds: dict[str, SourceKind] = {}
        self.id_problems: list[Problem] = []
        #: (record number, order within the record, problem)
        self.record_problems: list[tuple[int, int, Problem]] = []
        #: (record number, order, path, line, record id, field, target, kind wanted)
        self.pending: list[tuple[int, int, Path, int, str, str, str, str | None]] = []
        #: (record number, order, path, line, analyst id, source id)
        self.interviews: list[tuple[int, int, Path, int, str, str]] = []
        self.count = 0

    def add(self, record: Record, path: Path, line: int) -> bool:
        """Check one record (at ``line`` of ``path``); False when its id (or a quote's) was
        taken already, so that the caller keeps it out of the store."""
        number = self.numbers.get(path)
        if number is None:
            number = self.numbers[path] = len(self.paths)
            self.paths.append(path)
            if number >= 1 << _FILE_BITS:  # pragma: no cover - half a billion files
                raise ValueError("too many data files")
        seq = self.count
        self.count += 1
        fresh = self._claim(record.id, record.KIND, path, number, line)
        if isinstance(record, Analyst):
            for quote in record.quotes:
                fresh = self._claim(quote.id, quote.KIND, path, number, line) and fresh
        if isinstance(record, Source):
            self.source_kinds[record.id] = record.kind
        else:
            self.source_kinds.pop(record.id, None)
        order = 0
        if not isinstance(record, Source) and not record.sources:
            message = "must cite at least one source"
            self.record_problems.append(
                (seq, order, Problem(path, message, line, None, record.id, "sources"))
            )
        if isinstance(record, Analyst):
            for quote in record.quotes:
                if not quote.sources:
                    order += 1
                    problem = Problem(path, "must cite at least one source", line, None, quote.id, "sources")
                    self.record_problems.append((seq, order, problem))
        ids = self.ids
        for field, target, wanted in _references(record):
            order += 1
            packed = ids.get(target)
            if packed is None:
                self.pending.append((seq, order, path, line, record.id, field, target, wanted))
            elif wanted is not None and _KINDS[packed & _KIND_MASK] != wanted:
                self._reference_problem(seq, order, path, line, record.id, field, target, wanted)
        if isinstance(record, Analyst) and record.interview is not None:
            self.interviews.append((seq, order + 1, path, line, record.id, record.interview))
        return fresh

    def problems(self) -> list[Problem]:
        """Every problem of the records added (the references still unresolved now are unknown)."""
        for seq, order, path, line, record_id, field, target, wanted in self.pending:
            found = self.known(target) if self.known else None
            if found is None or (wanted is not None and found != wanted):
                self._reference_problem(seq, order, path, line, record_id, field, target, wanted)
        self.pending.clear()
        for seq, order, path, line, analyst, source in self.interviews:
            kind = self.source_kinds.get(source)
            if kind is not None and kind is not SourceKind.INTERVIEW:
                message = f"{source!r} is a source of kind {kind.value}, not an interview"
                self.record_problems.append(
                    (seq, order, Problem(path, message, line, None, analyst, "interview"))
                )
        self.interviews.clear()
        self.record_problems.sort(key=lambda entry: entry[:2])
        return self.id_problems + [problem for _seq, _order, problem in self.record_problems]

    def _claim(self, record_id: str, kind: str, path: Path, number: int, line: int) -> bool:
        if not _SLUG.fullmatch(record_id):
            self.id_problems.append(
                Problem(
                    path,
                    "id must be a lowercase slug like 'kataib-hezbollah' (a-z, 0-9, single hyphens)",
                    line,
                    None,
                    record_id,
                    "id",
                )
            )
        first = self.ids.get(record_id)
        if first is None and self.known and self.known(record_id) is not None:
            message = "id is used twice (in another file)"
            self.id_problems.append(Problem(path, message, line, None, record_id, "id"))
            return False
        if first is not None:
            where = f"{self.paths[(first >> _KIND_BITS) & _FILE_MASK]}:{first >> _LINE_SHIFT}"
            self.id_problems.append(
                Problem(path, f"id is used twice (first at {where})", line, None, record_id, "id")
            )
            return False
        self.ids[record_id] = (
            (line << (_KIND_BITS + _FILE_BITS)) | (number << _KIND_BITS) | _KIND_NUMBER[kind]
        )
        return True

    def _reference_problem(
        self,
        seq: int,
        order: int,
        path: Path,
        line: int,
        record_id: str,
        field: str,
        target: str,
        wanted: str | None,
    ) -> None:
        packed = self.ids.get(target)
        if packed is None:
            message = f"refers to unknown {wanted or 'record'} {target!r}"
        else:
            found = _KINDS[packed & _KIND_MASK]
            if wanted is None or found == wanted:
                return
            message = f"{target!r} is {_article(found)} {found}, not {_article(wanted)} {wanted}"
        self.record_problems.append((seq, order, Problem(path, message, line, None, record_id, field)))


def _references(record: Record) -> Iterable[tuple[str, str, str | None]]:
    """(field, referenced id, kind it must be; None for any kind) for each reference."""
    citations = list(record.sources)
    if isinstance(record, Event):
        yield from (("places", place, "place") for place in record.places)
        yield from (("actors", link.actor, "actor") for link in record.actors)
        yield from (("responds_to", event, "event") for event in record.responds_to)
    elif isinstance(record, Actor):
        yield from (("member_of", actor, "actor") for actor in record.member_of)
        yield from (("backed_by", actor, "actor") for actor in record.backed_by)
    elif isinstance(record, Place):
        if record.located_in is not None:
            yield ("located_in", record.located_in, "place")
    elif isinstance(record, Analyst):
        if record.interview is not None:
            yield ("interview", record.interview, "source")
        for quote in record.quotes:
            yield from ((f"quotes.{quote.id}.about", target, None) for target in quote.about)
            citations.extend(quote.sources)
    elif isinstance(record, Source):
        if record.part_of is not None:
            yield ("part_of", record.part_of, "source")
        if record.interviewee is not None:
            yield ("interviewee", record.interviewee, "analyst")
    yield from (("sources", citation.source, "source") for citation in citations)


def _article(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"
