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
        "actor": 34,
        "analyst": 4,
        "event": 35,
        "place": 19,
        "quote": 11,
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
    assert len(analyst_quotes) == 11
    for quote in analyst_quotes:
        assert quote["text"] in article, quote["text"]


def test_footnotes_appear_right_after_their_quote(everything: list[dict[str, Any]]) -> None:
    if not ARTICLE.exists():
        pytest.skip(f"the source article is not at {ARTICLE}")
    article = ARTICLE.read_text(encoding="utf-8")
    for record in everything:
        for quote in record.get("quotes", []):
            if quote["footnote"] is not None:
                start = article.index(quote["text"]) + len(quote["text"])
                following = re.search(r"\[(\d+)\]", article[start:])
                assert following is not None, quote["id"]
                assert following.start() < 120, quote["id"]
                assert int(following.group(1)) == quote["footnote"], quote["id"]


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
