"""summary --by: counts per period or facet that never say more than the events do."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run
from iranclash.ask.counts import munitions_label
from terminal import run_in_terminal

Cli = Callable[..., Run]
MakeData = Callable[..., Path]

EVENTS = {
    "places.yaml": """
        - id: north-base
          name: North Base
          kind: base
          country: Iraq
          sources: [{source: report, quote: "North Base lies in Iraq."}]
        - id: south-base
          name: South Base
          kind: base
          country: Syria
          sources: [{source: report, quote: "South Base lies in Syria."}]
    """,
    "events.yaml": """
        - id: a
          date: "2022-03-04"
          type: rocket-attack
          title: Three rockets, no one killed
          places: [north-base, south-base]
          munitions: [{weapon: rocket, count: 3}]
          casualties: {killed: 0}
          sources: [{source: report, quote: "A."}]
        - id: b
          date: "2022-03-31"
          type: rocket-attack
          title: Rockets, two killed
          places: [north-base]
          munitions: [{weapon: rocket}]
          casualties: {killed: 2, injured: 1}
          sources: [{source: report, quote: "B."}]
        - id: c
          date: "2022-03"
          type: rocket-attack
          title: At least two rockets in March
          munitions: [{weapon: rocket, count: 2, at_least: true}, {weapon: drone, count: 1}]
          sources: [{source: report, quote: "C."}]
        - id: d
          date: "2022"
          type: diplomatic
          title: Talks in 2022
          sources: [{source: report, quote: "D."}]
        - id: e
          date: "2020s"
          type: diplomatic
          title: Talks in the 2020s
          sources: [{source: report, quote: "E."}]
    """,
}


def _rows(cli: Cli, folder: Path, by: str) -> dict[str | None, dict[str, object]]:
    run = cli("summary", "--by", by, "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    return {row["key"]: row for row in run.json()}


@pytest.mark.parametrize(
    ("by", "counts"),
    [
        ("month", {"2022-03": 3, None: 2}),
        # The weeks between the first and the last, even those with no event.
        ("week", {"2022-W09": 1, "2022-W10": 0, "2022-W11": 0, "2022-W12": 0, "2022-W13": 1, None: 3}),
        ("year", {"2022": 4, None: 1}),
        ("type", {"rocket-attack": 3, "diplomatic": 2}),
    ],
)
def test_each_event_counts_once_and_a_vaguer_date_counts_apart(
    cli: Cli, make_data: MakeData, by: str, counts: dict[str | None, int]
) -> None:
    rows = _rows(cli, make_data(EVENTS), by)
    assert {key: row["events"] for key, row in rows.items()} == counts
    assert sum(counts.values()) == 5
    assert list(rows) == list(counts), "in order, the periods evenly spaced"
    if None in rows:
        assert rows[None]["apart"] is True


def test_a_vague_period_is_named_and_says_what_it_holds(cli: Cli, make_data: MakeData) -> None:
    rows = _rows(cli, make_data(EVENTS), "week")
    assert rows["2022-W13"]["label"] == "week of 28 March 2022"
    assert rows[None]["label"] == "date vaguer than a week"


def test_munitions_are_at_least_when_a_count_is_a_minimum_or_missing(cli: Cli, make_data: MakeData) -> None:
    march = _rows(cli, make_data(EVENTS), "month")["2022-03"]
    assert march["munitions"] == {
        "drone": {"count": 1, "at_least": False, "events": 1, "events_without_count": 0},
        "rocket": {"count": 5, "at_least": True, "events": 3, "events_without_count": 1},
    }
    # Known for a and b only: a lower bound, never an exact 2.
    assert (march["killed"], march["killed_at_least"], march["killed_unknown_events"]) == (2, True, 1)
    assert (march["injured"], march["injured_at_least"], march["injured_unknown_events"]) == (1, True, 2)


CASUALTIES = {
    "events.yaml": """
        - id: strike
          date: "2022-05-02"
          type: airstrike
          title: A strike that killed at least four
          casualties: {killed: 4, at_least: true}
          sources: [{source: report, quote: "At least four were killed."}]
        - id: raid
          date: "2022-05-09"
          type: airstrike
          title: A raid that killed three
          casualties: {killed: 3, injured: 0}
          sources: [{source: report, quote: "Three were killed."}]
        - id: may-strikes
          date: "2022-05"
          type: airstrike
          title: Strikes in May killed at least six
          aggregate: true
          casualties: {killed: 6, at_least: true}
          sources: [{source: report, quote: "Strikes killed at least six in May."}]
        - id: june
          date: "2022-06-01"
          type: airstrike
          title: A strike with no figures
          sources: [{source: report, quote: "A strike."}]
    """,
}


def test_casualty_totals_follow_the_rules_of_summary(cli: Cli, make_data: MakeData) -> None:
    """A minimum stays a minimum, an aggregate is not added to the events it may include,
    and a bucket where no event gives a figure is unknown, not 0."""
    folder = make_data(CASUALTIES)
    months = _rows(cli, folder, "month")
    may, june = months["2022-05"], months["2022-06"]
    # 4 (at least) + 3 = 7 for the dated strikes; the May aggregate says at least 6 of the
    # same month: the larger lower bound, not 13.
    assert (may["killed"], may["killed_at_least"], may["killed_unknown_events"]) == (7, True, 0)
    # Only the raid gives an injured figure (0): at least 0, two events unknown.
    assert (may["injured"], may["injured_at_least"], may["injured_unknown_events"]) == (0, True, 2)
    assert (june["killed"], june["injured"]) == (None, None)
    table = cli("summary", "--by", "month", "--data", str(folder), env={"COLUMNS": "160"}).stdout
    may_line = next(line for line in table.splitlines() if "May 2022" in line)
    assert may_line.rstrip().endswith("at least 7  at least 0 (2 unknown)"), may_line
    june_line = next(line for line in table.splitlines() if "June 2022" in line)
    assert june_line.split()[-2:] == ["unknown", "unknown"]
    summary = cli("summary", "--data", str(folder), "--json").json()
    assert (summary["casualties"]["killed"], summary["casualties"]["killed_at_least"]) == (7, True)


def test_munition_labels() -> None:
    row = {
        "munitions": {
            "airstrike": {"count": None, "at_least": True},
            "drone": {"count": 1, "at_least": False},
            "explosives": {"count": 2, "at_least": False},
            "rocket": {"count": 5, "at_least": True},
        }
    }
    assert munitions_label(row) == "airstrikes (number unknown), 1 drone, 2 explosives, ≥5 rockets"


def test_an_event_at_two_places_counts_under_each_and_the_summary_says_so(
    cli: Cli, make_data: MakeData
) -> None:
    folder = make_data(EVENTS)
    rows = _rows(cli, folder, "place")
    assert {key: row["events"] for key, row in rows.items()} == {"north-base": 2, "south-base": 1, None: 3}
    assert rows["north-base"]["label"] == "North Base"
    countries = _rows(cli, folder, "country")
    assert {key: row["events"] for key, row in countries.items()} == {"Iraq": 2, "Syria": 1, None: 3}
    table = cli("summary", "--by", "place", "--data", str(folder), env={"COLUMNS": "120"}).stdout
    assert "an event with several places counts under each" in table
    assert "Counted apart  3 (no place given)" in table


def test_table_bars_are_in_proportion_and_on_one_line(cli: Cli, make_data: MakeData) -> None:
    run = cli("summary", "--by", "type", "--data", str(make_data(EVENTS)), env={"COLUMNS": "120"})
    lines = {line.split()[0]: line for line in run.stdout.splitlines() if line.startswith("  ")}
    assert lines["rocket-attack"].count("█") == 20
    assert lines["diplomatic"].count("█") == round(20 * 2 / 3)
    # Killed: 2, known for 2 of the 3 rocket attacks.
    assert "at least 2 (1 unknown)" in lines["rocket-attack"]


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_on_a_terminal_each_row_is_one_line_and_no_figure_or_bar_is_cut(width: int) -> None:
    screen = run_in_terminal("summary", "--by", "month", columns=width)
    assert screen.code == 0, screen
    assert max(len(line) for line in screen.lines) <= width
    # The widest bar (24 events, apart) whole on one line, beside its label and count.
    apart = next(line for line in screen.lines if line.startswith("  (date vaguer than a month)"))
    assert apart.count("█") == 20 and " 24 " in apart
    months = [line for line in screen.lines if re.match(r"  [A-Z][a-z]+ 20\d\d ", line)]
    assert [line.split()[0] for line in months[:3]] == ["March", "April", "May"], "empty months are rows"
    assert len(months) == 17
    # The figures beside the bars where the row still fits one line; --wide shows the rest.
    said = next(line for line in screen.lines if line.strip().startswith("--wide shows"))
    assert ("munitions" in said) == (width < 120)
    assert ("≥2 drones, explosives (number unknown), 19 rockets" in screen.text) == (width >= 120)
    wide = run_in_terminal("summary", "--by", "month", "--wide", columns=width)
    assert "at least 2 (23 unknown)" in wide.text and "at least 2 (5 unknown)" in wide.text
    assert "--wide shows" not in wide.text


def test_csv_gives_the_same_figures(cli: Cli, make_data: MakeData) -> None:
    folder = make_data(EVENTS)
    run = cli("summary", "--by", "month", "--data", str(folder), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    figures = ("label", "events", "munitions.rocket.count", "munitions.rocket.at_least", "killed")
    assert [tuple(row[key] for key in figures) for row in rows] == [
        ("March 2022", "3", "5", "true", "2"),
        ("date vaguer than a month", "2", "", "", ""),
    ]
    assert [row["killed_unknown_events"] for row in rows] == ["1", "2"]


def test_shipped_data_by_month(cli: Cli) -> None:
    rows = {row["key"]: row for row in cli("summary", "--by", "month", "--json").json()}
    assert sum(int(row["events"]) for row in rows.values()) == 35
    july = rows["2021-07"]
    assert july["events"] == 6
    assert july["munitions"]["rocket"] == {
        "count": 19,
        "at_least": False,
        "events": 3,
        "events_without_count": 0,
    }
    # Events dated only 2021 are not put in any month of it.
    assert rows[None]["events"] == sum(
        event["date_precision"] in ("year", "decade") for event in cli("events", "--json").json()
    )


def test_summary_by_takes_the_event_filters(cli: Cli) -> None:
    rows = cli("summary", "--by", "type", "--since", "2021-07", "--json").json()
    assert sum(row["events"] for row in rows) == len(cli("events", "--since", "2021-07", "--json").json())


def test_a_bad_grain_is_a_usage_error(cli: Cli) -> None:
    assert cli("summary", "--by", "fortnight").exit_code == 2


def test_an_aggregate_is_not_added_to_the_dated_records_it_may_include(cli: Cli, make_data: MakeData) -> None:
    """By type, the aggregate of 5 drone attacks and a dated attack with 2 drones share one
    row: the row says at least 5 (``totals``' rule, as in ``summary``), not 7."""
    folder = make_data(
        {
            "events.yaml": """
                - id: drones-this-year
                  date: "2022"
                  type: drone-attack
                  aggregate: true
                  title: At least five drone attacks this year
                  munitions: [{weapon: drone, count: 5, at_least: true}]
                  sources: [{source: report, quote: "At least five drone attacks this year."}]
                - id: drone-one
                  date: "2022-03-04"
                  type: drone-attack
                  title: Two drones hit North Base
                  munitions: [{weapon: drone, count: 2}]
                  sources: [{source: report, quote: "Two drones hit North Base."}]
            """
        }
    )
    rows = cli("summary", "--by", "type", "--data", str(folder), "--json").json()
    assert rows[0]["munitions"]["drone"] == {
        "count": 5,
        "at_least": True,
        "events": 2,
        "events_without_count": 0,
    }
