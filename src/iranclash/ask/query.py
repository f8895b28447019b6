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
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

from iranclash.ask.labels import NONE_REPORTED, casualties_label, munitions_label
from iranclash.core import jsonout
from iranclash.core.dates import PartialDate
from iranclash.core.errors import NotFound, UsageProblem
from iranclash.core.jsonout import Raw
from iranclash.core.results import Column, Detail, Fit, Listing, ParsedRows, Row, Section, id_column
from iranclash.core.vocabulary import CERTAINTIES, ROLES, EventType

if TYPE_CHECKING:
    pass


class EventFilter(NamedTuple):
    """Filters that compose: each given one narrows the events further.

    An imprecise date matches ``since``/``until`` only when all of it lies inside the
    range, unless ``overlap`` is set: then any part of it inside the range will do.
    """

    since: PartialDate | None = None
    until: PartialDate | None = None
    actor: str | None = None
    place: str | None = None
    country: str | None = None
    types: tuple[EventType, ...] = ()
    overlap: bool = False


#: Every event: the filter of a question that gives none.
NO_FILTERS = EventFilter()


def resolve(store: sqlite3.Connection, kind: str, text: str) -> str:
    """The id of the one record of ``kind`` that ``text`` names (see ``ask.resolve``)."""
    from iranclash.ask import resolve as resolving

    return resolving.resolve(store, kind, text)


def _close_matches(word: str, candidates: list[str], *, n: int, cutoff: float) -> list[str]:
    """difflib's close matches; imported here, as only a failed lookup needs it."""
    import difflib

    return difflib.get_close_matches(word, candidates, n=n, cutoff=cutoff)


# --- events --------------------------------------------------------------------------


def event_where(store: sqlite3.Connection, filters: EventFilter) -> tuple[str, list[object]]:
    if filters.since and filters.until and filters.until.end < filters.since.start:
        raise UsageProblem(f"--until {filters.until} is earlier than --since {filters.since}")
    clauses: list[str] = []
    params: list[object] = []
    if filters.since:
        clauses.append("e.date_end >= ?" if filters.overlap else "e.date_start >= ?")
        params.append(filters.since.start.isoformat())
    if filters.until:
        clauses.append("e.date_start <= ?" if filters.overlap else "e.date_end <= ?")
        params.append(filters.until.end.isoformat())
    if filters.actor:
        actor = resolve(store, "actor", filters.actor)
        clauses.append(f"e.id IN (SELECT event_id FROM event_actor WHERE actor = {_KEY})")
        params.append(actor)
    if filters.place:
        place = resolve(store, "place", filters.place)
        clauses.append(
            "e.id IN (SELECT event_id FROM event_place WHERE place IN (SELECT rowid FROM record_data"
            " WHERE id IN (WITH RECURSIVE inside(id) AS (SELECT ? UNION"
            " SELECT link.subject FROM link JOIN inside ON link.object = inside.id"
            " WHERE link.predicate = 'located_in') SELECT id FROM inside)))"
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


def imprecise_left_out(store: sqlite3.Connection, filters: EventFilter) -> int:
    """How many events a date range leaves out although their imprecise dates overlap it
    (an event dated "2021" may fall after 27 June 2021): those ``overlap`` would add."""
    if filters.overlap or not (filters.since or filters.until):
        return 0
    counted = []
    for overlap in (True, False):
        where, params = event_where(store, filters._replace(overlap=overlap))
        counted.append(store.execute(f"SELECT count(*) FROM event e{where}", params).fetchone()[0])
    return int(counted[0] - counted[1])


def _resolve_country(store: sqlite3.Connection, text: str) -> str:
    from iranclash.core import names

    key = names.normalize(text)
    known = [row[0] for row in store.execute("SELECT DISTINCT country FROM event_country")]
    if key in known:
        return key
    close = tuple(_close_matches(key, known, n=3, cutoff=0.5))
    from iranclash.ask.resolve import quoted

    raise NotFound(f"no events in a country named {quoted(text)}", close)


def _place_label(labels: dict[str, str]) -> Callable[[Row], object]:
    return lambda row: ", ".join(labels.get(place, place) for place in row["places"])


def _actor_label(labels: dict[str, str]) -> Callable[[Row], object]:
    return lambda row: ", ".join(
        f"{labels.get(link['actor'], link['actor'])} ({_role(link)})" for link in row["actors"]
    )


def _role(link: Row) -> str:
    certainty = link.get("certainty", "confirmed")
    if link.get("according_to"):
        return f"{link['role']}, according to {link['according_to']}"
    return link["role"] if certainty == "confirmed" else f"{link['role']}, {certainty}"


def record_counts(store: sqlite3.Connection) -> dict[str, int]:
    """How many records of each kind the store holds, by kind."""
    return dict(
        store.execute(
            "SELECT kind, count(*) FROM record GROUP BY kind UNION ALL"
            " SELECT 'event', count(*) FROM event WHERE EXISTS (SELECT 1 FROM event) ORDER BY 1"
        )
    )


def _labels_of(store: sqlite3.Connection) -> dict[str, str]:
    return dict(store.execute("SELECT id, name FROM record WHERE kind IN ('actor', 'place')"))


def event_columns(store: sqlite3.Connection) -> tuple[Column, ...]:
    labels = _labels_of(store)
    return (
        Column("Date", lambda row: row["date"], Fit.WHOLE),
        Column("Type", lambda row: row["type"], Fit.WHOLE),
        Column("Title", lambda row: row["title"], Fit.CUT),
        Column("Place", _place_label(labels), Fit.CUT),
        Column("Actors", _actor_label(labels), Fit.CUT, wide=True),
        Column("Munitions", munitions_label, Fit.CUT, wide=True),
        Column("Casualties", casualties_label, Fit.CUT, wide=True),
        Column("Certainty", lambda row: row["certainty"], Fit.WHOLE, wide=True),
        id_column(),
    )


def events(store: sqlite3.Connection, filters: EventFilter = NO_FILTERS) -> Listing:
    """Events matching every filter, oldest first (an imprecise date sorts by its start)."""
    where, params = event_where(store, filters)
    cursor = store.execute(
        f"SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq{where}"
        " ORDER BY e.date_start, e.date_end, e.seq",
        params,
    )

    def total() -> int:
        counted: int = store.execute(f"SELECT count(*) FROM event e{where}", params).fetchone()[0]
        return counted

    return Listing("Events", (row[0] for row in cursor), event_columns(store), total)


def record(store: sqlite3.Connection, record_id: str) -> Row:
    row = store.execute("SELECT json FROM record WHERE id = ?", (record_id,)).fetchone()
    if row is None:
        raise NotFound(f"no record with id {record_id}")
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
    events = [record_id for record_id in ids if record_id not in found]
    if events:  # events are kept apart from the other records (``store``)
        marks = ",".join("?" * len(events))
        for event_id, text in store.execute(
            f"SELECT e.id, j.json FROM event e JOIN event_json j ON j.seq = e.seq WHERE e.id IN ({marks})",
            tuple(events),
        ):
            found[event_id] = {"id": event_id, "kind": "event", "name": json.loads(text)["title"]}
    return [found[record_id] for record_id in ids if record_id in found]


#: Fields of a record that hold the ids of other records.
_REFERENCES = ("places", "responds_to", "member_of", "backed_by", "located_in", "interview")


def _linked(store: sqlite3.Connection, data: Row) -> dict[str, Row]:
    """The kind and name of every record that ``data``'s own fields refer to, by id.

    A lookup prints a record exactly as its listing does (ids stay ids) and adds this map,
    so a script reads ``linked[id].name`` instead of a field whose shape changes."""
    ids: list[str] = []
    for key in _REFERENCES:
        value = data.get(key)
        ids.extend([value] if isinstance(value, str) else value or [])
    ids.extend(link["actor"] for link in data.get("actors", []))
    ids.extend(citation["source"] for citation in data.get("sources", []))
    ids.extend(item for quote in data.get("quotes", []) for item in quote.get("about", []))
    return brief_map(store, list(dict.fromkeys(ids)))


def brief_map(store: sqlite3.Connection, ids: Sequence[str]) -> dict[str, Row]:
    return {row["id"]: {"kind": row["kind"], "name": row["name"]} for row in _brief(store, ids)}


_EVENT_BRIEF_COLUMNS = (
    Column("Date", lambda row: row["date"], Fit.WHOLE),
    Column("Title", lambda row: row["title"]),
    id_column(),
)
_QUOTE_COLUMNS = (
    Column("Analyst", lambda row: row["analyst_name"]),
    Column("Footnote", lambda row: row["footnote"], Fit.WHOLE),
    Column("Quote", lambda row: row["text"]),
)


def _events_linked(store: sqlite3.Connection, sql: str, params: Sequence[object]) -> list[Row]:
    return [json.loads(text) for text in _event_texts(store, sql, params)]


#: An actor or place as the link tables key it: its record's rowid, from its id (``store``).
_KEY = "(SELECT rowid FROM record_data WHERE id = ?)"

#: The most events a lookup (``actor``, ``place``) nests: the latest, in date order. An
#: actor of a large export takes part in hundreds of thousands; ``events --actor`` lists
#: them all, streaming.
LOOKUP_EVENTS = 1000
#: Events latest first (``events`` lists them oldest first: by date, then in reading order),
#: as many as a lookup nests.
_LATEST_FIRST = f"e.date_start DESC, e.date_end DESC, e.seq DESC LIMIT {LOOKUP_EVENTS}"
#: Above this many events, a lookup finds its latest ones by reading the date index from the
#: end and skipping the others, which stops once it has ``LOOKUP_EVENTS`` (an actor in 100,000
#: of a million events: 55 ms). Below it, reading each of its events and sorting costs less
#: (232 events: 1 ms, against 2 s for a read of the whole index).
_READ_FROM_LATEST = 20 * LOOKUP_EVENTS


def _member(total: int) -> str:
    """How the lookup of ``total`` events tests an event's id: written ``+e.id``, SQLite cannot
    start from the ids, and reads the date index for the order instead."""
    return "+e.id" if total > _READ_FROM_LATEST else "e.id"


def _event_texts(store: sqlite3.Connection, sql: str, params: Sequence[object], total: int = 0) -> list[str]:
    """The stored JSON of the latest ``LOOKUP_EVENTS`` events whose ids ``sql`` selects (of
    ``total``), oldest first."""
    return [
        row[0]
        for row in store.execute(
            "SELECT j.json FROM (SELECT e.seq AS seq, e.date_start AS start, e.date_end AS end FROM event e"
            f" WHERE {_member(total)} IN ({sql}) ORDER BY {_LATEST_FIRST}) x"
            " JOIN event_json j ON j.seq = x.seq ORDER BY x.start, x.end, x.seq",
            params,
        )
    ]


def _events_shown(shown: int, total: int, option: str) -> str | None:
    """Said only when a lookup leaves events out: how many, and how to list them all."""
    if shown == total:
        return None
    return f"the latest {shown:,} of {total:,} are shown; iranclash events {option} lists them all"


def _type_detail(data: Row) -> str:
    """Our type beside the dataset's own: ACLED's types (given or derived), or UCDP's."""
    shown = [data["type"]]
    acled = data["acled"]
    if acled is not None:
        shown.append(f"ACLED: {acled['event_type']} / {acled['sub_event_type']}")
    dataset = data.get("dataset")
    if dataset is not None and dataset["name"] != "acled":
        coded = " / ".join(part for part in (dataset["event_type"], dataset["sub_event_type"]) if part)
        shown.append(f"{dataset['name'].upper()}: {coded}")
    return f"{shown[0]} ({'; '.join(shown[1:])})"


def _aliases_label(record_id: str) -> str:
    """Aliases are the names the record's own source uses: the article's, or the dataset's
    (an imported id starts with its dataset: ``acled:actor/...``)."""
    dataset, separator, _rest = record_id.partition(":")
    return f"Aliases (in {dataset.upper()})" if separator else "Aliases (in the article)"


def _external_label(external: Row | None) -> str | None:
    """The names a curated actor goes by in dataset exports, by dataset."""
    if not external:
        return None
    shown = [f"{name.upper()}: " + "; ".join(names) for name, names in external.items() if names]
    return " | ".join(shown) or None


def _row_notes(dataset: Row | None) -> str | None:
    """What could not be read of an imported row as it is, and what was done instead."""
    if not dataset or not dataset.get("notes"):
        return None
    return "; ".join(dataset["notes"])


def _dataset_detail(dataset: Row | None) -> str | None:
    """Where an imported event comes from: the dataset, its row id and the sources it names."""
    if dataset is None:
        return None
    shown = f"{dataset['name'].upper()} {dataset['row']}"
    if dataset["sources"]:
        shown += "; sources: " + "; ".join(dataset["sources"])
    return shown


def _quotes_about(store: sqlite3.Connection, record_id: str) -> list[Row]:
    return _records(
        store,
        "SELECT r.json FROM link JOIN record r ON r.id = link.subject"
        " WHERE link.predicate = 'about' AND link.object = ? ORDER BY r.seq, r.rowid",
        (record_id,),
    )


def event(store: sqlite3.Connection, event_id: str) -> Detail:
    """One event with its actors, places, the events it answers and those answering it."""
    sql = "SELECT j.json FROM event e JOIN event_json j ON j.seq = e.seq WHERE e.id = ?"
    # Ids are ASCII slugs: anything else is at best the start of one, for names to resolve.
    row = store.execute(sql, (event_id,)).fetchone() if event_id.isascii() else None
    if row is None and event_id.isascii():  # a dataset row a curated event is the same as
        same = store.execute(
            "SELECT subject FROM link WHERE predicate = 'same_as' AND object = ?", (event_id,)
        ).fetchone()
        if same is not None:
            event_id = same[0]
            row = store.execute(sql, (event_id,)).fetchone()
    if row is None:
        from iranclash.ask.resolve import resolve_event

        event_id = resolve_event(store, event_id)
        row = store.execute(sql, (event_id,)).fetchone()
    data: Row = json.loads(row[0])
    data["linked"] = _linked(store, data)
    labels = _labels_of(store)
    actors = [{**link, "name": labels.get(link["actor"], link["actor"])} for link in data["actors"]]
    places = _brief(store, data["places"])
    responds_to = _events_brief(store, data["responds_to"])
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
    data["quotes"] = _quotes_about(store, event_id)
    from iranclash.ask.corroborate import CANDIDATE_COLUMNS, best_for

    data["also_recorded_by"] = best_for(store, data)
    fields = (
        ("Date", _date_detail(data)),
        ("Type", _type_detail(data)),
        ("Certainty", data["certainty"]),
        ("Summary", data["summary"]),
        ("Places", ", ".join(place["name"] for place in places)),
        ("Countries", ", ".join(data["countries"])),
        ("Munitions", munitions_label(data)),
        ("Casualties", _casualties_detail(data["casualties"])),
        ("Aggregate", AGGREGATE if data.get("aggregate") else None),
        ("Dataset row", _dataset_detail(data.get("dataset"))),
        ("Read with notes", _row_notes(data.get("dataset"))),
        ("ID", data["id"]),
    )
    sections = (
        Section(
            "Actors",
            (Column("Actor", lambda row: row["name"]), Column("Role", _role)),
            actors,
        ),
        Section("Responds to", _EVENT_BRIEF_COLUMNS, responds_to),
        Section("Responses", _EVENT_BRIEF_COLUMNS, data["responses"]),
        *_citation_sections(store, data["sources"]),
        Section("Quotes about it", _QUOTE_COLUMNS, data["quotes"]),
        # The best rows of the exports in use that may record it (``corroborate`` says more).
        Section(
            "Also recorded by",
            CANDIDATE_COLUMNS,
            data["also_recorded_by"] or (),
            (("Side by side", f"iranclash corroborate {event_id}"),),
        ),
    )
    return Detail(data["title"], data, fields, sections)


_SOURCE_NOTES = (("Source", "title"), ("Author", "author"), ("Publisher", "publisher"), ("Date", "date"))


def _citation_sections(store: sqlite3.Connection, citations: list[Row]) -> list[Section]:
    """The quotes a record rests on, each once with its footnotes, under each source they
    come from; the source's title, author, publisher and date shown once beneath them."""
    by_source: dict[str, dict[str, list[int]]] = {}
    for citation in citations:
        footnotes = by_source.setdefault(citation["source"], {}).setdefault(citation["quote"], [])
        if citation["footnote"] is not None and citation["footnote"] not in footnotes:
            footnotes.append(citation["footnote"])
    sections = []
    for number, (source_id, quotes) in enumerate(by_source.items(), start=1):
        found = store.execute("SELECT json FROM record WHERE id = ?", (source_id,)).fetchone()
        source: Row = json.loads(found[0]) if found else {"title": source_id}
        notes = tuple((label, str(source[key])) for label, key in _SOURCE_NOTES if source.get(key))
        rows = [
            {"footnote": ", ".join(str(footnote) for footnote in footnotes), "quote": quote}
            for quote, footnotes in quotes.items()
        ]
        title = "Sources" if len(by_source) == 1 else f"Sources ({number} of {len(by_source)})"
        columns = _QUOTE_ONCE_COLUMNS if any(row["footnote"] for row in rows) else _QUOTE_ONCE_COLUMNS[1:]
        sections.append(Section(title, columns, rows, notes))
    return sections


_QUOTE_ONCE_COLUMNS = (
    Column("Footnote", lambda row: row["footnote"], Fit.WHOLE),
    Column("Quote", lambda row: row["quote"]),
)


#: What an aggregate event is, shown with it.
AGGREGATE = (
    "sums up incidents the source does not list one by one; it may include events recorded on "
    "their own, so totals never add it to them"
)
#: Shown beside a date whose year the source does not state.
YEAR_INFERRED = "year inferred: the source does not state it"
#: A source saying no casualties were reported: no figure, not 0 (no one killed).


def _date_detail(row: Row) -> str:
    notes = [note for note in (row["date_note"], row.get("year_inferred") and YEAR_INFERRED) if note]
    return str(row["date"]) + (f" ({'; '.join(notes)})" if notes else "")


def _casualties_detail(casualties: Row | None) -> str:
    if not casualties:
        return "unknown"
    prefix = "at least " if casualties.get("at_least") else ""
    parts = [
        f"{key}: {'unknown' if casualties[key] is None else prefix + str(casualties[key])}"
        for key in ("killed", "injured")
    ]
    if casualties.get("none_reported"):
        return NONE_REPORTED + (f" ({casualties['note']})" if casualties["note"] else "")
    if casualties["note"]:
        parts.append(f"({casualties['note']})")
    return ", ".join(parts)


def _events_brief(store: sqlite3.Connection, ids: Sequence[str]) -> list[Row]:
    rows = _events_linked(store, "SELECT value FROM json_each(?)", (json.dumps(list(ids)),))
    return [{"id": row["id"], "date": row["date"], "title": row["title"]} for row in rows]


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
            Column("Name", lambda row: row["name"], Fit.CUT),
            Column("Kind", lambda row: row["kind"], Fit.WHOLE),
            Column("Country", lambda row: row["country"], Fit.CUT),
            Column(
                "Member of",
                lambda row: ", ".join(labels.get(i, i) for i in row["member_of"]),
                Fit.CUT,
                wide=True,
            ),
            Column(
                "Backed by",
                lambda row: ", ".join(labels.get(i, i) for i in row["backed_by"]),
                Fit.CUT,
                wide=True,
            ),
            Column("Also", lambda row: ", ".join([*row["aliases"], *row["known_as"]]), Fit.CUT, wide=True),
            id_column(),
        ),
    )


def actor(store: sqlite3.Connection, name: str) -> Detail:
    """An actor with its umbrella, members, backers, clients, events and quotes about it."""
    actor_id = resolve(store, "actor", name)
    data = record(store, actor_id)
    data["linked"] = _linked(store, data)

    def linked(predicate: str, *, reverse: bool) -> list[Row]:
        sql = (
            "SELECT subject FROM link WHERE predicate = ? AND object = ?"
            if reverse
            else "SELECT object FROM link WHERE predicate = ? AND subject = ?"
        )
        return _brief(store, [row[0] for row in store.execute(sql, (predicate, actor_id))])

    member_of = linked("member_of", reverse=False)
    data["members"] = linked("member_of", reverse=True)
    backed_by = linked("backed_by", reverse=False)
    data["backs"] = linked("backed_by", reverse=True)
    key = store.execute(f"SELECT {_KEY}", (actor_id,)).fetchone()[0]
    total = store.execute(
        "SELECT count(DISTINCT event_id) FROM event_actor WHERE actor = ?", (key,)
    ).fetchone()[0]
    # Each event's stored JSON, with the actor's role and how firmly the source attributes
    # it put in front, spliced in unparsed.
    events = [
        '{"role": '
        + json.dumps(", ".join(ROLES[int(code)] for code in roles.split(",")))
        + ', "role_certainty": '
        + json.dumps(", ".join(CERTAINTIES[int(code)] for code in certainties.split(",")))
        + ", "
        + text[1:]
        for text, roles, certainties in store.execute(
            "SELECT j.json, (SELECT group_concat(a.role) FROM event_actor a WHERE a.actor = ?2"
            " AND a.event_id = x.id), (SELECT group_concat(a.certainty) FROM event_actor a"
            " WHERE a.actor = ?2 AND a.event_id = x.id) FROM (SELECT e.seq AS seq, e.id AS id,"
            " e.date_start AS start, e.date_end AS end FROM event e"
            f" WHERE {_member(total)} IN (SELECT event_id FROM event_actor WHERE actor = ?2)"
            f" ORDER BY {_LATEST_FIRST}) x JOIN event_json j ON j.seq = x.seq ORDER BY x.start, x.end, x.seq",
            (actor_id, key),
        )
    ]
    data["events"] = [Raw(text) for text in events]
    data["events_total"] = total
    data["quotes"] = _quotes_about(store, actor_id)
    fields = (
        ("Kind", data["kind"]),
        ("Title", data["title"]),
        ("Country", data["country"]),
        (_aliases_label(data["id"]), ", ".join(data["aliases"])),
        ("Also known as (general knowledge)", ", ".join(data["known_as"])),
        ("Description", data["description"]),
        ("Member of", ", ".join(item["name"] for item in member_of)),
        ("Members", ", ".join(item["name"] for item in data["members"])),
        ("Backed by", ", ".join(item["name"] for item in backed_by)),
        ("In datasets as (general knowledge)", _external_label(data.get("external"))),
        ("Backs", ", ".join(item["name"] for item in data["backs"])),
        ("Events", _events_shown(len(events), total, f"--actor {actor_id}")),
        ("ID", data["id"]),
    )
    sections = (
        Section(
            "Events",
            (
                *_EVENT_BRIEF_COLUMNS[:2],
                Column("Role", _roles_of(actor_id)),
                Column("Certainty", lambda row: row["certainty"]),
                _EVENT_BRIEF_COLUMNS[2],
            ),
            ParsedRows(events),
        ),
        Section("Quotes about it", _QUOTE_COLUMNS, data["quotes"]),
        *_citation_sections(store, data["sources"]),
    )
    return Detail(data["name"], data, fields, sections)


def _roles_of(actor_id: str) -> Callable[[Row], str]:
    """An actor's roles in one event, each with its hedge ("attacker, believed"), or whose
    word a reported one rests on ("target, according to the Pentagon"), as the event shows
    them. The hedges are the link table's; whose word, the event's own links (in its JSON,
    at hand for the events shown), since the table of every event's links has no room for
    it. A role the actor has through a dataset's actor (``external``) has no one's word."""

    def roles(row: Row) -> str:
        words = {
            link["role"]: link.get("according_to") for link in row["actors"] if link["actor"] == actor_id
        }
        pairs = zip(row["role"].split(", "), row["role_certainty"].split(", "), strict=False)
        return "; ".join(
            _role({"role": role, "certainty": certainty, "according_to": words.get(role)})
            for role, certainty in pairs
        )

    return roles


def _place_columns() -> tuple[Column, ...]:
    return (
        Column("Name", lambda row: row["name"], Fit.CUT),
        Column("Kind", lambda row: row["kind"], Fit.WHOLE),
        Column(
            "Country",
            lambda row: row["country"] or " / ".join(side["country"] for side in row["sides"]),
            Fit.CUT,
        ),
        Column("Coordinates", _coordinates_label, Fit.WHOLE, wide=True),
        id_column(),
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
        return lambda row: _side_label(row["sides"][index]) if len(row["sides"]) > index else ""

    return _kind_listing(
        store,
        "place",
        "border-crossing",
        "Border crossings",
        (
            Column("Crossing", lambda row: row["name"], Fit.CUT),
            Column("Side A", side(0), Fit.CUT),
            Column("Side B", side(1), Fit.CUT),
            Column("Status", lambda row: row["status"], Fit.WHOLE),
            Column("Since", lambda row: row["status_since"], Fit.WHOLE),
            Column("Significance", lambda row: row["significance"], Fit.CUT, wide=True),
            id_column(),
        ),
    )


def _side_label(side: Row) -> str:
    """A crossing's side; which town lies on which side is marked when the source does not say."""
    known = "; general knowledge" if side.get("general_knowledge") else ""
    return f"{side['name']} ({side['country']}{known})"


def place(store: sqlite3.Connection, name: str) -> Detail:
    """A place with what it lies in, what lies in it, its events and quotes about it."""
    place_id = resolve(store, "place", name)
    data = record(store, place_id)
    data["linked"] = _linked(store, data)
    located_in = _brief(store, [data["located_in"]] if data["located_in"] else [])
    data["contains"] = _brief(
        store,
        [
            row[0]
            for row in store.execute(
                "SELECT subject FROM link WHERE predicate = 'located_in' AND object = ?", (place_id,)
            )
        ],
    )
    total = store.execute(f"SELECT count(*) FROM event_place WHERE place = {_KEY}", (place_id,)).fetchone()[0]
    events = _event_texts(store, f"SELECT event_id FROM event_place WHERE place = {_KEY}", (place_id,), total)
    data["events"] = [Raw(text) for text in events]
    data["events_total"] = total
    data["quotes"] = _quotes_about(store, place_id)
    sides = " / ".join(_side_label(side) for side in data["sides"])
    fields = (
        ("Kind", data["kind"]),
        ("Country", data["country"]),
        ("Sides", sides),
        (
            "Status",
            (data["status"] or "") + (f" since {data['status_since']}" if data["status_since"] else ""),
        ),
        ("Significance", data["significance"]),
        ("Located in", ", ".join(item["name"] for item in located_in)),
        ("Contains", ", ".join(item["name"] for item in data["contains"])),
        ("Coordinates (general knowledge)", _coordinates_label(data)),
        (_aliases_label(data["id"]), ", ".join(data["aliases"])),
        ("Also known as (general knowledge)", ", ".join(data["known_as"])),
        ("Events", _events_shown(len(events), total, f"--place {place_id}")),
        ("ID", data["id"]),
    )
    sections = (
        Section(
            "Events",
            (
                *_EVENT_BRIEF_COLUMNS[:2],
                Column("Actors", _actor_label(_labels_of(store))),
                Column("Certainty", lambda row: row["certainty"]),
                _EVENT_BRIEF_COLUMNS[2],
            ),
            ParsedRows(events),
        ),
        Section("Quotes about it", _QUOTE_COLUMNS, data["quotes"]),
        *_citation_sections(store, data["sources"]),
    )
    return Detail(data["name"], data, fields, sections)


def analysts(store: sqlite3.Connection) -> Listing:
    return _kind_listing(
        store,
        "analyst",
        None,
        "Analysts",
        (
            Column("Name", lambda row: row["name"], Fit.CUT),
            Column("Affiliation", lambda row: row["affiliation"], Fit.CUT),
            Column("Quotes", lambda row: len(row["quotes"]), Fit.WHOLE),
            id_column(),
        ),
    )


def analyst(store: sqlite3.Connection, name: str) -> Detail:
    """An analyst with the interview behind the quotes and every quote with its footnote."""
    analyst_id = resolve(store, "analyst", name)
    data = record(store, analyst_id)
    data["linked"] = _linked(store, data)
    interview = record(store, data["interview"]) if data["interview"] else None
    data["interview_source"] = interview
    about = brief_map(store, [item for quote in data["quotes"] for item in quote["about"]])
    labels = {record_id: str(row["name"]) for record_id, row in about.items()}
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
        ("ID", data["id"]),
    )
    sections = (
        Section(
            "Quotes",
            (
                Column("Footnote", _quote_footnote, Fit.WHOLE),
                Column("Quote", lambda row: row["text"]),
                Column(
                    "About",
                    lambda row: ", ".join(labels.get(item, item) for item in row["about"]),
                ),
                # The id is what ``cite`` takes to give a quote's evidence and references.
                id_column(),
            ),
            data["quotes"],
        ),
        # The analyst's own citations and every one of the quotes': all the footnotes they carry.
        *_citation_sections(
            store,
            [*data["sources"], *(citation for quote in data["quotes"] for citation in quote["sources"])],
        ),
    )
    return Detail(data["name"], data, fields, sections)


def _quote_footnote(row: Row) -> str | None:
    """A quote's footnote, "(inferred)" where the source's text has no marker for it."""
    if row["footnote"] is None:
        return None
    return f"{row['footnote']} (inferred)" if row.get("footnote_inferred") else str(row["footnote"])


# --- search and summary ----------------------------------------------------------------


#: Each word is one more condition in the query; SQLite refuses a query nested
#: about a thousand deep ("Expression tree is too large").
MAX_SEARCH_WORDS = 100


def search(store: sqlite3.Connection, text: str) -> Listing:
    """Every record with a word starting with each word of ``text``; name matches first."""
    from iranclash.core import names

    phrase = names.normalize(text)
    words = phrase.split()
    if not words:
        raise UsageProblem("search needs at least one letter or digit")
    if len(words) > MAX_SEARCH_WORDS:
        raise UsageProblem(f"search takes at most {MAX_SEARCH_WORDS} words, not {len(words)}")

    # Records with a word starting with each word in their texts ("rocket" finds "rockets",
    # "ain" does not find "against"); names and aliases are texts too. A normalized word is
    # letters and digits only, so quoted it is one prefix term of FTS5's query language.
    match = " AND ".join(f'"{word}"*' for word in words)
    rows = store.execute(
        "SELECT r.kind, r.id, r.name, r.names_norm, r.json, r.seq FROM search_text s"
        " JOIN record r ON r.rowid = -s.rowid WHERE search_text MATCH ? AND s.rowid < 0",
        (match,),
    ).fetchall()
    # Events are indexed by their seq, other records by their rowid negated (``store``).
    for event_id, body, seq in store.execute(
        "SELECT e.id, j.json, e.seq FROM search_text s JOIN event e ON e.seq = s.rowid"
        " JOIN event_json j ON j.seq = e.seq WHERE search_text MATCH ? AND s.rowid > 0",
        (match,),
    ).fetchall():
        title = str(json.loads(body)["title"])
        rows.append(("event", event_id, title, names.normalize(title), body, seq))
    ranked = sorted(
        (
            (
                _search_score(phrase, names_norm, len(words) == 1 or _phrase_in_texts(phrase, body)),
                kind,
                record_id,
                name,
                body,
                seq,
            )
            for kind, record_id, name, names_norm, body, seq in rows
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
            Column("Kind", lambda row: row["kind"], Fit.WHOLE),
            Column("Name", lambda row: row["name"], Fit.CUT),
            id_column(),
        ),
    )


_KINDS = ("actor", "place", "analyst", "event", "source", "quote")


def _phrase_in_texts(phrase: str, body: str) -> bool:
    """Whether one of the record's texts has the words together, in order, as the search
    matches each word: ranked above records with them in separate texts. (The index says
    only which records hold a word; this reads the few records a phrase search finds.)"""
    from iranclash.core import names
    from iranclash.core.searchable import searched_texts

    wanted = " " + phrase
    return any(wanted in " " + names.normalize(text) for text in searched_texts(json.loads(body)))


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
