"""search: each hit with its kind and a snippet showing why; ids are not matches."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run
from iranclash.ask.snippets import snippet, why

Cli = Callable[..., Run]
MakeData = Callable[..., Path]


def test_snippet_marks_every_word_in_reach_and_keeps_whole_words() -> None:
    text = "On July 5, three rockets hit Ain al-Assad air base in Anbar province, western Iraq, again."
    assert (
        snippet(text, [(17, 24)])
        == "On July 5, three «rockets» hit Ain al-Assad air base in Anbar province,…"
    )
    long = "word " * 30 + "target " + "word " * 30
    shown = snippet(long.strip(), [(150, 156)])
    assert shown.startswith("…word ") and shown.endswith(" word…")
    assert "«target»" in shown


def test_why_looks_at_names_first_and_never_at_ids() -> None:
    record = {
        "id": "kilani-thing",
        "name": "Rocket Brigade",
        "summary": "It fired rockets.",
        "sources": [{"source": "gif-kilani-2021", "quote": "The brigade fired rockets."}],
        "places": ["kilani-base"],
    }
    assert why(record, "rocket") == ("name", "«Rocket» Brigade")
    assert why(record, "fired rockets") == ("summary", "It «fired» «rockets».")
    assert why(record, "kilani") is None


def test_a_source_every_record_cites_is_not_a_match_for_each_record(cli: Cli) -> None:
    hits = cli("search", "kilani", "--json").json()
    found = [(hit["kind"], hit["id"], hit["field"]) for hit in hits]
    # The author, his article and the interviews he made for it ("interview by Abdulaziz
    # Kilani"), and his own quotes: nothing that merely cites the article.
    assert found[0] == ("analyst", "abdulaziz-kilani", "name")
    sources = {(hit["id"], hit["field"]): hit["snippet"] for hit in hits[1:6]}
    assert sources[("gif-kilani-2021", "author")] == "Abdulaziz «Kilani»"
    assert {field for _id, field in sources} == {"author", "title"}
    assert sum(hit["kind"] == "source" for hit in hits) == 5
    quotes = found[6:]
    assert quotes and all(kind == "quote" and field == "analyst_name" for kind, _id, field in quotes)
    assert {hit["record"]["analyst"] for hit in hits[6:]} == {"abdulaziz-kilani"}


def test_every_hit_says_why_with_the_word_marked(cli: Cli) -> None:
    hits = cli("search", "rockets", "--json").json()
    assert len(hits) > 5
    for hit in hits:
        assert "«rocket" in hit["snippet"].casefold(), hit
        assert hit["kind"] in {"actor", "place", "analyst", "event", "quote", "source"}
    assert hits[0]["field"] in ("name", "title")


def test_spellings_are_folded_in_the_snippet_too(cli: Cli) -> None:
    hits = cli("search", "kataib hizballah", "--json").json()
    assert hits[0]["id"] == "kataib-hezbollah"
    assert hits[0]["snippet"] == "«Kata'ib» «Hezbollah»"


def test_a_record_linked_only_by_id_is_not_a_hit(cli: Cli, make_data: MakeData) -> None:
    folder = make_data(
        {
            "events.yaml": """
                - id: quiet-event
                  date: "2022-03-04"
                  type: diplomatic
                  title: Talks were held
                  places: [north-base]
                  sources: [{source: report, quote: "Talks were held."}]
            """
        }
    )
    hits = cli("search", "north", "--data", str(folder), "--json").json()
    assert [hit["id"] for hit in hits] == ["north-base"]
    table = cli("search", "north", "--data", str(folder), env={"COLUMNS": "120"}).stdout
    assert "name: «North» Base" in table
