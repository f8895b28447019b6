"""Cross-record checks of records added one at a time, as a build reads them: every
problem is found from what the index keeps (ids and the references not yet resolved),
named with both places, and listed in the order of the records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from iranclash.core.errors import Problem
from iranclash.ingest import load, validate

ACTOR = """
- id: {id}
  name: {name}
  kind: militia
  member_of: [{member_of}]
  sources:
    - {{source: report, quote: "x"}}
"""
SOURCES = """
- id: report
  kind: report
  title: A field report
"""


def index_of(folder: Path, names: list[str]) -> tuple[validate.Index, list[bool]]:
    """The index of the files ``names`` of ``folder`` (each ``KIND/...`` or ``KIND.yaml``),
    added in that order, and what ``add`` said of each record."""
    index = validate.Index()
    fresh = []
    for name in names:
        kind = name.split("/")[0].removesuffix(".yaml")
        loaded = load.load_file(kind, folder / name)
        for record, line in zip(loaded.records, loaded.lines, strict=True):
            fresh.append(index.add(record, folder / name, line))
    return index, fresh


def actor(record_id: str, member_of: str) -> str:
    return ACTOR.format(id=record_id, name=record_id.title(), member_of=member_of)


def test_a_reference_to_a_record_of_a_later_file_resolves(make_data: Callable[..., Path]) -> None:
    folder = make_data(
        {
            "sources.yaml": SOURCES,
            "actors/1.yaml": actor("first", "third"),
            "actors/2.yaml": actor("second", "first"),
            "actors/3.yaml": actor("third", "second"),
        },
        base=False,
    )
    index, fresh = index_of(folder, ["sources.yaml", "actors/1.yaml", "actors/2.yaml", "actors/3.yaml"])
    assert index.problems() == []
    assert fresh == [True] * 4


def test_a_reference_never_resolved_is_reported_where_it_is_made(make_data: Callable[..., Path]) -> None:
    folder = make_data(
        {
            "sources.yaml": SOURCES,
            "actors/1.yaml": actor("first", "nobody"),
            "actors/3.yaml": actor("third", "first"),
        },
        base=False,
    )
    index, _fresh = index_of(folder, ["sources.yaml", "actors/1.yaml", "actors/3.yaml"])
    assert index.problems() == [
        Problem(folder / "actors/1.yaml", "refers to unknown actor 'nobody'", 1, None, "first", "member_of")
    ]


def test_an_id_used_in_two_files_names_both_and_keeps_the_second_out(make_data: Callable[..., Path]) -> None:
    folder = make_data(
        {
            "sources.yaml": SOURCES,
            "actors/1.yaml": actor("first", "twice"),
            "actors/2.yaml": actor("twice", "first") + actor("other", "first"),
            "actors/3.yaml": actor("other", "twice") + actor("twice", "first"),
        },
        base=False,
    )
    index, fresh = index_of(folder, ["sources.yaml", "actors/1.yaml", "actors/2.yaml", "actors/3.yaml"])
    assert fresh == [True, True, True, True, False, False]
    assert [str(problem) for problem in index.problems()] == [
        f"{folder / 'actors/3.yaml'}:1: record 'other', field 'id': id is used twice"
        f" (first at {folder / 'actors/2.yaml'}:8)",
        f"{folder / 'actors/3.yaml'}:8: record 'twice', field 'id': id is used twice"
        f" (first at {folder / 'actors/2.yaml'}:1)",
    ]


def test_problems_come_in_record_order_whenever_they_were_found(make_data: Callable[..., Path]) -> None:
    """The first record's reference is to a place read last, the second's to one read
    before it: found last and first, listed first and second, after the id problems."""
    place = """
- id: somewhere
  name: Somewhere
  kind: city
  country: Iraq
  sources:
    - {source: report, quote: "x"}
"""
    folder = make_data(
        {
            "sources.yaml": SOURCES,
            "places/1.yaml": place,
            "actors/1.yaml": actor("first", "later-place"),
            "actors/2.yaml": actor("second", "somewhere") + actor("Bad_Id", "second"),
            "places/2.yaml": place.replace("somewhere", "later-place"),
        },
        base=False,
    )
    names = ["sources.yaml", "places/1.yaml", "actors/1.yaml", "actors/2.yaml", "places/2.yaml"]
    index, _fresh = index_of(folder, names)
    assert [(problem.record, problem.message) for problem in index.problems()] == [
        ("Bad_Id", "id must be a lowercase slug like 'kataib-hezbollah' (a-z, 0-9, single hyphens)"),
        ("first", "'later-place' is a place, not an actor"),
        ("second", "'somewhere' is a place, not an actor"),
    ]
