"""The picture at a glance: counts by type, month, place and actor, munitions and casualty
totals, and the rows of the exports no count includes.

The summary of every event is computed once, when a cache is built (``store_summary``, which
the command line hands the build), and read back; a filtered summary is computed as asked.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from iranclash.ask.query import NO_FILTERS, EventFilter, brief_map, event_where, record, resolve
from iranclash.core import jsonout
from iranclash.core.results import Column, Detail, Row, Section

if TYPE_CHECKING:
    from iranclash.core.totals import Total


def _export_rows(store: sqlite3.Connection) -> Row | None:
    """What became of the exports' rows, all files together; None where none was read."""
    from iranclash.build.store import accounts

    found = accounts(store)
    if not found:
        return None
    return {
        "rows": sum(account.rows for account in found),
        "read": sum(account.read for account in found),
        "with_notes": sum(account.noted for account in found),
        "set_aside": sum(account.set_aside for account in found),
    }


def _export_rows_label(counts: Row | None) -> str | None:
    """The export rows counted, and those set aside, which no count here includes."""
    if counts is None:
        return None
    return (
        f"{counts['rows']:,} rows: {counts['read'] + counts['with_notes']:,} read "
        f"({counts['with_notes']:,} with notes), {counts['set_aside']:,} set aside and not counted"
    )


def summary(store: sqlite3.Connection, filters: EventFilter = NO_FILTERS) -> Detail:
    """Counts by type, month, place and actor; munitions and casualty totals; the date span.

    Totals follow ``totals``: a missing figure makes a total "at least N" or "unknown",
    never 0, and an aggregate record is never added to the records it may include.
    """
    from iranclash.core import totals

    data = _precomputed_summary(store) if filters == NO_FILTERS else None
    if data is None:
        data = summary_data(store, filters)
    labels = {key: item["name"] for key, item in data["linked"].items()}
    by_place, by_actor, hedged_by_actor = data["by_place"], data["by_actor"], data["hedged_by_actor"]
    munitions, total = data["munitions"], data["events"]
    first, last = data["date_span"]["first"], data["date_span"]["last"]
    casualties = data["casualties"]
    casualty_totals = {
        key: totals.Total(casualties[key], casualties[f"{key}_at_least"]) for key in ("killed", "injured")
    }
    count_columns = (Column("", lambda row: row["key"]), Column("Events", lambda row: row["count"]))

    def section(title: str, mapping: dict[str, int]) -> Section:
        return Section(title, count_columns, [{"key": key, "count": count} for key, count in mapping.items()])

    def shown(value: int | None, at_least: bool) -> str:
        return str(totals.Total(value, at_least))

    hedged_note = None
    if filters.actor:
        # Every figure of an actor's summary rests on its links to the events: say how many
        # of those links the sources only believe, report or expect.
        actor_id = resolve(store, "actor", filters.actor)
        name = labels.get(actor_id) or record(store, actor_id)["name"]
        hedged = hedged_by_actor.get(actor_id, 0)
        hedged_note = f"{hedged} of {total} events link {name} only as believed, reported or expected"
    casualty_text = (
        f"{casualty_totals['killed']} killed, {casualty_totals['injured']} injured"
        f" (killed unknown in {casualties['events_with_unknown_killed']} events,"
        f" injured unknown in {casualties['events_with_unknown_injured']})"
    )
    if filters.actor:
        # The data says how many were killed or injured in an event, never on whose side:
        # the 7 July injured are neither the U.S. forces' nor the militias' to count.
        casualty_text = f"in its events (the data does not say whose): {casualty_text}"
    fields = (
        ("Events", total),
        ("Export rows", _export_rows_label(data["export_rows"])),
        ("Corroborated", _corroborated_label(data["corroborated"])),
        ("Hedged", hedged_note),
        ("Date span", f"{first} – {last}" if total else ""),
        ("Casualties", casualty_text),
    )
    sections = (
        section("By type", data["by_type"]),
        section("By month", data["by_month"]),
        Section(
            "By place",
            count_columns,
            [{"key": labels.get(key, key), "count": count} for key, count in by_place.items()],
        ),
        Section(
            "By actor",
            (
                *count_columns,
                # Events in which the actor's part, or the event itself, is only believed,
                # reported or expected: how much of its count rests on hedged links.
                Column("Hedged", lambda row: row["hedged"]),
            ),
            [
                {"key": labels.get(key, key), "count": count, "hedged": hedged_by_actor.get(key, 0)}
                for key, count in by_actor.items()
            ],
        ),
        Section(
            "Munitions",
            (
                Column("Weapon", lambda row: row["weapon"]),
                Column("Count", lambda row: shown(row["count"], row["at_least"])),
                Column("Intercepted", lambda row: shown(row["intercepted"], row["intercepted_at_least"])),
                Column("Events", lambda row: row["events"]),
                Column("Events without a count", lambda row: row["events_without_count"]),
                Column("Aggregates", lambda row: row["aggregate_events"]),
            ),
            [{"weapon": weapon, **values} for weapon, values in munitions.items()],
        ),
    )
    return Detail("Summary", data, fields, sections)


#: Where the summary of every event is kept, computed when the cache is built (``store_summary``).
_SUMMARY = "summary"


def store_summary(store: sqlite3.Connection, reader: Callable[[], sqlite3.Connection] | None = None) -> None:
    """Compute the summary of every event once, as a cache is built: over a million
    events its counts take seconds, and the cache never changes once built. ``reader``
    opens another connection to the same file, for counts made meanwhile in a thread."""
    from iranclash.build.integrity import checksum

    text = jsonout.dumps(summary_data(store, NO_FILTERS, reader))
    with store:
        store.execute(
            "INSERT OR REPLACE INTO precomputed_data VALUES (?, ?, ?)", (_SUMMARY, text, checksum(text))
        )


def _corroborated(store: sqlite3.Connection, filters: EventFilter) -> Row | None:
    """How many curated events have a dataset row that may record them (``corroborate``;
    None: no dataset rows loaded). Kept with the summary of every event when a cache is built:
    over a million rows it takes about 0.3 s."""
    from iranclash.ask.corroborate import with_candidates

    where, params = event_where(store, filters)
    counted = with_candidates(store, where, params)
    if counted is None:
        return None
    return {"with_candidate": counted[0], "curated_events_with_a_place": counted[1]}


def _corroborated_label(corroborated: Row | None) -> str | None:
    if corroborated is None:
        return None
    found, of = corroborated["with_candidate"], corroborated["curated_events_with_a_place"]
    return f"{found:,} of {of:,} curated events with a place have a dataset row that may record them" + (
        " (corroborate)"
    )


def _precomputed_summary(store: sqlite3.Connection) -> Row | None:
    row = store.execute("SELECT json FROM precomputed WHERE name = ?", (_SUMMARY,)).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def _date_as_written(store: sqlite3.Connection, sql: str, params: Sequence[object]) -> str | None:
    """The date, as its record writes it, of the event whose seq ``sql`` selects (None if none)."""
    found = store.execute(
        f"SELECT json_extract(json, '$.date') FROM event_json WHERE seq = ({sql})", params
    ).fetchone()
    return None if found is None else str(found[0])


def summary_data(
    store: sqlite3.Connection, filters: EventFilter, reader: Callable[[], sqlite3.Connection] | None = None
) -> Row:
    """The figures of ``summary``, as its JSON gives them.

    With ``reader`` (another connection to the store's file, which holds no uncommitted
    change), the events by place and actor are counted in a thread on it while the rest
    is counted here: SQLite lets go of the interpreter as it reads, and over a million
    events each half takes most of a second.
    """
    where, params = event_where(store, filters)
    # Without filters every event is in scope, and leaving the IN (...) out keeps the
    # counts index-only: a summary of 100,000 events stays well under 100 ms.
    within = f" WHERE event_id IN (SELECT e.id FROM event e{where})" if where else ""
    also = " AND" if within else " WHERE"
    labels = dict(store.execute("SELECT id, name FROM record WHERE kind IN ('actor', 'place')"))

    def counts(sql: str) -> dict[str, int]:
        return {str(key): count for key, count in store.execute(sql, params)}

    def named(sql: str, connection: sqlite3.Connection = store) -> dict[str, int]:
        """Counts keyed by record id (names are in ``linked``), most first, then by name."""
        found = list(connection.execute(sql, params))
        return dict(sorted(found, key=lambda item: (-item[1], labels.get(item[0], item[0]))))

    linked = (
        f"SELECT r.id, count(*) FROM event_place p JOIN record_data r ON r.rowid = p.place{within}"
        " GROUP BY p.place",
        f"SELECT r.id, count(DISTINCT a.event_id) FROM event_actor a JOIN record_data r ON r.rowid = a.actor"
        f"{within} GROUP BY a.actor",
        f"SELECT r.id, count(DISTINCT a.event_id) FROM event_actor a JOIN record_data r ON r.rowid = a.actor"
        f"{within}{also} a.hedged GROUP BY a.actor",
    )
    counted: Callable[[], list[dict[str, int]]] | None = None
    if reader is not None:
        from concurrent.futures import ThreadPoolExecutor

        def count_linked() -> list[dict[str, int]]:
            connection = reader()
            try:
                return [named(sql, connection) for sql in linked]
            finally:
                connection.close()

        pool = ThreadPoolExecutor(1)
        counted = pool.submit(count_linked).result
        pool.shutdown(wait=False)  # its thread ends once the counts are made

    (total,) = store.execute(f"SELECT count(*) FROM event e{where}", params).fetchone()
    # The first and last events in listing order; their dates are shown as written ("2000s",
    # not 2000-01-01).
    first, last = (
        _date_as_written(store, f"SELECT e.seq FROM event e{where} ORDER BY {order} LIMIT 1", params)
        for order in ("e.date_start, e.date_end, e.seq", "e.date_start DESC, e.date_end DESC, e.seq DESC")
    )
    by_type = counts(
        f"SELECT e.type, count(*) FROM event e{where} GROUP BY e.type ORDER BY count(*) DESC, e.type"
    )
    by_month = counts(
        f"SELECT substr(e.date_start, 1, 7) AS month, count(*) FROM event e{where}"
        + (" AND" if where else " WHERE")
        + " substr(e.date_start, 1, 7) = substr(e.date_end, 1, 7) GROUP BY month ORDER BY month"
    )
    by_place, by_actor, hedged_by_actor = [named(sql) for sql in linked] if counted is None else counted()

    munitions = _munition_totals(store, where, within, params)
    casualty_totals, unknown_killed, unknown_injured = _casualty_totals(store, where, params)
    data: Row = {
        "events": total,
        "date_span": {"first": first, "last": last},
        "by_type": by_type,
        "by_month": by_month,
        "by_place": by_place,
        "by_actor": by_actor,
        "hedged_by_actor": hedged_by_actor,
        "munitions": munitions,
        "casualties": {
            "killed": casualty_totals["killed"].value,
            "killed_at_least": casualty_totals["killed"].at_least,
            "injured": casualty_totals["injured"].value,
            "injured_at_least": casualty_totals["injured"].at_least,
            "events_with_unknown_killed": unknown_killed,
            "events_with_unknown_injured": unknown_injured,
        },
    }
    # by_place and by_actor are keyed by id; the names are here, as in every lookup.
    data["linked"] = brief_map(store, [*by_place, *by_actor])
    # Of the whole of each export, whatever the filters: the rows no count here includes.
    data["export_rows"] = _export_rows(store)
    data["corroborated"] = _corroborated(store, filters)
    return data


def _tally(known: int | None, records: int, missing: int, at_least: object) -> Total:
    from iranclash.core.totals import of_records

    return of_records(known, records=records, missing=missing, any_at_least=bool(at_least))


def _munition_totals(
    store: sqlite3.Connection, where: str, within: str, params: Sequence[object]
) -> dict[str, dict[str, Any]]:
    """Per weapon: its count and intercepted totals (by ``totals``' rules) and its events."""
    from iranclash.core import totals

    # Munitions: one pass per weapon; only weapons with aggregate records in scope need
    # their figures by date span, to tell which separate records an aggregate may include.
    munitions: dict[str, dict[str, Any]] = {}
    spans: dict[str, dict[str, tuple[list[totals.Dated], list[totals.Dated]]]] = {}
    with_aggregates: list[str] = []
    for (
        weapon,
        events_count,
        rows,
        counted,
        uncounted,
        at_least,
        intercepted,
        not_intercepted,
        aggregates,
    ) in store.execute(
        "SELECT weapon, count(DISTINCT event_id), count(*), sum(count), sum(count IS NULL),"
        " max(at_least), sum(intercepted), sum(intercepted IS NULL), sum(aggregate)"
        f" FROM munition{within} GROUP BY weapon",
        params,
    ):
        munitions[weapon] = {
            "count": _tally(counted, rows, uncounted, at_least),
            "intercepted": _tally(intercepted, rows, not_intercepted, False),
            "events": events_count,
            "events_without_count": uncounted,
            "aggregate_events": aggregates,
        }
        if aggregates:
            with_aggregates.append(weapon)
    if with_aggregates:
        for (
            weapon,
            aggregate,
            start,
            end,
            rows,
            counted,
            uncounted,
            at_least,
            intercepted,
            not_intercepted,
        ) in store.execute(
            "SELECT weapon, aggregate, date_start, date_end, count(*), sum(count),"
            " sum(count IS NULL), max(at_least), sum(intercepted), sum(intercepted IS NULL)"
            f" FROM munition WHERE weapon IN ({','.join('?' * len(with_aggregates))})"
            + (f" AND event_id IN (SELECT e.id FROM event e{where})" if where else "")
            + " GROUP BY 1, 2, 3, 4",
            (*with_aggregates, *params),
        ):
            for figure, known, missing, lower in (
                ("count", counted, uncounted, at_least),
                ("intercepted", intercepted, not_intercepted, False),
            ):
                lists = spans.setdefault(weapon, {}).setdefault(figure, ([], []))
                lists[1 if aggregate else 0].append(
                    totals.Dated(start, end, _tally(known, rows, missing, lower), rows)
                )
        for weapon, by_figure in spans.items():
            for figure, (separate_spans, aggregate_spans) in by_figure.items():
                munitions[weapon][figure] = totals.combined(separate_spans, aggregate_spans)
    for values in munitions.values():
        count, intercepted = values.pop("count"), values.pop("intercepted")
        values.update(
            count=count.value,
            at_least=count.at_least,
            intercepted=intercepted.value,
            intercepted_at_least=intercepted.at_least,
        )
    return dict(sorted(munitions.items(), key=lambda item: (-(item[1]["count"] or 0), item[0])))


def _casualty_totals(
    store: sqlite3.Connection, where: str, params: Sequence[object]
) -> tuple[dict[str, Total], int, int]:
    """Killed and injured totals (by ``totals``' rules), and how many events give no figure."""
    from iranclash.core import totals

    # Aggregate records are rare (a partial index finds them) and seldom give a figure: the
    # separate events' figures are those of all events less the aggregates', and only when an
    # aggregate gives a figure are the events' figures needed by date span.
    columns = (
        "count(*), coalesce(sum(e.killed), 0), sum(e.killed IS NULL), coalesce(sum(e.injured), 0),"
        " sum(e.injured IS NULL), coalesce(sum(e.casualties_at_least), 0), min(e.date_start), max(e.date_end)"
    )
    every = store.execute(f"SELECT {columns} FROM event e{where}", params).fetchone()
    of_aggregates = store.execute(
        f"SELECT {columns} FROM event e{where}{' AND' if where else ' WHERE'} e.aggregate", params
    ).fetchone()
    records, killed, unknown_separate_killed, injured, unknown_separate_injured, at_least = (
        (total or 0) - (part or 0) for total, part in zip(every[:6], of_aggregates[:6], strict=True)
    )
    aggregates = of_aggregates[0]
    figured_aggregates = aggregates and (of_aggregates[2] < aggregates or of_aggregates[4] < aggregates)
    unknown_killed, unknown_injured, first_start, last_end = every[2], every[4], every[6], every[7]
    casualty_spans: dict[str, tuple[list[totals.Dated], list[totals.Dated]]] = {
        "killed": ([], []),
        "injured": ([], []),
    }
    if figured_aggregates:
        for start, end, aggregate, rows, *figures in store.execute(
            "SELECT e.date_start, e.date_end, e.aggregate, count(*), sum(e.killed), sum(e.killed IS NULL),"
            " sum(e.injured), sum(e.injured IS NULL), max(e.casualties_at_least)"
            f" FROM event e{where} GROUP BY 1, 2, 3",
            params,
        ):
            for key, known, missing in (("killed", *figures[0:2]), ("injured", *figures[2:4])):
                casualty_spans[key][1 if aggregate else 0].append(
                    totals.Dated(start, end, _tally(known, rows, missing, figures[4]), rows)
                )
    else:
        for key, known, missing in (
            ("killed", killed, unknown_separate_killed),
            ("injured", injured, unknown_separate_injured),
        ):
            if records:
                casualty_spans[key][0].append(
                    totals.Dated(first_start, last_end, _tally(known, records, missing, at_least), records)
                )
            if aggregates:
                # Aggregates without a figure: their incidents' casualties are unknown.
                casualty_spans[key][1].append(
                    totals.Dated(first_start, last_end, totals.figure(None), aggregates)
                )
    found = {key: totals.combined(*lists) for key, lists in casualty_spans.items()}
    return found, unknown_killed or 0, unknown_injured or 0
