"""Property-based tests: whatever the arguments or the data, the user gets an answer or one
clear line and a documented exit code; never a traceback, never a raw terminal control."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import Run

Cli = Callable[..., Run]

#: ESC and the C1 controls (CSI, OSC, ...) a terminal would obey, and bidirectional overrides.
RAW_CONTROL = re.compile("[\x1b\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Click's usage errors echo a mistyped argument with ESC and C1 escaped, but bidi marks raw.
TERMINAL_CONTROL = re.compile("[\x1b\x7f-\x9f]")

COMMANDS = {
    "events": 0,
    "event": 1,
    "actors": 0,
    "actor": 1,
    "places": 0,
    "place": 1,
    "crossings": 0,
    "analysts": 0,
    "analyst": 1,
    "search": 1,
    "summary": 0,
    "validate": 0,
}
VALUE_OPTIONS = ["--since", "--until", "--actor", "--place", "--country", "--type", "--kind", "--data"]
FORMAT_OPTIONS = ["--format", "-f"]
FLAGS = ["--json", "--help"]

HOSTILE = [
    "[bold red]x[/]",
    "[/nope]",
    "[link=file:///etc/passwd]y[/link]",
    ":smiley:",
    "\x1b[31m",
    "\x1b]52;c;aGk=\x07",
    "\x9b31m",
    "\u202e",
    "\r",
    "\n",
    "\x00",
]
REAL_WORDS = [
    "KH",
    "Kata’ib Hezbollah",
    "كتائب حزب الله",
    "PMU",
    "Ain al-Asad",
    "Iraq",
    "syria",
    "Heras",
    "rockets",
    "2021-07",
    "2021-07-08",
    "2020",
    "2000s",
    "2021-02-30",
    "rocket-attack",
    "militia",
    "air-base",
    "json",
    "jsonl",
    "csv",
    "table",
    "2021-07-08-rockets-at-us-embassy-green-zone",
    "data",
    "-",
    "--",
    "",
]

# No NUL: a real command line cannot carry one (C strings), so Typer never has to handle it.
texts = st.lists(
    st.one_of(
        st.text(st.characters(exclude_characters="\x00"), max_size=12),
        st.sampled_from([text for text in HOSTILE if text != "\x00"]),
        st.sampled_from(REAL_WORDS),
    ),
    min_size=1,
    max_size=3,
).map("".join)
values = st.one_of(st.sampled_from(REAL_WORDS), texts)


def mostly(usual: st.SearchStrategy[str], rare: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """``usual`` three times in four: most examples load, the rest exercise the error line."""
    return st.integers(0, 3).flatmap(lambda n: rare if n == 0 else usual)


#: Each option's usual values, so that most calls get past Click's own checks.
USUAL = {
    "--since": ["2021-07", "2021-07-05", "2020", "2000s", "2021-06-27"],
    "--until": ["2021-07", "2021-12-31", "2021", "2010s"],
    "--actor": ["KH", "Kata’ib Hezbollah", "كتائب حزب الله", "PMU", "U.S. forces", "Iran"],
    "--place": ["Ain al-Asad", "Anbar", "al-Omar oil field", "Baghdad"],
    "--country": ["Iraq", "syria"],
    "--type": ["rocket-attack", "airstrike", "drone-attack"],
    "--kind": ["militia", "air-base", "person", "border-crossing"],
    "--data": [str(Path(__file__).resolve().parents[1] / "data")],
}
FILTERS = ["--since", "--until", "--actor", "--place", "--country", "--type", "--data"]
#: The options each command takes; others are tried too, but less often.
OPTIONS = {
    **{command: ["--data"] for command in COMMANDS},
    "events": FILTERS,
    "summary": FILTERS,
    "actors": ["--kind", "--data"],
    "places": ["--kind", "--data"],
    "validate": [],
}


def option_pairs(options: list[str]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.sampled_from(options).flatmap(
        lambda option: st.tuples(st.just(option), mostly(st.sampled_from(USUAL[option]), values))
    )


format_pairs = st.tuples(
    st.sampled_from(FORMAT_OPTIONS), st.sampled_from(["json", "JSON", "jsonl", "csv", "table", "x"])
)


def tokens(command: str) -> st.SearchStrategy[tuple[str, ...]]:
    """Mostly the command's own options; now and then a flag, another option or stray text."""
    own = option_pairs(OPTIONS[command]) if OPTIONS[command] else format_pairs
    return st.integers(0, 9).flatmap(
        lambda n: (
            st.tuples(values)
            if n == 0
            else st.tuples(st.sampled_from(FLAGS))
            if n == 1
            else option_pairs(VALUE_OPTIONS)
            if n == 2
            else format_pairs
            if n in (3, 4)
            else own
        )
    )


@st.composite
def argument_lists(draw: st.DrawFn) -> list[str]:
    """A real command, perhaps its argument, then options, flags and stray text in any order."""
    command = draw(st.sampled_from(sorted(COMMANDS)))
    args = ["--debug"] if draw(st.booleans()) else []
    args.append(command)
    args += [draw(values) for _ in range(COMMANDS[command])]
    for token in draw(st.lists(tokens(command), max_size=4)):
        args += token
    return args


def json_requested(args: list[str]) -> bool:
    """Whether the arguments, as parsed, ask for JSON output (and not for help)."""
    as_json, output = False, "table"
    index = args.index(next(arg for arg in args if arg in COMMANDS)) + 1
    while index < len(args):
        arg = args[index]
        if arg == "--":
            break
        if arg == "--help":
            return False
        if arg == "--json":
            as_json = True
        elif arg in FORMAT_OPTIONS:
            index += 1
            output = args[index].lower() if index < len(args) else output  # the last one wins
        elif arg in VALUE_OPTIONS:
            index += 1
        index += 1
    return as_json or output == "json"


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(args=argument_lists())
def test_any_arguments_give_an_exit_code_never_a_crash(cli: Cli, args: list[str]) -> None:
    run = cli(*args)
    event(f"exit {run.exit_code}")
    assert run.exit_code in (0, 1, 2), run
    assert "Traceback" not in run.stdout + run.stderr, run
    assert "internal error" not in run.stderr, run
    assert not RAW_CONTROL.search(run.stdout), run
    assert not TERMINAL_CONTROL.search(run.stderr), run
    ours = [line for line in run.stderr.splitlines() if line.startswith("iranclash:")]
    assert not RAW_CONTROL.search("\n".join(ours)), run
    if run.exit_code == 0 and json_requested(args):
        json.loads(run.stdout)


#: Characters as a YAML double-quoted string writes them: printable ASCII as it is.
def yaml_quoted(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


field_texts = st.lists(st.one_of(st.text(max_size=15), st.sampled_from(HOSTILE)), max_size=4).map("".join)
#: Text a required field accepts: something visible among the rest.
nonblank = st.tuples(field_texts, st.sampled_from(["x", "é", "字", "🙂", "ب"]), field_texts).map("".join)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=mostly(nonblank, field_texts),
    summary=nonblank,
    actor_name=nonblank,
    quote=nonblank,
    event_id=mostly(st.just("the-event"), field_texts),
)
def test_any_field_text_is_shown_safely_and_given_back_exactly(
    cli: Cli,
    make_data: Callable[..., Path],
    title: str,
    summary: str,
    actor_name: str,
    quote: str,
    event_id: str,
) -> None:
    folder = make_data(
        {
            "actors.yaml": (
                f"- id: the-actor\n  name: {yaml_quoted(actor_name)}\n  kind: militia\n"
                f"  sources: [{{source: report, quote: {yaml_quoted(quote)}}}]\n"
            ),
            "events.yaml": (
                f'- id: {yaml_quoted(event_id)}\n  date: "2022-05-01"\n  type: airstrike\n'
                f"  title: {yaml_quoted(title)}\n  summary: {yaml_quoted(summary)}\n"
                "  actors: [{actor: the-actor, role: attacker}]\n"
                f"  sources: [{{source: report, quote: {yaml_quoted(quote)}}}]\n"
            ),
        }
    )
    data = ["--data", str(folder)]
    listing = cli("events", *data, "--json")
    event(f"exit {listing.exit_code}")
    assert listing.exit_code in (0, 1), listing
    if listing.exit_code == 1:  # a blank title or a bad id: one line, made visible
        assert listing.stdout == ""
        assert len(listing.stderr.splitlines()) == 1, listing
        assert not RAW_CONTROL.search(listing.stderr), listing
        return
    (record,) = listing.json()
    assert (record["id"], record["title"], record["summary"]) == (event_id, title, summary)
    assert record["sources"][0]["quote"] == quote
    detail = cli("event", event_id, *data, "--json").json()
    assert detail["linked"][detail["actors"][0]["actor"]]["name"] == actor_name
    for command in (["events"], ["event", event_id], ["actor", "the-actor"], ["summary"]):
        table = cli(*command, *data)
        assert table.exit_code == 0, table
        assert not RAW_CONTROL.search(table.stdout), table
