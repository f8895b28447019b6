"""--format geojson (valid RFC 7946, nothing more precise than the data) and --format markdown
(data shows as text, never as markup)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

import geojson
import pytest
from markdown_it import MarkdownIt

from conftest import Run
from iranclash.output.markdown import text

Cli = Callable[..., Run]
MakeData = Callable[..., Path]


def _valid(run: Run) -> dict[str, object]:
    assert run.exit_code == 0, run
    collection = geojson.loads(run.stdout)
    assert isinstance(collection, geojson.FeatureCollection)
    assert collection.is_valid, collection.errors()
    data: dict[str, object] = json.loads(run.stdout)
    return data


def test_events_as_geojson_are_valid_and_each_placed_at_a_named_place(cli: Cli) -> None:
    events = cli("events", "--json").json()
    places = {place["id"]: place for place in cli("places", "--json").json()}
    features = _valid(cli("events", "--format", "geojson"))["features"]
    assert isinstance(features, list)
    assert [feature["id"] for feature in features] == [event["id"] for event in events]
    for feature in features:
        properties = feature["properties"]
        if feature["geometry"] is None:
            assert properties["placed_at"] is None and properties["coordinate_precision"] is None
            continue
        at = places[properties["placed_at"]]
        # Longitude first, exactly the place's coordinates, with their precision.
        assert feature["geometry"]["coordinates"] == [at["coordinates"]["lon"], at["coordinates"]["lat"]]
        assert properties["coordinate_precision"] == at["coordinates"]["precision"]
    by_id = {feature["id"]: feature for feature in features}
    embassy = by_id["2021-07-08-rockets-at-us-embassy-green-zone"]["properties"]
    assert (embassy["placed_at"], embassy["coordinate_precision"]) == ("us-embassy-baghdad", "approximate")
    # Known only to be somewhere in Iraq: no point on the map, and none made up.
    assert by_id["2021-iraqi-officials-urge-no-retaliatory-strikes"]["geometry"] is None


def test_places_as_geojson_keep_every_place(cli: Cli) -> None:
    places = cli("places", "--json").json()
    features = _valid(cli("places", "-f", "geojson"))["features"]
    assert isinstance(features, list)
    assert len(features) == len(places)
    without = {place["id"] for place in places if place["coordinates"] is None}
    assert {feature["id"] for feature in features if feature["geometry"] is None} == without
    assert "iraq-country" in without


def test_an_event_is_put_at_the_nearest_place_containing_it_that_has_coordinates(
    cli: Cli, make_data: MakeData
) -> None:
    folder = make_data(
        {
            "places.yaml": """
                - id: north-base
                  name: North Base
                  kind: base
                  located_in: north-district
                  sources: [{source: report, quote: "North Base lies in the district."}]
                - id: north-district
                  name: North District
                  kind: district
                  country: Iraq
                  coordinates: {lat: 36.5, lon: 43.25, precision: region}
                  sources: [{source: report, quote: "The district."}]
            """
        }
    )
    features = _valid(cli("events", "--data", str(folder), "-f", "geojson"))["features"]
    assert isinstance(features, list)
    vague, attack = features  # "2022" sorts by its first day
    assert attack["geometry"] == {"type": "Point", "coordinates": [43.25, 36.5]}
    assert (attack["properties"]["placed_at"], attack["properties"]["placed_for"]) == (
        "north-district",
        "north-base",
    )
    assert attack["properties"]["coordinate_precision"] == "region"
    assert vague["geometry"] is None
    assert vague["properties"]["date"] == "2022"


def test_the_timeline_and_crossings_map_too(cli: Cli) -> None:
    assert len(_valid(cli("timeline", "--since", "2021-07", "-f", "geojson"))["features"]) == 6  # type: ignore[arg-type]
    assert len(_valid(cli("crossings", "-f", "geojson"))["features"]) == 3  # type: ignore[arg-type]


@pytest.mark.parametrize("command", [["actors"], ["event", "2015-jcpoa"], ["summary"], ["sources"]])
def test_geojson_of_what_is_not_on_a_map_is_a_usage_error(cli: Cli, command: list[str]) -> None:
    run = cli(*command, "-f", "geojson")
    assert run.exit_code == 2
    # Not offered where it cannot work: refused as any value not among the choices.
    assert "'geojson' is not one of" in run.stderr
    assert "geojson" not in cli(command[0], "-h").stdout
    assert run.stdout == ""


def test_markdown_text_escapes_what_markdown_or_html_would_read() -> None:
    assert text("a *b* _c_ [d](e) <f> | & # ~ ` \\") == r"a \*b\* \_c\_ \[d\](e) \<f\> \| \& \# \~ \` \\"
    assert text("- not a list") == r"\- not a list"
    assert text("1. not a list") == r"1\. not a list"
    assert text("14 rockets. Fine") == "14 rockets. Fine"
    assert text("two\nlines") == "two lines"
    assert text(None) == ""


HOSTILE = """
    - id: first-attack
      date: "2022-03-04"
      type: rocket-attack
      title: "<script>alert(1)</script> **bold** [link](http://x.test) ![img](http://x.test/i.png) | cell"
      sources:
        - source: report
          quote: "- item\\n# heading &amp; <b>tag</b>"
"""


def _rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


@pytest.mark.parametrize(
    "command",
    [
        ["events"],
        ["event", "first-attack"],
        ["timeline"],
        ["cite", "first-attack"],
        ["chain", "first-attack"],
    ],
)
def test_hostile_text_renders_as_its_own_text(cli: Cli, make_data: MakeData, command: list[str]) -> None:
    folder = make_data({"events.yaml": HOSTILE})
    run = cli(*command, "--data", str(folder), "-f", "markdown")
    assert run.exit_code == 0, run
    page = _rendered(run.stdout)
    for tag in ("<script", "<a ", "<img", "<strong>bold", "<b>", "<h2>heading", "<li>item"):
        assert tag not in page
    title = "<script>alert(1)</script> **bold** [link](http://x.test) ![img](http://x.test/i.png) | cell"
    assert html.escape(title, quote=False) in page


def test_markdown_table_has_a_row_per_record(cli: Cli) -> None:
    run = cli("events", "--since", "2021-07", "-f", "markdown")
    page = _rendered(run.stdout)
    assert page.count("<tr>") == 1 + 6
    assert run.stdout.rstrip().endswith("6 found")


def test_a_reference_document_in_markdown_is_fenced_exactly(cli: Cli) -> None:
    plain = cli("cite", "2015-jcpoa", "--style", "bibtex").stdout
    run = cli("cite", "2015-jcpoa", "--style", "bibtex", "-f", "markdown")
    assert run.stdout.split("```\n")[1] == plain
