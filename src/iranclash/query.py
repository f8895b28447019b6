"""Questions asked of a compiled data folder, answered as results for ``render``.

Every function takes an open store (an SQLite connection built by ``store``)
and returns a :class:`Listing` or a :class:`Detail`: the records as JSON text
ready to print, plus the columns and sections a table would show. Nothing here
prints or knows about output formats. ``names`` is imported by the functions that
fold names, so that a plain listing does not pay for it at start-up.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, overload

from . import jsonout
from .dates import PartialDate
from .errors import NotFound, UsageProblem
from .jsonout import Raw
from .vocabulary import EventType

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """One column of a table or CSV: a header and how to read its cell from a record."""

    header: str
    cell: Callable[[Row], object]


@dataclass(frozen=True)
class Listing:
    """Records of one question, in order; ``items`` are their JSON texts.

    ``items`` may be read once only: it streams from the database, so that a
    hundred thousand records are printed without being held in memory. A table
    reads ``rows`` instead.
    """

    title: str
    items: Iterable[str]
    columns: tuple[Column, ...]

    @cached_property
    def rows(self) -> list[Row]:
        return [json.loads(item) for item in self.items]


class ParsedRows(Sequence[Row]):
    """Stored JSON texts read as rows only when a table needs them."""

    def __init__(self, texts: list[str]) -> None:
        self.texts = texts

    @cached_property
    def _rows(self) -> list[Row]:
        return [json.loads(text) for text in self.texts]

    def __len__(self) -> int:
        return len(self.texts)

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        return self._rows[index]


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[Column, ...]
    rows: Sequence[Row]


@dataclass(frozen=True)
class Detail:
    """One record (or a summary) with what is related to it nested inside ``data``."""

    title: str
    data: Row
    fields: tuple[tuple[str, object], ...]
    sections: tuple[Section, ...] = field(default=())


@dataclass(frozen=True)
class EventFilter:
    """Filters that compose: each given one narrows the events further."""

    since: PartialDate | None = None
    until: PartialDate | None = None
    actor: str | None = None
    place: str | None = None
    country: str | None = None
    types: tuple[EventType, ...] = ()


# --- names -------------------------------------------------------------------------


def resolve(store: sqlite3.Connection, kind: str, text: str) -> str:
    """The id of the one record of ``kind`` that ``text`` names, or NotFound with candidates.

    Any id, name, alias or known spelling variant matches exactly; a person's
    surname alone matches when one person has it. A name matching several
    records, or none, is never answered with a guess.
    """
    from . import names

    keys = names.name_keys(text)
    if not keys:
        raise NotFound(f"no {kind} named {text!r}")
    marks = ",".join("?" * len(keys))
    found = {
        row[0]
        for row in store.execute(
            f"SELECT DISTINCT id FROM name WHERE kind = ? AND key IN ({marks})", (kind, *keys)
        )
    }
    if len(found) == 1:
        return str(found.pop())
    if len(found) > 1:
        raise NotFound(f"{text!r} names more than one {kind}", _labels(store, sorted(found)))
    surname_matches = _surname_matches(store, kind, names.normalize(text))
    if len(surname_matches) == 1:
        return surname_matches[0]
    raise NotFound(f"no {kind} named {text!r}", _suggest(store, kind, text, surname_matches))


def _surname_matches(store: sqlite3.Connection, kind: str, key: str) -> list[str]:
    """People whose last name is the single word typed (analysts are all people)."""
    from . import names

    if " " in key or not key:
        return []
    sql = "SELECT id, name FROM record WHERE kind = ?"
    if kind != "analyst":
        sql += " AND subkind = 'person'"
    rows = store.execute(sql, (kind,))
    return [record_id for record_id, name in rows if names.normalize(name).split()[-1:] == [key]]


def _labels(store: sqlite3.Connection, ids: Sequence[str]) -> tuple[str, ...]:
    marks = ",".join("?" * len(ids))
    rows = store.execute(f"SELECT id, name FROM record WHERE id IN ({marks}) ORDER BY name", tuple(ids))
    return tuple(f"{name} ({record_id})" for record_id, name in rows)


def _close_matches(word: str, candidates: list[str], *, n: int, cutoff: float) -> list[str]:
    """difflib's close matches; imported here, as only a failed lookup needs it."""
    import difflib

    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)


def _suggest(store: sqlite3.Connection, kind: str, text: str, extra: list[str]) -> tuple[str, ...]:
    from . import names

    labels: dict[str, str] = {}
    for key, record_id in store.execute("SELECT key, id FROM name WHERE kind = ?", (kind,)):
        labels.setdefault(key, record_id)
    wanted = names.normalize(text)
    close = _close_matches(wanted, list(labels), n=8, cutoff=0.6)
    containing = [key for key in labels if wanted and (wanted in key or key in wanted) and len(key) > 2]
    ids = list(dict.fromkeys([*extra, *(labels[key] for key in close + containing)]))[:5]
    return _labels(store, ids) if ids else ()


# --- events --------------------------------------------------------------------------


def _event_where(store: sqlite3.Connection, filters: EventFilter) -> tuple[str, list[object]]:
    if filters.since and filters.until and filters.until.end < filters.since.start:
        raise UsageProblem(f"--until {filters.until} is earlier than --since {filters.since}")
    clauses: list[str] = []
    params: list[object] = []
    if filters.since:
        clauses.append("e.date_start >= ?")
        params.append(filters.since.start.isoformat())
    if filters.until:
        clauses.append("e.date_end <= ?")
        params.append(filters.until.end.isoformat())
    if filters.actor:
        actor = resolve(store, "actor", filters.actor)
        clauses.append("e.id IN (SELECT event_id FROM event_actor WHERE actor_id = ?)")
        params.append(actor)
    if filters.place:
        place = resolve(store, "place", filters.place)
        clauses.append(
            "e.id IN (SELECT event_id FROM event_place WHERE place_id IN ("
            " WITH RECURSIVE inside(id) AS (SELECT ? UNION"
            " SELECT link.subject FROM link JOIN inside ON link.object = inside.id"
            " WHERE link.predicate = 'located_in') SELECT id FROM inside))"
        )
        params.append(place)
    if filters.country:
        country = _resolve_country(store, filters.country)
        clauses.append("e.id IN (SELECT event_id FROM event_country WHERE country = ?)")
        params.append(country)
    if filters.types:
        clauses.append(f"e.type IN ({','.join('?' * len(filters.types))})")
        params.extend(event_type.value for event_type in filters.types)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _resolve_country(store: sqlite3.Connection, text: str) -> str:
    from . import names

    key = names.normalize(text)
    known = [row[0] for row in store.execute("SELECT DISTINCT country FROM event_country")]
    if key in known:
        return key
    close = tuple(_close_matches(key, known, n=3, cutoff=0.5))
    raise NotFound(f"no events in a country named {text!r}", close)


def _place_label(labels: dict[str, str]) -> Callable[[Row], object]:
    return lambda row: ", ".join(labels.get(place, place) for place in row["places"])


def _actor_label(labels: dict[str, str]) -> Callable[[Row], object]:
    return lambda row: ", ".join(
        f"{labels.get(link['actor'], link['actor'])} ({_role(link)})" for link in row["actors"]
    )


def _role(link: Row) -> str:
    certainty = link.get("certainty", "confirmed")
    return link["role"] if certainty == "confirmed" else f"{link['role']}, {certainty}"


def _munitions_label(row: Row) -> str:
    parts = []
    for item in row["munitions"]:
        weapon = item["weapon"]
        if item["count"] is None:
            text = weapon
        else:
            plural = "" if item["count"] == 1 or weapon.endswith("s") else "s"
            text = ("≥" if item["at_least"] else "") + f"{item['count']} {weapon}{plural}"
        if item["intercepted"]:
            text += f" ({item['intercepted']} intercepted)"
        parts.append(text)
    return ", ".join(parts)


def _casualties_label(row: Row) -> str:
    casualties = row["casualties"]
    if not casualties:
        return ""
    parts = [f"{casualties[key]} {key}" for key in ("killed", "injured") if casualties[key] is not None]
    return ", ".join(parts)


def _labels_of(store: sqlite3.Connection) -> dict[str, str]:
    return dict(store.execute("SELECT id, name FROM record WHERE kind IN ('actor', 'place')"))


def event_columns(store: sqlite3.Connection) -> tuple[Column, ...]:
    labels = _labels_of(store)
    return (
        Column("Date", lambda row: row["date"]),
        Column("Type", lambda row: row["type"]),
        Column("Title", lambda row: row["title"]),
        Column("Place", _place_label(labels)),
        Column("Actors", _actor_label(labels)),
        Column("Munitions", _munitions_label),
        Column("Casualties", _casualties_label),
        Column("Certainty", lambda row: row["certainty"]),
        Column("ID", lambda row: row["id"]),
    )


def events(store: sqlite3.Connection, filters: EventFilter = EventFilter()) -> Listing:
    """Events matching every filter, oldest first (an imprecise date sorts by its start)."""
    where, params = _event_where(store, filters)
    cursor = store.execute(
        f"SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq{where}"
        " ORDER BY e.date_start, e.date_end, e.seq",
        params,
    )
    return Listing("Events", (row[0] for row in cursor), event_columns(store))


def _record(store: sqlite3.Connection, record_id: str) -> Row:
    row = store.execute("SELECT json FROM record WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        raise NotFound(f"no record with id {record_id!r}")
    result: Row = json.loads(row[0])
    return result


def _records(store: sqlite3.Connection, sql: str, params: Sequence[object] = ()) -> list[Row]:
    return [json.loads(row[0]) for row in store.execute(sql, tuple(params))]


def _brief(store: sqlite3.Connection, ids: Sequence[str]) -> list[Row]:
    """id, kind and name of each record, in the order given, for nesting in a lookup."""
    marks = ",".join("?" * len(ids))
    found = {
        record_id: {"id": record_id, "kind": kind, "name": name}
        for record_id, kind, name in store.execute(
            f"SELECT id, kind, name FROM record WHERE id IN ({marks})", tuple(ids)
        )
    }
    return [found[record_id] for record_id in ids if record_id in found]


def _source_titles(store: sqlite3.Connection, row: Row) -> list[Row]:
    titles = dict(store.execute("SELECT id, name FROM record WHERE kind = 'source'"))
    return [{**citation, "source_title": titles.get(citation["source"])} for citation in row["sources"]]


_CITATION_COLUMNS = (
    Column("Footnote", lambda row: row["footnote"]),
    Column("Quote", lambda row: row["quote"]),
    Column("Source", lambda row: row["source_title"] or row["source"]),
)
_EVENT_BRIEF_COLUMNS = (
    Column("Date", lambda row: row["date"]),
    Column("Title", lambda row: row["title"]),
    Column("ID", lambda row: row["id"]),
)
_QUOTE_COLUMNS = (
    Column("Analyst", lambda row: row["analyst_name"]),
    Column("Footnote", lambda row: row["footnote"]),
    Column("Quote", lambda row: row["text"]),
)


def _events_linked(store: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[Row]:
    return [json.loads(text) for text in _event_texts(store, sql, params)]


def _event_texts(store: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[str]:
    """The stored JSON of the events whose ids ``sql`` selects, oldest first."""
    return [
        row[0]
        for row in store.execute(
            "SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq"
            f" WHERE e.id IN ({sql}) ORDER BY e.seq",
            tuple(params),
        )
    ]


def _quotes_about(store: sqlite3.Connection, record_id: str) -> list[Row]:
    return _records(
        store,
        "SELECT r.json FROM link JOIN record r ON r.id = link.subject"
        " WHERE link.predicate = 'about' AND link.object = ? ORDER BY r.seq, r.rowid",
        (record_id,),
    )


def event(store: sqlite3.Connection, event_id: str) -> Detail:
    """One event with its actors, places, the events it answers and those answering it."""
    row = store.execute(
        "SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq WHERE e.id = ?", (event_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no event with id {event_id!r}", _suggest_ids(store, "event", event_id))
    data: Row = json.loads(row[0])
    labels = _labels_of(store)
    data["actors"] = [{**link, "name": labels.get(link["actor"], link["actor"])} for link in data["actors"]]
    data["places"] = _brief(store, data["places"])
    data["responds_to"] = _events_brief(store, data["responds_to"])
    data["responses"] = _events_brief(
        store,
        [
            subject
            for (subject,) in store.execute(
                "SELECT subject FROM link WHERE predicate = 'responds_to' AND object = ?",
                (event_id,),
            )
        ],
    )
    data["sources"] = _source_titles(store, data)
    data["quotes"] = _quotes_about(store, event_id)
    fields = (
        ("Date", data["date"] + (f" ({data['date_note']})" if data["date_note"] else "")),
        (
            "Type",
            f"{data['type']} (ACLED: {data['acled']['event_type']} / {data['acled']['sub_event_type']})",
        ),
        ("Certainty", data["certainty"]),
        ("Summary", data["summary"]),
        ("Places", ", ".join(place["name"] for place in data["places"])),
        ("Countries", ", ".join(data["countries"])),
        ("Munitions", _munitions_label(data)),
        ("Casualties", _casualties_detail(data["casualties"])),
    )
    sections = (
        Section(
            "Actors",
            (Column("Actor", lambda row: row["name"]), Column("Role", _role)),
            data["actors"],
        ),
        Section("Responds to", _EVENT_BRIEF_COLUMNS, data["responds_to"]),
        Section("Responses", _EVENT_BRIEF_COLUMNS, data["responses"]),
        Section("Sources", _CITATION_COLUMNS, data["sources"]),
        Section("Quotes about it", _QUOTE_COLUMNS, data["quotes"]),
    )
    return Detail(data["title"], data, fields, sections)


def _casualties_detail(casualties: Row | None) -> str:
    if not casualties:
        return "unknown"
    parts = [
        f"{key}: {'unknown' if casualties[key] is None else casualties[key]}" for key in ("killed", "injured")
    ]
    if casualties["note"]:
        parts.append(f"({casualties['note']})")
    return ", ".join(parts)


def _events_brief(store: sqlite3.Connection, ids: Sequence[str]) -> list[Row]:
    rows = _events_linked(store, "SELECT value FROM json_each(?)", (json.dumps(list(ids)),))
    return [{"id": row["id"], "date": row["date"], "title": row["title"]} for row in rows]


def _suggest_ids(store: sqlite3.Connection, kind: str, text: str) -> tuple[str, ...]:
    ids = [row[0] for row in store.execute("SELECT id FROM record WHERE kind = ?", (kind,))]
    return tuple(_close_matches(text, ids, n=5, cutoff=0.5))


# --- actors, places, analysts -------------------------------------------------------------


def _kind_listing(
    store: sqlite3.Connection, kind: str, subkind: str | None, title: str, columns: tuple[Column, ...]
) -> Listing:
    sql = "SELECT json FROM record WHERE kind = ?"
    params: list[object] = [kind]
    if subkind is not None:
        sql += " AND subkind = ?"
        params.append(subkind)
    items = [row[0] for row in store.execute(sql + " ORDER BY seq", params)]
    return Listing(title, items, columns)


def actors(store: sqlite3.Connection, kind: str | None = None) -> Listing:
    labels = _labels_of(store)
    return _kind_listing(
        store,
        "actor",
        kind,
        "Actors",
        (
            Column("Name", lambda row: row["name"]),
            Column("Kind", lambda row: row["kind"]),
            Column("Country", lambda row: row["country"]),
            Column("Member of", lambda row: ", ".join(labels.get(i, i) for i in row["member_of"])),
            Column("Backed by", lambda row: ", ".join(labels.get(i, i) for i in row["backed_by"])),
            Column("Also", lambda row: ", ".join([*row["aliases"], *row["known_as"]])),
            Column("ID", lambda row: row["id"]),
        ),
    )


def actor(store: sqlite3.Connection, name: str) -> Detail:
    """An actor with its umbrella, members, backers, clients, events and quotes about it."""
    actor_id = resolve(store, "actor", name)
    data = _record(store, actor_id)

    def linked(predicate: str, *, reverse: bool) -> list[Row]:
        sql = (
            "SELECT subject FROM link WHERE predicate = ? AND object = ?"
            if reverse
            else "SELECT object FROM link WHERE predicate = ? AND subject = ?"
        )
        return _brief(store, [row[0] for row in store.execute(sql, (predicate, actor_id))])

    data["member_of"] = linked("member_of", reverse=False)
    data["members"] = linked("member_of", reverse=True)
    data["backed_by"] = linked("backed_by", reverse=False)
    data["backs"] = linked("backed_by", reverse=True)
    # Each event's stored JSON, with the actor's role put in front, spliced in unparsed.
    events = [
        '{"role": ' + json.dumps(role) + ", " + text[1:]
        for text, role in store.execute(
            "SELECT j.json, group_concat(a.role, ', ') FROM event_actor a JOIN event e ON e.id = a.event_id"
            " JOIN event_json j ON j.seq = e.seq WHERE a.actor_id = ? GROUP BY e.seq ORDER BY e.seq",
            (actor_id,),
        )
    ]
    data["events"] = [Raw(text) for text in events]
    data["quotes"] = _quotes_about(store, actor_id)
    data["sources"] = _source_titles(store, data)
    fields = (
        ("Kind", data["kind"]),
        ("Title", data["title"]),
        ("Country", data["country"]),
        ("Aliases (in the article)", ", ".join(data["aliases"])),
        ("Also known as (general knowledge)", ", ".join(data["known_as"])),
        ("Description", data["description"]),
        ("Member of", ", ".join(item["name"] for item in data["member_of"])),
        ("Members", ", ".join(item["name"] for item in data["members"])),
        ("Backed by", ", ".join(item["name"] for item in data["backed_by"])),
        ("Backs", ", ".join(item["name"] for item in data["backs"])),
    )
    sections = (
        Section(
            "Events",
            (*_EVENT_BRIEF_COLUMNS[:2], Column("Role", lambda row: row["role"]), _EVENT_BRIEF_COLUMNS[2]),
            ParsedRows(events),
        ),
        Section("Quotes about it", _QUOTE_COLUMNS, data["quotes"]),
        Section("Sources", _CITATION_COLUMNS, data["sources"]),
    )
    return Detail(data["name"], data, fields, sections)


def _place_columns() -> tuple[Column, ...]:
    return (
        Column("Name", lambda row: row["name"]),
        Column("Kind", lambda row: row["kind"]),
        Column("Country", lambda row: row["country"] or " / ".join(side["country"] for side in row["sides"])),
        Column("Coordinates", _coordinates_label),
        Column("ID", lambda row: row["id"]),
    )


def _coordinates_label(row: Row) -> str:
    coordinates = row["coordinates"]
    if not coordinates:
        return ""
    return f"{coordinates['lat']}, {coordinates['lon']} ({coordinates['precision']})"


def places(store: sqlite3.Connection, kind: str | None = None) -> Listing:
    return _kind_listing(store, "place", kind, "Places", _place_columns())


def crossings(store: sqlite3.Connection) -> Listing:
    """The border crossings with both sides, their status and since when."""

    def side(index: int) -> Callable[[Row], object]:
        return lambda row: (
            f"{row['sides'][index]['name']} ({row['sides'][index]['country']})"
            if len(row["sides"]) > index
            else ""
        )

    return _kind_listing(
        store,
        "place",
        "border-crossing",
        "Border crossings",
        (
            Column("Crossing", lambda row: row["name"]),
            Column("Side A", side(0)),
            Column("Side B", side(1)),
            Column("Status", lambda row: row["status"]),
            Column("Since", lambda row: row["status_since"]),
            Column("Significance", lambda row: row["significance"]),
            Column("ID", lambda row: row["id"]),
        ),
    )


def place(store: sqlite3.Connection, name: str) -> Detail:
    """A place with what it lies in, what lies in it, its events and quotes about it."""
    place_id = resolve(store, "place", name)
    data = _record(store, place_id)
    data["located_in"] = _brief(store, [data["located_in"]] if data["located_in"] else [])
    data["contains"] = _brief(
        store,
        [
            row[0]
            for row in store.execute(
                "SELECT subject FROM link WHERE predicate = 'located_in' AND object = ?", (place_id,)
            )
        ],
    )
    events = _event_texts(store, "SELECT event_id FROM event_place WHERE place_id = ?", (place_id,))
    data["events"] = [Raw(text) for text in events]
    data["quotes"] = _quotes_about(store, place_id)
    data["sources"] = _source_titles(store, data)
    sides = " / ".join(f"{side['name']} ({side['country']})" for side in data["sides"])
    fields = (
        ("Kind", data["kind"]),
        ("Country", data["country"]),
        ("Sides", sides),
        (
            "Status",
            (data["status"] or "") + (f" since {data['status_since']}" if data["status_since"] else ""),
        ),
        ("Significance", data["significance"]),
        ("Located in", ", ".join(item["name"] for item in data["located_in"])),
        ("Contains", ", ".join(item["name"] for item in data["contains"])),
        ("Coordinates (general knowledge)", _coordinates_label(data)),
        ("Aliases (in the article)", ", ".join(data["aliases"])),
        ("Also known as (general knowledge)", ", ".join(data["known_as"])),
    )
    sections = (
        Section("Events", _EVENT_BRIEF_COLUMNS, ParsedRows(events)),
        Section("Quotes about it", _QUOTE_COLUMNS, data["quotes"]),
        Section("Sources", _CITATION_COLUMNS, data["sources"]),
    )
    return Detail(data["name"], data, fields, sections)


def analysts(store: sqlite3.Connection) -> Listing:
    return _kind_listing(
        store,
        "analyst",
        None,
        "Analysts",
        (
            Column("Name", lambda row: row["name"]),
            Column("Affiliation", lambda row: row["affiliation"]),
            Column("Quotes", lambda row: len(row["quotes"])),
            Column("ID", lambda row: row["id"]),
        ),
    )


def analyst(store: sqlite3.Connection, name: str) -> Detail:
    """An analyst with the interview behind the quotes and every quote with its footnote."""
    analyst_id = resolve(store, "analyst", name)
    data = _record(store, analyst_id)
    interview = _record(store, data["interview"]) if data["interview"] else None
    data["interview"] = interview
    labels = dict(store.execute("SELECT id, name FROM record"))
    data["quotes"] = [{**quote, "about": _brief(store, quote["about"])} for quote in data["quotes"]]
    data["sources"] = _source_titles(store, data)
    interview_text = ""
    if interview:
        interview_text = ", ".join(
            str(part)
            for part in (interview["mode"] and f"{interview['mode']} interview", interview["date"])
            if part
        )
        if interview["footnotes"]:
            interview_text += " (footnotes " + ", ".join(str(n) for n in interview["footnotes"]) + ")"
    fields = (
        ("Affiliation", data["affiliation"]),
        ("Description", data["description"]),
        ("Interview", interview_text),
        ("Aliases", ", ".join([*data["aliases"], *data["known_as"]])),
    )
    sections = (
        Section(
            "Quotes",
            (
                Column("Footnote", lambda row: row["footnote"]),
                Column("Quote", lambda row: row["text"]),
                Column(
                    "About",
                    lambda row: ", ".join(labels.get(item["id"], item["id"]) for item in row["about"]),
                ),
            ),
            data["quotes"],
        ),
        Section("Sources", _CITATION_COLUMNS, data["sources"]),
    )
    return Detail(data["name"], data, fields, sections)


# --- search and summary ----------------------------------------------------------------


#: Each word is one more condition in the query; SQLite refuses a query nested
#: about a thousand deep ("Expression tree is too large").
MAX_SEARCH_WORDS = 100


def search(store: sqlite3.Connection, text: str) -> Listing:
    """Every record with a word starting with each word of ``text``; name matches first."""
    from . import names

    phrase = names.normalize(text)
    words = phrase.split()
    if not words:
        raise UsageProblem("search needs at least one letter or digit")
    if len(words) > MAX_SEARCH_WORDS:
        raise UsageProblem(f"search takes at most {MAX_SEARCH_WORDS} words, not {len(words)}")

    # Records with the word at the start of a word in one of their texts ("rocket" finds
    # "rockets", "ain" does not find "against"); names and aliases are texts too. Each
    # distinct text is stored, and scanned, once however many records cite it.
    in_texts = (
        "SELECT record_rowid FROM record_text WHERE text_id IN"
        " (SELECT id FROM text WHERE instr(' ' || norm, ' ' || ?) > 0)"
    )
    each_word = " AND ".join(f"r.rowid IN ({in_texts})" for _ in words) if len(words) > 1 else ""
    rows = store.execute(
        f"WITH phrase_in_text(rowid) AS MATERIALIZED ({in_texts})"
        " SELECT r.kind, r.id, r.name, r.names_norm, coalesce(j.json, r.json), r.seq,"
        " r.rowid IN phrase_in_text FROM record r LEFT JOIN event_json j ON j.seq = r.event_seq"
        f" WHERE {each_word or 'r.rowid IN phrase_in_text'}",
        (phrase, *(words if len(words) > 1 else [])),
    ).fetchall()
    ranked = sorted(
        (
            (
                _search_score(phrase, names_norm, bool(phrase_in_text)),
                kind,
                record_id,
                name,
                body,
                seq,
            )
            for kind, record_id, name, names_norm, body, seq, phrase_in_text in rows
        ),
        key=lambda row: (-row[0], _KINDS.index(row[1]), row[5]),
    )
    # Ids are validated slugs, safe in JSON as they are.
    items = (
        f'{{"kind": "{kind}", "id": "{record_id}", "name": {jsonout.string(name)},'
        f' "score": {score}, "record": {body}}}'
        for score, kind, record_id, name, body, _seq in ranked
    )
    return Listing(
        f"Search: {text}",
        items,
        (
            Column("Kind", lambda row: row["kind"]),
            Column("Name", lambda row: row["name"]),
            Column("ID", lambda row: row["id"]),
        ),
    )


_KINDS = ("actor", "place", "analyst", "event", "quote", "source")


def _search_score(phrase: str, names_norm: str, in_text: bool) -> int:
    """A name that is the phrase scores 8, a name containing it 4, a text containing it 2,
    and each of its words in a name 1 more."""
    score = 2 if in_text else 0
    spaced = " " + names_norm
    if " " + phrase in spaced:
        score += 4
        if phrase in names_norm.split(" | "):
            score += 8
    words = phrase.split()
    if len(words) > 1:
        score += sum(" " + word in spaced for word in words)
    return score


def summary(store: sqlite3.Connection, filters: EventFilter = EventFilter()) -> Detail:
    """Counts by type, month, place and actor; munitions and casualty totals; the date span."""
    where, params = _event_where(store, filters)
    # Without filters every event is in scope, and leaving the IN (...) out keeps the
    # counts index-only: a summary of 100,000 events stays well under 100 ms.
    within = f" WHERE event_id IN (SELECT e.id FROM event e{where})" if where else ""
    labels = dict(store.execute("SELECT id, name FROM record WHERE kind IN ('actor', 'place')"))

    def counts(sql: str) -> dict[str, int]:
        return {str(key): count for key, count in store.execute(sql, params)}

    def named(sql: str) -> dict[str, int]:
        found = [(labels.get(key, key), count) for key, count in store.execute(sql, params)]
        return dict(sorted(found, key=lambda item: (-item[1], item[0])))

    total, first, last = store.execute(
        f"SELECT count(*), min(e.date_start), max(e.date_end) FROM event e{where}", params
    ).fetchone()
    by_type = counts(
        f"SELECT e.type, count(*) FROM event e{where} GROUP BY e.type ORDER BY count(*) DESC, e.type"
    )
    by_month = counts(
        f"SELECT substr(e.date_start, 1, 7) AS month, count(*) FROM event e{where}"
        + (" AND" if where else " WHERE")
        + " substr(e.date_start, 1, 7) = substr(e.date_end, 1, 7) GROUP BY month ORDER BY month"
    )
    by_place = named(f"SELECT place_id, count(*) FROM event_place{within} GROUP BY place_id")
    by_actor = named(f"SELECT actor_id, count(DISTINCT event_id) FROM event_actor{within} GROUP BY actor_id")
    munitions = {
        weapon: {
            "count": count,
            "at_least": bool(at_least),
            "intercepted": intercepted,
            "events": events_count,
            "events_without_count": uncounted,
        }
        for weapon, count, at_least, intercepted, events_count, uncounted in store.execute(
            "SELECT weapon, sum(count), max(at_least), sum(coalesce(intercepted, 0)),"
            f" count(DISTINCT event_id), sum(count IS NULL) FROM munition{within}"
            " GROUP BY weapon ORDER BY sum(count) DESC, weapon",
            params,
        )
    }
    killed, injured, unknown_killed, unknown_injured = store.execute(
        f"SELECT sum(killed), sum(injured), sum(killed IS NULL), sum(injured IS NULL) FROM event e{where}",
        params,
    ).fetchone()
    data: Row = {
        "events": total,
        "date_span": {"first": first, "last": last},
        "by_type": by_type,
        "by_month": by_month,
        "by_place": by_place,
        "by_actor": by_actor,
        "munitions": munitions,
        "casualties": {
            "killed": killed or 0,
            "injured": injured or 0,
            "events_with_unknown_killed": unknown_killed or 0,
            "events_with_unknown_injured": unknown_injured or 0,
        },
    }
    count_columns = (Column("", lambda row: row["key"]), Column("Events", lambda row: row["count"]))

    def section(title: str, mapping: dict[str, int]) -> Section:
        return Section(title, count_columns, [{"key": key, "count": count} for key, count in mapping.items()])

    fields = (
        ("Events", total),
        ("Date span", f"{first} to {last}" if total else ""),
        (
            "Casualties",
            f"{data['casualties']['killed']} killed, {data['casualties']['injured']} injured"
            f" (killed unknown in {data['casualties']['events_with_unknown_killed']} events,"
            f" injured unknown in {data['casualties']['events_with_unknown_injured']})",
        ),
    )
    sections = (
        section("By type", by_type),
        section("By month", by_month),
        section("By place", by_place),
        section("By actor", by_actor),
        Section(
            "Munitions",
            (
                Column("Weapon", lambda row: row["weapon"]),
                Column(
                    "Count",
                    lambda row: (
                        "unknown"
                        if row["count"] is None
                        else ("≥" if row["at_least"] else "") + str(row["count"])
                    ),
                ),
                Column("Intercepted", lambda row: row["intercepted"]),
                Column("Events", lambda row: row["events"]),
                Column("Events without a count", lambda row: row["events_without_count"]),
            ),
            [{"weapon": weapon, **values} for weapon, values in munitions.items()],
        ),
    )
    return Detail("Summary", data, fields, sections)
