"""The timeline and chains: grouped by month, responses beneath, no made-up dates."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from iranclash.ask.timeline import date_label, period, period_label

Cli = Callable[..., Run]
MakeData = Callable[..., Path]

AIRSTRIKES = "2021-06-27-us-airstrikes-iraq-syria-border"


def test_period_is_the_month_or_the_whole_vaguer_date() -> None:
    assert period({"date": "2021-07-08", "date_precision": "day"}) == "2021-07"
    assert period({"date": "2020-03", "date_precision": "month"}) == "2020-03"
    assert period({"date": "2021", "date_precision": "year"}) == "2021"
    assert period({"date": "2000s", "date_precision": "decade"}) == "2000s"


def test_period_labels_say_what_is_not_known() -> None:
    assert period_label("2021-06", "day") == "June 2021"
    assert period_label("2020-03", "month") == "March 2020"
    assert period_label("2021", "year") == "2021 (month not known)"
    assert period_label("2000s", "decade") == "2000s (year not known)"
    assert date_label({"date": "2021", "date_note": "after the strikes"}) == "2021 (after the strikes)"


def test_timeline_holds_the_same_events_as_events_for_the_same_filters(cli: Cli) -> None:
    for filters in ([], ["--since", "2021-06"], ["--actor", "KH"], ["--type", "rocket-attack"]):
        events = cli("events", *filters, "--json").json()
        timeline = cli("timeline", *filters, "--json").json()
        assert [item["id"] for item in timeline] == [event["id"] for event in events]


def test_timeline_items_carry_their_period_and_responses(cli: Cli) -> None:
    items = {item["id"]: item for item in cli("timeline", "--json").json()}
    strikes = items[AIRSTRIKES]
    assert strikes["period"] == "2021-06"
    assert strikes["responses"] == [
        "2021-us-message-to-tehran-via-diplomatic-channels",
        "2021-condemnations-of-us-airstrikes",
    ]
    condemnations = items["2021-condemnations-of-us-airstrikes"]
    assert condemnations["period"] == "2021"
    assert condemnations["responses"] == []
    # Every response listed says itself that it responds to the event it is listed under.
    for item in items.values():
        for answer in item["responses"]:
            assert item["id"] in items[answer]["responds_to"]


def _block(text: str, heading: str) -> str:
    """The lines of a printed timeline from ``heading`` to the next heading."""
    lines = text.splitlines()
    start = lines.index(heading)
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] and lines[i][0] not in "│├└ "), len(lines)
    )
    return "\n".join(lines[start:end])


def test_timeline_table_draws_responses_beneath_and_never_makes_up_a_day(cli: Cli) -> None:
    run = cli("timeline", "--since", "2021-06", env={"COLUMNS": "200"})
    assert run.exit_code == 0
    june = _block(run.stdout, "June 2021")
    # The airstrikes' two responses are drawn one level beneath them.
    strikes_line = next(line for line in june.splitlines() if AIRSTRIKES in line)
    indent = strikes_line.index("2021-06-27")
    beneath = [line for line in june.splitlines() if line.lstrip("│ ").startswith(("├── →", "└── →"))]
    assert any("Washington reportedly passes a message" in line for line in beneath)
    assert all(line.index("→") > indent for line in beneath)
    # Their causes lie before June 2021, outside the filter: named, marked as causes.
    assert "← in answer to 2021 (“This year”, in an article of July 2021)" in june
    # The condemnations are dated 2021 only: shown with that date, not a day or month of it.
    whole = cli("timeline", env={"COLUMNS": "200"}).stdout
    year = _block(whole, "2021 (month not known)")
    assert "2021 (after the 27 June 2021 strikes)  Syria, Iran" in year
    assert not re.search(r"2021-\d\d.*Syria, Iran, the PMU", whole)


def test_timeline_csv_has_one_row_per_event(cli: Cli) -> None:
    run = cli("timeline", "--since", "2021-07", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert [row["id"] for row in rows] == [
        event["id"] for event in cli("events", "--since", "2021-07", "--json").json()
    ]
    assert {row["period"] for row in rows} == {"2021-07"}


def test_chain_follows_links_both_ways_as_far_as_they_go(cli: Cli) -> None:
    rows = cli("chain", AIRSTRIKES, "--json").json()
    before = {(row["id"], row["depth"], row["via"]) for row in rows if row["direction"] == "led-to-it"}
    assert ("2021-drone-attacks-against-us-personnel", 1, AIRSTRIKES) in before
    assert (
        "2021-drone-attacks-against-us-personnel",
        2,
        "2021-congressional-pressure-to-retaliate",
    ) in before
    # The article says such attacks became "more common since" the killing, not that they
    # answer it: the chain stops there.
    assert "2020-soleimani-al-muhandis-killed" not in {row[0] for row in before}
    after = [row["id"] for row in rows if row["direction"] == "led-to"]
    assert after == [
        "2021-us-message-to-tehran-via-diplomatic-channels",
        "2021-condemnations-of-us-airstrikes",
    ]
    assert rows[0] == {
        "direction": "event",
        "depth": 0,
        "via": None,
        "id": AIRSTRIKES,
        "date": "2021-06-27",
        "date_precision": "day",
        "date_note": None,
        "type": "airstrike",
        "title": "Biden orders U.S. airstrikes on militia facilities on both sides of the Iraq-Syria border",
        "certainty": "confirmed",
    }


def test_chain_of_an_unlinked_event_says_so(cli: Cli) -> None:
    run = cli("chain", "2015-jcpoa", env={"COLUMNS": "120"})
    assert run.exit_code == 0
    assert run.stdout.count("nothing in the data") == 2
    assert cli("chain", "2015-jcpoa", "--json").json()[1:] == []


CHAIN_DATA = {
    "events.yaml": """
        - id: a
          date: "2022-01-05"
          type: rocket-attack
          title: First strike
          responds_to: [c]
          sources: [{source: report, quote: "A."}]
        - id: b
          date: "2022-02"
          type: airstrike
          title: Answer in February
          responds_to: [a]
          sources: [{source: report, quote: "B."}]
        - id: c
          date: "2022"
          type: return-fire
          title: Answer to the answer, some time in 2022
          responds_to: [b]
          sources: [{source: report, quote: "C."}]
        - id: d
          date: "2022-01-09"
          type: condemnation
          title: Both sides condemned
          responds_to: [a, b]
          sources: [{source: report, quote: "D."}]
    """
}


def test_chain_ends_on_a_loop_in_the_data(cli: Cli, make_data: MakeData) -> None:
    folder = make_data(CHAIN_DATA)
    run = cli("chain", "a", "--data", str(folder), env={"COLUMNS": "120"})
    assert run.exit_code == 0, run
    assert "shown above" in run.stdout
    rows = cli("chain", "a", "--data", str(folder), "--json").json()
    after = [(row["id"], row["via"]) for row in rows if row["direction"] == "led-to"]
    # a -> d; a -> b -> c -> a (the start again: listed, not followed); b -> d (listed, not
    # followed again). Siblings oldest first; c, dated 2022 only, sorts by the year's start.
    assert after == [("d", "a"), ("b", "a"), ("c", "b"), ("a", "c"), ("d", "b")]


def test_timeline_on_a_user_folder_groups_by_month_and_year(cli: Cli, make_data: MakeData) -> None:
    folder = make_data(CHAIN_DATA)
    run = cli("timeline", "--data", str(folder), env={"COLUMNS": "120"})
    headings = [line for line in run.stdout.splitlines()[1:] if line and line[0] not in "│├└ "]
    assert headings == [
        "2022 (month not known)",
        "January 2022",
        "February 2022",
        "4 events; 1 known only by year or decade, shown under it",
    ]


@pytest.mark.parametrize("command", ["chain", "event"])
def test_an_event_id_reads_as_in_event(cli: Cli, command: str) -> None:
    prefix = cli(command, "2021-06-27-us-airstrikes", "--json")
    assert prefix.exit_code == 0, prefix
    assert prefix.stdout == cli(command, AIRSTRIKES, "--json").stdout
    unknown = cli(command, "2021-06-27-us-airstrike-iraq")
    assert unknown.exit_code == 1
    assert AIRSTRIKES in unknown.stderr
    assert unknown.stdout == ""
