"""Cross-record checks: ids unique and well formed, every reference resolvable.

Each check returns problems instead of raising, so ``iranclash validate`` can
list them all; nothing here prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from .errors import Problem
from .load import FileRecords
from .model import Actor, Analyst, Event, Place, Record, Source, SourceKind

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def check(files: Iterable[FileRecords]) -> list[Problem]:
    """Every problem across the records of a folder's files."""
    kinds: dict[str, str] = {}
    origins: dict[str, tuple[Path, int]] = {}
    problems: list[Problem] = []
    located: list[tuple[Record, Path, int]] = []

    def claim(record_id: str, kind: str, path: Path, line: int) -> None:
        if not _SLUG.fullmatch(record_id):
            problems.append(
                Problem(
                    path,
                    "id must be a lowercase slug like 'kataib-hezbollah' (a-z, 0-9, single hyphens)",
                    line,
                    None,
                    record_id,
                    "id",
                )
            )
        if record_id in origins:
            first_path, first_line = origins[record_id]
            problems.append(
                Problem(
                    path,
                    f"id is used twice (first at {first_path}:{first_line})",
                    line,
                    None,
                    record_id,
                    "id",
                )
            )
            return
        origins[record_id] = (path, line)
        kinds[record_id] = kind

    for file in files:
        for record, line in zip(file.records, file.lines, strict=True):
            claim(record.id, record.KIND, file.path, line)
            located.append((record, file.path, line))
            if isinstance(record, Analyst):
                for quote in record.quotes:
                    claim(quote.id, quote.KIND, file.path, line)

    by_id = {record.id: record for record, _path, _line in located}
    for record, path, line in located:
        if not isinstance(record, Source) and not record.sources:
            problems.append(Problem(path, "must cite at least one source", line, None, record.id, "sources"))
        if isinstance(record, Analyst):
            for quote in record.quotes:
                if not quote.sources:
                    problems.append(
                        Problem(path, "must cite at least one source", line, None, quote.id, "sources")
                    )
        for field, target, wanted in _references(record):
            found = kinds.get(target)
            if found is None:
                problems.append(
                    Problem(
                        path,
                        f"refers to unknown {wanted or 'record'} {target!r}",
                        line,
                        None,
                        record.id,
                        field,
                    )
                )
            elif wanted is not None and found != wanted:
                problems.append(
                    Problem(
                        path,
                        f"{target!r} is {_article(found)} {found}, not {_article(wanted)} {wanted}",
                        line,
                        None,
                        record.id,
                        field,
                    )
                )
        if isinstance(record, Analyst) and record.interview is not None:
            interview = by_id.get(record.interview)
            if isinstance(interview, Source) and interview.kind is not SourceKind.INTERVIEW:
                problems.append(
                    Problem(
                        path,
                        f"{interview.id!r} is a source of kind {interview.kind.value}, not an interview",
                        line,
                        None,
                        record.id,
                        "interview",
                    )
                )
    return problems


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
