"""The ACLED and UCDP readers, rule by rule, on the made-up exports in tests/fixtures/datasets
(see its README) and on small files each test writes."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import export_text
from iranclash.core.dates import PartialDate, Precision
from iranclash.core.errors import DataError
from iranclash.core.model import Actor, ActorKind, EventType, Place, PlaceKind, Role, Source
from iranclash.core.vocabulary import ACLED
from iranclash.ingest import datasets
from iranclash.ingest.datasets import Imported, Merged, Schema, SetAside, acled

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "datasets"


def _read(path: Path, seen: set[str] | None = None) -> list[Imported | SetAside | Merged]:
    return list(datasets.read(path, seen))


def _imported(path: Path) -> list[Imported]:
    """The rows of ``path``, each read as it is: no note, none set aside."""
    items = _read(path)
    assert all(isinstance(item, Imported) and not item.notes for item in items), items
    return [item for item in items if isinstance(item, Imported)]


def _events(path: Path) -> dict[str, Imported]:
    return {item.event.id: item for item in _imported(path)}


def _records(path: Path) -> dict[str, Source | Actor | Place]:
    return {record.id: record for item in _imported(path) for record in item.new}


def _header(name: str) -> list[str]:
    with (FIXTURES / name).open(encoding="utf-8", newline="") as handle:
        return next(csv.reader(handle))


def _write(tmp_path: Path, fixture: str, changes: list[dict[str, str]], name: str = "export.csv") -> Path:
    """A copy of the fixture's first row once per change, each with those cells changed."""
    path = tmp_path / name
    path.write_text(export_text(fixture, changes), encoding="utf-8")
    return path


# --- which export a file is -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "schema"),
    [
        ("acled-current.csv", Schema.ACLED),
        ("acled-2019.csv", Schema.ACLED_2019),
        ("acled-2016.csv", Schema.ACLED_2016),
        ("ucdp-ged.csv", Schema.UCDP_GED),
        ("ucdp-ged-hdx.csv", Schema.UCDP_GED),
    ],
)
def test_the_header_says_which_export_a_file_is(fixture: str, schema: Schema) -> None:
    assert datasets.sniff(_header(fixture)).schema is schema


def test_a_header_of_neither_dataset_is_an_error_on_line_1(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("date,what,where\n2021-07-07,rockets,Baghdad\n", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        datasets.read(path)
    message = str(raised.value)
    assert message.startswith(f"{path}:1: the header is neither an ACLED export")
    assert "first columns: date, what, where" in message


def test_a_header_lacking_a_column_its_schema_needs_names_the_column(tmp_path: Path) -> None:
    columns = [name for name in _header("acled-current.csv") if name != "fatalities"]
    path = tmp_path / "short.csv"
    path.write_text(",".join(columns) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r":1: the header looks like acled but lacks column fatalities$"):
        datasets.read(path)


def test_an_empty_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="is empty"):
        datasets.read(path)


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [
        ("2021-07-07", 2021, dt.date(2021, 7, 7)),
        ("07 July 2021", 2021, dt.date(2021, 7, 7)),
        ("7-Jul-21", 2021, dt.date(2021, 7, 7)),
        ("9-May-20", 2020, dt.date(2020, 5, 9)),
        ("01-January-2015", 2015, dt.date(2015, 1, 1)),
        ("21 March 2020", None, dt.date(2020, 3, 21)),
        ("02-11-2019", 2019, dt.date(2019, 11, 2)),  # day first, as ACLED writes it
        ("07/08/2020", 2020, dt.date(2020, 8, 7)),
        ("28/12/15", 2015, dt.date(2015, 12, 28)),
        ("5 Sept 2019", 2019, dt.date(2019, 9, 5)),
    ],
)
def test_every_form_of_acled_date_is_read(text: str, year: int | None, expected: dt.date) -> None:
    assert datasets.parse_acled_date(text, year) == expected


def test_a_two_digit_year_takes_its_century_from_the_year_column() -> None:
    assert datasets.parse_acled_date("7-Jul-99", 1999) == dt.date(1999, 7, 7)
    with pytest.raises(ValueError, match="year 2020 disagrees with event_date '7-Jul-21'"):
        datasets.parse_acled_date("7-Jul-21", 2020)
    with pytest.raises(ValueError, match="two-digit year"):
        datasets.parse_acled_date("7-Jul-21")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2021-07-07", "year 2020 disagrees with event_date '2021-07-07'"),
        ("31 June 2020", "is not a real date"),
        ("07.07.20.20", "is not a date"),
        ("07 Juli 2020", "'Juli' is not a month"),
        ("", "is not a date"),
    ],
)
def test_a_date_that_cannot_be_read_says_why(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        datasets.parse_acled_date(text, 2020)


def test_time_precision_gives_a_day_a_week_or_a_month_and_never_a_made_up_day() -> None:
    events = _events(FIXTURES / "acled-current.csv")
    day = events["acled:IRQ990001"].event
    assert (day.date.text, day.date.precision, day.date_note) == ("2021-07-07", Precision.DAY, None)
    week = events["acled:IRQ990002"].event  # coded to Thursday 2021-07-08, the week's middle
    assert (week.date.start, week.date.end) == (dt.date(2021, 7, 5), dt.date(2021, 7, 11))
    assert week.date.precision is Precision.RANGE and week.date.text == "2021-07-05/2021-07-11"
    assert week.date_note == "ACLED knows only the week, coded to its middle day 2021-07-08"
    month = events["acled:SYR990003"].event  # coded to 2021-07-15
    assert (month.date.text, month.date.precision) == ("2021-07", Precision.MONTH)
    assert (month.date.start, month.date.end) == (dt.date(2021, 7, 1), dt.date(2021, 7, 31))
    assert events["acled:SYR990003"].row.time_precision == 3


@pytest.mark.parametrize(
    ("start", "end", "text", "precision"),
    [
        ("2016-03-01", "2016-03-01", "2016-03-01", Precision.DAY),
        ("2016-02-01", "2016-02-29", "2016-02", Precision.MONTH),
        ("2016-01-01", "2016-12-31", "2016", Precision.YEAR),
        ("2016-02-01", "2016-02-28", "2016-02-01/2016-02-28", Precision.RANGE),  # a leap year
        ("2016-12-01", "2017-01-31", "2016-12-01/2017-01-31", Precision.RANGE),
        ("2016-01-01", "2017-12-31", "2016-01-01/2017-12-31", Precision.RANGE),
    ],
)
def test_a_span_of_days_is_named_as_exactly_as_it_is(
    start: str, end: str, text: str, precision: Precision
) -> None:
    date = PartialDate.between(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    assert (date.text, date.precision) == (text, precision)
    assert (date.start.isoformat(), date.end.isoformat()) == (start, end)


def test_a_span_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="is before"):
        PartialDate.between(dt.date(2016, 3, 2), dt.date(2016, 3, 1))


# --- actor categories and names ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1", 1),
        ("8", 8),
        ("3.0", 3),
        ("State Forces", 1),
        ("Rebel Group", 2),
        ("political militias", 3),
        ("Identity Militias", 4),
        ("Rioters", 5),
        ("Protesters", 6),
        ("Civilians", 7),
        ("External/Other Forces", 8),
        ("", None),
        ("0", None),
        ("88", None),
    ],
)
def test_inter_codes_are_read_as_numbers_or_words(text: str, code: int | None) -> None:
    assert datasets.parse_inter(text) == code


@pytest.mark.parametrize("text", ["9", "10", "-1", "Aliens", "State"])
def test_an_unknown_inter_code_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="is not an ACLED actor category"):
        datasets.parse_inter(text)


def test_a_unit_of_a_state_force_in_a_period() -> None:
    name = datasets.parse_actor_name("Military Forces of Iraq (2018-) Popular Mobilization Forces")
    assert (name.force, name.period, name.unit, name.country) == (
        "Military Forces of Iraq (2018-)",
        "2018-",
        "Popular Mobilization Forces",
        "Iraq",
    )
    assert name.kind is ActorKind.ARMED_FORCES
    police = datasets.parse_actor_name("Police Forces of Iraq (2018-) Iraqi National Intelligence Service")
    assert (police.force, police.kind) == ("Police Forces of Iraq (2018-)", ActorKind.SECURITY_FORCES)


def test_a_state_force_with_no_unit_and_a_closed_period() -> None:
    name = datasets.parse_actor_name("Military Forces of the United States (2017-)")
    assert (name.country, name.period, name.force, name.unit) == ("United States", "2017-", None, None)
    closed = datasets.parse_actor_name("Military Forces of Iraq (2014-2018)")
    assert (closed.period, closed.country) == ("2014-2018", "Iraq")
    government = datasets.parse_actor_name("Government of Iraq (2018-)")
    assert (government.kind, government.country) == (ActorKind.GOVERNMENT, "Iraq")


def test_an_acronym_leads_a_name() -> None:
    name = datasets.parse_actor_name("QSD: Syrian Democratic Forces")
    assert (name.acronym, name.base, name.country) == ("QSD", "Syrian Democratic Forces", None)
    assert datasets.parse_actor_name("Note: not an acronym").acronym is None
    assert datasets.parse_actor_name("A1: Made-up Unit").acronym is None  # one capital is no acronym


def test_a_country_in_parentheses_and_a_qualifier_that_is_not_one() -> None:
    branch = datasets.parse_actor_name("Islamic State (Iraq)")
    assert (branch.base, branch.country, branch.qualifier) == ("Islamic State", "Iraq", None)
    militia = datasets.parse_actor_name("Militia (Pro-Iran)")
    assert (militia.base, militia.country, militia.qualifier) == ("Militia", None, "Pro-Iran")
    assert datasets.parse_actor_name("Protesters (Iraq)").kind is ActorKind.PROTESTERS
    plain = datasets.parse_actor_name("Asaib Ahl Al Haq")
    assert (plain.base, plain.country, plain.kind) == ("Asaib Ahl Al Haq", None, None)


def test_actor_records_carry_the_name_structure() -> None:
    records = _records(FIXTURES / "acled-current.csv")
    unit = records["acled:actor/military-forces-of-iraq-2018-popular-mobilization-forces"]
    assert isinstance(unit, Actor)
    assert unit.member_of == ("acled:actor/military-forces-of-iraq-2018",)
    assert unit.aliases == ("Popular Mobilization Forces",) and unit.country == "Iraq"
    force = records["acled:actor/military-forces-of-iraq-2018"]
    assert isinstance(force, Actor) and force.name == "Military Forces of Iraq (2018-)"
    sdf = records["acled:actor/qsd-syrian-democratic-forces"]
    assert isinstance(sdf, Actor) and sdf.aliases == ("QSD", "Syrian Democratic Forces")
    branch = records["acled:actor/islamic-state-iraq"]
    assert isinstance(branch, Actor) and (branch.country, branch.kind) == ("Iraq", ActorKind.ARMED_GROUP)


def test_an_actor_kind_comes_from_its_name_else_its_inter_code(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "acled-current.csv",
        [
            {"event_id_cnty": "IRQ990901", "actor1": "Made-up Brigade", "inter1": "3"},
            {"event_id_cnty": "IRQ990902", "actor1": "Another Made-up Group", "inter1": "88"},
            {"event_id_cnty": "IRQ990903", "actor1": "Civilians (Iraq)", "inter1": "1"},
            {"event_id_cnty": "IRQ990904", "actor1": "Made-up Protest Movement", "inter1": "Protesters"},
        ],
    )
    kinds = {record.name: record.kind for record in _records(path).values() if isinstance(record, Actor)}
    assert kinds["Made-up Brigade"] is ActorKind.MILITIA
    assert kinds["Another Made-up Group"] is ActorKind.UNCLASSIFIED
    assert kinds["Civilians (Iraq)"] is ActorKind.CIVILIANS
    assert kinds["Made-up Protest Movement"] is ActorKind.PROTESTERS


def test_associated_actors_are_split_and_join_their_side() -> None:
    item = _events(FIXTURES / "acled-current.csv")["acled:IRQ990002"]
    assert item.row.sides == (
        ("acled:actor/military-forces-of-iraq-2018-popular-mobilization-forces", 1),
        ("acled:actor/badr-organization", 1),
        ("acled:actor/asaib-ahl-al-haq", 1),
        ("acled:actor/islamic-state-iraq", 2),
    )
    assert [link.actor for link in item.event.actors] == [actor for actor, _side in item.row.sides]
    assert {link.role for link in item.event.actors} == {Role.PARTICIPANT}  # ACLED gives no direction
    old = _events(FIXTURES / "acled-2016.csv")["acled:IRQ990202"].row  # ally_actor_1
    assert [actor for actor, side in old.sides if side == 1] == [
        "acled:actor/military-forces-of-iraq-2014-2018",
        "acled:actor/militia-pro-government",
        "acled:actor/tribal-militia-iraq",
    ]


def test_two_rows_naming_one_actor_meet_and_it_is_handed_out_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "acled-current.csv",
        [
            {"event_id_cnty": "IRQ990911", "actor1": "Asaib Ahl Al Haq"},
            {"event_id_cnty": "IRQ990912", "actor1": "Asaib Ahl al-Haq"},
        ],
    )
    first, second = _imported(path)
    assert first.event.actors[0].actor == second.event.actors[0].actor == "acled:actor/asaib-ahl-al-haq"
    assert "acled:actor/asaib-ahl-al-haq" in {record.id for record in first.new}
    assert "acled:actor/asaib-ahl-al-haq" not in {record.id for record in second.new}


def test_one_seen_set_shares_records_across_files() -> None:
    seen: set[str] = set()
    first = [item for item in _read(FIXTURES / "acled-current.csv", seen) if isinstance(item, Imported)]
    second = [item for item in _read(FIXTURES / "acled-2016.csv", seen) if isinstance(item, Imported)]
    ids = [record.id for item in first + second for record in item.new]
    assert len(ids) == len(set(ids))
    assert "acled:actor/islamic-state-iraq" in {record.id for item in first for record in item.new}
    assert "acled" not in {record.id for item in second for record in item.new}


# --- types, places, fatalities, provenance ------------------------------------------------


def test_types_map_to_ours_only_where_ours_means_the_same_and_acleds_are_kept() -> None:
    events = {**_events(FIXTURES / "acled-current.csv"), **_events(FIXTURES / "acled-2016.csv")}
    clash = events["acled:IRQ990002"]
    assert clash.event.type is EventType.ARMED_CLASH
    assert (clash.row.event_type, clash.row.sub_event_type) == ("Battles", "Armed clash")
    protest = events["acled:IRQ990004"]
    assert protest.event.type is EventType.OTHER
    assert (protest.row.event_type, protest.row.sub_event_type) == ("Protests", "Peaceful protest")
    assert events["acled:IRQ990202"].event.type is EventType.ARMED_CLASH  # Battle-No change of territory
    remote = events["acled:IRQ990201"]
    assert remote.event.type is EventType.OTHER
    assert (remote.row.event_type, remote.row.sub_event_type) == ("Remote violence", None)


def test_the_import_map_agrees_with_the_export_map() -> None:
    current = {key: ours for key, ours in acled.TYPES.items() if key[1] is not None}
    assert current
    for (event_type, sub_event_type), ours in current.items():
        assert ACLED[ours] == (event_type, sub_event_type)


def test_places_have_their_admin_levels_coordinates_and_ids_by_position() -> None:
    items = _events(FIXTURES / "acled-current.csv")
    records = _records(FIXTURES / "acled-current.csv")
    town_id = items["acled:IRQ990001"].event.places[0]
    district_id = "acled:place/iraq/made-up-province/sample-district"
    assert town_id == district_id + "/-/sample-district"  # a town named like its district
    town, district = records[town_id], records[district_id]
    assert isinstance(town, Place) and isinstance(district, Place)
    assert (town.kind, town.located_in, town.country) == (PlaceKind.LOCALITY, district_id, "Iraq")
    assert (district.kind, district.located_in) == (PlaceKind.DISTRICT, "acled:place/iraq/made-up-province")
    assert town.coordinates is not None
    assert (town.coordinates.lat, town.coordinates.lon, town.coordinates.precision.value) == (
        33.1,
        42.2,
        "city",
    )
    village = records[items["acled:IRQ990002"].event.places[0]]
    assert isinstance(village, Place) and village.coordinates is not None
    assert village.coordinates.precision.value == "approximate"  # geo_precision 2
    assert village.located_in == district_id + "/sample-subdistrict"
    assert records[district_id + "/sample-subdistrict"].kind is PlaceKind.SUBDISTRICT  # type: ignore[union-attr]
    field = records[items["acled:SYR990003"].event.places[0]]
    assert isinstance(field, Place) and field.coordinates is not None
    assert field.coordinates.precision.value == "region"  # geo_precision 3


def test_acled_fatalities_are_lower_bounds_and_zero_is_unknown() -> None:
    events = _events(FIXTURES / "acled-current.csv")
    three = events["acled:IRQ990002"].event.casualties
    assert three is not None and (three.killed, three.at_least) == (3, True)
    zero = events["acled:IRQ990001"].event.casualties
    assert zero is not None and zero.killed is None and "0" in (zero.note or "")
    assert events["acled:SYR990003"].event.casualties is None  # blank


def test_provenance_is_the_dataset_the_row_its_sources_and_its_notes_as_the_quote() -> None:
    item = _events(FIXTURES / "acled-current.csv")["acled:IRQ990001"]
    (citation,) = item.event.sources
    assert (citation.source, citation.quote) == (
        "acled",
        "MADE UP for tests: rockets hit a base in a sample town.",
    )
    row = item.row
    assert (row.dataset, row.row, row.sources) == ("acled", "IRQ990001", ("Made-up Agency", "Example Weekly"))
    source = {record.id: record for record in item.new}["acled"]
    assert isinstance(source, Source) and source.kind.value == "dataset"


# --- UCDP -----------------------------------------------------------------------------------


def test_ucdp_rows_keep_bounds_estimates_sides_and_sources() -> None:
    events = _events(FIXTURES / "ucdp-ged.csv")
    attack = events["ucdp:990001"].event
    assert (attack.date.text, attack.date.precision) == ("2016-03-01/2016-03-04", Precision.RANGE)
    casualties = attack.casualties
    row = events["ucdp:990001"].row
    assert casualties is not None
    assert (row.killed_low, casualties.killed, row.killed_high) == (6, 6, 9)
    assert (
        casualties.note
        == "UCDP best estimate, low 6, high 9: 0 of side A, 0 of side B, 5 civilians, 1 unknown"
    )
    assert [(link.actor, link.role) for link in attack.actors] == [
        ("ucdp:actor/is", Role.ATTACKER),
        ("ucdp:actor/civilians", Role.TARGET),
    ]
    assert (row.event_type, row.time_precision, row.geo_precision) == (
        "one-sided violence",
        2,
        1,
    )
    assert row.sources == (
        "Made-up Wire,2016-03-02,MADE UP for tests: a one-sided attack",
        "Example Daily,2016-03-03,MADE UP follow-up",
    )
    assert attack.sources[0].source == "ucdp" and "MADE UP for tests" in attack.sources[0].quote
    battle = events["ucdp:990002"]
    assert battle.row.sides == (
        ("ucdp:actor/government-of-iraq", 1),
        ("ucdp:actor/government-of-united-states-of-america", 1),
        ("ucdp:actor/is", 2),
    )
    assert {link.role for link in battle.event.actors} == {Role.PARTICIPANT}
    assert events["ucdp:990003"].event.date.text == "2016-06"


def test_ucdp_places_the_event_at_the_level_it_names() -> None:
    events = _events(FIXTURES / "ucdp-ged.csv")
    records = _records(FIXTURES / "ucdp-ged.csv")
    assert events["ucdp:990002"].event.places == ("ucdp:place/iraq/made-up-governorate",)
    assert events["ucdp:990003"].event.places == ("ucdp:place/iraq",)
    town = records[events["ucdp:990001"].event.places[0]]
    assert isinstance(town, Place) and town.kind is PlaceKind.LOCALITY and town.coordinates is not None
    assert town.coordinates.precision.value == "exact"
    assert town.located_in == "ucdp:place/iraq/made-up-governorate/sample-district"


def test_the_hdx_hashtag_row_is_skipped_and_lines_still_count_it() -> None:
    plain = _imported(FIXTURES / "ucdp-ged.csv")[:2]
    hdx = _imported(FIXTURES / "ucdp-ged-hdx.csv")
    assert [(item.event, item.row) for item in hdx] == [(item.event, item.row) for item in plain]
    assert [item.line for item in hdx] == [3, 4]


def test_a_hashtag_row_after_the_first_row_is_a_bad_row(tmp_path: Path) -> None:
    lines = (FIXTURES / "ucdp-ged-hdx.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "late.csv"
    path.write_text("\n".join([lines[0], lines[2], lines[1]]) + "\n", encoding="utf-8")
    items = _read(path)
    assert isinstance(items[0], Imported)
    assert isinstance(items[1], SetAside) and items[1].reason == "no id"
    assert (items[1].problem.line, items[1].problem.field) == (3, "id")


def test_only_the_second_line_can_be_the_hashtag_row(tmp_path: Path) -> None:
    lines = (FIXTURES / "ucdp-ged-hdx.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "gap.csv"
    path.write_text("\n".join([lines[0], "", lines[1], lines[2]]) + "\n", encoding="utf-8")
    first, second = _read(path)
    assert isinstance(first, SetAside) and (first.problem.line, first.problem.field) == (3, "id")
    assert isinstance(second, Imported) and second.line == 4


def test_ucdp_deaths_that_disagree_are_kept_as_given_with_a_note(tmp_path: Path) -> None:
    """Every real GED file has rows whose best is outside low..high: best stays the figure."""
    path = _write(
        tmp_path,
        "ucdp-ged.csv",
        [
            {"id": "990911", "deaths_unknown": "2"},
            {"id": "990912", "low": "7"},
            {"id": "990913", "low": "12", "high": "9"},
            {"id": "990914.0"},
        ],
    )
    first, second, third, fourth = _read(path)
    assert isinstance(first, Imported) and isinstance(second, Imported) and isinstance(third, Imported)
    assert [note.kind for note in first.notes] == ["best not the sum of the deaths"]
    assert [note.kind for note in second.notes] == ["best outside low..high"]
    assert [note.kind for note in third.notes] == ["low above high"]
    assert first.event.casualties is not None and first.event.casualties.killed == 6
    assert second.event.casualties is not None and second.event.casualties.killed == 6
    assert first.row.notes == (
        "best (6) is not the sum of deaths_a, deaths_b, deaths_civilians and deaths_unknown (7): "
        "kept as given",
    )
    assert isinstance(fourth, Imported) and fourth.event.id == "ucdp:990914" and not fourth.notes


# --- bad rows: file, line, column ----------------------------------------------------------


def test_a_cell_that_cannot_be_read_is_left_unknown_with_a_note_at_its_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "acled-current.csv",
        [
            {"event_id_cnty": "IRQ990921"},
            {"event_id_cnty": "IRQ990922", "event_date": "2021-13-01"},
            {"event_id_cnty": "IRQ990923", "latitude": "95.5"},
            {"event_id_cnty": "IRQ990924", "inter2": "Aliens"},
            {"event_id_cnty": "IRQ990925", "time_precision": "4"},
            {"event_id_cnty": "IRQ990926", "fatalities": "some"},
            {"event_id_cnty": "IRQ990927"},
        ],
    )
    items = _read(path)
    set_aside = [item for item in items if isinstance(item, SetAside)]
    assert [(item.problem.line, item.problem.field, item.reason) for item in set_aside] == [
        (3, "event_date", "no usable date")
    ]
    assert str(set_aside[0].problem) == (
        f"{path}:3:2: record 'acled:IRQ990922', field 'event_date': '2021-13-01' is not a real date"
    )
    read = {item.event.id: item for item in items if isinstance(item, Imported)}
    assert list(read) == [f"acled:IRQ99092{number}" for number in (1, 3, 4, 5, 6, 7)]
    assert not read["acled:IRQ990921"].notes and not read["acled:IRQ990927"].notes
    assert [(note.column, note.kind) for item in read.values() for note in item.notes] == [
        ("latitude", "coordinates not numbers"),
        ("inter2", "inter2 not a category"),
        ("time_precision", "time_precision not a number"),
        ("fatalities", "fatalities not a number"),
    ]
    unplaced = read["acled:IRQ990923"]
    assert unplaced.event.places and unplaced.event.places[0].endswith("/sample-district")
    assert read["acled:IRQ990926"].event.casualties is None  # unknown, never 0


def test_a_row_of_the_wrong_width_is_set_aside(tmp_path: Path) -> None:
    lines = (FIXTURES / "acled-2019.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "cut.csv"
    path.write_text("\n".join([lines[0], lines[1].rsplit(",", 2)[0], lines[2]]) + "\n", encoding="utf-8")
    items = _read(path)
    assert isinstance(items[0], SetAside) and items[0].reason == "wrong number of cells"
    assert str(items[0].problem) == f"{path}:2:30: has 29 cells where the header has 31 columns"
    assert isinstance(items[1], Imported) and items[1].event.id == "acled:IRQ990102"


def test_lines_are_counted_through_notes_that_span_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "acled-current.csv",
        [
            {"event_id_cnty": "IRQ990931", "notes": "MADE UP\nover\nthree lines"},
            {"event_id_cnty": "IRQ990932", "event_date": "soon"},
        ],
    )
    first, second = _read(path)
    assert isinstance(first, Imported) and first.event.sources[0].quote == "MADE UP\nover\nthree lines"
    assert isinstance(second, SetAside) and second.problem.line == 5


def test_rows_stream_one_at_a_time(tmp_path: Path) -> None:
    """The first row arrives before the reader meets a broken end (2 MiB without a line
    break): nothing reads the file whole."""
    text = (FIXTURES / "acled-2019.csv").read_text(encoding="utf-8")
    path = tmp_path / "broken.csv"
    path.write_text(text + "MADE UP " * (1 << 18), encoding="utf-8")
    rows = datasets.read(path)
    first = next(rows)
    assert isinstance(first, Imported) and first.event.id == "acled:IRQ990101"
    with pytest.raises(DataError, match=r"broken\.csv:4: has a line longer than 1,048,576 bytes"):
        list(rows)


def test_a_byte_order_mark_before_the_first_column_is_read_past(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (FIXTURES / "acled-current.csv").read_bytes())
    assert [item.event.id for item in _imported(path)][:1] == ["acled:IRQ990001"]


def test_the_bench_generator_writes_rows_the_reader_takes_whole(tmp_path: Path) -> None:
    path = tmp_path / "generated.csv"
    subprocess.run(
        [sys.executable, str(REPO / "bench" / "generate_acled.py"), str(path), "--rows", "60"], check=True
    )
    items = _imported(path)
    assert len(items) == 60
    assert {item.row.time_precision for item in items} == {1, 2, 3}
    assert {item.event.type for item in items} >= {EventType.ARMED_CLASH, EventType.OTHER}
