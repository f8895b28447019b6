"""sources and cite: the evidence behind a record, and references that parse back."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware

from conftest import Run
from iranclash.ask.cite import bibtex_text, date_text

Cli = Callable[..., Run]
MakeData = Callable[..., Path]

ARTICLE = "gif-kilani-2021"
EVENT = "2021-07-07-ain-al-assad-14-rockets"
ARTICLE_NOTE = (
    "Abdulaziz Kilani, “U.S.-Iran Clashes in Syria and Iraq: Exchange of Messages or Serious Escalation?”"
    " Gulf International Forum, July 2021,"
    " https://gulfif.org/u-s-iran-clashes-in-syria-and-iraq-exchange-of-messages-or-serious-escalation/."
)


def _bibtex(text: str) -> bibtexparser.Library:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    return library


def test_dates_in_words_are_no_more_precise_than_the_data() -> None:
    assert date_text("2021-07-02") == "July 2, 2021"
    assert date_text("2021-07-02", day_first=True) == "2 July 2021"
    assert date_text("2021-07") == "July 2021"
    assert date_text("2021") == "2021"
    assert date_text("2000s") == "2000s"
    assert date_text(None) == ""


def test_sources_lists_every_source_with_its_citations(cli: Cli) -> None:
    run = cli("sources", "--json")
    assert run.exit_code == 0
    sources = {row["id"]: row for row in run.json()}
    assert len(sources) == 5
    # Every event cites the article, so at least the 35 events do.
    assert sources[ARTICLE]["cited_by"] >= 35
    assert sources["interview-lesch-2021-07-02"]["footnotes"] == [1, 2, 3]
    assert sources["interview-lesch-2021-07-02"]["part_of"] == ARTICLE


def test_cite_an_event_gives_its_verbatim_quotes_and_a_chicago_note(cli: Cli) -> None:
    event = cli("event", EVENT, "--json").json()
    run = cli("cite", EVENT, "--json")
    assert run.exit_code == 0
    data = run.json()
    assert data["record"] == {"id": EVENT, "kind": "event", "name": event["title"]}
    assert [row["quote"] for row in data["evidence"]] == [citation["quote"] for citation in event["sources"]]
    assert {(row["said_by"], row["said_on"]) for row in data["evidence"]} == {("Abdulaziz Kilani", "2021-07")}
    assert data["references"] == [{"id": ARTICLE, "text": ARTICLE_NOTE}]


def test_a_footnoted_quote_is_the_interviewee_s_words_cited_in_the_article(cli: Cli) -> None:
    data = cli("cite", "heras-iraq-is-the-prize", "--json").json()
    [row] = data["evidence"]
    assert row["footnote"] == 5
    assert row["reference"] == "interview-heras-2021-07-07"
    assert (row["said_by"], row["said_on"]) == ("Nicholas Heras (email interview)", "2021-07-07")
    assert [reference["id"] for reference in data["references"]] == ["interview-heras-2021-07-07", ARTICLE]
    assert data["references"][0]["text"] == (
        "Nicholas Heras, email interview by Abdulaziz Kilani, July 7, 2021, cited in " + ARTICLE_NOTE
    )


def test_the_text_of_a_footnote_is_the_article_s_own(cli: Cli) -> None:
    rows = cli("cite", "nicholas-heras", "--json").json()["evidence"]
    footnote = next(row for row in rows if row["quote"].startswith("[4]"))
    assert (footnote["reference"], footnote["said_by"]) == (ARTICLE, "Abdulaziz Kilani")
    # The analyst and their quote cite the same sentence: one row, supporting both.
    shared = next(row for row in rows if "death by ant bites" in row["quote"])
    assert shared["supports"] == ["nicholas-heras", "heras-irgc-death-by-ant-bites"]


def test_bibtex_parses_back_with_every_quote_as_annotation(cli: Cli) -> None:
    run = cli("cite", EVENT, "--style", "bibtex")
    assert run.exit_code == 0
    [entry] = _bibtex(run.stdout).entries
    assert (entry.entry_type, entry.key) == ("misc", ARTICLE)
    fields = {key: field.value for key, field in entry.fields_dict.items()}
    assert (
        fields["title"] == "U.S.-Iran Clashes in Syria and Iraq: Exchange of Messages or Serious Escalation?"
    )
    assert (fields["author"], fields["year"], fields["month"], fields["date"]) == (
        "Abdulaziz Kilani",
        "2021",
        "jul",
        "2021-07",
    )
    quotes = [row["quote"] for row in cli("cite", EVENT, "--json").json()["evidence"]]
    assert fields["annote"].split("\n\n") == [f"Evidence for {EVENT}: {quote}" for quote in quotes]


def test_ris_parses_back_one_entry_per_source(cli: Cli) -> None:
    run = cli("cite", "heras-iraq-is-the-prize", "--style", "ris")
    interview, article = rispy.loads(run.stdout)
    assert interview["id"] == "interview-heras-2021-07-07"
    assert (interview["type_of_reference"], interview["date"], interview["year"]) == (
        "PCOMM",
        "2021/07/07/",
        "2021",
    )
    assert interview["notes"][0] == "Cited in " + ARTICLE_NOTE
    assert interview["notes"][1].startswith("Evidence for heras-iraq-is-the-prize: “Iraq in particular")
    assert (article["authors"], article["publisher"], article["date"]) == (
        ["Abdulaziz Kilani"],
        "Gulf International Forum",
        "2021/07//",
    )


def test_csl_json_is_json_with_dates_as_precise_as_the_data(cli: Cli) -> None:
    run = cli("cite", "heras-iraq-is-the-prize", "--style", "csl-json")
    items = json.loads(run.stdout)
    assert [item["issued"] for item in items] == [{"date-parts": [[2021, 7, 7]]}, {"date-parts": [[2021, 7]]}]
    assert items[1]["author"] == [{"literal": "Abdulaziz Kilani"}]
    assert items[0]["type"] == "interview"


HOSTILE = {
    "sources.yaml": r"""
        - id: report
          kind: report
          title: "Costs {50% & more} of C:\\temp_#1 ^~$ } @misc{evil,"
          publisher: "R&D }{ Institute"
          author: "A. \\relax Author"
          date: "2022"
          url: "https://example.org/a_b%20c"
    """,
    "events.yaml": """
        - id: first-attack
          date: "2022-03-04"
          type: rocket-attack
          title: Rockets hit North Base
          sources:
            - source: report
              quote: "Three rockets } hit\\nER  - \\nTY  - JOUR \\\\end{document}"
    """,
}


def test_hostile_text_survives_bibtex_as_text(cli: Cli, make_data: MakeData) -> None:
    folder = make_data(HOSTILE)
    run = cli("cite", "first-attack", "--style", "bibtex", "--data", str(folder))
    assert run.exit_code == 0, run
    [entry] = _bibtex(run.stdout).entries
    fields = {key: field.value for key, field in entry.fields_dict.items()}
    assert (entry.entry_type, entry.key) == ("techreport", "report")
    # pylatexenc reads \textasciicircum as U+02C6 where LaTeX prints "^".
    assert fields["title"] == "Costs {50% & more} of C:\\temp_#1 ˆ~$ } @misc{evil,"
    assert fields["institution"] == "R&D }{ Institute"
    assert fields["author"] == "A. \\relax Author"
    assert (
        fields["annote"]
        == "Evidence for first-attack: Three rockets } hit\nER  - \nTY  - JOUR \\end{document}"
    )
    # The year alone: no month, no made-up day.
    assert (fields["year"], fields["date"]) == ("2022", "2022")
    assert "month" not in fields


def test_hostile_text_cannot_start_a_ris_entry(cli: Cli, make_data: MakeData) -> None:
    folder = make_data(HOSTILE)
    run = cli("cite", "first-attack", "--style", "ris", "--data", str(folder))
    [entry] = rispy.loads(run.stdout)
    assert entry["notes"] == ["Evidence for first-attack: Three rockets } hit ER - TY - JOUR \\end{document}"]
    assert (entry["type_of_reference"], entry["date"]) == ("RPRT", "2022///")


def test_bibtex_text_escapes_every_special_character() -> None:
    assert bibtex_text("50% & $5 #1 a_b {x} ^ ~ \\") == (
        r"50\% \& \$5 \#1 a\_b \{x\} \textasciicircum{} \textasciitilde{} \textbackslash{}"
    )


def test_cite_an_unknown_id_suggests_close_ones(cli: Cli) -> None:
    run = cli("cite", "nicholas-herass")
    assert run.exit_code == 1
    assert "nicholas-heras" in run.stderr
    assert run.stdout == ""


def test_a_bad_style_is_a_usage_error(cli: Cli) -> None:
    assert cli("cite", ARTICLE, "--style", "mla").exit_code == 2


@pytest.mark.parametrize("style", ["chicago", "bibtex", "ris", "csl-json"])
def test_every_record_kind_can_be_cited_in_every_style(cli: Cli, style: str) -> None:
    for record in (
        "kataib-hezbollah",
        "al-omar-oil-field",
        "david-lesch",
        "lesch-tel-aviv-and-washington-aims",
        ARTICLE,
    ):
        run = cli("cite", record, "--style", style)
        assert run.exit_code == 0, (record, run)
        assert ARTICLE in run.stdout


FOOTNOTED = {
    "sources.yaml": """
        - id: report
          kind: report
          title: A field report
        - id: talk
          kind: interview
          title: A talk with the commander
          date: "2022-05"
          part_of: report
          footnotes: [2]
    """,
    "events.yaml": """
        - id: first-attack
          date: "2022-03-04"
          type: rocket-attack
          title: Rockets hit North Base
          sources:
            - {source: report, quote: "We fired three, the commander said.[2]", footnote: 2}
        - id: second-attack
          date: "2022-03-05"
          type: rocket-attack
          title: More rockets
          sources:
            - {source: report, quote: "[2] A talk with the commander, May 2022", footnote: 2}
            - {source: report, quote: "More rockets fell."}
    """,
}


def test_a_source_is_cited_through_the_footnotes_that_name_it(cli: Cli, make_data: MakeData) -> None:
    folder = make_data(FOOTNOTED)
    cited = {row["id"]: row["cited_by"] for row in cli("sources", "--data", str(folder), "--json").json()}
    # The report: both events and the two actors and the place of the minimal data.
    # The talk: only the first event's quote; the footnote's own text is the report's.
    assert cited == {"report": 5, "talk": 1}
    data = cli("cite", "talk", "--data", str(folder), "--json").json()
    assert [reference["id"] for reference in data["references"]] == ["talk", "report"]
    assert data["references"][0]["text"] == "A talk with the commander, May 2022, cited in “A field report.”"


def test_sources_part_of_each_other_end(cli: Cli, make_data: MakeData) -> None:
    folder = make_data(
        {
            "sources.yaml": """
                - id: report
                  kind: report
                  title: A field report
                  part_of: annex
                - id: annex
                  kind: report
                  title: An annex
                  part_of: report
            """
        }
    )
    for style in ("chicago", "bibtex", "ris", "csl-json"):
        run = cli("cite", "report", "--style", style, "--data", str(folder), "--json")
        assert run.exit_code == 0, run
        assert [reference["id"] for reference in run.json()["references"]] == ["report", "annex"]
    note = cli("cite", "report", "--data", str(folder), "--json").json()["references"][0]["text"]
    assert note == "“A field report,” cited in “An annex.”"


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("kataib-hezbolah", "kataib-hezbollah"),
        ("2021-07-07-ain-al-asad-14-rockets", "2021-07-07-ain-al-assad-14-rockets"),
        ("gif-kilani-2012", "gif-kilani-2021"),
    ],
)
def test_a_mistyped_id_is_answered_with_the_nearest_ids_of_any_kind(
    cli: Cli, typed: str, suggested: str
) -> None:
    run = cli("cite", typed)
    assert run.exit_code == 1
    message, _, suggestions = run.stderr.strip().partition("; did you mean ")
    assert message == f'iranclash: error: no record named or with id "{typed}"'
    assert suggestions.split(" ", 1)[0] == suggested


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("KH", "kataib-hezbollah"),
        ("Kata'ib Hezbollah", "kataib-hezbollah"),
        ("2021-07-08", "2021-07-08-rockets-at-us-embassy-green-zone"),
        ("Heras", "nicholas-heras"),
        ("heras-iraq", "heras-iraq-is-the-prize"),
        ("GIF", ARTICLE),
        ("Gulf International Forum", ARTICLE),
        (EVENT, EVENT),
    ],
)
def test_cite_resolves_names_and_prefixes_as_the_lookups_do(cli: Cli, typed: str, found: str) -> None:
    run = cli("cite", typed, "--json")
    assert run.exit_code == 0, run
    assert run.json()["record"]["id"] == found


def test_cite_lists_the_candidates_or_the_nearest_records(cli: Cli) -> None:
    several = cli("cite", "2021-07-07")
    assert several.exit_code != 0
    assert "2021-07-07-ain-al-assad-14-rockets" in several.stderr
    assert "2021-07-07-drone-attack-thwarted-at-al-omar" in several.stderr
    # Eight shown, and how many more of all the ids that start so.
    assert "and 12 more" in cli("cite", "2021").stderr
    near = cli("cite", "Hezbolah")
    assert near.exit_code != 0
    assert "did you mean kataib-hezbollah" in near.stderr
    # A name with a space is nearer to names than to ids.
    assert "did you mean gif-kilani-2021 " in cli("cite", "Gulf Internatinal Forum").stderr


@pytest.mark.parametrize(
    ("command", "typed", "record_id"),
    [
        ("event", "2021-07-08", "2021-07-08-rockets-at-us-embassy-green-zone"),
        ("actor", "KH", "kataib-hezbollah"),
        ("place", "Tanf", "tanf-walid-crossing"),
        ("analyst", "Heras", "nicholas-heras"),
    ],
)
def test_the_lookups_print_their_own_id(cli: Cli, command: str, typed: str, record_id: str) -> None:
    run = cli(command, typed)
    assert run.exit_code == 0, run
    assert any(line.split() == ["ID", record_id] for line in run.stdout.splitlines()), run.stdout


def test_analyst_shows_each_quote_s_id_and_every_footnote_its_quotes_carry(cli: Cli) -> None:
    text = cli("analyst", "Heras", env={"COLUMNS": "400"}).stdout
    assert "heras-irgc-death-by-ant-bites" in text
    assert "heras-iraq-is-the-prize" in text
    sources = text[text.index("\nSources") :]
    assert "said.[4]" in sources
    assert "lose.”[5]" in sources


URL = "https://gulfif.org/u-s-iran-clashes-in-syria-and-iraq-exchange-of-messages-or-serious-escalation/"


def test_every_style_carries_the_article_s_url_and_the_access_date_given(cli: Cli) -> None:
    chicago = cli("cite", ARTICLE, "--accessed", "2026-12-07", "--json").json()["references"][0]["text"]
    assert chicago.endswith(f"July 2021, accessed December 7, 2026, {URL}.")
    assert cli("cite", ARTICLE, "--json").json()["references"][0]["text"].endswith(f"July 2021, {URL}.")
    entry = _bibtex(cli("cite", ARTICLE, "--style", "bibtex", "--accessed", "2026-12-07").stdout).entries[0]
    assert (entry["url"], entry["urldate"]) == (URL, "2026-12-07")
    ris = rispy.loads(cli("cite", ARTICLE, "--style", "ris", "--accessed", "2026-12-07").stdout)[0]
    assert ris["urls"] == [URL]
    assert ris["access_date"] == "2026/12/07/"
    csl = json.loads(cli("cite", ARTICLE, "--style", "csl-json", "--accessed", "2026-12-07").stdout)[0]
    assert (csl["URL"], csl["accessed"]) == (URL, {"date-parts": [[2026, 12, 7]]})
    assert cli("cite", ARTICLE, "--accessed", "2026-12").exit_code == 2


def test_an_interview_is_referred_to_as_one_by_the_author_not_with_author(cli: Cli) -> None:
    """ "email interview with Author" is the footnote's wording; the reference names him."""
    references = cli("cite", "heras-iraq-is-the-prize", "--json").json()["references"]
    assert references[0]["text"].startswith(
        "Nicholas Heras, email interview by Abdulaziz Kilani, July 7, 2021"
    )
    assert "with Author" not in references[0]["text"]


def test_bibtex_annote_gives_a_footnote_once(cli: Cli) -> None:
    text = cli("cite", "heras-iraq-is-the-prize", "--style", "bibtex").stdout
    assert "lose.”[5]}" in text
    assert "[footnote 5]" not in text
