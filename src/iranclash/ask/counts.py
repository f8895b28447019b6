"""``summary --by``: events counted by week, month, year, type, place, actor or country,
with their munitions and casualties, never saying more than the events do.

An event whose date is vaguer than the grain (a year-only date counted by month)
is not put in any one period: it is counted apart, in a row of its own, so that
no period gains an event it may not hold. The same goes for an event with no
place, actor or country when counting by those. An event at two places counts
under both, so those rows can add up to more than the events; the fields say so.
Munition totals follow ``totals``' rules, as ``summary`` does: "at least" (≥) when one of
the counts is a minimum or an event gives no number, and an aggregate record never added
to the dated records it may include. A casualty figure is the sum of the known ones, with
the number of events where it is unknown beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from iranclash.ask import query
from iranclash.ask.cite import date_text
from iranclash.core import jsonout, totals
from iranclash.core.analyst_results import Chart
from iranclash.core.results import Column, Detail, Fit, Listing, Row, Section
from iranclash.core.vocabulary import Grain

_TIME = (Grain.WEEK, Grain.MONTH, Grain.YEAR)
_APART = {
    Grain.WEEK: "date vaguer than a week",
    Grain.MONTH: "date vaguer than a month",
    Grain.YEAR: "date vaguer than a year",
    Grain.PLACE: "no place given",
    Grain.ACTOR: "no actor given",
    Grain.COUNTRY: "no country given",
    Grain.TYPE: "no type given",
}
#: The widest bar, in characters.
BAR = 20


@dataclass
class _Bucket:
    key: str | None
    label: str
    order: object
    events: int = 0
    #: Per weapon, each event's figure for it, with the event (its dates, whether aggregate).
    munitions: dict[str, list[tuple[Row, Row]]] = field(default_factory=dict)
    #: Each event's casualties (an empty mapping where it gives none), with the event.
    casualties: list[tuple[Row, Row]] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.events += 1
        for item in row["munitions"]:
            self.munitions.setdefault(item["weapon"], []).append((item, row))
        self.casualties.append((row.get("casualties") or {}, row))

    def data(self, by: Grain) -> Row:
        return {
            "by": by.value,
            "key": self.key,
            "label": self.label,
            "apart": self.key is None,
            "events": self.events,
            "munitions": {weapon: _munition(items) for weapon, items in sorted(self.munitions.items())},
            **_casualties(self.casualties, "killed"),
            **_casualties(self.casualties, "injured"),
        }


def _casualties(items: list[tuple[Row, Row]], key: str) -> Row:
    """Killed or injured by ``totals``' rules, as ``summary`` adds them: an event without
    the figure makes the total a lower bound, and so does a figure that is one."""
    total = _added(
        (casualties.get(key), bool(casualties.get("at_least")), event) for casualties, event in items
    )
    return {
        key: total.value,
        f"{key}_at_least": total.at_least,
        f"{key}_unknown_events": sum(casualties.get(key) is None for casualties, _event in items),
    }


def _added(figures: Iterable[tuple[int | None, bool, Row]]) -> totals.Total:
    """Events' figures (value, whether a minimum, the event) added by ``totals``' rules: an
    aggregate event is a lower bound for the events its dates span, never added to them."""
    separate: list[totals.Dated] = []
    aggregates: list[totals.Dated] = []
    for value, at_least, event in figures:
        dated = totals.Dated(event["date_start"], event["date_end"], totals.figure(value, at_least=at_least))
        (aggregates if event.get("aggregate") else separate).append(dated)
    return totals.combined(separate, aggregates)


def _munition(items: list[tuple[Row, Row]]) -> Row:
    total = _added((item["count"], item["at_least"], event) for item, event in items)
    return {
        "count": total.value,
        "at_least": total.at_least,
        "events": len(items),
        "events_without_count": sum(item["count"] is None for item, _event in items),
    }


def _week(day: dt.date) -> tuple[str, str]:
    year, week, _ = day.isocalendar()
    monday = day - dt.timedelta(days=day.weekday())
    return f"{year}-W{week:02d}", f"week of {date_text(monday.isoformat(), day_first=True)}"


def _period(row: Row, by: Grain) -> tuple[str, str] | None:
    """The one week, month or year an event lies in, or None when its date spans more."""
    start, end = dt.date.fromisoformat(row["date_start"]), dt.date.fromisoformat(row["date_end"])
    if by is Grain.WEEK:
        first, last = _week(start), _week(end)
        return first if first == last else None
    if by is Grain.MONTH:
        if (start.year, start.month) != (end.year, end.month):
            return None
        key = f"{start.year:04d}-{start.month:02d}"
        return key, date_text(key)
    if start.year != end.year:
        return None
    return str(start.year), str(start.year)


def _keys(row: Row, by: Grain, names: dict[str, str]) -> Iterable[tuple[str, str]]:
    if by in _TIME:
        period = _period(row, by)
        return [period] if period else []
    if by is Grain.TYPE:
        return [(row["type"], row["type"])]
    if by is Grain.PLACE:
        return [(place, names.get(place, place)) for place in row["places"]]
    if by is Grain.ACTOR:
        actors = dict.fromkeys(link["actor"] for link in row["actors"])
        return [(actor, names.get(actor, actor)) for actor in actors]
    return [(country, country) for country in row["countries"]]


def breakdown(store: sqlite3.Connection, by: Grain, filters: query.EventFilter | None = None) -> Chart:
    """Events (those ``filters`` select) counted by ``by``, one row per period or facet."""
    rows = [json.loads(text) for text in query.events(store, filters or query.EventFilter()).items]
    names = dict(store.execute("SELECT id, name FROM record WHERE kind IN ('actor', 'place')"))
    buckets: dict[str, _Bucket] = {}
    apart = _Bucket(None, _APART[by], None)
    for row in rows:
        keys = list(_keys(row, by, names))
        for key, label in keys:
            order = row["date_start"] if by in _TIME else label.casefold()
            buckets.setdefault(key, _Bucket(key, label, order)).add(row)
        if not keys:
            apart.add(row)
    ordered = list(buckets.values())
    if by in _TIME:
        ordered.sort(key=lambda bucket: str(bucket.order))
        ordered = _with_empty_periods(ordered, by)
    else:
        ordered.sort(key=lambda bucket: (-bucket.events, str(bucket.order)))
    if apart.events:
        ordered.append(apart)
    data = [bucket.data(by) for bucket in ordered]
    widest = max((row["events"] for row in data), default=0)
    columns = (
        Column(
            by.value.capitalize(),
            lambda row: f"({row['label']})" if row["apart"] else row["label"],
            Fit.WHOLE,
        ),
        Column("Events", lambda row: row["events"], Fit.WHOLE),
        Column("Chart", _bar(widest), Fit.WHOLE),
        Column("Munitions", munitions_label, Fit.SPARE),
        Column("Killed", lambda row: _casualty(row, "killed"), Fit.SPARE),
        Column("Injured", lambda row: _casualty(row, "injured"), Fit.SPARE),
    )
    fields: list[tuple[str, object]] = [("Events", len(rows)), ("Counted by", by.value)]
    if apart.events:
        fields.append(("Counted apart", f"{apart.events} ({apart.label})"))
    if by in (Grain.PLACE, Grain.ACTOR, Grain.COUNTRY):
        several = {Grain.PLACE: "places", Grain.ACTOR: "actors", Grain.COUNTRY: "countries"}[by]
        fields.append(("Note", f"an event with several {several} counts under each"))
    title = f"Events by {by.value}"
    data_of = {"by": by.value, "events": len(rows), "rows": data}
    people = Detail(title, data_of, tuple(fields), (Section("Counts", columns, data),))
    flat = Listing(title, [jsonout.dumps(row) for row in data], columns[:2] + columns[3:])
    return Chart(people, flat)


def _with_empty_periods(ordered: list[_Bucket], by: Grain) -> list[_Bucket]:
    """The periods between the first and the last with events, those without as empty rows,
    so that a chart's rows are evenly spaced in time."""
    if len(ordered) < 2:
        return ordered
    have = {bucket.key: bucket for bucket in ordered}
    first, last = dt.date.fromisoformat(str(ordered[0].order)), dt.date.fromisoformat(str(ordered[-1].order))
    periods: list[tuple[str, str]] = []
    if by is Grain.WEEK:
        day = first - dt.timedelta(days=first.weekday())
        while day <= last:
            periods.append(_week(day))
            day += dt.timedelta(days=7)
    elif by is Grain.MONTH:
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            key = f"{year:04d}-{month:02d}"
            periods.append((key, date_text(key)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    else:
        periods = [(str(year), str(year)) for year in range(first.year, last.year + 1)]
    return [have.get(key) or _Bucket(key, label, key) for key, label in periods]


def _bar(widest: int) -> Callable[[Row], str]:
    def bar(row: Row) -> str:
        events = int(row["events"])
        return "█" * max(1, round(BAR * events / widest)) if widest and events else ""

    return bar


def munitions_label(row: Row) -> str:
    """``≥19 rockets, 1 drone`` (≥ where a count is a minimum or an event gives none);
    ``airstrikes (number unknown)`` where no event gives one."""
    parts = []
    for weapon, figures in row["munitions"].items():
        plural = weapon if weapon.endswith("s") else weapon + "s"
        if figures["count"] is None:
            parts.append(f"{plural} (number unknown)")
        else:
            noun = weapon if figures["count"] == 1 else plural
            parts.append(("≥" if figures["at_least"] else "") + f"{figures['count']} {noun}")
    return ", ".join(parts)


def _casualty(row: Row, key: str) -> str:
    """``at least 2 (1 unknown)``: the total as ``totals`` words it, and how many events
    give no figure."""
    if not row["events"]:
        return ""
    unknown = row[f"{key}_unknown_events"]
    total = totals.Total(row[key], row[f"{key}_at_least"])
    if total.value is None:
        return "unknown"
    return f"{total}" + (f" ({unknown} unknown)" if unknown else "")
