"""Names: each folding rule, whole-word matching, id prefixes and suggestions.

The shipped data lists nearly every spelling as an alias, so it cannot show that a
rule works. These tests write small data folders that lack the aliases, with ids
that spell nothing (an id is a name too), and ask the library directly, so that
disabling any one rule fails a test here.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import Run
from iranclash.ask import resolve
from iranclash.build.compile import compile_folder
from iranclash.core import names
from iranclash.core.errors import NotFound

PLACES = """
    - id: place-1
      name: "Sha’ab Gate"
      kind: base
      country: Iraq
      sources: [{source: report, quote: "x"}]
    - id: place-2
      name: "Ḥamīdīyah Camp"
      kind: base
      country: Syria
      sources: [{source: report, quote: "x"}]
    - id: place-3
      name: "بَغْدَاد"
      kind: city
      country: Iraq
      sources: [{source: report, quote: "x"}]
    - id: place-4
      name: "Albu Kamal"
      kind: city
      country: Syria
      sources: [{source: report, quote: "x"}]
    - id: place-5
      name: "Omar oil field"
      kind: oil-field
      country: Syria
      sources: [{source: report, quote: "x"}]
    - id: place-6
      name: "al-Anbar"
      kind: province
      country: Iraq
      sources: [{source: report, quote: "x"}]
    - id: place-7
      name: "East Gate"
      kind: base
      country: Iraq
      sources: [{source: report, quote: "x"}]
    - id: place-8
      name: "West Gate"
      kind: base
      country: Iraq
      sources: [{source: report, quote: "x"}]
    - id: place-9
      name: "North–South border crossing"
      kind: border-crossing
      sides:
        - {country: Iraq, name: Dunes}
        - {country: Syria, name: Palms}
      status: closed
      sources: [{source: report, quote: "x"}]
"""
ACTORS = """
    - id: actor-1
      name: "Kataib Hezbollah"
      kind: militia
      sources: [{source: report, quote: "x"}]
    - id: actor-2
      name: "Kataib Sayyid"
      kind: militia
      sources: [{source: report, quote: "x"}]
    - id: actor-3
      name: "al-Quds Force"
      kind: organization
      sources: [{source: report, quote: "x"}]
    - id: actor-4
      name: "Revolution Front"
      kind: organization
      sources: [{source: report, quote: "x"}]
    - id: actor-5
      name: "Jane Q. Doe"
      kind: person
      sources: [{source: report, quote: "x"}]
"""
EVENTS = """
    - id: 2022-03-04-rockets-north
      date: "2022-03-04"
      type: rocket-attack
      title: Rockets in the north
      sources: [{source: report, quote: "x"}]
    - id: 2022-03-04-rockets-north-again
      date: "2022-03-04"
      type: rocket-attack
      title: More rockets in the north
      sources: [{source: report, quote: "x"}]
    - id: 2022-03-05-drone-south
      date: "2022-03-05"
      type: drone-attack
      title: A drone in the south
      sources: [{source: report, quote: "x"}]
    - id: 2022-05-01-talks
      date: "2022-05-01"
      type: diplomatic
      title: Talks
      sources: [{source: report, quote: "x"}]
"""


@pytest.fixture
def folder(make_data: Callable[..., Path]) -> Path:
    return make_data({"places.yaml": PLACES, "actors.yaml": ACTORS, "events.yaml": EVENTS})


@pytest.fixture
def store(folder: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    compile_folder(folder, connection)
    yield connection
    connection.close()


APOSTROPHES = ["'", "’", "‘", "ʿ", "ʾ", "ʼ", "`", "´", "′", "ʹ"]


@pytest.mark.parametrize("mark", APOSTROPHES)
def test_every_apostrophe_style_folds_away(store: sqlite3.Connection, mark: str) -> None:
    # One word of a two-word name: neither the joined-up key nor another rule rescues it.
    assert resolve.resolve(store, "place", f"Sha{mark}ab") == "place-1"
    assert names.normalize(f"Kata{mark}ib") == "kataib"


def test_diacritics_fold_away(store: sqlite3.Connection) -> None:
    assert resolve.resolve(store, "place", "Hamidiyah") == "place-2"
    assert resolve.resolve(store, "place", "HAMIDIYAH CAMP") == "place-2"
    # Arabic short vowels (harakat) are diacritics too.
    assert resolve.resolve(store, "place", "بغداد") == "place-3"


def test_transliteration_table_joins_word_spellings(store: sqlite3.Connection) -> None:
    for spelling in ("Kataib Hizballah", "Kataib Hizbullah", "kataeb hezbollah", "Kata'ib Hizbollah"):
        assert resolve.resolve(store, "actor", spelling) == "actor-1", spelling


def test_transliteration_table_joins_spellings_of_several_words(store: sqlite3.Connection) -> None:
    for spelling in ("Abu Kamal", "Al Bukamal", "Boukamal"):
        assert resolve.resolve(store, "place", spelling) == "place-4", spelling


def test_a_leading_article_may_be_added_or_left_out(store: sqlite3.Connection) -> None:
    # Organizations answer to whole names only, so only the article rule can match these.
    assert resolve.resolve(store, "actor", "Quds Force") == "actor-3"
    assert resolve.resolve(store, "actor", "The Quds Force") == "actor-3"
    assert resolve.resolve(store, "place", "Anbar") == "place-6"
    # An article typed before a word of a name that has none.
    assert resolve.resolve(store, "place", "al-Omar") == "place-5"
    assert resolve.resolve(store, "place", "el Omar") == "place-5"


def test_whole_words_find_places_and_people(store: sqlite3.Connection) -> None:
    assert resolve.resolve(store, "place", "Omar") == "place-5"
    assert resolve.resolve(store, "place", "oil field omar") == "place-5"
    assert resolve.resolve(store, "actor", "Doe") == "actor-5"
    assert resolve.resolve(store, "actor", "jane doe") == "actor-5"


def test_a_part_of_a_word_is_not_a_word(store: sqlite3.Connection) -> None:
    with pytest.raises(NotFound):
        resolve.resolve(store, "place", "Om")


def test_the_sides_of_a_crossing_name_it(store: sqlite3.Connection) -> None:
    assert resolve.resolve(store, "place", "Dunes") == "place-9"
    assert resolve.resolve(store, "place", "palms") == "place-9"


def test_a_word_of_an_organization_is_not_that_organization(store: sqlite3.Connection) -> None:
    # "Hezbollah" names another group than Kata'ib Hezbollah: never answer with it.
    with pytest.raises(NotFound) as raised:
        resolve.resolve(store, "actor", "Hezbollah")
    assert raised.value.candidates[0].startswith("actor-1 ")
    with pytest.raises(NotFound):
        resolve.resolve(store, "actor", "Revolution")


def test_words_shared_by_several_records_name_none_of_them(store: sqlite3.Connection) -> None:
    with pytest.raises(NotFound) as raised:
        resolve.resolve(store, "place", "Gate")
    assert raised.value.candidates == (
        "place-1 (Sha’ab Gate)",
        "place-7 (East Gate)",
        "place-8 (West Gate)",
    )
    assert "names more than one place" in str(raised.value)


def test_an_event_id_prefix_shared_by_one_event_finds_it(store: sqlite3.Connection) -> None:
    assert resolve.resolve_event(store, "2022-05") == "2022-05-01-talks"
    assert resolve.resolve_event(store, "2022-03-05") == "2022-03-05-drone-south"
    # An id that is the start of another id is still itself.
    assert resolve.resolve_event(store, "2022-03-04-rockets-north") == "2022-03-04-rockets-north"


def test_an_event_id_prefix_shared_by_several_lists_them(store: sqlite3.Connection) -> None:
    with pytest.raises(NotFound) as raised:
        resolve.resolve_event(store, "2022-03")
    assert [candidate.split()[0] for candidate in raised.value.candidates] == [
        "2022-03-04-rockets-north",
        "2022-03-04-rockets-north-again",
        "2022-03-05-drone-south",
    ]


def test_many_candidates_are_counted_not_all_listed(
    store: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resolve, "_SHOWN", 2)
    with pytest.raises(NotFound) as raised:
        resolve.resolve_event(store, "2022")
    assert str(raised.value).startswith('4 event ids start with "2022": ')
    assert raised.value.candidates == (
        "2022-03-04-rockets-north (Rockets in the north)",
        "2022-03-04-rockets-north-again (More rockets in the north)",
        "and 2 more",
    )


def test_a_mistyped_event_id_suggests_the_nearest(store: sqlite3.Connection) -> None:
    with pytest.raises(NotFound) as raised:
        resolve.resolve_event(store, "2022-03-05-drone-sooth")
    assert raised.value.candidates[0] == "2022-03-05-drone-south (A drone in the south)"


def test_suggestions_are_ranked_by_closeness(store: sqlite3.Connection) -> None:
    with pytest.raises(NotFound) as raised:
        resolve.resolve(store, "actor", "Kataib Hezbolah")
    assert [candidate.split()[0] for candidate in raised.value.candidates] == ["actor-1"]
    with pytest.raises(NotFound) as raised:
        resolve.resolve(store, "actor", "Kataib Hizb")
    assert [candidate.split()[0] for candidate in raised.value.candidates] == ["actor-1", "actor-2"]
    with pytest.raises(NotFound) as raised:
        resolve.resolve(store, "place", "Westt Gate")
    ranked = [candidate.split()[0] for candidate in raised.value.candidates]
    assert ranked == ["place-8", "place-7", "place-1"]
    # A misspelt word of a long name: the whole texts are far apart, the words are near.
    with pytest.raises(NotFound) as raised:
        resolve.resolve(store, "place", "Omr")
    assert raised.value.candidates == ("place-5 (Omar oil field)",)


def test_nothing_near_suggests_nothing(store: sqlite3.Connection) -> None:
    with pytest.raises(NotFound) as raised:
        resolve.resolve(store, "place", "Zzyzx")
    assert raised.value.candidates == ()


# --- through the command line, on the shipped data -------------------------------------

Cli = Callable[..., Run]


@pytest.mark.parametrize(
    ("name", "place_id"),
    [
        ("Tanf", "tanf-walid-crossing"),
        ("Walid", "tanf-walid-crossing"),
        ("al-Tanf", "tanf-walid-crossing"),
        ("Al Asad", "ain-al-assad-air-base"),
        ("Omar", "al-omar-oil-field"),
        ("al-Omar", "al-omar-oil-field"),
    ],
)
def test_places_answer_to_the_words_people_type(cli: Cli, name: str, place_id: str) -> None:
    run = cli("place", name, "--json")
    assert run.exit_code == 0, run
    assert run.json()["id"] == place_id


def test_every_crossing_side_the_data_prints_resolves(cli: Cli) -> None:
    crossings = cli("crossings", "--json").json()
    sides = [side["name"] for crossing in crossings for side in crossing["sides"]]
    assert len(sides) == 6
    for side in sides:
        run = cli("place", side, "--json")
        assert run.exit_code == 0, (side, run)


def test_an_event_id_prefix_resolves_on_the_shipped_data(cli: Cli) -> None:
    run = cli("event", "2021-07-08", "--json")
    assert run.exit_code == 0, run
    assert run.json()["id"] == "2021-07-08-rockets-at-us-embassy-green-zone"
    several = cli("event", "2021-07-07")
    assert several.exit_code == 1
    assert several.stderr.startswith('iranclash: error: 2 event ids start with "2021-07-07": ')
    assert "2021-07-07-ain-al-assad-14-rockets (" in several.stderr
    assert "2021-07-07-drone-attack-thwarted-at-al-omar (" in several.stderr


def test_suggested_ids_can_be_pasted_back(cli: Cli) -> None:
    run = cli("actor", "Kataib Hezbolah")
    assert run.exit_code == 1
    assert run.stderr.startswith('iranclash: error: no actor named "Kataib Hezbolah"; did you mean ')
    suggested = run.stderr.split("did you mean ", 1)[1]
    first = suggested.split()[0]
    assert first == "kataib-hezbollah"
    assert cli("actor", first, "--json").json()["id"] == first


def test_errors_quote_what_was_typed_one_way(cli: Cli) -> None:
    # Python's repr would switch to double quotes for a name holding an apostrophe.
    for typed in ("Zzyzx", "Zzyzx's Qwerty"):
        run = cli("place", typed)
        assert run.exit_code == 1
        assert run.stderr == f'iranclash: error: no place named "{typed}"\n'


def test_suggestions_are_not_near_for_sharing_al(cli: Cli) -> None:
    # "al-" begins many names; it must not make al-Qa'im or al-Anbar near "al-Omr".
    run = cli("place", "al-Omr")
    assert run.exit_code == 1
    assert run.stderr == (
        'iranclash: error: no place named "al-Omr"; did you mean al-omar-oil-field (al-Omar oil field)?\n'
    )


@pytest.mark.parametrize(
    ("listing", "lookup"), [("actors", "actor"), ("places", "place"), ("analysts", "analyst")]
)
def test_every_name_and_alias_the_data_prints_finds_its_record(cli: Cli, listing: str, lookup: str) -> None:
    for record in cli(listing, "--json").json():
        for name in [record["name"], *record["aliases"], *record["known_as"]]:
            run = cli(lookup, name, "--json")
            assert run.exit_code == 0, (name, run)
            assert run.json()["id"] == record["id"], name


def test_undecodable_input_is_not_found_not_a_crash(store: sqlite3.Connection) -> None:
    # A lone surrogate: what Python makes of argument bytes that are not valid UTF-8.
    for resolving in (
        lambda text: resolve.resolve(store, "place", text),
        lambda text: resolve.resolve_event(store, text),
    ):
        with pytest.raises(NotFound):
            resolving("\ud800")
        with pytest.raises(NotFound):
            resolving("2022-\udcff")


@pytest.mark.parametrize("command", ["event", "actor", "place", "analyst"])
def test_undecodable_input_through_the_command_line(cli: Cli, command: str) -> None:
    run = cli(command, "\ud800")
    assert run.exit_code == 1, run
    assert run.stderr.startswith("iranclash: error: no "), run
