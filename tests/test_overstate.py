"""Answers that never overstate, through the CLI on small data written for each rule:
totals, hedges, date spans, inferred years and date ranges that leave imprecise dates out."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run

DRONES = """
    - id: drones-this-year
      date: "2022"
      type: drone-attack
      aggregate: true
      title: At least five drone attacks this year
      actors:
        - {actor: alpha-brigade, role: attacker, certainty: believed}
      munitions:
        - {weapon: drone, count: 5, at_least: true}
      sources:
        - {source: report, quote: "At least five drone attacks this year."}
    - id: drone-one
      date: "2022-03-04"
      type: drone-attack
      title: A drone hits North Base
      places: [north-base]
      actors:
        - {actor: alpha-brigade, role: attacker, certainty: believed}
      munitions:
        - {weapon: drone, count: 1}
      casualties: {killed: 2, at_least: true}
      sources:
        - {source: report, quote: "A drone hit North Base."}
    - id: drone-two
      date: "2022-03-05"
      type: drone-attack
      title: A drone attack thwarted
      year_inferred: true
      actors:
        - {actor: alpha-brigade, role: attacker}
      munitions:
        - {weapon: drone, count: 1}
      sources:
        - {source: report, quote: "A drone attack was thwarted."}
    - id: old-drone
      date: "2021-05-01"
      type: drone-attack
      title: A drone last year
      munitions:
        - {weapon: drone, count: 3}
      casualties: {injured: 1}
      sources:
        - {source: report, quote: "A drone last year."}
    - id: insurgency
      date: "2000s"
      type: insurgent-activity
      title: Insurgents cross
      sources:
        - {source: report, quote: "Insurgents crossed in the 2000s."}
"""


@pytest.fixture
def drones(make_data: Callable[..., Path]) -> Path:
    return make_data({"events.yaml": DRONES})


def test_summary_never_adds_an_aggregate_to_the_events_it_may_include(
    cli: Callable[..., Run], drones: Path
) -> None:
    data = cli("summary", "--data", str(drones), "--json").json()
    # 3 last year + at least 5 this year (which may include the two dated drones): not 10.
    assert data["munitions"]["drone"]["count"] == 8
    assert data["munitions"]["drone"]["at_least"] is True
    assert data["munitions"]["drone"]["aggregate_events"] == 1
    table = cli("summary", "--data", str(drones)).stdout
    assert "at least 8" in table
    assert "may include events recorded on" in cli("event", "drones-this-year", "--data", str(drones)).stdout
    assert "Aggregate" not in cli("event", "drone-one", "--data", str(drones)).stdout
    july = cli("summary", "--data", str(drones), "--since", "2022", "--json").json()
    assert (july["munitions"]["drone"]["count"], july["munitions"]["drone"]["at_least"]) == (5, True)


def test_a_missing_casualty_figure_is_never_counted_as_zero(cli: Callable[..., Run], drones: Path) -> None:
    data = cli("summary", "--data", str(drones), "--json").json()["casualties"]
    assert (data["killed"], data["killed_at_least"]) == (2, True)
    assert (data["injured"], data["injured_at_least"]) == (1, True)
    table = cli("summary", "--data", str(drones)).stdout
    assert "at least 2 killed, at least 1 injured" in table
    none_known = cli("summary", "--data", str(drones), "--until", "2000s", "--json").json()["casualties"]
    assert none_known["killed"] is None
    assert "unknown killed" in cli("summary", "--data", str(drones), "--until", "2000s").stdout
    assert "0 killed" not in cli("summary", "--data", str(drones), "--until", "2000s").stdout


def test_an_event_with_a_lower_bound_of_casualties_says_so(cli: Callable[..., Run], drones: Path) -> None:
    shown = cli("event", "drone-one", "--data", str(drones)).stdout
    assert "killed: at least 2" in shown
    row = next(
        row
        for row in csv.DictReader(io.StringIO(cli("events", "--data", str(drones), "-f", "csv").stdout))
        if row["id"] == "drone-one"
    )
    assert (row["casualties.killed"], row["casualties.at_least"]) == ("2", "true")


def test_date_span_is_as_precise_as_the_source(cli: Callable[..., Run], drones: Path) -> None:
    data = cli("summary", "--data", str(drones), "--json").json()
    assert data["date_span"] == {"first": "2000s", "last": "2022-03-05"}
    assert "2000s – 2022-03-05" in cli("summary", "--data", str(drones)).stdout


def test_hedged_attributions_show_in_every_view(cli: Callable[..., Run], drones: Path) -> None:
    actor = cli("actor", "alpha-brigade", "--data", str(drones))
    roles = {
        line.split()[-1]: line
        for line in actor.stdout.splitlines()
        if line.strip().endswith(("-one", "-two"))
    }
    assert "attacker, believed" in roles["drone-one"]
    assert "believed" not in roles["drone-two"]
    events = {
        event["id"]: event for event in cli("actor", "AB", "--data", str(drones), "--json").json()["events"]
    }
    assert events["drone-one"]["role_certainty"] == "believed"
    assert events["drone-two"]["role_certainty"] == "confirmed"
    place = cli("place", "North Base", "--data", str(drones)).stdout
    assert "Alpha Brigade (attacker, believed)" in place
    summary = cli("summary", "--data", str(drones), "--json").json()
    assert summary["by_actor"]["alpha-brigade"] == 3
    assert summary["hedged_by_actor"]["alpha-brigade"] == 2
    by_actor = [line.split() for line in cli("summary", "--data", str(drones)).stdout.splitlines()]
    assert ["Alpha", "Brigade", "3", "2"] in by_actor
    of_actor = cli("summary", "--data", str(drones), "--actor", "AB").stdout
    assert "2 of 3 events link Alpha Brigade only as believed, reported or expected" in of_actor


def test_a_hedged_event_counts_as_hedged_for_its_actors(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    folder = make_data(
        {
            "events.yaml": """
                - id: rumour
                  date: "2022"
                  type: deployment
                  certainty: reported
                  title: Fighters reportedly deployed
                  actors: [{actor: alpha-brigade, role: participant}]
                  sources: [{source: report, quote: "Fighters were reportedly deployed."}]
            """
        }
    )
    assert cli("summary", "--data", str(folder), "--json").json()["hedged_by_actor"] == {"alpha-brigade": 1}


def test_an_inferred_year_is_marked(cli: Callable[..., Run], drones: Path) -> None:
    event = cli("event", "drone-two", "--data", str(drones), "--json").json()
    assert event["year_inferred"] is True
    assert "year inferred" in cli("event", "drone-two", "--data", str(drones)).stdout
    assert "year inferred" not in cli("event", "drone-one", "--data", str(drones)).stdout


def test_an_inferred_year_needs_a_year(cli: Callable[..., Run], make_data: Callable[..., Path]) -> None:
    folder = make_data(
        {
            "events.yaml": """
                - id: decade
                  date: "2000s"
                  year_inferred: true
                  type: insurgent-activity
                  title: x
                  sources: [{source: report, quote: "x"}]
            """
        }
    )
    run = cli("validate", str(folder))
    assert run.exit_code == 1
    assert "no year to infer" in run.stdout


def test_a_date_range_says_what_imprecise_dates_it_leaves_out(cli: Callable[..., Run], drones: Path) -> None:
    run = cli("events", "--data", str(drones), "--since", "2022-03")
    assert run.exit_code == 0
    assert run.stderr == (
        "iranclash: note: 1 more event with imprecise dates may fall in this range: --overlap includes them\n"
    )
    as_json = cli("events", "--data", str(drones), "--since", "2022-03", "--json")
    assert as_json.stderr == ""
    assert [event["id"] for event in as_json.json()] == ["drone-one", "drone-two"]
    wider = cli("events", "--data", str(drones), "--since", "2022-03", "--overlap", "--json").json()
    assert [event["id"] for event in wider] == ["drones-this-year", "drone-one", "drone-two"]
    assert cli("events", "--data", str(drones), "--since", "2022-03", "--overlap").stderr == ""
    assert "--overlap" in cli("summary", "--data", str(drones), "--until", "2022-01").stderr
    until = cli("events", "--data", str(drones), "--until", "2009", "--overlap", "--json").json()
    assert [event["id"] for event in until] == ["insurgency"]
    assert cli("events", "--data", str(drones)).stderr == ""


def test_casualties_of_an_aggregate_are_not_added_to_the_events_it_may_include(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    def event(event_id: str, date: str, killed: int, aggregate: bool = False) -> str:
        return f"""
            - id: {event_id}
              date: "{date}"
              type: armed-clash
              aggregate: {str(aggregate).lower()}
              title: {event_id}
              casualties: {{killed: {killed}, injured: 0}}
              sources: [{{source: report, quote: "{event_id}"}}]
        """

    folder = make_data(
        {
            "events.yaml": event("clashes-this-year", "2022", 3, aggregate=True)
            + event("clash-in-march", "2022-03-04", 2)
            + event("clash-last-year", "2021-05-01", 1)
        }
    )
    casualties = cli("summary", "--data", str(folder), "--json").json()["casualties"]
    # 1 last year + at least 3 this year (which may include March's 2): not 6, not 3.
    assert (casualties["killed"], casualties["killed_at_least"]) == (4, True)
    assert (casualties["injured"], casualties["injured_at_least"]) == (0, True)


def test_an_actors_events_say_whose_word_a_reported_role_rests_on_as_the_event_does(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    """The actor view's Role column names the source a reported role rests on, as the event
    view does: the actor's own link, not another actor's of the same event."""
    folder = make_data(
        {
            "events.yaml": """
                - id: claimed-strike
                  date: "2022-03-04"
                  type: airstrike
                  title: A strike on the brigade
                  actors:
                    - {actor: umbrella-front, role: target, certainty: reported, according_to: "a spokesman"}
                    - {actor: alpha-brigade, role: target, certainty: reported, according_to: "the ministry"}
                  sources:
                    - {source: report, quote: "The ministry said the strike hit the brigade."}
                - id: unsourced-strike
                  date: "2022-03-05"
                  type: airstrike
                  title: Another strike
                  actors:
                    - {actor: alpha-brigade, role: target, certainty: reported}
                  sources:
                    - {source: report, quote: "Another strike was reported."}
            """
        }
    )
    event = cli("event", "claimed-strike", "--data", str(folder), env={"COLUMNS": "120"}).stdout
    assert "target, according to the ministry" in event
    shown = cli("actor", "Alpha Brigade", "--data", str(folder), env={"COLUMNS": "120"}).stdout
    roles = {line.split()[-1]: line for line in shown.splitlines() if line.strip().endswith("-strike")}
    assert "target, according to the ministry" in roles["claimed-strike"]
    assert "a spokesman" not in roles["claimed-strike"]
    assert "target, reported" in roles["unsourced-strike"]
    markdown = cli("actor", "Alpha Brigade", "--data", str(folder), "--format", "markdown").stdout
    assert "target, according to the ministry" in markdown
