"""The shipped data: valid, sourced verbatim, and holding the article's key facts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import ARTICLE, Run


def _shipped(cli: Callable[..., Run], *args: str) -> Any:
    run = cli(*args, "--json")
    assert run.exit_code == 0, run
    return run.json()


def _citations(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if "quote" in value and "source" in value:
            yield value
        for item in value.values():
            yield from _citations(item)
    elif isinstance(value, list):
        for item in value:
            yield from _citations(item)


def test_shipped_data_is_valid(cli: Callable[..., Run]) -> None:
    run = cli("validate", "--json")
    assert run.exit_code == 0, run
    assert run.json()["records"] == {
        "actor": 35,
        "analyst": 5,
        "event": 35,
        "place": 19,
        "quote": 19,
        "source": 5,
    }


@pytest.fixture
def everything(cli: Callable[..., Run]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for command in ("events", "actors", "places", "analysts"):
        records.extend(_shipped(cli, command))
    return records


def test_every_record_cites_a_source(everything: list[dict[str, Any]]) -> None:
    for record in everything:
        assert record["sources"], record["id"]
        for quote in record.get("quotes", []):
            assert quote["sources"], quote["id"]


def test_every_quote_is_verbatim_in_the_article(
    everything: list[dict[str, Any]], cli: Callable[..., Run]
) -> None:
    if not ARTICLE.exists():
        pytest.skip(f"the source article is not at {ARTICLE}")
    article = ARTICLE.read_text(encoding="utf-8")
    sources = _shipped(cli, "search", "interview")
    citations = list(_citations(everything)) + list(_citations([item["record"] for item in sources]))
    assert len(citations) > 150
    for citation in citations:
        assert citation["quote"] in article, citation["quote"]
    analyst_quotes = [quote for record in everything for quote in record.get("quotes", [])]
    assert len(analyst_quotes) == 19
    for quote in analyst_quotes:
        assert quote["text"] in article, quote["text"]


def test_every_quote_has_the_footnote_that_closes_its_sentence(everything: list[dict[str, Any]]) -> None:
    """A quote's footnote is the first marker after it in its paragraph; none there, none at all.

    A fixed distance would miss a footnote that closes a long sentence (Jahshan's [8]).
    """
    if not ARTICLE.exists():
        pytest.skip(f"the source article is not at {ARTICLE}")
    article = ARTICLE.read_text(encoding="utf-8")
    checked = 0
    for record in everything:
        for quote in record.get("quotes", []):
            start = article.index(quote["text"]) + len(quote["text"])
            paragraph = article[start:].split("\n", 1)[0]
            following = re.search(r"\[(\d+)\]", paragraph)
            expected = int(following.group(1)) if following else None
            if quote["footnote_inferred"]:
                # No marker in the text: the footnote is read from the footnotes' order.
                assert following is None and quote["footnote"] is not None, quote["id"]
            else:
                assert quote["footnote"] == expected, quote["id"]
            checked += 1
        for citation in _citations(record):
            marker = re.search(r"\[(\d+)\][”\s]*$", citation["quote"])
            if marker:
                assert citation["footnote"] == int(marker.group(1)), citation["quote"]
    assert checked == 19


def test_lesch_s_first_two_quotes_are_his_interview_s_footnotes_1_and_2(cli: Callable[..., Run]) -> None:
    """The article's text lost the markers [1] and [2]; its footnotes [1] (Lesch, email
    interview, 2 July 2021) and [2] (Ibid) come before his [3], after only these two quotes."""
    quotes = _shipped(cli, "analyst", "david-lesch")["quotes"]
    assert [(q["footnote"], q["footnote_inferred"]) for q in quotes] == [(1, True), (2, True), (3, False)]
    for quote_id in ("lesch-airstrikes-put-iran-on-notice", "lesch-tel-aviv-and-washington-aims"):
        rows = _shipped(cli, "cite", quote_id)["evidence"]
        assert {row["said_by"] for row in rows} == {"David Lesch (email interview)"}, quote_id
        assert {row["reference"] for row in rows} == {"interview-lesch-2021-07-02"}, quote_id


_DATED = re.compile(
    r"(?:(?:January|February|March|April|May|June|July|August|September|October|November|December) )?"
    r"(?:19|20)[0-9]{2}\b"
)


def test_descriptions_mark_the_years_the_article_does_not_state(everything: list[dict[str, Any]]) -> None:
    """A year the article's text (before its footnotes) does not give is "(year inferred)",
    as an event's ``year_inferred`` is: "killed in a U.S. airstrike in 2020" was "last year"."""
    if not ARTICLE.exists():
        pytest.skip(f"the source article is not at {ARTICLE}")
    body = ARTICLE.read_text(encoding="utf-8").split("[1] David Lesch")[0]
    stated = set(_DATED.findall(body))
    marked = 0
    for record in everything:
        for field in ("description", "significance"):
            text = record.get(field) or ""
            for match in _DATED.finditer(text):
                # "as of July 2021" is the article's own date.
                if match.group() in stated or (
                    text[: match.start()].endswith("as of ") and match.group() == "July 2021"
                ):
                    continue
                assert text[match.end() :].startswith(" (year inferred)"), (record["id"], match.group())
                marked += 1
    assert marked == 17  # in 16 descriptions


def test_years_the_article_gives_only_relatively_are_inferred(cli: Callable[..., Run]) -> None:
    events = {e["id"]: e for e in _shipped(cli, "events", "--until", "2017")}
    # "Two years later" than 2012; "by 2017", an upper bound; "since the Islamic State's defeat".
    for event_id in (
        "2014-islamic-state-seizes-border-area",
        "2017-islamic-state-driven-out-of-border-area",
        "2017-iran-backed-militias-pass-through-crossing",
    ):
        assert events[event_id]["year_inferred"], event_id
    assert not events["2012-iraq-closes-border-crossing"]["year_inferred"]


def test_the_july_attacks_are_there_with_their_numbers(cli: Callable[..., Run]) -> None:
    events = _shipped(cli, "events", "--since", "2021-07-05")
    by_date: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_date.setdefault(event["date"], []).append(event)
    assert sorted(by_date) == ["2021-07-05", "2021-07-06", "2021-07-07", "2021-07-08"]
    fourteen = [e for e in by_date["2021-07-07"] if e["type"] == "rocket-attack"]
    assert fourteen[0]["munitions"] == [
        {"weapon": "rocket", "count": 14, "at_least": False, "intercepted": None}
    ]
    assert fourteen[0]["casualties"]["injured"] == 2
    assert fourteen[0]["casualties"]["killed"] is None
    embassy = by_date["2021-07-08"][0]
    assert embassy["munitions"][0]["count"] == 2
    assert embassy["munitions"][0]["intercepted"] == 1


def test_crossings_have_both_sides_and_status(cli: Callable[..., Run]) -> None:
    crossings = {c["id"]: c for c in _shipped(cli, "crossings")}
    assert len(crossings) == 3
    qaim = crossings["al-qaim-albu-kamal-crossing"]
    assert qaim["status"] == "open"
    assert qaim["status_since"] == "2019"
    assert {side["country"] for side in qaim["sides"]} == {"Iraq", "Syria"}
    closed = [c for c in crossings.values() if c["status"] == "closed"]
    assert len(closed) == 2


def test_imprecise_dates_are_kept_imprecise(cli: Callable[..., Run]) -> None:
    events = {e["id"]: e for e in _shipped(cli, "events")}
    assert events["2020-03-us-hands-over-al-qaim-base"]["date"] == "2020-03"
    assert events["2020-soleimani-al-muhandis-killed"]["date"] == "2020"
    assert events["2000s-insurgents-use-border-crossing"]["date_precision"] == "decade"
    assert events["2020-pmu-fighters-deployed-to-idlib"]["certainty"] == "reported"


def _event(cli: Callable[..., Run], event_id: str) -> Any:
    return _shipped(cli, "event", event_id)


def _links(event: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {link["actor"]: (link["role"], link["certainty"]) for link in event["actors"]}


def test_the_drone_aggregate_says_no_more_than_the_article(cli: Callable[..., Run]) -> None:
    drones = _event(cli, "2021-drone-attacks-against-us-personnel")
    assert drones["aggregate"] is True
    assert _links(drones)["iran-backed-militias"] == ("attacker", "believed"), "the article names no attacker"
    assert drones["places"] == [], "'in the region', not Iraq"
    assert drones["responds_to"] == [], "'more common since' is not a response"


def test_records_say_what_the_article_says(cli: Callable[..., Run]) -> None:
    killing = _event(cli, "2020-soleimani-al-muhandis-killed")
    assert (killing["casualties"]["killed"], killing["casualties"]["at_least"]) == (2, True)
    assert "attacked by 14 rockets" in _event(cli, "2021-07-07-ain-al-assad-14-rockets")["title"]
    officials = _links(_event(cli, "2021-iraqi-officials-urge-no-retaliatory-strikes"))
    assert "iraqi-officials" in officials and "iraqi-government" not in officials
    assert _event(cli, "2015-jcpoa")["actors"] == [], "the article names no parties"
    assert _links(_event(cli, "2021-06-28-us-forces-return-fire-at-al-omar"))["iran-backed-militias"] == (
        "target",
        "believed",
    )
    assert _event(cli, "2021-saudi-gulf-attempts-to-woo-baghdad")["certainty"] == "reported"
    leaders = _shipped(cli, "actor", "congressional leaders")
    assert leaders["name"] == "Congressional leaders"


def test_crossing_sides_from_general_knowledge_are_marked(cli: Callable[..., Run]) -> None:
    if not ARTICLE.exists():
        pytest.skip(f"the source article is not at {ARTICLE}")
    article = ARTICLE.read_text(encoding="utf-8")
    for crossing in _shipped(cli, "crossings"):
        for side in crossing["sides"]:
            stated = f"{side['country'].replace('Iraq', 'Iraqi').replace('Syria', 'Syrian')} {side['name']}"
            in_article = stated.replace("'", "’") in article
            assert side["general_knowledge"] is not in_article, (crossing["id"], side)
    shown = cli("crossings").stdout
    assert "Walid (Iraq; general knowledge)" in shown
    assert "al-Qa'im (Iraq)" in shown


def test_a_year_the_article_does_not_state_is_marked_inferred(cli: Callable[..., Run]) -> None:
    """The article dates its events "On June 27", "last year": a year written in the data but
    in none of the sentences cited is inferred, and must say so (or the note must say how)."""
    for event in _shipped(cli, "events"):
        year = event["date"][:4] if event["date_precision"] != "decade" else event["date"]
        stated = any(year in citation["quote"] for citation in event["sources"])
        if not stated:
            assert event["year_inferred"] or event["date_note"], event["id"]
        if event["date_precision"] == "day":
            assert event["year_inferred"], event["id"]
    assert "year inferred" in cli("event", "2021-06-27-us-airstrikes-iraq-syria-border").stdout


def test_the_author_and_the_articles_own_claims_are_there(cli: Callable[..., Run]) -> None:
    author = _shipped(cli, "analyst", "@AZ_Kilani")
    assert author["id"] == "abdulaziz-kilani"
    for outlet in (
        "Middle East Eye",
        "Responsible Statecraft",
        "The American Conservative",
        "The Globe Post",
    ):
        assert outlet in author["description"]
    claims = " ".join(quote["text"] for quote in author["quotes"])
    for claim in (
        "unique strategic value",
        "reassuring its regional partners",
        "new red line",
        "expanded arsenal",
        "from different directions",
        "follow-on agreements",
        "any policy changes will come about from the visit",
    ):
        assert claim in claims, claim
    crossing = _shipped(cli, "place", "al-qaim-albu-kamal-crossing")
    assert "kilani-crossing-unique-strategic-value" in {quote["id"] for quote in crossing["quotes"]}


def test_search_finds_numbers_and_the_author_not_every_citation(cli: Callable[..., Run]) -> None:
    troops = [item["id"] for item in _shipped(cli, "search", "2500")]
    assert troops[0] == "2020-us-forces-in-iraq-reduced-to-2500"
    kilani = _shipped(cli, "search", "Kilani")
    assert kilani[0]["id"] == "abdulaziz-kilani"
    # Then his article and the interviews he made for it ("interview by Abdulaziz Kilani").
    assert {item["id"] for item in kilani[1:6]} == {
        "gif-kilani-2021",
        "interview-lesch-2021-07-02",
        "interview-heras-2021-07-07",
        "interview-gause-2021-07-01",
        "interview-jahshan-2021-06-30",
    }
    assert {item["kind"] for item in kilani} == {"analyst", "source", "quote"}
    assert all(item["kind"] != "quote" or item["record"]["analyst"] == "abdulaziz-kilani" for item in kilani)


def test_the_27_june_targets_rest_on_the_pentagon_s_word(cli: Callable[..., Run]) -> None:
    """Kirby said the facilities were used by the militias: a reported link, counted as hedged."""
    event = _event(cli, "2021-06-27-us-airstrikes-iraq-syria-border")
    targets = {
        link["actor"]: (link["certainty"], link["according_to"])
        for link in event["actors"]
        if link["role"] == "target"
    }
    assert targets == dict.fromkeys(
        ("kataib-hezbollah", "kataib-sayyid-al-shuhada", "iran-backed-militias"), ("reported", "the Pentagon")
    )
    shown = cli("event", "2021-06-27-us-airstrikes-iraq-syria-border", env={"COLUMNS": "200"}).stdout
    assert "Kata'ib Hezbollah          target, according to the Pentagon" in shown
    summary = _shipped(cli, "summary", "--actor", "KH")
    assert summary["hedged_by_actor"]["kataib-hezbollah"] == 1


def test_no_casualties_reported_is_not_zero_casualties(cli: Callable[..., Run]) -> None:
    """ "No casualties were reported" gives no figure; 0 would be a source saying no one was."""
    casualties = _event(cli, "2021-07-08-rockets-at-us-embassy-green-zone")["casualties"]
    assert (casualties["killed"], casualties["injured"], casualties["none_reported"]) == (None, None, True)
    shown = cli("event", "2021-07-08-rockets-at-us-embassy-green-zone").stdout
    assert "none reported" in shown
    assert "killed: 0" not in shown


def test_an_actor_s_summary_does_not_make_the_casualties_its_own(cli: Callable[..., Run]) -> None:
    """The 7 July injured are "two personnel": the article does not say whose."""
    for actor in ("us-forces", "iran-backed-militias"):
        run = cli("summary", "--actor", actor)
        assert run.exit_code == 0, run
        line = next(line for line in run.stdout.splitlines() if line.startswith("Casualties"))
        assert "the data does not say whose" in line, line


def test_a_sequence_in_the_article_is_not_a_response(cli: Callable[..., Run]) -> None:
    """ "seized the area, but they were driven out by 2017"; "Since the Islamic State's
    defeat, ... militias have passed through"; the cut to 2,500 "came after" the vote: the
    article orders these events, it does not say one answers another."""
    events = {e["id"]: e for e in _shipped(cli, "events")}
    for event_id in (
        "2017-islamic-state-driven-out-of-border-area",
        "2017-iran-backed-militias-pass-through-crossing",
        "2020-us-forces-in-iraq-reduced-to-2500",
    ):
        assert events[event_id]["responds_to"] == [], event_id
    # "in the wake of the killing" is the article's own link.
    assert events["2020-iraqi-parliament-votes-to-expel-us-forces"]["responds_to"] == [
        "2020-soleimani-al-muhandis-killed"
    ]
