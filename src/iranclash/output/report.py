"""The one-page report: a self-contained HTML file with the timeline, the chains, a map,
the counts and every quote with its source.

Self-contained means no network: the CSS and the little JavaScript are inline,
the map is SVG drawn from the places' coordinates (no tiles), and a Content
Security Policy forbids loading anything else, so even a mistake in escaping
could not fetch or run what a data file says. Every text from the data is
HTML-escaped, with invisible and control characters made visible.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import sqlite3
from collections.abc import Iterable
from datetime import date

from iranclash import __version__
from iranclash.ask import query
from iranclash.ask.cite import chicago, evidence
from iranclash.ask.counts import breakdown, munitions_label
from iranclash.ask.summary import summary
from iranclash.ask.timeline import Links, date_label, timeline
from iranclash.core.analyst_results import Document, Node
from iranclash.core.results import Row
from iranclash.core.vocabulary import Grain
from iranclash.output.svgmap import svg_map
from iranclash.output.text import visible


def esc(value: object) -> str:
    """Data as HTML text: escaped, quotes too, with controls and bidi overrides visible."""
    return html.escape(visible("" if value is None else str(value)), quote=True)


_STYLE = """
:root { --ink: #1d232a; --muted: #5b6670; --line: #d6dbe0; --accent: #a23b2a; --paper: #fff; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem; font: 16px/1.5 system-ui, sans-serif;
       color: var(--ink); background: var(--paper); overflow-wrap: break-word; }
h1 { font-size: 1.6rem; margin: .2rem 0; } h2 { margin-top: 2rem; border-bottom: 2px solid var(--ink); }
h3 { margin: 1.2rem 0 .3rem; font-size: 1.05rem; }
.muted, .note { color: var(--muted); font-size: .9rem; }
ul.tree { list-style: none; padding-left: 0; margin: 0; }
ul.tree ul { list-style: none; padding-left: 1.2rem; border-left: 2px solid var(--line);
             margin: .2rem 0 .2rem .3rem; }
ul.tree li { margin: .25rem 0; }
.date { font-variant-numeric: tabular-nums; font-weight: 600; margin-right: .4rem; white-space: nowrap; }
.id { font-family: ui-monospace, monospace; font-size: .8rem; color: var(--muted); }
.id a { color: inherit; }
.word { display: inline-block; }
ul.glance { list-style: none; padding-left: 0; } ul.glance li { margin: .35rem 0; }
header .source { margin: .3rem 0; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .4rem; border-bottom: 1px solid var(--line); }
.bar { display: inline-block; height: .8rem; background: var(--accent); vertical-align: middle; }
figure { margin: 0; }
svg { display: block; width: 100%; max-width: 46rem; height: auto; background: #dfe8ee;
      border: 1px solid var(--line); }
svg .country { fill: #ece9e2; stroke: #7d868e; stroke-width: 1.2; stroke-linejoin: round; }
svg .country.focus { fill: #fbfaf7; }
svg text { font-family: system-ui, sans-serif; fill: var(--ink); }
svg .country-label { font-size: 14px; letter-spacing: 1px; fill: #6d7780; }
svg .leader { stroke: #5f6b75; stroke-width: 1; }
svg .number { font-size: 20px; font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg circle { fill: var(--accent); fill-opacity: .75; stroke: #fff; }
svg circle.none { fill: #fff; fill-opacity: 1; stroke: var(--accent); stroke-width: 1.5; }
svg circle.vague { stroke: var(--accent); stroke-width: 2; stroke-dasharray: 4 3; fill-opacity: .35; }
ol.legend { columns: 2 16rem; margin: .6rem 0; padding-left: 2rem; font-size: .92rem; }
ol.legend li { break-inside: avoid; }
blockquote { margin: .4rem 0 .8rem; padding: .3rem .8rem; border-left: 3px solid var(--accent);
             background: #faf7f5; }
input[type=search] { width: 100%; padding: .5rem; font: inherit; margin: .5rem 0 1rem; }
.hidden { display: none; }
@media (max-width: 40rem) { body { font-size: 15px; padding: .6rem; } th, td { padding: .25rem; }
  svg .number { font-size: 28px; } svg .country-label { font-size: 22px; } }
@media print { input[type=search] { display: none; } body { max-width: none; font-size: 11pt; }
  h2 { break-after: avoid; } li, tr, blockquote { break-inside: avoid; }
  a { color: inherit; text-decoration: none; } }
"""

# Filters the timeline and the quotes as one types; marks the page as run, for the browser test.
_SCRIPT = """
(function () {
  var box = document.getElementById("filter");
  var items = document.querySelectorAll("[data-text]");
  box.addEventListener("input", function () {
    var wanted = box.value.toLowerCase();
    for (var i = 0; i < items.length; i++) {
      var shown = !wanted || items[i].getAttribute("data-text").indexOf(wanted) !== -1;
      items[i].classList.toggle("hidden", !shown);
    }
  });
  document.documentElement.setAttribute("data-ready", "yes");
})();
"""
_TRAP = (
    'window.addEventListener("error", function (e) {'
    ' document.documentElement.setAttribute("data-js-error", String(e.message)); });'
)


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def report(store: sqlite3.Connection, filters: query.EventFilter | None = None, *, label: str) -> Document:
    """The report of the events ``filters`` select, as one HTML document."""
    filters = filters or query.EventFilter()
    events = [json.loads(text) for text in query.events(store, filters).items]
    places = {
        row["id"]: row
        for row in (
            json.loads(text)
            for (text,) in store.execute("SELECT json FROM record WHERE kind = 'place' ORDER BY seq")
        )
    }
    outline = timeline(store, filters)
    quoted = frozenset(row["id"] for row in events)
    latest, heading = _latest(events)
    corroboration = _corroboration(store, filters)
    parts = [
        _header(events, filters, label, _articles(store), corroborated=bool(corroboration)),
        _section("glance", heading, _glance(events, latest)),
        '<input type="search" id="filter" placeholder="Filter events and quotes…" aria-label="Filter">',
        _section(
            "timeline",
            "Timeline",
            _timeline(outline.nodes, quoted) + f'<p class="note">{esc(outline.caption)}</p>',
        ),
        _section("chains", "Chains", _chains(store, events)),
        _section("map", "Map", svg_map(events, places)),
        _section("counts", "Counts by month", _counts(store, filters)),
        *corroboration,
        _section("sources", "Quotes and sources", _quotes(store, events)),
    ]
    page = _page("iranclash report", "\n".join(parts))
    return Document("iranclash report", page, summary(store, filters))


def _page(title: str, body: str) -> str:
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src {_hash(_TRAP)} {_hash(_SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<script>{_TRAP}</script>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def _section(anchor: str, title: str, content: str) -> str:
    return f'<section id="{anchor}">\n<h2>{esc(title)}</h2>\n{content}\n</section>'


def _articles(store: sqlite3.Connection) -> list[tuple[str, str]]:
    """The articles the data is drawn from, each as its id and its Chicago reference."""
    sources = {
        row["id"]: row
        for row in (
            json.loads(text)
            for (text,) in store.execute("SELECT json FROM record WHERE kind = 'source' ORDER BY seq")
        )
    }
    return [
        (source_id, chicago(source, [], sources))
        for source_id, source in sources.items()
        if source.get("kind") == "article"
    ]


def _header(
    events: list[Row],
    filters: query.EventFilter,
    label: str,
    articles: list[tuple[str, str]],
    *,
    corroborated: bool = False,
) -> str:
    # Dates and types as words (``_word``); names as the prose they are.
    chosen = [
        f"{name} {value}"
        for name, value in (
            ("since", filters.since and _word(str(filters.since))),
            ("until", filters.until and _word(str(filters.until))),
            ("actor", filters.actor and esc(filters.actor)),
            ("place", filters.place and esc(filters.place)),
            ("country", filters.country and esc(filters.country)),
            ("type", ", ".join(_word(kind.value) for kind in filters.types)),
        )
        if value
    ]
    span = f"{_word(events[0]['date'])} to {_word(events[-1]['date'])}" if events else "no events"
    drawn_from = "".join(
        f'<p class="source">From the article: {esc(reference)} '
        f'<a href="#source-{esc(source_id)}">Reference</a></p>\n'
        for source_id, reference in articles
    )
    return (
        "<header>\n<h1>U.S.–Iran proxy conflict: events, chains and sources</h1>\n"
        + drawn_from
        + f'<p class="muted">{len(events)} events, {span}; '
        f"filters: {'; '.join(chosen) or 'none'}. Data: {esc(label)}. "
        f"Made by iranclash {esc(__version__)}. Dates are as precise as the source: an event known "
        "only by its year is shown with the year alone.</p>\n"
        '<nav class="muted"><a href="#glance">At a glance</a> · '
        '<a href="#timeline">Timeline</a> · <a href="#chains">Chains</a> · '
        '<a href="#map">Map</a> · <a href="#counts">Counts</a> · '
        + ('<a href="#corroboration">Corroboration</a> · ' if corroborated else "")
        + '<a href="#sources">Quotes and sources</a></nav>\n'
        "</header>"
    )


_GLANCE = 10  # events at most: a page that opens with a list of hundreds opens with nothing
_GAP = 14  # days: events closer than this to the next are one exchange


def _latest(events: list[Row]) -> tuple[list[Row], str]:
    """The latest exchange: the last run of events dated to a day, each within two weeks of the
    next; or, when no event has a day, the last events; with the section's heading."""
    days = [row for row in events if row.get("date_precision") == "day"]
    if not days:
        return events[-_GLANCE:], "At a glance: the latest events"
    run = [days[-1]]
    for row in reversed(days[:-1]):
        if (date.fromisoformat(run[0]["date"]) - date.fromisoformat(row["date"])).days > _GAP:
            break
        run.insert(0, row)
    return run[-_GLANCE:], "At a glance: the latest exchange"


def _glance(events: list[Row], latest: list[Row]) -> str:
    if not latest:
        return '<p class="muted">No event matches.</p>'
    shown = f"the last {len(latest)} of" if len(latest) < len(events) else "all"
    items = "".join(
        "<li>"
        + _dated(date_label(row) + "  " + row["title"])
        + f' <span class="id">{_word(row["type"])} · {_link(row["id"])}</span></li>'
        for row in latest
    )
    return (
        f"<p>{_word(latest[0]['date'])} to {_word(latest[-1]['date'])}: {shown} {_count(len(events))} in "
        "this report. Each id leads to the quotes behind the event; the timeline below starts from "
        f'the beginning.</p>\n<ul class="glance">{items}</ul>'
    )


def _corroboration(store: sqlite3.Connection, filters: query.EventFilter) -> list[str]:
    """The corroboration table (``corroborate``): each curated event's best dataset row, its
    score and why; only when the data folders hold dataset rows."""
    from iranclash.ask.corroborate import NO_PLACE, REGION_KM, TOWN_KM, Tolerance, corroboration, has_rows

    if not has_rows(store):
        return []
    where, params = query.event_where(store, filters)
    entries = corroboration(store, where, params, Tolerance())
    if not entries:
        return []
    items = []
    for entry in entries:
        if not entry["candidates"]:
            continue
        best = entry["candidates"][0]
        others = len(entry["candidates"]) - 1 + entry["more"]
        items.append(
            f'<li><span class="date">{esc(entry["date"])}</span> '
            f'<a href="#quotes-{esc(entry["event"])}">{esc(entry["title"])}</a><br>'
            f'<span class="id"><span class="word">{esc(best["row"])}</span> · score {esc(best["score"])} · '
            f"{esc(' · '.join(best['reasons']))}" + (f" · {others:,} more" if others else "") + "</span></li>"
        )
    placeless = sum(1 for entry in entries if entry["why_none"] == NO_PLACE)
    missing = len(entries) - len(items) - placeless
    table = (
        f"<p>The dataset rows that may record each curated event: same dates, within {TOWN_KM:g} km "
        f"({REGION_KM:g} where either place is known only to a region), then type and actors; each "
        "source keeps its own figures (<code>iranclash corroborate ID</code> shows them side by side). "
        f"{_count(len(items))} of {len(entries)} have a candidate; {missing:,} have none near them in "
        f"their dates, and {placeless:,} name no place to compare.</p>"
        + (f'<ul class="glance">{"".join(items)}</ul>' if items else "")
    )
    return [_section("corroboration", "Corroboration: beside ACLED and UCDP", table)]


def _count(number: int) -> str:
    return f"{number:,} event{'' if number == 1 else 's'}"


def _search_text(node: Node) -> str:
    words = [node.text, node.note, *(_search_text(child) for child in node.children)]
    return " ".join(words).lower()


def _linked(note: str, quoted: frozenset[str]) -> str:
    """A note's parts (``rocket-attack · believed · an-id``), each event id a link to its quotes."""
    return " · ".join(_link(part) if part in quoted else _word(part) for part in note.split(" · "))


def _word(text: str) -> str:
    """A type, a hedge or an id, as one word: a browser breaks a line after any hyphen
    ("rocket-" / "attack"), and a box of its own (``.word``) is broken only where it alone
    is wider than its line. No non-breaking hyphen in the text: what is copied stays an id."""
    return f'<span class="word">{esc(text)}</span>'


def _link(record_id: str, to: str = "quotes") -> str:
    """A record's id, as one word (``_word``), linked to its quotes or (``to``) its source."""
    return f'<span class="word"><a href="#{to}-{esc(record_id)}">{esc(record_id)}</a></span>'


def _tree(nodes: Iterable[Node], quoted: frozenset[str], *, top: bool = False) -> str:
    items = []
    for node in nodes:
        data = f' data-text="{esc(_search_text(node))}"' if top else ""
        text = _dated(node.text)
        note = f' <span class="id">{_linked(node.note, quoted)}</span>' if node.note else ""
        children = f"\n<ul>{_tree(node.children, quoted)}</ul>" if node.children else ""
        items.append(f"<li{data}>{text}{note}{children}</li>")
    return "\n".join(items)


_DATED = re.compile(r"(?P<prefix>(?:→ |← in answer to )?)(?P<date>\S+)(?: \((?P<note>.*)\))?", re.DOTALL)


def _dated(line: str) -> str:
    """``→ 2021 (after the strikes)  Title``, the date in bold and its note muted."""
    date, _, title = line.partition("  ")
    match = _DATED.fullmatch(date)
    if not title or match is None:
        return esc(line)
    note = f' <span class="muted">({esc(match["note"])})</span>' if match["note"] else ""
    return f'{esc(match["prefix"])}<span class="date">{esc(match["date"])}</span>{note} {esc(title)}'


def _timeline(nodes: Iterable[Node], quoted: frozenset[str]) -> str:
    return "\n".join(
        f'<h3>{esc(group.text)}</h3>\n<ul class="tree">\n{_tree(group.children, quoted, top=True)}\n</ul>'
        for group in nodes
    )


def _chains(store: sqlite3.Connection, events: list[Row]) -> str:
    """Each chain of responses that starts in the report: every event others answer whose own
    causes (if any) are not in the report, with everything that followed from it."""
    links = Links.read(store)
    shown = {row["id"] for row in events}
    roots = [
        row
        for row in events
        if links.responses.get(row["id"]) and not (set(links.causes.get(row["id"], ())) & shown)
    ]
    if not roots:
        return '<p class="muted">No event in this report is answered by another in the data.</p>'

    def grow(row: Row, seen: set[str]) -> str:
        line = _dated(f"{date_label(row)}  {row['title']}")
        if row["id"] in seen:
            return f"<li>{line} (shown above)</li>"
        seen.add(row["id"])
        answers = links.in_order(links.responses.get(row["id"], ()))
        children = "".join(grow(answer, seen) for answer in answers)
        inner = f"<ul>{children}</ul>" if children else ""
        return f'<li>{line} <span class="id">{_word(row["type"])} · {_link(row["id"])}</span>{inner}</li>'

    return (
        '<p class="muted">Only the links the data states: an event is drawn as answering another '
        "only where the source says so.</p>\n"
        + "\n".join(f'<ul class="tree">{grow(root, set())}</ul>' for root in roots)
    )


def _counts(store: sqlite3.Connection, filters: query.EventFilter) -> str:
    chart = breakdown(store, Grain.MONTH, filters)
    rows = chart.people.data["rows"]
    widest = max((row["events"] for row in rows), default=0) or 1
    body = "".join(
        f"<tr><td>{esc('(' + row['label'] + ')' if row['apart'] else row['label'])}</td>"
        f"<td>{row['events']}</td>"
        f'<td><span class="bar" style="width:{round(8 * row["events"] / widest, 2)}rem"></span></td>'
        f"<td>{esc(munitions_label(row))}</td></tr>"
        for row in rows
    )
    return (
        "<table><thead><tr><th>Month</th><th>Events</th><th></th><th>Munitions</th></tr></thead>"
        f"<tbody>{body}</tbody></table>\n"
        '<p class="note">An event dated only to a year or decade is counted apart, never put in a month. '
        "≥ marks a munition count that is a minimum or misses an event's number.</p>"
    )


def _quotes(store: sqlite3.Connection, events: list[Row]) -> str:
    """Every quote behind each event, then every analyst's quotes, each with its source."""
    notes: dict[str, str] = {}
    parts = []
    for row in events:
        _kind, _data, rows, references = evidence(store, row["id"])
        parts.append(_evidence_block(row["title"], date_label(row), row["id"], rows))
        notes.update({source_id: "" for source_id in references})
    for (analyst_id,) in store.execute("SELECT id FROM record WHERE kind = 'analyst' ORDER BY seq"):
        _kind, data, rows, references = evidence(store, analyst_id)
        parts.append(_evidence_block(data["name"], data.get("affiliation") or "", analyst_id, rows))
        notes.update({source_id: "" for source_id in references})
    sources = {
        row["id"]: row
        for row in (
            json.loads(text)
            for (text,) in store.execute("SELECT json FROM record WHERE kind = 'source' ORDER BY seq")
        )
    }
    references_html = "".join(
        f'<li id="source-{esc(source_id)}">{esc(chicago(sources[source_id], [], sources))} '
        f'<span class="id">{_word(source_id)}</span></li>'
        for source_id in notes
        if source_id in sources
    )
    return "\n".join(parts) + f"\n<h3>References</h3>\n<ol>{references_html}</ol>"


def _evidence_block(title: str, subtitle: str, record_id: str, rows: list[Row]) -> str:
    quotes = "".join(
        f"<blockquote>{esc(row['quote'])}<br>"
        f'<span class="note">{_footnote(row)}'
        f"words of {esc(row['said_by'] or 'unknown')}"
        f"{esc(', ' + row['said_on'] if row['said_on'] else '')}; "
        f"source {_link(row['reference'], 'source')}</span></blockquote>"
        for row in rows
    )
    search = " ".join([title, subtitle, *(row["quote"] for row in rows)]).lower()
    return (
        f'<div id="quotes-{esc(record_id)}" data-text="{esc(search)}"><h3>{esc(title)}</h3>'
        f'<p class="muted">{esc(subtitle)} <span class="id">{_word(record_id)}</span></p>{quotes}</div>'
    )


def _footnote(row: Row) -> str:
    return "" if row["footnote"] is None else f"footnote {esc(row['footnote'])}; "
