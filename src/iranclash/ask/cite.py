"""Citations: the sources, the evidence behind any record, and references to paste or import.

``cite`` gathers every verbatim quote a record rests on, with its footnote, says
whose words they are and when (an interview's footnote names the interviewee and
its date; otherwise the source's author and date), and writes a reference for
each source: a Chicago note in plain text, BibTeX, RIS or CSL-JSON. The three
machine formats are written here rather than with a library: each is a few
lines of well-specified text, and what matters, escaping, is tested by parsing
the output back with ``bibtexparser`` and ``rispy``. Dates stay as precise as the
data: a source dated July 2021 gets a month, never a day.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable

from iranclash.core import jsonout
from iranclash.core.analyst_results import Document
from iranclash.core.errors import NotFound
from iranclash.core.results import Column, Detail, Fit, Listing, Row, Section, id_column
from iranclash.core.vocabulary import CitationStyle as Style

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


# --- sources -------------------------------------------------------------------------


def _sources(store: sqlite3.Connection) -> dict[str, Row]:
    return {
        row["id"]: row
        for row in (
            json.loads(text)
            for (text,) in store.execute("SELECT json FROM record WHERE kind = 'source' ORDER BY seq")
        )
    }


def _footnoted(all_sources: dict[str, Row]) -> dict[tuple[str, int], str]:
    """Which source each footnote of a work names: (the work, footnote) -> the interview."""
    return {
        (source["part_of"], number): source["id"]
        for source in all_sources.values()
        if source.get("part_of")
        for number in source.get("footnotes") or ()
    }


def _reference(citation: Row, footnoted: dict[tuple[str, int], str]) -> str:
    """The source a citation rests on: the one its footnote names, else the one it cites.
    The text of footnote [n] itself is the citing work's own words."""
    reference: str = citation["source"]
    footnote = citation.get("footnote")
    if footnote is not None and not citation["quote"].startswith(f"[{footnote}]"):
        reference = footnoted.get((reference, footnote), reference)
    return reference


def _cited_by(store: sqlite3.Connection, all_sources: dict[str, Row]) -> dict[str, int]:
    """How many records cite each source, directly or through a footnote naming it; each
    record (event, quote, actor...) counted once per source."""
    footnoted = _footnoted(all_sources)
    citations = store.execute(
        "SELECT r.id, c.value FROM record r, json_each(r.json, '$.sources') c WHERE r.json != ''"
        " UNION ALL SELECT j.seq, c.value FROM event_json j, json_each(j.json, '$.sources') c"
    )
    holders: dict[str, set[object]] = {}
    for holder, text in citations:
        citation = json.loads(text)
        for source_id in {citation["source"], _reference(citation, footnoted)}:
            holders.setdefault(source_id, set()).add(holder)
    return {source_id: len(found) for source_id, found in holders.items()}


def sources(store: sqlite3.Connection) -> Listing:
    """Every source, in file order, with how many records cite it (directly or by a footnote)."""
    all_sources = _sources(store)
    cited = _cited_by(store, all_sources)
    items = [jsonout.dumps({**row, "cited_by": cited.get(row["id"], 0)}) for row in all_sources.values()]
    return Listing(
        "Sources",
        items,
        (
            Column("Title", lambda row: row["title"], Fit.CUT),
            Column("Kind", lambda row: row["kind"] + (f" ({row['mode']})" if row.get("mode") else "")),
            Column("Author", lambda row: row["author"]),
            Column("Date", lambda row: row["date"]),
            Column("Part of", lambda row: row["part_of"]),
            Column("Footnotes", lambda row: ", ".join(str(number) for number in row["footnotes"])),
            Column("Cited by", lambda row: row["cited_by"]),
            id_column(),
        ),
    )


# --- evidence ------------------------------------------------------------------------


def _any_record(store: sqlite3.Connection, record_id: str) -> tuple[str, Row]:
    found = store.execute(
        "SELECT kind, json FROM record WHERE id = ? UNION ALL"
        " SELECT 'event', j.json FROM event e JOIN event_json j ON j.seq = e.seq WHERE e.id = ?",
        (record_id, record_id),
    ).fetchone()
    if found is None:
        from iranclash.ask.resolve import nearest_ids, quoted

        raise NotFound(f"no record with id {quoted(record_id)}", tuple(nearest_ids(store, record_id)))
    kind, text = found
    data: Row = json.loads(text)
    return str(kind), data


def _label(kind: str, data: Row) -> str:
    if kind == "quote":
        text = str(data["text"])
        return f"{data['analyst_name']}: “{text if len(text) <= 60 else text[:59] + '…'}”"
    return str(data.get("name") or data.get("title") or data["id"])


def date_text(date: str | None, *, day_first: bool = False) -> str:
    """A partial date in words, no more precise than it is: ``July 2, 2021``, ``July 2021``,
    ``2021``, ``2000s`` (``2 July 2021`` with ``day_first``)."""
    if not date:
        return ""
    parts = date.split("-")
    if len(parts) == 1:
        return date
    month = _MONTHS[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    day = int(parts[2])
    return f"{day} {month} {parts[0]}" if day_first else f"{month} {day}, {parts[0]}"


def evidence(store: sqlite3.Connection, record_id: str) -> tuple[str, Row, list[Row], list[str]]:
    """The record's kind and data, each citation behind it, and the sources to reference.

    An analyst's quotes are part of the analyst, so their citations count too. A
    citation with a footnote is referred to the source carrying that footnote (the
    interview behind a quote), which is followed by what it is part of (the article).
    """
    from iranclash.ask.resolve import resolve_any

    record_id = resolve_any(store, record_id)
    kind, data = _any_record(store, record_id)
    all_sources = _sources(store)
    names = dict(store.execute("SELECT id, name FROM record WHERE kind IN ('analyst', 'actor')"))
    footnoted = _footnoted(all_sources)
    cited: list[tuple[str, Row]] = [(record_id, citation) for citation in data.get("sources") or ()]
    for quote in data.get("quotes") or ():
        cited += [(quote["id"], citation) for citation in quote.get("sources") or ()]
    rows: list[Row] = []
    # A source is its own first reference.
    references: list[str] = [record_id] if kind == "source" else []
    for supports, citation in cited:
        footnote = citation.get("footnote")
        reference = _reference(citation, footnoted)
        if reference not in references:
            references.append(reference)
        source = all_sources.get(reference, {})
        said_by: str | None
        if source.get("kind") == "interview" and source.get("interviewee"):
            said_by = str(names.get(source["interviewee"], source["interviewee"]))
            if source.get("mode"):
                said_by += f" ({source['mode']} interview)"
        else:
            said_by = source.get("author") or source.get("publisher")
        same = next(
            (row for row in rows if (row["quote"], row["footnote"]) == (citation["quote"], footnote)), None
        )
        if same is not None:
            # An analyst cites the sentence a quote of theirs cites: one row, both supported.
            same["supports"].append(supports)
            continue
        rows.append(
            {
                "supports": [supports],
                "quote": citation["quote"],
                "footnote": footnote,
                "source": citation["source"],
                "reference": reference,
                "said_by": said_by,
                "said_on": source.get("date"),
            }
        )
    for source_id in list(references):
        chain = all_sources[source_id].get("part_of")
        while chain in all_sources and chain not in references:
            references.append(chain)
            chain = all_sources[chain].get("part_of")
    return kind, data, rows, references


_EVIDENCE_COLUMNS = (
    Column("Footnote", lambda row: row["footnote"]),
    Column("Quote", lambda row: row["quote"]),
    Column("Words of", lambda row: row["said_by"]),
    Column("When", lambda row: row["said_on"]),
    Column("Source", lambda row: row["reference"], Fit.ID),
)


def cite(
    store: sqlite3.Connection, record_id: str, style: Style = Style.CHICAGO, accessed: str | None = None
) -> Detail | Document:
    """The evidence behind a record and a reference for each of its sources, in ``style``.

    Chicago gives a table of quotes and notes; the other styles give the reference
    file itself, each entry carrying the quotes it supports as notes (BibTeX
    ``annote``, RIS ``N1``, CSL-JSON ``note``), so the evidence travels into Zotero.
    ``accessed`` (a date as written, ``2026-12-07``) is given with each source that has
    a URL: the day the reader looked at it, which the data cannot know.
    """
    from iranclash.ask.resolve import resolve_any

    record_id = resolve_any(store, record_id)
    kind, data, rows, reference_ids = evidence(store, record_id)
    all_sources = _sources(store)
    if accessed:
        all_sources = {
            key: {**source, "accessed": accessed} if source.get("url") else source
            for key, source in all_sources.items()
        }
    references = [all_sources[source_id] for source_id in reference_ids]
    notes = {
        source_id: [_note(row) for row in rows if row["reference"] == source_id]
        for source_id in reference_ids
    }
    texts = [_WRITERS[style](source, notes[source["id"]], all_sources) for source in references]
    # CSL-JSON is one array, one item a line; BibTeX and RIS entries follow one another.
    document = "[\n" + ",\n".join(texts) + "\n]\n" if style is Style.CSL_JSON else "\n".join(texts)
    label = _label(kind, data)
    result: Row = {
        "record": {"id": record_id, "kind": kind, "name": label},
        "evidence": rows,
        "style": style.value,
        "references": [
            {"id": source["id"], "text": json.loads(text) if style is Style.CSL_JSON else text}
            for source, text in zip(references, texts, strict=True)
        ],
    }
    detail = Detail(
        f"Evidence: {label}",
        result,
        (("Record", f"{kind} {record_id}"), ("Quotes", len(rows))),
        (
            Section("Quotes", _EVIDENCE_COLUMNS, rows),
            Section(
                f"References ({style.value})",
                (Column("Reference", lambda row: row["text"]), id_column()),
                result["references"],
            ),
        ),
    )
    if style is Style.CHICAGO:
        return detail
    return Document(f"References: {label}", document, detail)


def _note(row: Row) -> str:
    footnote = f" [footnote {row['footnote']}]" if row["footnote"] is not None else ""
    if f"[{row['footnote']}]" in row["quote"]:
        footnote = ""  # the quote carries its marker ("lose.”[5]"): once is enough
    return f"Evidence for {', '.join(row['supports'])}: {row['quote']}{footnote}"


# --- reference styles -------------------------------------------------------------------

Writer = Callable[[Row, list[str], dict[str, Row]], str]


def chicago(source: Row, notes: list[str], all_sources: dict[str, Row]) -> str:
    """A Chicago note (plain text): author, “title,” publisher, date, URL; an interview
    with the work it is cited in. The closing period goes inside a closing quotation mark."""
    del notes
    text = _chicago_body(source, all_sources)
    if text.endswith("”"):
        return text if text[-2] in "?!." else text[:-1] + ".”"
    return text + "."


def _chicago_body(source: Row, all_sources: dict[str, Row], seen: frozenset[str] = frozenset()) -> str:
    title = source["title"]
    # Chicago puts the access date just before the URL: "accessed December 7, 2026, https://…".
    accessed = f"accessed {date_text(source['accessed'])}" if source.get("accessed") else ""
    url = source.get("url") or ""
    after = [source.get("publisher") or "", date_text(source.get("date")), accessed, url]
    after = [part for part in after if part]
    if source["kind"] == "interview":
        parts = (title, date_text(source.get("date")), accessed, url)
        text = ", ".join(part for part in parts if part)
    else:
        closing = "" if title.endswith(("?", "!", ".")) or not after else ","
        text = (f"{source['author']}, " if source.get("author") else "") + f"“{title}{closing}”"
        text += (" " + ", ".join(after)) if after else ""
    parent = all_sources.get(source.get("part_of") or "")
    # Data may make two sources part of each other: each work is named once.
    if parent is not None and parent["id"] not in seen | {source["id"]}:
        if text.endswith("”"):
            text = text if text[-2] in "?!.," else text[:-1] + ",”"
            text += " cited in "
        else:
            text += ", cited in "
        text += _chicago_body(parent, all_sources, seen | {source["id"]})
    return text


_BIBTEX_SPECIAL = re.compile(r"[\\{}%&$#_^~]")
_BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}"}
_BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def bibtex_text(text: str) -> str:
    """Text as a BibTeX field value: LaTeX's special characters escaped, braces balanced."""
    return _BIBTEX_SPECIAL.sub(lambda m: _BIBTEX_ESCAPES.get(m.group(), "\\" + m.group()), text)


def bibtex(source: Row, notes: list[str], all_sources: dict[str, Row]) -> str:
    kind = source["kind"]
    entry = "techreport" if kind == "report" else "misc"
    fields: list[tuple[str, str]] = []
    if source.get("author"):
        fields.append(("author", "{" + bibtex_text(source["author"]) + "}"))
    # Double braces keep the title's capitals (U.S., Iran) as they are.
    fields.append(("title", "{{" + bibtex_text(source["title"]) + "}}"))
    if source.get("publisher"):
        key = "institution" if entry == "techreport" else "howpublished"
        fields.append((key, "{" + bibtex_text(source["publisher"]) + "}"))
    elif kind == "interview" and source.get("mode"):
        fields.append(("howpublished", "{" + bibtex_text(f"{source['mode'].capitalize()} interview") + "}"))
    date = source.get("date") or ""
    if re.fullmatch(r"[0-9]{4}(-[0-9]{2}){0,2}", date):
        fields.append(("year", "{" + date[:4] + "}"))
        if len(date) >= 7:
            fields.append(("month", _BIBTEX_MONTHS[int(date[5:7]) - 1]))
        fields.append(("date", "{" + date + "}"))
    if source.get("url"):
        fields.append(("url", "{" + bibtex_text(source["url"]) + "}"))
    if source.get("accessed"):
        fields.append(("urldate", "{" + bibtex_text(source["accessed"]) + "}"))
    parent = all_sources.get(source.get("part_of") or "")
    if parent is not None:
        fields.append(("note", "{" + bibtex_text("Cited in " + chicago(parent, [], all_sources)) + "}"))
    elif date and "year" not in dict(fields):
        fields.append(("note", "{" + bibtex_text(f"Date: {date}") + "}"))
    if notes:
        fields.append(("annote", "{" + bibtex_text("\n\n".join(notes)) + "}"))
    body = ",\n".join(f"  {key} = {value}" for key, value in fields)
    return f"@{entry}{{{source['id']},\n{body}\n}}\n"


_RIS_TYPES = {"article": "GEN", "interview": "PCOMM", "report": "RPRT", "dataset": "DATA", "other": "GEN"}


def _ris_line(tag: str, value: str) -> str:
    # A RIS value is one line: a line break in it would start a tag of its own.
    return f"{tag}  - {' '.join(value.split())}\n"


def ris(source: Row, notes: list[str], all_sources: dict[str, Row]) -> str:
    lines = [_ris_line("TY", _RIS_TYPES.get(source["kind"], "GEN")), _ris_line("ID", source["id"])]
    lines.append(_ris_line("TI", source["title"]))
    if source.get("author"):
        lines.append(_ris_line("AU", source["author"]))
    date = source.get("date") or ""
    if re.fullmatch(r"[0-9]{4}(-[0-9]{2}){0,2}", date):
        year, month, day = ([*date.split("-"), "", ""])[:3]
        lines.append(_ris_line("PY", year))
        lines.append(_ris_line("DA", f"{year}/{month}/{day}/"))
    elif date:
        lines.append(_ris_line("N1", f"Date: {date}"))
    if source.get("publisher"):
        lines.append(_ris_line("PB", source["publisher"]))
    if source.get("url"):
        lines.append(_ris_line("UR", source["url"]))
    if source.get("accessed"):
        # Y2 is the access date in the RIS of Zotero and EndNote: YYYY/MM/DD/.
        year, month, day = ([*source["accessed"].split("-"), "", ""])[:3]
        lines.append(_ris_line("Y2", f"{year}/{month}/{day}/"))
    parent = all_sources.get(source.get("part_of") or "")
    if parent is not None:
        lines.append(_ris_line("N1", "Cited in " + chicago(parent, [], all_sources)))
    lines += [_ris_line("N1", note) for note in notes]
    lines.append("ER  - \n")
    return "".join(lines)


_CSL_TYPES = {
    "article": "article",
    "interview": "interview",
    "report": "report",
    "dataset": "dataset",
    "other": "document",
}


def csl_json(source: Row, notes: list[str], all_sources: dict[str, Row]) -> str:
    """One CSL-JSON item; names stay whole (``literal``), as no name is split on a guess."""
    item: Row = {
        "id": source["id"],
        "type": _CSL_TYPES.get(source["kind"], "document"),
        "title": source["title"],
    }
    if source.get("author"):
        item["author"] = [{"literal": source["author"]}]
    if source.get("publisher"):
        item["publisher"] = source["publisher"]
    if source.get("mode"):
        item["medium"] = source["mode"]
    date = source.get("date") or ""
    if re.fullmatch(r"[0-9]{4}(-[0-9]{2}){0,2}", date):
        item["issued"] = {"date-parts": [[int(part) for part in date.split("-")]]}
    elif date:
        item["issued"] = {"literal": date}
    if source.get("url"):
        item["URL"] = source["url"]
    if source.get("accessed") and re.fullmatch(r"[0-9]{4}(-[0-9]{2}){0,2}", source["accessed"]):
        item["accessed"] = {"date-parts": [[int(part) for part in source["accessed"].split("-")]]}
    parent = all_sources.get(source.get("part_of") or "")
    extra = ["Cited in " + chicago(parent, [], all_sources)] if parent is not None else []
    if extra or notes:
        item["note"] = "\n".join([*extra, *notes])
    return jsonout.dumps(item)


_WRITERS: dict[Style, Writer] = {
    Style.CHICAGO: chicago,
    Style.BIBTEX: bibtex,
    Style.RIS: ris,
    Style.CSL_JSON: csl_json,
}
