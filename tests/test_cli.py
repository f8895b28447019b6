"""Every command through the real CLI: exit codes, filters, formats, names."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run


def test_events_since_is_sorted_and_filtered(cli: Callable[..., Run]) -> None:
    run = cli("events", "--since", "2021-07-05", "--json")
    assert run.exit_code == 0
    events = run.json()
    dates = [event["date"] for event in events]
    assert dates == sorted(dates)
    assert all(date >= "2021-07-05" for date in dates)
    assert len(events) == 6


def test_partial_since_means_the_first_day(cli: Callable[..., Run]) -> None:
    month = cli("events", "--since", "2021-07", "--json").json()
    day = cli("events", "--since", "2021-07-01", "--json").json()
    assert month == day
    assert {event["date"] for event in month} >= {"2021-07-05", "2021-07-08"}


def test_until_takes_the_last_day_of_a_partial_date(cli: Callable[..., Run]) -> None:
    events = cli("events", "--since", "2021-06", "--until", "2021-06", "--json").json()
    assert {event["date"] for event in events} == {"2021-06-27", "2021-06-28"}


def test_filters_compose(cli: Callable[..., Run]) -> None:
    events = cli(
        "events", "--since", "2021-07", "--place", "Ain al-Asad", "--type", "rocket-attack", "--json"
    ).json()
    assert [event["id"] for event in events] == [
        "2021-07-05-ain-al-assad-3-rockets",
        "2021-07-07-ain-al-assad-14-rockets",
    ]


def test_place_filter_includes_places_inside(cli: Callable[..., Run]) -> None:
    events = cli("events", "--place", "Anbar", "--json").json()
    assert "2021-07-07-ain-al-assad-14-rockets" in {event["id"] for event in events}


def test_actor_filter_and_country_filter(cli: Callable[..., Run]) -> None:
    kh = cli("events", "--actor", "KH", "--json").json()
    assert "2021-06-27-us-airstrikes-iraq-syria-border" in {event["id"] for event in kh}
    syria = cli("events", "--country", "syria", "--json").json()
    assert syria and all("Syria" in event["countries"] for event in syria)


def test_until_before_since_is_a_usage_error(cli: Callable[..., Run]) -> None:
    run = cli("events", "--since", "2021-07", "--until", "2021-06")
    assert run.exit_code == 2
    assert "earlier than" in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize("value", ["2021-02-30", "July", "2021-13", "21-07-05"])
def test_bad_dates_are_usage_errors(cli: Callable[..., Run], value: str) -> None:
    run = cli("events", "--since", value)
    assert run.exit_code == 2
    assert value in run.stderr
    assert "Traceback" not in run.stderr


def test_bad_type_is_a_usage_error(cli: Callable[..., Run]) -> None:
    run = cli("events", "--type", "picnic")
    assert run.exit_code == 2


@pytest.mark.parametrize(
    "name",
    [
        "Kata'ib Hezbollah",
        "Kata’ib Hezbollah",
        "KATAIB HIZBALLAH",
        "Kataib Hizbullah",
        "Kata’ib Hazbollah",
        "kh",
        "kataib-hezbollah",
        "كتائب حزب الله",
    ],
)
def test_actor_answers_to_every_spelling(cli: Callable[..., Run], name: str) -> None:
    run = cli("actor", name, "--json")
    assert run.exit_code == 0, run
    assert run.json()["id"] == "kataib-hezbollah"


def test_actor_lookup_nests_related_records(cli: Callable[..., Run]) -> None:
    data = cli("actor", "PMU", "--json").json()
    assert data["id"] == "popular-mobilization-units"
    members = {member["id"] for member in data["members"]}
    assert {"kataib-hezbollah", "kataib-sayyid-al-shuhada"} <= members
    assert "iran" in data["backed_by"]
    assert data["events"]


def test_unknown_name_lists_candidates(cli: Callable[..., Run]) -> None:
    run = cli("actor", "Kataib Hezbolah")
    assert run.exit_code == 1
    assert "did you mean" in run.stderr
    assert "Kata'ib Hezbollah" in run.stderr
    assert run.stdout == ""


def test_a_name_is_never_answered_with_a_different_record(cli: Callable[..., Run]) -> None:
    run = cli("actor", "Hezbollah")
    assert run.exit_code == 1
    assert "Kata'ib Hezbollah" in run.stderr


def test_ambiguous_name_is_not_answered(cli: Callable[..., Run], make_data: Callable[..., Path]) -> None:
    folder = make_data(
        {
            "analysts.yaml": """
                - id: ann-smith
                  name: Ann Smith
                  sources: [{source: report, quote: "x"}]
                - id: bob-smith
                  name: Bob Smith
                  sources: [{source: report, quote: "x"}]
            """
        }
    )
    run = cli("analyst", "Smith", "--data", str(folder))
    assert run.exit_code == 1
    assert "Ann Smith" in run.stderr and "Bob Smith" in run.stderr
    assert cli("analyst", "smith carl", "--data", str(folder)).exit_code == 1
    assert cli("analyst", "smith ann", "--data", str(folder), "--json").json()["id"] == "ann-smith"
    assert cli("analyst", "ann smith", "--data", str(folder), "--json").json()["id"] == "ann-smith"


def test_surname_finds_a_person(cli: Callable[..., Run]) -> None:
    assert cli("analyst", "Heras", "--json").json()["id"] == "nicholas-heras"
    assert cli("actor", "Kirby", "--json").json()["id"] == "john-kirby"


def test_place_and_crossings(cli: Callable[..., Run]) -> None:
    place = cli("place", "Albu Kamal crossing", "--json")
    assert place.exit_code in (0, 1)
    crossing = cli("place", "al-qaim-albu-kamal-crossing", "--json").json()
    assert crossing["status"] == "open"
    assert crossing["events"]
    base = cli("place", "Ain al-Asad", "--json").json()
    assert base["id"] == "ain-al-assad-air-base"
    assert base["coordinates"]["precision"] in {"exact", "approximate", "city", "region"}


def test_analyst_shows_interview_and_quotes(cli: Callable[..., Run]) -> None:
    data = cli("analyst", "Khalil Jahshan", "--json").json()
    assert data["interview_source"]["mode"] == "telephone"
    assert data["interview_source"]["date"] == "2021-06-30"
    assert [quote["footnote"] for quote in data["quotes"]] == [8, 8, 9, 10]


def test_event_shows_everything(cli: Callable[..., Run]) -> None:
    data = cli("event", "2021-06-28-us-forces-return-fire-at-al-omar", "--json").json()
    assert data["responds_to"] == ["2021-06-28-rockets-at-al-omar-oil-field"]
    assert data["sources"][0]["quote"].startswith("Iran-backed militias fired rockets on June 28")
    assert data["acled"] == {"event_type": "Battles", "sub_event_type": "Armed clash"}


def test_unknown_event_id(cli: Callable[..., Run]) -> None:
    run = cli("event", "2021-07-07-ain-al-assad-rockets")
    assert run.exit_code == 1
    assert "2021-07-07-ain-al-assad-14-rockets" in run.stderr


def test_search_ranks_names_first(cli: Callable[..., Run]) -> None:
    results = cli("search", "Hizballah", "--json").json()
    assert results[0]["id"] == "kataib-hezbollah"
    kinds = {item["kind"] for item in cli("search", "rockets", "--json").json()}
    assert "event" in kinds


def test_search_with_no_match_is_empty(cli: Callable[..., Run]) -> None:
    run = cli("search", "zeppelin", "--json")
    assert run.exit_code == 0
    assert run.json() == []


def test_summary_totals(cli: Callable[..., Run]) -> None:
    data = cli("summary", "--json").json()
    assert data["events"] == 35
    assert data["date_span"] == {"first": "2000s", "last": "2021-07-08"}
    assert data["by_type"]["rocket-attack"] == 4
    rockets = data["munitions"]["rocket"]
    assert (rockets["count"], rockets["at_least"]) == (19, True), "al-Omar's rockets are not counted"
    drones = data["munitions"]["drone"]
    assert (drones["count"], drones["at_least"]) == (5, True), "the aggregate overlaps the July drones"
    casualties = data["casualties"]
    assert (casualties["killed"], casualties["killed_at_least"]) == (2, True)
    assert (casualties["injured"], casualties["injured_at_least"]) == (2, True)
    table = cli("summary").stdout
    assert "Date span   2000s – 2021-07-08" in table
    assert "at least 2 killed, at least 2 injured" in table
    assert "≥7" not in table and "0 killed" not in table
    july = cli("summary", "--since", "2021-07", "--json").json()
    assert july["events"] == 6
    assert july["by_month"] == {"2021-07": 6}


@pytest.mark.parametrize(
    "command", [["events"], ["actors"], ["places"], ["crossings"], ["analysts"], ["search", "rockets"]]
)
def test_every_listing_has_every_format(cli: Callable[..., Run], command: list[str]) -> None:
    as_json = cli(*command, "--json").json()
    assert as_json == cli(*command, "--format", "json").json()
    lines = cli(*command, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == as_json
    rows = list(csv.reader(io.StringIO(cli(*command, "-f", "csv").stdout)))
    assert len(rows) == len(as_json) + 1
    table = cli(*command)
    assert table.exit_code == 0
    assert f"{len(as_json)} found" in table.stdout


def test_json_contradicting_format_is_a_usage_error(cli: Callable[..., Run]) -> None:
    assert cli("events", "--json", "--format", "csv").exit_code == 2


def test_piped_tables_have_no_escape_codes_and_no_cut_cells(cli: Callable[..., Run]) -> None:
    run = cli("crossings", "--wide")
    assert "\x1b" not in run.stdout
    assert "…" not in run.stdout
    significance = cli("crossings", "--json").json()[0]["significance"]
    assert significance in run.stdout


def test_validate_lists_every_problem(cli: Callable[..., Run], make_data: Callable[..., Path]) -> None:
    folder = make_data(
        {
            "events.yaml": """
                - id: one
                  date: "2021-02-30"
                  type: rocket-attack
                  title: x
                  sources: [{source: report, quote: "x"}]
                - id: two
                  date: "2021"
                  type: rocket-attack
                  title: y
                  actors: [{actor: nobody, role: attacker}]
                  sources: [{source: report, quote: "x"}]
            """
        }
    )
    run = cli("validate", str(folder), "--json")
    assert run.exit_code == 1
    problems = run.json()
    assert [(p["record"], p["field"]) for p in problems] == [("one", "date")]
    assert problems[0]["line"] == 2
    assert problems[0]["file"].endswith("events.yaml")


def test_validate_reports_references_across_files(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    folder = make_data(
        {
            "events.yaml": """
                - id: two
                  date: "2021"
                  type: rocket-attack
                  title: y
                  places: [alpha-brigade]
                  actors: [{actor: nobody, role: attacker}]
                  sources: [{source: report, quote: "x"}]
            """
        }
    )
    run = cli("validate", str(folder))
    assert run.exit_code == 1
    assert "unknown actor 'nobody'" in run.stdout
    assert "'alpha-brigade' is an actor, not a place" in run.stdout


def test_own_data_folder_via_option_and_environment(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    folder = make_data()
    by_option = cli("events", "--data", str(folder), "--json").json()
    by_env = cli("events", "--json", env={"IRANCLASH_DATA": str(folder)}).json()
    assert by_option == by_env
    assert [event["id"] for event in by_option] == ["vague-development", "first-attack"]
    actor = cli("actor", "AB", "--data", str(folder), "--json").json()
    assert actor["member_of"] == ["umbrella-front"]
    assert actor["linked"]["umbrella-front"] == {"kind": "actor", "name": "Umbrella Front"}


def test_missing_data_folder(cli: Callable[..., Run], tmp_path: Path) -> None:
    run = cli("events", "--data", str(tmp_path / "nope"))
    assert run.exit_code == 1
    assert "does not exist" in run.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    run = cli("events", "--data", str(empty))
    assert run.exit_code == 1
    assert "holds no data files" in run.stderr


def test_no_arguments_shows_help(cli: Callable[..., Run]) -> None:
    run = cli()
    assert "events" in run.stdout + run.stderr


def test_version(cli: Callable[..., Run]) -> None:
    run = cli("--version")
    assert run.exit_code == 0
    assert run.stdout.startswith("iranclash ")


def test_search_matches_word_starts_only(cli: Callable[..., Run]) -> None:
    ids = [item["id"] for item in cli("search", "ain rockets", "--json").json()]
    assert ids[:2] == ["2021-07-05-ain-al-assad-3-rockets", "2021-07-07-ain-al-assad-14-rockets"]
    assert "2021-06-28-rockets-at-al-omar-oil-field" not in ids, "'ain' is not a word of 'against'"
    assert "kataib-hezbollah" in {item["id"] for item in cli("search", "hezb", "--json").json()}


@pytest.mark.parametrize(
    ("command", "typed", "suggested"),
    [
        (["events", "--type"], "rocket", ["'rocket-attack'"]),
        (["events", "--type"], "airstrikes", ["'airstrike'"]),
        (["events", "--type"], "attack", ["'drone-attack'", "'rocket-attack'"]),
        (["summary", "--type"], "drone", ["'drone-attack'"]),
        (["actors", "--kind"], "milita", ["'militia'"]),
        (["places", "--kind"], "airbase", ["'air-base'", "'base'"]),
    ],
)
def test_a_bad_choice_suggests_the_nearest_not_all(
    cli: Callable[..., Run], command: list[str], typed: str, suggested: list[str]
) -> None:
    run = cli(*command, typed)
    assert run.exit_code == 2
    error = run.stderr.strip().splitlines()[-1]
    assert error.startswith(f"iranclash: error: invalid value for '{command[1]}': '{typed}' is not a")
    assert error.endswith(" -h')"), "one style for every usage error: ours, with the help hint"
    assert f"did you mean {' or '.join(suggested)}?" in error
    assert "insurgent-activity" not in run.stderr and "coalition" not in run.stderr
    assert run.stdout == ""


@pytest.mark.parametrize("typed", ["Rocket-Attack", "rocket attack", "ROCKET_ATTACK"])
def test_a_choice_in_another_case_or_spacing_is_accepted(cli: Callable[..., Run], typed: str) -> None:
    rockets = cli("events", "--type", typed, "--json").json()
    assert rockets == cli("events", "--type", "rocket-attack", "--json").json()
    assert {event["type"] for event in rockets} == {"rocket-attack"}
