"""corroborate: the made-up dataset rows around the shipped July 2021 events
(tests/fixtures/corroborate, every row made up) ranked and explained, --unmatched,
--accept's same_as, and what 'event' and 'summary' say of them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import Run

from iranclash.ask.corroborate import Tolerance, distance_km, radius_km
from iranclash.ingest.folder import builtin_data_dir

FIXTURE = Path(__file__).parent / "fixtures" / "corroborate"
ROCKETS = "2021-07-07-ain-al-assad-14-rockets"
GREEN_ZONE = "2021-07-08-rockets-at-us-embassy-green-zone"
WITH_ROWS = ("--data", "builtin", "--data", str(FIXTURE))
Cli = Callable[..., Run]


def _candidates(cli: Cli, event: str, *extra: str) -> list[dict[str, object]]:
    run = cli("corroborate", event, *WITH_ROWS, *extra, "--json")
    assert run.exit_code == 0, run
    candidates: list[dict[str, object]] = run.json()["candidates"]
    return candidates


def test_the_rows_around_the_14_rockets_are_ranked_best_first_each_with_why(cli: Cli) -> None:
    candidates = _candidates(cli, ROCKETS)
    order = [item["row"] for item in candidates]
    assert order == [
        "acled:MADEUP5",  # same day, 1 km, same type, the attacker named
        "acled:MADEUP1",  # same day, 3 km, attacker unidentified
        "acled:MADEUP3",  # 40 km off, known only to a region
        "acled:MADEUP2",  # a day off
        "ucdp:990001",
        "acled:MADEUP4",  # another type
    ]
    reasons = {item["row"]: item["reasons"] for item in candidates}
    assert reasons["acled:MADEUP1"] == ["same day", "3 km", "same type", "attacker unidentified in ACLED"]
    assert reasons["acled:MADEUP2"][0] == "1 day apart"
    assert reasons["acled:MADEUP3"][1] == "40 km"
    assert "another type" in reasons["acled:MADEUP4"]
    assert "Iran-backed militias named in ACLED (believed in the article)" in reasons["acled:MADEUP5"]
    scores = [item["score"] for item in candidates]
    assert scores == sorted(scores, reverse=True) and all(0 < int(str(score)) <= 100 for score in scores)


def test_each_source_keeps_its_own_figures_side_by_side(cli: Cli) -> None:
    (row,) = _candidates(cli, GREEN_ZONE)
    aspects = {aspect["aspect"]: aspect for aspect in row["comparison"]}  # type: ignore[attr-defined]
    assert aspects["casualties"] == {
        "aspect": "casualties",
        "article": "none reported",
        "dataset": "at least 1 killed",
        "agrees": False,
        "note": None,
    }
    assert aspects["munitions"]["article"] == "2 rockets (1 intercepted)"
    assert aspects["attribution"]["dataset"] == "Unidentified Armed Group (Iraq); Civilians (Iraq)"
    named = {item["row"]: item for item in _candidates(cli, ROCKETS)}["acled:MADEUP5"]
    attribution = {aspect["aspect"]: aspect for aspect in named["comparison"]}["attribution"]  # type: ignore[attr-defined]
    assert attribution["agrees"] is False, "believed here, named there: a disagreement"
    ucdp = {item["row"]: item for item in _candidates(cli, ROCKETS)}["ucdp:990001"]
    deaths = {aspect["aspect"]: aspect for aspect in ucdp["comparison"]}["casualties"]  # type: ignore[attr-defined]
    assert deaths["dataset"] == "best 1 killed (low 1, high 2)"


def test_the_tolerances_narrow_and_widen_what_counts(cli: Cli) -> None:
    rows = [item["row"] for item in _candidates(cli, ROCKETS, "--km", "2")]
    assert "acled:MADEUP1" not in rows and "acled:MADEUP3" not in rows and "acled:MADEUP5" in rows
    rows = [item["row"] for item in _candidates(cli, ROCKETS, "--days", "0")]
    assert "acled:MADEUP2" not in rows and "acled:MADEUP1" in rows
    rows = [item["row"] for item in _candidates(cli, "2021-07-05-ain-al-assad-3-rockets", "--days", "2")]
    assert "acled:MADEUP1" in rows


def test_every_event_is_listed_with_its_best_row_and_the_rows_no_event_accounts_for(cli: Cli) -> None:
    run = cli("corroborate", *WITH_ROWS, "--json")
    assert run.exit_code == 0, run
    entries = {entry["event"]: entry for entry in run.json()}
    assert entries[ROCKETS]["candidates"][0]["row"] == "acled:MADEUP5"
    assert entries["2015-jcpoa"]["why_none"].startswith("no place to compare")
    found = {item["row"] for entry in entries.values() for item in entry["candidates"]}
    assert "acled:MADEUP7" not in found and "acled:MADEUP8" not in found
    unmatched = cli("corroborate", "--unmatched", *WITH_ROWS, "--json")
    assert unmatched.exit_code == 0, unmatched
    # The protest is 2 km from the embassy and no event's; the roadside bomb is in Ninewa, far
    # from every curated place: outside the area.
    assert [row["id"] for row in unmatched.json()] == ["acled:MADEUP7"]
    csv = cli("corroborate", *WITH_ROWS, "--format", "csv")
    lines = cli("corroborate", *WITH_ROWS, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["event"] for line in lines] == list(entries)
    header = csv.stdout.splitlines()[0].split(",")
    assert {"event", "candidates.row", "candidates.score", "why_none"} <= set(header)


def test_the_lookup_and_the_summary_say_what_corroborate_found(cli: Cli) -> None:
    event = cli("event", ROCKETS, *WITH_ROWS, "--json").json()
    assert [item["row"] for item in event["also_recorded_by"]] == [
        "acled:MADEUP5",
        "acled:MADEUP1",
        "acled:MADEUP3",
    ]
    assert cli("event", ROCKETS, "--json").json()["also_recorded_by"] is None, "no exports: not looked for"
    table = cli("event", ROCKETS, *WITH_ROWS).stdout
    assert "Also recorded by" in table and "acled:MADEUP5" in table
    summary = cli("summary", *WITH_ROWS, "--json").json()
    listed = cli("corroborate", *WITH_ROWS, "--json").json()
    with_rows = sum(1 for entry in listed if entry["candidates"])
    assert summary["corroborated"]["with_candidate"] == with_rows == 2
    assert cli("summary", "--json").json()["corroborated"] is None


def test_accept_writes_a_same_as_that_validates_and_counts_the_pair_once(cli: Cli, tmp_path: Path) -> None:
    folder = tmp_path / "curated"
    shutil.copytree(builtin_data_dir(), folder)
    shutil.copytree(FIXTURE / "acled", folder / "acled")
    before = (folder / "events.yaml").read_text(encoding="utf-8")
    events_before = len(cli("events", "--data", str(folder), "--json").json())

    printed = cli("corroborate", ROCKETS, "--accept", "MADEUP1", "--data", str(folder), "--format", "yaml")
    assert printed.exit_code == 0, printed
    assert "same_as: [acled:MADEUP1]" in printed.stdout
    assert (folder / "events.yaml").read_text(encoding="utf-8") == before, "--format yaml writes nothing"

    done = cli("corroborate", ROCKETS, "--accept", "acled:MADEUP1", "--data", str(folder), "--json")
    assert done.exit_code == 0, done
    assert done.json()["added"] == ["acled:MADEUP1"]
    after = (folder / "events.yaml").read_text(encoding="utf-8")
    assert after.count("same_as: [acled:MADEUP1]") == 1
    assert len(after.splitlines()) == len(before.splitlines()) + 1, "one line added, nothing else touched"
    assert cli("validate", str(folder)).exit_code == 0
    assert len(cli("events", "--data", str(folder), "--json").json()) == events_before - 1
    assert cli("event", "acled:MADEUP1", "--data", str(folder), "--json").json()["id"] == ROCKETS


@pytest.mark.parametrize(
    ("arguments", "status"),
    [
        (["--accept", "acled:MADEUP1"], 2),  # no event to accept it for
        ([ROCKETS, "--format", "yaml"], 2),  # yaml is --accept's lines
        ([ROCKETS, "--unmatched"], 2),
        (["acled:MADEUP1"], 2),  # a dataset row is not a curated event
        (["no-such-event"], 1),
        ([ROCKETS, "--accept", "acled:NOPE"], 1),
        ([ROCKETS, "--km", "-1"], 2),
    ],
)
def test_a_question_that_cannot_be_answered_is_one_line_and_a_status(
    cli: Cli, arguments: list[str], status: int
) -> None:
    run = cli("corroborate", *arguments, *WITH_ROWS)
    assert run.exit_code == status, run
    assert run.stderr.strip().splitlines()[-1].startswith("iranclash: error: "), run.stderr
    assert "Traceback" not in run.stderr


def test_distances_and_radii() -> None:
    # Baghdad to Erbil is about 320 km as the crow flies.
    assert 300 < distance_km(33.31, 44.37, 36.19, 44.01) < 340
    assert distance_km(33.79, 42.44, 33.79, 42.44) == 0
    assert radius_km("exact", "city", Tolerance()) == 25
    assert radius_km("exact", "region", Tolerance()) == 150
    assert radius_km("approximate", None, Tolerance()) == 150, "an unknown precision is a region's"
    assert radius_km("region", "region", Tolerance(km=5)) == 5


def test_the_report_has_a_corroboration_section_only_beside_exports(cli: Cli, tmp_path: Path) -> None:
    beside = tmp_path / "beside.html"
    assert cli("report", *WITH_ROWS, "--out", str(beside)).exit_code == 0
    page = beside.read_text(encoding="utf-8")
    section = page[page.index('id="corroboration"') :]
    section = section[: section.index("</section>")]
    assert "acled:MADEUP5</span> · score 94 · same day · 1 km" in section and "acled:MADEUP6" in section
    assert "2 events of 34 have a candidate" in section
    assert '<a href="#corroboration">Corroboration</a>' in page
    alone = tmp_path / "alone.html"
    assert cli("report", "--out", str(alone)).exit_code == 0
    assert "corroboration" not in alone.read_text(encoding="utf-8").lower()


def test_a_dataset_row_is_cited_by_its_id_as_its_dataset_writes_it(cli: Cli) -> None:
    run = cli("cite", "acled:MADEUP1", *WITH_ROWS, "--json")
    assert run.exit_code == 0, run
    assert "same day and 3 km from Ain al-Assad" in run.stdout
