"""A name or id as a reader typed it -> the one record it denotes, or an error listing the
candidates nearest to it (``core.names`` folds the spellings they are compared by)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from iranclash.core.errors import NotFound
from iranclash.core.names import name_keys, normalize

if TYPE_CHECKING:
    import sqlite3

_ARTICLES = frozenset({"al", "el", "the", "an"})
#: How many candidates an error lists at most; beyond that the name needs more words.
_SHOWN = 8


def resolve(store: sqlite3.Connection, kind: str, text: str) -> str:
    """The id of the one record of ``kind`` that ``text`` names, or NotFound with candidates.

    In order: an id, name, alias or known spelling that matches exactly; then, for
    places and people, whole words (every word typed is a word of one of the
    record's names, so "Tanf" and "al-Omar" find their places and "Heras" his
    analyst). Organizations answer to full names only, because a word of one
    organization's name is often the name of another: "Hezbollah" is not
    Kata'ib Hezbollah. Two or more matches, or none, are never answered with a guess.
    """
    text = _encodable(text)
    keys = name_keys(text)
    if not keys:
        raise NotFound(f"no {kind} named {quoted(text)}")
    marks = ",".join("?" * len(keys))
    found = sorted(
        {
            str(row[0])
            for row in store.execute(
                f"SELECT DISTINCT id FROM name WHERE kind = ? AND key IN ({marks})", (kind, *keys)
            )
        }
    )
    if not found:
        found = _whole_word_matches(store, kind, normalize(text))
    if len(found) == 1:
        return found[0]
    if found:
        raise NotFound(f"{quoted(text)} names more than one {kind}", _labels(store, found), ambiguous=True)
    raise NotFound(f"no {kind} named {quoted(text)}", _suggest(store, kind, normalize(text)))


def resolve_event(store: sqlite3.Connection, text: str) -> str:
    """The id of the one event whose id is ``text`` or starts with it ("2021-07-08")."""
    text = _encodable(text)
    wanted = text.strip().casefold()
    if not wanted:
        raise NotFound("no event with an empty id")
    found = _ids_starting(store, wanted, _SHOWN)
    # An id sorts before every longer id it starts, so an exact match comes first.
    if found[:1] == [wanted] or len(found) == 1:
        return found[0]
    if found:
        (total,) = store.execute(
            "SELECT count(*) FROM event WHERE id >= ? AND id < ?", (wanted, wanted + _LAST)
        ).fetchone()
        raise NotFound(
            f"{total} event ids start with {quoted(text)}", _labels(store, found, total), ambiguous=True
        )
    raise NotFound(f"no event with id {quoted(text)}", _suggest_event(store, wanted))


#: The kinds a name can denote, in the order candidates are listed.
_NAMED_KINDS = ("actor", "place", "analyst", "source")


def resolve_any(store: sqlite3.Connection, text: str) -> str:
    """The id of the one record of any kind that ``text`` denotes, as the lookups find them.

    In order: an id ("2021-07-08-rockets-at-us-embassy-green-zone", "heras-iraq-is-the-prize");
    a name, alias or known spelling of an actor, place, analyst or source ("KH", "GIF");
    whole words of a place's or a person's name ("Heras"); the start of one id
    ("2021-07-08"). Two or more matches, or none, are never answered with a guess: the
    error lists the candidates, or the records nearest to what was typed.
    """
    text = _encodable(text)
    wanted = text.strip().casefold()
    if not wanted:
        raise NotFound("no record with an empty id")
    # A dataset row's id keeps its dataset's case (acled:IRQ24127): taken as typed first.
    exact = store.execute(
        "SELECT id FROM record WHERE id IN (?1, ?2)"
        " UNION ALL SELECT id FROM event WHERE id IN (?1, ?2) LIMIT 1",
        (text.strip(), wanted),
    ).fetchone()
    if exact is not None:
        return str(exact[0])
    found: list[str] = []
    keys = name_keys(text)
    if keys:
        marks = ",".join("?" * len(keys))
        found = sorted(
            {
                str(row[0])
                for row in store.execute(
                    f"SELECT DISTINCT id FROM name WHERE key IN ({marks}) AND kind IN"
                    f" ({','.join('?' * len(_NAMED_KINDS))})",
                    (*keys, *_NAMED_KINDS),
                )
            }
        )
        if not found:
            key = normalize(text)
            found = sorted(
                {i for kind in ("place", "actor", "analyst") for i in _whole_word_matches(store, kind, key)}
            )
    total = 0
    if not found:
        found = sorted(
            {
                *_ids_starting(store, wanted, _SHOWN + 1),
                *(
                    str(row[0])
                    for row in store.execute(
                        "SELECT id FROM record_data WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
                        (wanted, wanted + _LAST, _SHOWN + 1),
                    )
                ),
            }
        )
        if len(found) > _SHOWN:
            (total,) = store.execute(
                "SELECT (SELECT count(*) FROM event WHERE id >= ?1 AND id < ?2)"
                " + (SELECT count(*) FROM record_data WHERE id >= ?1 AND id < ?2)",
                (wanted, wanted + _LAST),
            ).fetchone()
    if len(found) == 1:
        return found[0]
    if found:
        raise NotFound(
            f"{quoted(text)} denotes more than one record", _labels(store, found, total), ambiguous=True
        )
    typed = normalize(text)
    scores: dict[str, float] = {}
    for kind in _NAMED_KINDS:
        for record_id, labels in _named_by(store, kind).items():
            best = max(closeness(typed, normalize(label)) for label in labels)
            if best >= _CUTOFF:
                scores[record_id] = best
    by_name = sorted(scores, key=lambda record_id: (-scores[record_id], record_id))[:5]
    by_id = nearest_ids(store, wanted)
    # An id holds no space: a name typed with one is nearer to names than to ids.
    suggested = dict.fromkeys([*by_name, *by_id] if " " in wanted else [*by_id, *by_name])
    raise NotFound(f"no record named or with id {quoted(text)}", _labels(store, list(suggested)[:5]))


#: Sorts after every character: ``start + _LAST`` bounds the ids that begin with ``start``.
_LAST = "\U0010ffff"


def _ids_starting(store: sqlite3.Connection, start: str, limit: int) -> list[str]:
    """The first event ids starting with ``start``: a range of the id index, however many
    events there are."""
    return [
        str(row[0])
        for row in store.execute(
            "SELECT id FROM event WHERE id >= ? AND id < ? ORDER BY id LIMIT ?", (start, start + _LAST, limit)
        )
    ]


def _encodable(text: str) -> str:
    """Text SQLite accepts: a lone surrogate (from undecodable input) becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def quoted(text: str) -> str:
    """Text as typed, in the one quoting style errors use: double quotes, JSON escapes."""
    import json

    return json.dumps(text, ensure_ascii=False)


def _content_words(key: str) -> set[str]:
    return set(key.split()) - _ARTICLES


def _named_by(store: sqlite3.Connection, kind: str) -> dict[str, list[str]]:
    """Every name of each record of ``kind``: names, aliases, spellings, and for a border
    crossing the names of its two sides, which ``crossings`` prints."""
    labels: dict[str, list[str]] = {}
    for label, record_id in store.execute("SELECT label, id FROM name WHERE kind = ?", (kind,)):
        labels.setdefault(record_id, []).append(label)
    if kind == "place":
        import json

        for record_id, text in store.execute(
            "SELECT id, json FROM record WHERE kind = 'place' AND subkind = 'border-crossing'"
        ):
            labels.setdefault(record_id, []).extend(side["name"] for side in json.loads(text)["sides"])
    return labels


def _whole_word_matches(store: sqlite3.Connection, kind: str, key: str) -> list[str]:
    """Places and people one of whose names has every word typed (articles optional)."""
    wanted = _content_words(key)
    if not wanted:
        return []
    named = _named_by(store, kind)
    if kind == "actor":
        people = {row[0] for row in store.execute("SELECT id FROM record WHERE subkind = 'person'")}
        named = {record_id: labels for record_id, labels in named.items() if record_id in people}
    return sorted(
        record_id
        for record_id, labels in named.items()
        if any(wanted <= _content_words(normalize(label)) for label in labels)
    )


def _labels(store: sqlite3.Connection, ids: Sequence[str], total: int = 0) -> tuple[str, ...]:
    """Candidates as ``id (name)``, the id first so it can be pasted back as it is; at most
    ``_SHOWN`` of them, then how many more of ``total`` (default: of ``ids``) there are."""
    shown_ids = tuple(ids[:_SHOWN])
    marks = ",".join("?" * len(shown_ids))
    names = dict(
        store.execute(
            f"SELECT id, name FROM record WHERE id IN ({marks}) UNION ALL SELECT e.id,"
            f" json_extract(j.json, '$.title') FROM event e JOIN event_json j ON j.seq = e.seq"
            f" WHERE e.id IN ({marks})",
            shown_ids * 2,
        )
    )
    shown = [f"{record_id} ({names[record_id]})" for record_id in shown_ids if record_id in names]
    more = max(total, len(ids)) - len(shown_ids)
    if more > 0:
        shown.append(f"and {more} more")
    return tuple(shown)


def closeness(typed: str, name: str) -> float:
    """How near a typed key is to a name's key, from 0 to 1: the whole text's likeness, or
    (a little lower) how well the worst typed word matches its nearest word of the name, so
    that a misspelt word ("Hezbolah") finds the long name it is part of, while a common word
    ("base") alone does not make every base near. Articles are left out of both: "al-"
    would make every "al-" name near another."""
    from difflib import SequenceMatcher

    typed, name = _without_articles(typed), _without_articles(name)
    whole = SequenceMatcher(None, typed, name).ratio()
    typed_words = typed.split()
    words = name.split()
    if not typed_words or not words:
        return whole
    per_word = min(max(SequenceMatcher(None, t, w).ratio() for w in words) for t in typed_words)
    return max(whole, 0.95 * per_word)


def _without_articles(key: str) -> str:
    return " ".join(word for word in key.split() if word not in _ARTICLES) or key


#: Below this closeness a name is not offered as a suggestion.
_CUTOFF = 0.6


def _suggest(store: sqlite3.Connection, kind: str, typed: str) -> tuple[str, ...]:
    """The records nearest to what was typed, nearest first."""
    scores: dict[str, float] = {}
    for record_id, labels in _named_by(store, kind).items():
        best = max(closeness(typed, normalize(label)) for label in labels)
        if best >= _CUTOFF:
            scores[record_id] = best
    ranked = sorted(scores, key=lambda record_id: (-scores[record_id], record_id))[:5]
    return _labels(store, ranked) if ranked else ()


def _suggest_event(store: sqlite3.Connection, wanted: str) -> tuple[str, ...]:
    """Event ids nearest to a mistyped one (see ``_nearest``), with their titles."""
    ranked = _nearest(wanted, lambda start: _ids_starting(store, start, 500))
    return _labels(store, ranked) if ranked else ()


def nearest_ids(store: sqlite3.Connection, wanted: str) -> list[str]:
    """Record ids of any kind nearest to a mistyped one (see ``_nearest``)."""

    def starting(start: str) -> list[str]:
        return [
            str(row[0])
            for row in store.execute(
                "SELECT id FROM (SELECT id FROM record_data WHERE id >= ?1 AND id < ?2"
                " ORDER BY id LIMIT 500) UNION ALL SELECT id FROM (SELECT id FROM event"
                " WHERE id >= ?1 AND id < ?2 ORDER BY id LIMIT 500) ORDER BY id LIMIT 500",
                (start, start + _LAST),
            )
        ]

    return _nearest(_encodable(wanted), starting)


def _nearest(wanted: str, starting: Callable[[str], list[str]]) -> list[str]:
    """The five ids nearest to ``wanted`` among those sharing the longest start with it: an
    index range, so that a slip among a million records costs no scan."""
    from difflib import SequenceMatcher

    ids: list[str] = []
    for length in range(len(wanted), 0, -1):
        ids = starting(wanted[:length])
        if ids:
            break
    scores = {record_id: SequenceMatcher(None, wanted, record_id).ratio() for record_id in ids}
    return sorted((i for i in scores if scores[i] >= 0.5), key=lambda i: (-scores[i], i))[:5]
