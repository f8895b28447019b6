"""export acled: ACLED's exact header, and rows that say no more than the data."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

from conftest import REPO, Run

Cli = Callable[..., Run]
MakeData = Callable[..., Path]

# ACLED's columns of a current export (31, since March 2023), as in its codebook.
HEADER = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]


def _rows(run: Run) -> list[dict[str, str]]:
    assert run.exit_code == 0, run
    return list(csv.DictReader(io.StringIO(run.stdout)))


def test_the_header_is_exactly_acled_s(cli: Cli) -> None:
    run = cli("export", "acled")
    assert next(csv.reader(io.StringIO(run.stdout))) == HEADER
    assert len(HEADER) == 31
    reference = REPO.parent / "shared" / "reference" / "acled.md"
    if reference.exists():
        listed = re.search(r"## Columns of a current export.*?\n(.*?)\n\n", reference.read_text(), re.DOTALL)
        assert listed is not None
        assert [name.strip() for name in listed.group(1).replace("\n", " ").rstrip(".").split(",")] == HEADER


def test_only_events_dated_to_the_day_are_written_and_the_others_counted(cli: Cli) -> None:
    events = cli("events", "--json").json()
    run = cli("export", "acled")
    rows = _rows(run)
    by_day = [event for event in events if event["date_precision"] == "day"]
    assert [row["event_id_cnty"] for row in rows] == [event["id"] for event in by_day]
    assert [row["event_date"] for row in rows] == [event["date"] for event in by_day]
    assert {row["time_precision"] for row in rows} == {"1"}
    assert f"left out {len(events) - len(by_day)} events dated only to a month, year or decade" in run.stderr


def test_rows_map_actors_places_and_casualties_without_guessing(cli: Cli) -> None:
    rows = {row["event_id_cnty"]: row for row in _rows(cli("export", "acled", "--since", "2021-06"))}
    strikes = rows["2021-06-27-us-airstrikes-iraq-syria-border"]
    assert (strikes["actor1"], strikes["assoc_actor_1"]) == ("United States", "Joe Biden")
    assert strikes["actor2"] == "Kata'ib Hezbollah"
    assert strikes["disorder_type"] == "Political violence"
    assert strikes["location"] == ""  # the border area has no coordinates: none made up
    assert "Countries: Iraq, Syria." in strikes["notes"]
    embassy = rows["2021-07-08-rockets-at-us-embassy-green-zone"]
    assert (embassy["location"], embassy["latitude"], embassy["longitude"]) == (
        "U.S. Embassy in Baghdad",
        "33.3",
        "44.39",
    )
    assert embassy["geo_precision"] == "2"
    assert embassy["fatalities"] == "0"  # the source says no casualties
    assert "Iran-backed militias as attacker: believed, not confirmed." in embassy["notes"]
    assert rows["2021-07-07-ain-al-assad-14-rockets"]["fatalities"] == ""  # unknown, not zero
    assert rows["2021-07-07-ain-al-assad-14-rockets"]["admin1"] == "Anbar province"
    interception = rows["2021-07-05-drone-shot-down-over-us-embassy"]
    assert (interception["event_type"], interception["sub_event_type"]) == (
        "Strategic developments",
        "Disrupted weapons use",
    )
    assert interception["disorder_type"] == "Strategic developments"
    # The interceptors are on the side attacked, never the attacker's allies.
    assert (interception["actor1"], interception["assoc_actor_1"]) == ("Iran-backed militias", "")
    assert interception["actor2"] == "U.S. forces"
    thwarted = rows["2021-07-07-drone-attack-thwarted-at-al-omar"]
    assert (thwarted["actor1"], thwarted["assoc_actor_1"]) == ("Iran-backed militias", "")
    assert (thwarted["actor2"], thwarted["assoc_actor_2"]) == ("Syrian Democratic Forces", "U.S. forces")
    assert {row["inter1"] + row["iso"] + row["region"] + row["timestamp"] for row in rows.values()} == {""}


def test_a_place_without_coordinates_is_put_at_the_place_containing_it(cli: Cli, make_data: MakeData) -> None:
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
                  coordinates: {lat: 36.5, lon: 43.25, precision: approximate}
                  sources: [{source: report, quote: "The district."}]
            """
        }
    )
    run = cli("export", "acled", "--data", str(folder))
    [row] = _rows(run)
    assert (row["location"], row["admin2"], row["geo_precision"]) == ("North District", "North District", "3")
    assert "Located at North District, which contains North Base." in row["notes"]
    assert "left out 1 event dated only" in run.stderr
