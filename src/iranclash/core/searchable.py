"""Which texts of a record search finds it by: every string in its data but its ids and dates.

The build indexes their words (``build.store``) and a search hit's snippet is cut from
one of them (``ask.snippets``): both read the same texts, so every hit has one to show.
"""

from __future__ import annotations

#: Keys whose values are ids of records (the record's own, those it cites or links to) or
#: dates: words found only there say nothing about the record. The search index leaves
#: them out (``store``), so that a hit always has a text to show here.
NOT_TEXT = frozenset(
    {
        "id",
        "source",
        "date",
        "date_start",
        "date_end",
        "responds_to",
        "part_of",
        "interview",
        "interviewee",
        "located_in",
        "member_of",
        "backed_by",
        "about",
        "places",
        "actor",
        "analyst",
    }
)


def searched_texts(value: object) -> list[str]:
    """Every string in a record's data but its ids and dates: what search finds it by
    (``store`` indexes their words), last first, the order the index was first built in.

    It runs for every record built: the walk goes down only into dicts and lists, and
    reverses its list at the end rather than keeping a stack of every value.
    """
    found: list[str] = []
    kind = type(value)
    if kind is str:
        found.append(value)  # type: ignore[arg-type]
    elif kind is dict:
        _dict_texts(value, found)  # type: ignore[arg-type]
    elif kind is list:
        _list_texts(value, found)  # type: ignore[arg-type]
    found.reverse()
    return found


def _dict_texts(value: dict[str, object], found: list[str]) -> None:
    for key, item in value.items():
        kind = type(item)
        if kind is str:
            if key not in NOT_TEXT:
                found.append(item)  # type: ignore[arg-type]
        elif kind is dict:
            if key not in NOT_TEXT:
                _dict_texts(item, found)  # type: ignore[arg-type]
        elif kind is list and key not in NOT_TEXT:
            _list_texts(item, found)  # type: ignore[arg-type]


def _list_texts(value: list[object], found: list[str]) -> None:
    for item in value:
        kind = type(item)
        if kind is str:
            found.append(item)  # type: ignore[arg-type]
        elif kind is dict:
            _dict_texts(item, found)  # type: ignore[arg-type]
        elif kind is list:
            _list_texts(item, found)  # type: ignore[arg-type]
