"""--sources: which quote names which field of a record, and which field no quote names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run
from iranclash.ask.evidence import NOT_NAMED, Claim, named_by

Cli = Callable[..., Run]


def test_a_day_is_named_by_its_month_and_day_and_not_by_another_day() -> None:
    july_8 = Claim("date", "2021-07-08", (("july", "8"), ("8", "july")))
    quotes = ["It happened on July 18.", "On the morning of July 8, rockets.", "In July.", "On 8 July."]
    assert named_by(july_8, quotes) == ["On the morning of July 8, rockets.", "On 8 July."]


def test_a_number_is_named_by_its_digits_or_its_word_with_its_unit() -> None:
    three_rockets = Claim("munitions.count", "3 rockets", (("3", "rockets"), ("three", "rockets")))
    quotes = ["Three rockets hit the base.", "3 rockets.", "Three drones and rockets.", "Thirteen rockets."]
    assert named_by(three_rockets, quotes) == ["Three rockets hit the base.", "3 rockets."]


def test_names_are_folded_as_a_reader_types_them() -> None:
    kh = Claim("actors", "Kata'ib Hezbollah", (("kataib", "hezbollah"),))
    assert named_by(kh, ["Kata’ib Hizballah fired.", "Hezbollah fired."]) == ["Kata’ib Hizballah fired."]


def test_event_sources_shows_what_each_quote_names_and_what_none_does(
    cli: Cli, make_data: Callable[..., Path]
) -> None:
    folder = make_data(
        {
            "events.yaml": """
                - id: first-attack
                  date: "2022-03-04"
                  type: rocket-attack
                  title: Rockets hit North Base
                  places: [north-base]
                  actors:
                    - {actor: alpha-brigade, role: attacker, certainty: believed}
                  munitions:
                    - {weapon: rocket, count: 3}
                  sources:
                    - {source: report, quote: "Three rockets hit North Base on March 4."}
                    - {source: report, quote: "Nobody claimed it."}
            """
        }
    )
    data = cli("event", "first-attack", "--sources", "--data", str(folder), "--json").json()
    evidence = {(item["field"], item["value"]): item["quotes"] for item in data["evidence"]}
    named = ["Three rockets hit North Base on March 4."]
    assert evidence[("date", "2022-03-04")] == named
    assert evidence[("places", "North Base")] == named
    assert evidence[("munitions.count", "3 rockets")] == named
    # The attribution is the curator's (believed): no quote names the brigade.
    assert evidence[("actors", "Alpha Brigade")] == []
    table = cli("event", "first-attack", "--sources", "--data", str(folder)).stdout
    assert "Evidence: the quotes that name each field" in table
    assert NOT_NAMED in table


def test_without_sources_a_lookup_has_no_evidence(cli: Cli) -> None:
    data = cli("event", "2021-07-07-ain-al-assad-14-rockets", "--json").json()
    assert "evidence" not in data


def test_shipped_event_the_date_that_the_article_gives_only_as_the_same_day_is_not_named(cli: Cli) -> None:
    data = cli("event", "2021-07-07-ain-al-assad-14-rockets", "--sources", "--json").json()
    evidence = {(item["field"], item["value"]): item["quotes"] for item in data["evidence"]}
    assert evidence[("munitions.count", "14 rockets")] == [
        "On the same day, Ain al-Assad air base was attacked by 14 rockets."
    ]
    assert evidence[("date", "2021-07-07")] == []


def test_every_lookup_takes_sources(cli: Cli) -> None:
    for command, name in (("actor", "PMU"), ("place", "Tanf"), ("analyst", "Heras")):
        run = cli(command, name, "--sources", "--json")
        assert run.exit_code == 0, run
        assert {"field", "value", "quotes"} <= set(run.json()["evidence"][0])
