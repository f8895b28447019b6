"""The machine-output contract: the keys of every JSON shape and the CSV columns.

Scripts are built on these names, so a change here is a breaking change: it must be
deliberate, and the list of shapes in docs/output.md (checked below) must change with it.
As pipx's tests/test_result_contract.py pins its result keys.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Run

Cli = Callable[..., Run]

OUTPUT_PAGE = Path(__file__).resolve().parents[1] / "docs" / "output.md"

#: Every JSON shape by name, with its keys in order. docs/output.md lists the same.
SHAPES: dict[str, list[str]] = {
    "event": [
        "id",
        "date",
        "type",
        "title",
        "sources",
        "date_note",
        "summary",
        "certainty",
        "places",
        "actors",
        "munitions",
        "casualties",
        "responds_to",
        "year_inferred",
        "aggregate",
        "date_start",
        "date_end",
        "date_precision",
        "countries",
        "acled",
        "dataset",
        "same_as",
    ],
    "event lookup adds": ["linked", "responses", "quotes", "also_recorded_by"],
    "citation": ["source", "quote", "footnote"],
    "event actor": ["actor", "role", "certainty", "according_to"],
    "munition": ["weapon", "count", "at_least", "intercepted"],
    "casualties": ["killed", "injured", "note", "at_least", "none_reported"],
    "acled": ["event_type", "sub_event_type"],
    "dataset": [
        "name",
        "row",
        "event_type",
        "sub_event_type",
        "sources",
        "time_precision",
        "geo_precision",
        "killed_low",
        "killed_high",
        "notes",
    ],
    "linked": ["kind", "name"],
    "brief": ["id", "kind", "name"],
    "event brief": ["id", "date", "title"],
    "quote": ["id", "text", "sources", "footnote", "about", "footnote_inferred", "analyst", "analyst_name"],
    "actor": [
        "id",
        "name",
        "kind",
        "sources",
        "aliases",
        "known_as",
        "country",
        "title",
        "description",
        "member_of",
        "backed_by",
        "external",
    ],
    "actor lookup adds": ["linked", "members", "backs", "events", "events_total", "quotes"],
    "place": [
        "id",
        "name",
        "kind",
        "sources",
        "aliases",
        "known_as",
        "country",
        "sides",
        "status",
        "status_since",
        "significance",
        "located_in",
        "coordinates",
    ],
    "place lookup adds": ["linked", "contains", "events", "events_total", "quotes"],
    "side": ["country", "name", "general_knowledge"],
    "coordinates": ["lat", "lon", "precision"],
    "analyst": [
        "id",
        "name",
        "sources",
        "aliases",
        "known_as",
        "affiliation",
        "description",
        "interview",
        "quotes",
    ],
    "analyst quote": ["id", "text", "sources", "footnote", "about", "footnote_inferred"],
    "analyst lookup adds": ["linked", "interview_source"],
    "source": [
        "id",
        "kind",
        "title",
        "sources",
        "aliases",
        "publisher",
        "author",
        "date",
        "interviewee",
        "mode",
        "footnotes",
        "part_of",
        "url",
    ],
    "search item": ["kind", "id", "name", "score", "record", "field", "snippet"],
    "summary": [
        "events",
        "date_span",
        "by_type",
        "by_month",
        "by_place",
        "by_actor",
        "hedged_by_actor",
        "munitions",
        "casualties",
        "linked",
        "export_rows",
        "corroborated",
    ],
    "date_span": ["first", "last"],
    "summary munition": [
        "events",
        "events_without_count",
        "aggregate_events",
        "count",
        "at_least",
        "intercepted",
        "intercepted_at_least",
    ],
    "summary casualties": [
        "killed",
        "killed_at_least",
        "injured",
        "injured_at_least",
        "events_with_unknown_killed",
        "events_with_unknown_injured",
    ],
    "info": [
        "version",
        "python",
        "data_folder",
        "data_files",
        "cache_dir",
        "cache_file",
        "cache_status",
        "cache_bytes",
        "data_folders",
        "exports",
    ],
    "validate": ["folder", "valid", "records", "exports", "notes"],
    "import": ["file", "dataset", "schema", "rows", "read", "with_notes", "set_aside", "action"],
    "problem": ["file", "line", "column", "record", "field", "message", "text"],
}


def keys(value: dict[str, Any]) -> list[str]:
    return list(value)


def every(items: list[dict[str, Any]], shape: str) -> None:
    assert items, f"no {shape} in the shipped data to check"
    for item in items:
        assert keys(item) == SHAPES[shape], (shape, item)


def test_listing_shapes(cli: Cli) -> None:
    events = cli("events", "--json").json()
    every(events, "event")
    every([c for e in events for c in e["sources"]], "citation")
    every([a for e in events for a in e["actors"]], "event actor")
    every([m for e in events for m in e["munitions"]], "munition")
    every([e["casualties"] for e in events if e["casualties"] is not None], "casualties")
    every([e["acled"] for e in events], "acled")
    every(cli("actors", "--json").json(), "actor")
    places = cli("places", "--json").json()
    every(places, "place")
    every([s for p in places for s in p["sides"]], "side")
    every([p["coordinates"] for p in places if p["coordinates"] is not None], "coordinates")
    analysts = cli("analysts", "--json").json()
    every(analysts, "analyst")
    every([q for a in analysts for q in a["quotes"]], "analyst quote")
    every(cli("search", "rockets", "--json").json(), "search item")


def lookup_extras(data: dict[str, Any], kind: str) -> list[str]:
    return keys(data)[len(SHAPES[kind]) :]


def test_lookup_shapes(cli: Cli) -> None:
    event = cli("event", "2021-06-28-us-forces-return-fire-at-al-omar", "--json").json()
    assert keys(event)[: len(SHAPES["event"])] == SHAPES["event"]
    assert lookup_extras(event, "event") == SHAPES["event lookup adds"]
    every(list(event["linked"].values()), "linked")
    actor = cli("actor", "PMU", "--json").json()
    assert lookup_extras(actor, "actor") == SHAPES["actor lookup adds"]
    every(actor["members"], "brief")
    assert [keys(item) for item in actor["events"]] == [["role", "role_certainty", *SHAPES["event"]]] * len(
        actor["events"]
    )
    every(cli("actor", "Iran", "--json").json()["quotes"], "quote")
    place = cli("place", "Anbar", "--json").json()
    assert lookup_extras(place, "place") == SHAPES["place lookup adds"]
    every(place["contains"], "brief")
    every(place["events"], "event")
    analyst = cli("analyst", "Jahshan", "--json").json()
    assert lookup_extras(analyst, "analyst") == SHAPES["analyst lookup adds"]
    every([analyst["interview_source"]], "source")


def test_responses_are_event_briefs(cli: Cli) -> None:
    event = cli("event", "2021-06-28-rockets-at-al-omar-oil-field", "--json").json()
    every(event["responses"], "event brief")


@pytest.mark.parametrize(
    ("listing", "lookup"),
    [("events", "event"), ("actors", "actor"), ("places", "place"), ("analysts", "analyst")],
)
def test_a_lookup_is_its_listing_record_plus_context(cli: Cli, listing: str, lookup: str) -> None:
    # Every field keeps its listing's value and type: ids stay ids (located_in is a string in
    # both), and only keys a listing lacks are added.
    for record in cli(listing, "--json").json():
        data = cli(lookup, record["id"], "--json").json()
        assert {key: data[key] for key in record} == record
        referenced = [record.get(key) for key in ("located_in", "interview")] + record.get("places", [])
        for record_id in filter(None, referenced):
            assert record_id in data["linked"]


def test_summary_shape_is_keyed_by_id(cli: Cli) -> None:
    summary = cli("summary", "--json").json()
    assert keys(summary) == SHAPES["summary"]
    assert keys(summary["date_span"]) == SHAPES["date_span"]
    assert keys(summary["casualties"]) == SHAPES["summary casualties"]
    every(list(summary["munitions"].values()), "summary munition")
    places = {place["id"] for place in cli("places", "--json").json()}
    actors = {actor["id"] for actor in cli("actors", "--json").json()}
    assert set(summary["by_place"]) <= places and summary["by_place"]
    assert set(summary["by_actor"]) <= actors and summary["by_actor"]
    assert set(summary["linked"]) == set(summary["by_place"]) | set(summary["by_actor"])
    assert summary["linked"]["iraq-country"] == {"kind": "place", "name": "Iraq"}
    assert summary["linked"]["iraq"] == {"kind": "actor", "name": "Iraq"}


def test_info_and_validate_shapes(cli: Cli, tmp_path: Path) -> None:
    assert keys(cli("info", "--json").json()) == SHAPES["info"]
    valid = cli("validate", "--json").json()
    assert keys(valid) == SHAPES["validate"]
    assert valid["valid"] is True and set(valid["records"]) == {
        "actor",
        "analyst",
        "event",
        "place",
        "quote",
        "source",
    }
    problems = cli("validate", str(tmp_path), "--json")
    assert problems.exit_code == 1
    every(problems.json(), "problem")


# --- CSV -------------------------------------------------------------------------------


def read_csv(run: Run) -> list[dict[str, str]]:
    assert run.exit_code == 0, run
    return list(csv.DictReader(io.StringIO(run.stdout, newline="")))


EVENT_COLUMNS = [
    "id",
    "date",
    "type",
    "title",
    "sources.source",
    "sources.quote",
    "sources.footnote",
    "date_note",
    "summary",
    "certainty",
    "places",
    "actors.actor",
    "actors.role",
    "actors.certainty",
    "actors.according_to",
    "munitions.weapon",
    "munitions.count",
    "munitions.at_least",
    "munitions.intercepted",
    "casualties.killed",
    "casualties.injured",
    "casualties.note",
    "casualties.at_least",
    "casualties.none_reported",
    "responds_to",
    "year_inferred",
    "aggregate",
    "date_start",
    "date_end",
    "date_precision",
    "countries",
    "acled.event_type",
    "acled.sub_event_type",
    "dataset",
    "same_as",
]


def test_event_csv_has_a_column_per_field_and_one_value_per_cell(cli: Cli) -> None:
    run = cli("events", "--format", "csv")
    assert run.stdout.splitlines()[0].split(",") == EVENT_COLUMNS
    rows = {row["id"]: row for row in read_csv(run)}
    row = rows["2021-07-08-rockets-at-us-embassy-green-zone"]
    assert (row["date"], row["date_start"], row["date_end"]) == ("2021-07-08", "2021-07-08", "2021-07-08")
    assert row["acled.event_type"] == "Explosions/Remote violence"
    assert row["acled.sub_event_type"] == "Shelling/artillery/missile attack"
    assert row["places"] == "us-embassy-baghdad | green-zone | baghdad"
    assert row["actors.actor"] == "iran-backed-militias | united-states"
    assert row["actors.certainty"] == "believed | confirmed"
    assert (row["munitions.weapon"], row["munitions.count"], row["munitions.intercepted"]) == (
        "rocket",
        "2",
        "1",
    )
    assert (row["casualties.killed"], row["casualties.injured"], row["casualties.none_reported"]) == (
        "",
        "",
        "true",
    )
    vague = rows["2000s-insurgents-use-border-crossing"]
    assert (vague["date"], vague["date_start"], vague["date_end"]) == ("2000s", "2000-01-01", "2009-12-31")


def test_place_csv_keeps_latitude_and_longitude_apart(cli: Cli) -> None:
    json_places = {place["id"]: place for place in cli("places", "--json").json()}
    rows = read_csv(cli("places", "--format", "csv"))
    assert [row["id"] for row in rows] == list(json_places)
    for row in rows:
        coordinates = json_places[row["id"]]["coordinates"]
        if coordinates is None:
            assert (row["coordinates.lat"], row["coordinates.lon"]) == ("", "")
        else:
            assert float(row["coordinates.lat"]) == coordinates["lat"]
            assert float(row["coordinates.lon"]) == coordinates["lon"]
            assert row["coordinates.precision"] == coordinates["precision"]
        assert "coordinates" not in row
        # located_in is the id, as in the JSON: not a name made for reading.
        assert row["located_in"] == (json_places[row["id"]]["located_in"] or "")


@pytest.mark.parametrize("listing", ["events", "actors", "places", "crossings", "analysts"])
def test_csv_columns_are_the_json_fields(cli: Cli, listing: str) -> None:
    """Each CSV column is a JSON field's path; each scalar field has its column, with the
    value JSON gives (booleans and null spelt as JSON spells them)."""
    records = cli(listing, "--json").json()
    rows = read_csv(cli(listing, "--format", "csv"))
    assert len(rows) == len(records)
    for record, row in zip(records, rows, strict=True):
        for key, value in record.items():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                assert row[key] == str(value), (key, row[key])
            elif value is None and key in row:
                assert row[key] == ""
            elif isinstance(value, bool):
                assert row[key] == ("true" if value else "false")


def test_output_page_states_every_shape() -> None:
    """The shape list of docs/output.md names each shape with exactly the pinned keys."""
    text = OUTPUT_PAGE.read_text(encoding="utf-8")
    block = re.search(r"```text\n(# JSON shapes.*?)```", text, re.DOTALL)
    assert block, "docs/output.md lacks the JSON shapes block"
    stated: dict[str, list[str]] = {}
    for line in block.group(1).splitlines()[1:]:
        name, _, fields = line.partition(":")
        stated[name.strip()] = [field.strip() for field in fields.split(",")]
    assert stated == SHAPES
