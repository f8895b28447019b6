"""Which quote names which field of a record: the ``--sources`` view of a lookup.

The data cites quotes per record, not per field, so this view does not claim more than
the text shows: a quote is listed beside a field when it *names* the field's value, read
as the search reads words (spellings folded). A place or actor counts as named by any of
its names and aliases; a number by its digits or its word ("two"); a date by its month
and day ("July 8", "8 July") or its year. A field that no quote names is listed too,
saying so: its value is an inference (a date note, an attribution marked believed) or
general knowledge (marked as such where it is shown). The classification the data adds
(event type, place kind) is the curator's reading, not the source's words, and is left out.
"""

from __future__ import annotations

import calendar
import dataclasses
import sqlite3
from collections.abc import Iterable, Sequence

from iranclash.core import names
from iranclash.core.results import Column, Detail, Row, Section

#: The words an article spells small numbers with.
_NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]

#: Shown in place of a quote when none names the value.
NOT_NAMED = "no quote names it: inferred from the sources, or general knowledge where marked"


@dataclasses.dataclass(frozen=True)
class Claim:
    """One value of one field, and the forms a quote may name it by: each a run of words."""

    field: str
    value: str
    forms: tuple[tuple[str, ...], ...]


def with_evidence(store: sqlite3.Connection, detail: Detail) -> Detail:
    """``detail`` with an Evidence section and an ``evidence`` list in its data."""
    data = detail.data
    quotes = [citation["quote"] for citation in data.get("sources", [])]
    claims = list(_claims(store, data))
    evidence = [
        {"field": claim.field, "value": claim.value, "quotes": named_by(claim, quotes)} for claim in claims
    ]
    rows = [
        {"field": item["field"], "value": item["value"], "quote": quote}
        for item in evidence
        for quote in (item["quotes"] or [NOT_NAMED])
    ]
    section = Section(
        "Evidence: the quotes that name each field",
        (
            Column("Field", lambda row: row["field"]),
            Column("Value", lambda row: row["value"]),
            Column("Quote", lambda row: row["quote"]),
        ),
        rows,
    )
    return detail._replace(data={**data, "evidence": evidence}, sections=(*detail.sections, section))


def named_by(claim: Claim, quotes: Sequence[str]) -> list[str]:
    """The quotes that name the claim by one of its forms (its words in a row), in order."""
    phrases = [f" {' '.join(form)} " for form in claim.forms]
    found = []
    for quote in quotes:
        words = f" {names.normalize(quote)} "
        if any(phrase in words for phrase in phrases):
            found.append(quote)
    return found


def _claims(store: sqlite3.Connection, data: Row) -> Iterable[Claim]:
    labels = {key: value["name"] for key, value in data.get("linked", {}).items()}
    if "date_precision" in data:  # an event
        yield from _date_claims(data)
        for place in data["places"]:
            yield _record_claim(store, "places", place, labels)
        for link in data["actors"]:
            yield _record_claim(store, "actors", link["actor"], labels)
        for munition in data["munitions"]:
            yield from _munition_claims(munition)
        casualties = data["casualties"] or {}
        for key in ("killed", "injured"):
            if casualties.get(key) is not None:
                yield _number_claim(f"casualties.{key}", casualties[key], key)
        return
    yield _record_claim(store, "name", data["id"], {data["id"]: data["name"]})
    for field in ("member_of", "backed_by"):
        for linked in data.get(field) or []:
            yield _record_claim(store, field, linked, labels)
    if data.get("located_in"):
        yield _record_claim(store, "located_in", data["located_in"], labels)
    for side in data.get("sides") or []:
        yield Claim("sides", side["name"], _forms([side["name"]]))
    if data.get("country"):
        yield Claim("country", data["country"], _forms([data["country"]]))
    if data.get("affiliation"):
        yield Claim("affiliation", data["affiliation"], _forms([data["affiliation"]]))


def _record_claim(store: sqlite3.Connection, field: str, record_id: str, labels: dict[str, str]) -> Claim:
    """A linked record, named by any of its names or aliases as the data lists them."""
    keys = [row[0] for row in store.execute("SELECT DISTINCT key FROM name WHERE id = ?", (record_id,))]
    return Claim(field, labels.get(record_id, record_id), tuple(tuple(key.split()) for key in keys if key))


def _forms(texts: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(key.split()) for key in {names.normalize(text) for text in texts} if key)


def _number_forms(number: int) -> list[tuple[str, ...]]:
    forms: list[tuple[str, ...]] = [(str(number),)]
    if 0 <= number < len(_NUMBER_WORDS):
        forms.append((_NUMBER_WORDS[number],))
    return forms


def _number_claim(field: str, number: int, unit: str) -> Claim:
    return Claim(field, f"{number} {unit}", tuple(_number_forms(number)))


def _munition_claims(munition: Row) -> Iterable[Claim]:
    weapon = str(munition["weapon"])
    stems = {names.normalize(weapon), names.normalize(weapon) + "s"}
    yield Claim("munitions.weapon", weapon, tuple((stem,) for stem in stems))
    if munition["count"] is not None:
        count = int(munition["count"])
        forms = tuple((*form, stem) for form in _number_forms(count) for stem in stems)
        shown = (
            ("at least " if munition["at_least"] else "") + f"{count} {weapon}" + ("" if count == 1 else "s")
        )
        yield Claim("munitions.count", shown, forms)
    if munition.get("intercepted"):
        yield _number_claim("munitions.intercepted", int(munition["intercepted"]), "intercepted")


def _date_claims(data: Row) -> Iterable[Claim]:
    text = str(data["date"])
    parts = text.split("-")
    if data["date_precision"] == "day" and len(parts) == 3:
        month, day = calendar.month_name[int(parts[1])].casefold(), str(int(parts[2]))
        yield Claim("date", text, ((month, day), (day, month)))
    elif data["date_precision"] == "month" and len(parts) == 2:
        yield Claim("date", text, ((calendar.month_name[int(parts[1])].casefold(),),))
    else:
        yield Claim("date", text, ((parts[0],),) if parts[0].isdigit() else ())
