"""Hostile data and faults (issue #3): never crash, never lie, never run what a file says.

Each bad data folder must give one line on stderr naming the file, line and column and
what is wrong, exit 1, quickly, with nothing written and nothing run. Text from data is
shown, never obeyed. Faults (a closed pipe, an ASCII terminal, Ctrl-C, a bug) end with one
line and the documented exit code, never a traceback.
"""

from __future__ import annotations

import builtins
import csv
import fcntl
import io
import json
import os
import pty
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import iranclash.ask.query
from conftest import Run
from iranclash.core.errors import DataError
from iranclash.ingest import reader
from terminal import read_screen

Cli = Callable[..., Run]
MakeData = Callable[..., Path]

SCRIPT_DIR = Path(sys.executable).parent
ICLASH = shutil.which("iranclash", path=os.pathsep.join([str(SCRIPT_DIR), os.environ.get("PATH", "")]))

#: The fields of one valid event, in file order: ``id`` is on line 1, ``title`` on line 4.
EVENT = {
    "id": "bad-event",
    "date": '"2022-05-01"',
    "type": "airstrike",
    "title": "A strike",
    "sources": '[{source: report, quote: "x"}]',
}


def event_yaml(**fields: str) -> str:
    """One event record, its fields replaced or added (added ones go after ``sources``)."""
    merged = {**EVENT, **fields}
    return "".join(
        f"{'- ' if index == 0 else '  '}{key}: {value}\n" for index, (key, value) in enumerate(merged.items())
    )


def at(key: str, **fields: str) -> str:
    """``events.yaml:LINE:COLUMN`` of the value of ``key`` in ``event_yaml(**fields)``."""
    keys = list({**EVENT, **fields})
    return f"events.yaml:{keys.index(key) + 1}:{len(key) + 5}"


def assert_one_line_error(run: Run, *needles: str, exit_code: int = 1) -> str:
    """What the user sees for bad input: nothing on stdout and one line on stderr."""
    assert run.exit_code == exit_code, run
    assert run.stdout == "", run
    assert "Traceback" not in run.stderr, run
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run
    assert lines[0].startswith("iranclash: "), run
    for needle in needles:
        assert needle in lines[0], (needle, run)
    return lines[0]


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    found = {}
    for path in folder.rglob("*"):
        info = path.lstat()
        found[str(path)] = (info.st_mode, info.st_size, info.st_mtime_ns)
    return found


def cache_files() -> list[Path]:
    """Cache files left behind; a build's lock file holds no data and stays by design."""
    home = Path(os.environ.get("IRANCLASH_CACHE_DIR") or os.environ["XDG_CACHE_HOME"])
    return [path for path in home.rglob("*") if path.is_file() and path.suffix != ".lock"]


@pytest.fixture
def refused(cli: Cli, make_data: MakeData) -> Callable[..., str]:
    """Load a bad folder with ``events``: one located line, exit 1, fast, nothing written."""

    def check(files: dict[str, str | bytes], *needles: str, base: bool = True) -> str:
        folder = make_data(files, base=base)
        before = snapshot(folder)
        start = time.perf_counter()
        run = cli("events", "--data", str(folder))
        elapsed = time.perf_counter() - start
        line = assert_one_line_error(run, *needles)
        assert elapsed < 2, f"took {elapsed:.2f} s"
        assert snapshot(folder) == before
        assert cache_files() == []
        return line

    return check


# 1. Tags ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/new:os.system ["touch {marker}"]',
        "!!python/name:os.system",
        '!!python/object/apply:builtins.open ["{marker}", "w"]',
        "!!binary aGk=",
        "!!set {a: null, b: null}",
        "!!omap [a: 1]",
        "!!timestamp 2021-07-08",
        "!custom text",
        "!<tag:example.com,2000:app/x> text",
    ],
)
def test_yaml_tags_are_refused_and_never_run(refused: Callable[..., str], tmp_path: Path, value: str) -> None:
    marker = tmp_path / "pwned"
    title = value.replace("{marker}", str(marker))
    refused({"events.yaml": event_yaml(title=title)}, at("title"), "YAML tag", "is not allowed")
    assert not marker.exists()


# 2. Anchors and aliases -------------------------------------------------------------------

ALIAS_BOMB = "- id: bomb\n" + "".join(
    f"  {name}: &{name} [{', '.join(['lol'] if previous is None else [f'*{previous}'] * 9)}]\n"
    for previous, name in zip([None, *"abcdefgh"], "abcdefghi", strict=True)
)


def test_alias_bomb_of_nine_levels_fails_in_milliseconds(refused: Callable[..., str], tmp_path: Path) -> None:
    assert ALIAS_BOMB.count("*") == 8 * 9
    line = refused({"events.yaml": ALIAS_BOMB}, "events.yaml:2:6", "anchors")
    assert "&a" in line
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB, encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(DataError):
        reader.read(path)
    assert time.perf_counter() - start < 0.05


@pytest.mark.parametrize(
    ("fields", "needles"),
    [
        ({"title": "&t [*t]"}, (at("title"), "anchors (&t)")),
        ({"title": "*nowhere"}, (at("title"), "aliases (*nowhere)")),
        ({"summary": "&s text", "date_note": "*s"}, (at("summary", summary="", date_note=""), "anchors")),
        (
            {"casualties": "{<<: *base, killed: 1}"},
            (f"events.yaml:6:{len('  casualties: {<<: ') + 1}", "aliases"),
        ),
    ],
    ids=["self-reference", "alias", "anchor-then-alias", "merge-key"],
)
def test_anchors_and_aliases_are_refused(
    refused: Callable[..., str], fields: dict[str, str], needles: tuple[str, ...]
) -> None:
    refused({"events.yaml": event_yaml(**fields)}, *needles)


# 3. Duplicate keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (event_yaml(title="First", extra="x").replace("extra:", "title:"), ("events.yaml:6:3", "'title'")),
        (event_yaml(munitions="[{weapon: rocket, weapon: drone}]"), ("events.yaml:6:", "'weapon'")),
        ("- id: one\n  id: two\n", ("events.yaml:2:3", "'id'")),
    ],
    ids=["field", "nested", "id"],
)
def test_a_key_given_twice_is_refused(
    refused: Callable[..., str], text: str, needles: tuple[str, ...]
) -> None:
    line = refused({"events.yaml": text}, *needles, "is given twice")
    assert "first at line" in line


# 4. Non-string keys and YAML 1.1 surprises -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (event_yaml() + "  1: x\n", ("events.yaml:6:3", "field '1': unknown field")),
        (event_yaml() + "  true: x\n", ("events.yaml:6:3", "field 'true': unknown field")),
        (event_yaml() + "  ~: x\n", ("events.yaml:6:3", "field '~': unknown field")),
        (event_yaml() + "  [a, b]: x\n", ("events.yaml:6:3", "a mapping key must be plain text")),
        (event_yaml() + "  ? {a: b}\n  : x\n", ("events.yaml:6:5", "a mapping key must be plain text")),
    ],
    ids=["number", "boolean", "null", "list", "mapping"],
)
def test_keys_that_are_not_field_names_are_refused(
    refused: Callable[..., str], text: str, needles: tuple[str, ...]
) -> None:
    refused({"events.yaml": text}, *needles)


@pytest.mark.parametrize(
    "word",
    ["yes", "NO", "on", "off", "y", "True", "012", "0x1F", "0b101", "1:20", "1e3", ".nan", "2021-07-08"],
)
def test_yaml_11_words_stay_text_in_text_fields(cli: Cli, make_data: MakeData, word: str) -> None:
    folder = make_data({"events.yaml": event_yaml(title=word, summary=f'"{word}"')})
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    (event,) = [item for item in run.json() if item["id"] == "bad-event"]
    assert event["title"] == word.strip()
    assert event["summary"] == word


@pytest.mark.parametrize("empty", ["null", "~", "Null", ""])
def test_null_leaves_an_optional_field_empty_but_quoted_null_is_text(
    cli: Cli, make_data: MakeData, empty: str
) -> None:
    folder = make_data(
        {"events.yaml": event_yaml(summary=empty, date_note=f'"{empty or "null"}"', casualties=empty)}
    )
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    (event,) = [item for item in run.json() if item["id"] == "bad-event"]
    assert event["summary"] is None
    assert event["casualties"] is None
    assert event["date_note"] == (empty or "null")


@pytest.mark.parametrize(
    ("field", "value"), [("title", "null"), ("title", "~"), ("places", "[north-base, ~]")]
)
def test_null_in_a_required_value_is_refused(refused: Callable[..., str], field: str, value: str) -> None:
    refused({"events.yaml": event_yaml(**{field: value})}, f"field '{field}'", "must not be empty")


@pytest.mark.parametrize("word", ["yes", "NO", "on", "off", "True", "1", '"true"', "!!bool yes"])
def test_only_true_or_false_is_a_true_false_value(refused: Callable[..., str], word: str) -> None:
    refused(
        {"events.yaml": event_yaml(munitions=f"[{{weapon: rocket, count: 3, at_least: {word}}}]")},
        "events.yaml:6:",
        "field 'at_least'",
        "expected true or false",
    )


@pytest.mark.parametrize(
    "number", ["012", "1:20", "0x1F", "0o17", "1_000", "+5", "5.0", "1e3", "-1", "!!int 3"]
)
def test_only_plain_whole_numbers_are_counts(refused: Callable[..., str], number: str) -> None:
    refused(
        {"events.yaml": event_yaml(munitions=f"[{{weapon: rocket, count: {number}}}]")},
        f"events.yaml:6:{len('  munitions: [{weapon: rocket, count: ') + 1}",
        "field 'count'",
        "expected a whole number",
    )


@pytest.mark.parametrize("date", ["2021-07-08", "2021-07", "2021", "2000s"])
def test_an_unquoted_date_is_read_as_its_text(cli: Cli, make_data: MakeData, date: str) -> None:
    folder = make_data({"events.yaml": event_yaml(date=date)})
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    (event,) = [item for item in run.json() if item["id"] == "bad-event"]
    assert event["date"] == date


@pytest.mark.parametrize("date", ['"٢٠٢١-٠٧-٠٨"', '" 2021-07-08"', "2021-7-8", "20210708", "1:20"])
def test_a_date_in_another_notation_is_refused(refused: Callable[..., str], date: str) -> None:
    refused({"events.yaml": event_yaml(date=date)}, at("date"), "field 'date'", "is not a date")


# 5. NaN, infinity, huge numbers ------------------------------------------------------------


def place_yaml(lat: str, lon: str) -> str:
    return (
        "- id: odd-place\n  name: Odd\n  kind: base\n"
        f"  coordinates: {{lat: {lat}, lon: {lon}, precision: exact}}\n"
        '  sources: [{source: report, quote: "x"}]\n'
    )


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        (".nan", "1.0", "lat"),
        (".NaN", "1.0", "lat"),
        ("1.0", ".inf", "lon"),
        ("1.0", "-.inf", "lon"),
        (".Inf", "1.0", "lat"),
        ("1e400", "1.0", "lat"),
        ("91.0", "1.0", "coordinates"),
    ],
)
def test_nan_and_infinity_are_not_coordinates(
    refused: Callable[..., str], lat: str, lon: str, field: str
) -> None:
    refused({"places.yaml": place_yaml(lat, lon)}, "places.yaml:4:", f"field '{field}'")


def test_a_count_of_thousands_of_digits_is_refused_in_a_short_line(refused: Callable[..., str]) -> None:
    huge = "9" * 5000
    line = refused(
        {"events.yaml": event_yaml(munitions=f"[{{weapon: rocket, count: {huge}}}]")},
        "field 'count'",
        "expected a whole number",
    )
    assert len(line) < 400


# 6. Malformed YAML -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (event_yaml().replace("  title", "\ttitle"), ("events.yaml:4:1", "tab")),
        (event_yaml(title="[unclosed"), ("events.yaml:5:", "invalid YAML")),
        (event_yaml(title='"unterminated'), ("events.yaml:", "invalid YAML")),
        (event_yaml() + "---\n" + event_yaml(id="other"), ("events.yaml:6:1", "more than one YAML document")),
        (b"", ("events.yaml: is empty",)),
        ("# only a comment\n", ("events.yaml: is empty",)),
        ("id: x\n", ("events.yaml:1:1", "must be a list of records", "not a mapping")),
        ("just text\n", ("events.yaml:1:1", "must be a list of records", "not a text")),
        ("[{a: " * 2000 + "}]" * 2000 + "\n", ("events.yaml:1:", "nesting")),
        ("[" * 5000 + "]" * 5000 + "\n", ("events.yaml:1:", "nesting")),
        ("{a: " * 5000 + "}" * 5000 + "\n", ("events.yaml:1:", "nesting")),
        ("".join("  " * depth + "-\n" for depth in range(3000)), ("events.yaml:33:", "nesting")),
    ],
    ids=[
        "tab",
        "syntax",
        "unterminated-quote",
        "two-documents",
        "empty",
        "comment-only",
        "mapping",
        "text",
        "deep-mixed",
        "deep-flow-lists",
        "deep-flow-maps",
        "deep-block",
    ],
)
def test_malformed_yaml_is_refused_on_one_line(
    refused: Callable[..., str], content: str | bytes, needles: tuple[str, ...]
) -> None:
    refused({"events.yaml": content}, *needles)


# 7. Encoding and characters ----------------------------------------------------------------


def test_invalid_utf8_names_its_byte_offset(refused: Callable[..., str]) -> None:
    good = event_yaml().encode()
    content = good.replace(b"A strike", b"A \xff\xfestrike")
    offset = content.index(b"\xff")
    refused({"events.yaml": content}, f"events.yaml:4: is not valid UTF-8: byte {offset} (0xff)")


def test_a_byte_order_mark_is_accepted(cli: Cli, make_data: MakeData) -> None:
    folder = make_data({"events.yaml": b"\xef\xbb\xbf" + event_yaml().encode()})
    run = cli("events", "--data", str(folder), "--json")
    assert run.exit_code == 0, run
    assert [event["id"] for event in run.json()] == ["bad-event"]


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\x00", "U+0000"),
        (b"\x07", "U+0007"),
        (b"\x1b", "U+001B"),
        (b"\x7f", "U+007F"),
        ("\x9b".encode(), "U+009B"),
        ("\x85".encode(), "U+0085"),
        ("\ufffe".encode(), "U+FFFE"),
        ("\uffff".encode(), "U+FFFF"),
    ],
)
def test_raw_control_characters_are_refused_with_their_position(
    refused: Callable[..., str], raw: bytes, code: str
) -> None:
    content = event_yaml(title="A strike").encode().replace(b"A strike", b"A " + raw + b"strike")
    refused({"events.yaml": content}, "events.yaml:4:12", code, "not allowed")


def test_the_parser_own_character_check_gives_one_located_line(tmp_path: Path) -> None:
    """A reader error from the YAML library itself (bypassing ``decode``) is still one line."""
    with pytest.raises(DataError) as caught:
        reader.parse(tmp_path / "x.yaml", "- ééé\n- ab\ufffe\n")
    assert str(caught.value) == f"{tmp_path / 'x.yaml'}:2:5: invalid YAML: character U+FFFE is not allowed"


# 8. Files that are not files -------------------------------------------------------------


def test_a_data_file_that_is_a_directory(cli: Cli, make_data: MakeData) -> None:
    folder = make_data()
    (folder / "events.yaml").unlink()
    (folder / "events.yaml").mkdir()
    (folder / "events.yaml" / "x.yaml").write_text("[]")
    assert_one_line_error(cli("events", "--data", str(folder)), "events.yaml: is a directory")


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_a_data_file_linked_to_a_device_is_not_read(cli: Cli, make_data: MakeData, target: str) -> None:
    folder = make_data({"events.yaml": "[]"})
    (folder / "events.yaml").unlink()
    (folder / "events.yaml").symlink_to(target)
    run = cli("events", "--data", str(folder))
    assert_one_line_error(run, "events.yaml: is not a regular file")


def test_a_data_file_that_is_a_fifo_is_not_opened(cli: Cli, make_data: MakeData) -> None:
    folder = make_data({"events.yaml": "[]"})
    fifo = folder / "events.yaml"
    fifo.unlink()
    os.mkfifo(fifo)
    # Should the tool ever block opening it, a writer frees it after 3 s and the time check fails.
    unblock = threading.Timer(3, lambda: os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)))
    unblock.daemon = True
    start = time.perf_counter()
    try:
        run = cli("events", "--data", str(folder))
    finally:
        unblock.cancel()
    assert time.perf_counter() - start < 2
    assert_one_line_error(run, "events.yaml: is not a regular file")


@pytest.mark.parametrize(
    ("link", "reason"), [("loop.yaml", "Too many levels"), ("gone.yaml", "No such file")]
)
def test_a_broken_link_as_data_file(cli: Cli, make_data: MakeData, link: str, reason: str) -> None:
    folder = make_data({"events.yaml": "[]"})
    (folder / "events.yaml").unlink()
    (folder / "events.yaml").symlink_to(folder / link)
    if link == "loop.yaml":
        (folder / link).symlink_to(folder / "events.yaml")
    assert_one_line_error(cli("events", "--data", str(folder)), "events.yaml: cannot read", reason)


def test_an_unreadable_data_file(cli: Cli, make_data: MakeData, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_data()

    def forbidden(file: Any, *args: Any, **kwargs: Any) -> Any:
        if Path(file).name == "events.yaml":
            raise PermissionError(13, "Permission denied", str(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(reader, "open", forbidden, raising=False)
    run = cli("events", "--data", str(folder))
    assert_one_line_error(run, "events.yaml: cannot read: Permission denied")


def test_a_file_over_the_size_limit_is_refused_unread(
    cli: Cli, make_data: MakeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_data()
    big = folder / "events.yaml"
    os.truncate(big, reader.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    opened: list[str] = []

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(Path(file).name)
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(reader, "open", spy, raising=False)
    start = time.perf_counter()
    run = cli("events", "--data", str(folder))
    assert time.perf_counter() - start < 2
    assert_one_line_error(run, f"events.yaml: is {reader.MAX_FILE_BYTES + 1:,} bytes", "at most")
    assert "sources.yaml" in opened
    assert "events.yaml" not in opened


def test_a_data_folder_name_too_long_for_the_system(cli: Cli, tmp_path: Path) -> None:
    run = cli("events", "--data", str(tmp_path / ("x" * 300)))
    assert_one_line_error(run, "cannot open the data folder", "too long")


# 9. Records that contradict each other -----------------------------------------------------


@pytest.mark.parametrize(
    ("files", "needles"),
    [
        (
            {"events/more.yaml": event_yaml(id="first-attack")},
            ("more.yaml:1:", "record 'first-attack', field 'id'", "id is used twice", "events.yaml:1"),
        ),
        (
            {"places.yaml": place_yaml("1.0", "2.0").replace("odd-place", "alpha-brigade")},
            ("places.yaml:1:", "record 'alpha-brigade'", "id is used twice", "actors.yaml:1"),
        ),
        ({"events.yaml": event_yaml(places="[atlantis]")}, ("events.yaml:1:", "unknown place 'atlantis'")),
        (
            {"events.yaml": event_yaml(actors="[{actor: nobody, role: attacker}]")},
            ("events.yaml:1:", "field 'actors'", "unknown actor 'nobody'"),
        ),
        ({"events.yaml": event_yaml(responds_to="[never-happened]")}, ("unknown event 'never-happened'",)),
        ({"events.yaml": event_yaml(sources="[{source: rumour, quote: x}]")}, ("unknown source 'rumour'",)),
        (
            {"events.yaml": event_yaml(places="[alpha-brigade]")},
            ("'alpha-brigade' is an actor, not a place",),
        ),
    ],
    ids=["event-twice", "id-across-kinds", "place", "actor", "event", "source", "wrong-kind"],
)
def test_contradicting_records_are_refused(
    refused: Callable[..., str], files: dict[str, str], needles: tuple[str, ...]
) -> None:
    refused(files, *needles)


@pytest.mark.parametrize("date", ["2021-02-30", "2021-04-31", "2021-13", "2021-00-10", "0000", "2021-02-29"])
def test_impossible_dates_are_refused(refused: Callable[..., str], date: str) -> None:
    refused({"events.yaml": event_yaml(date=f'"{date}"')}, at("date"), f"'{date}' is not a real date")


@pytest.mark.parametrize("command", ["events", "summary"])
def test_until_earlier_than_since_is_a_usage_error(cli: Cli, command: str) -> None:
    run = cli(command, "--since", "2021-07-08", "--until", "2021-07-07")
    assert_one_line_error(run, "--until 2021-07-07 is earlier than --since 2021-07-08", exit_code=2)


# 10. Rich markup in data is text ---------------------------------------------------------

MARKUP = "[bold red]x[/] [link=file:///etc/passwd]y[/link] [/nope] :smiley:"


@pytest.fixture
def markup_data(make_data: MakeData) -> Path:
    quoted = json.dumps(MARKUP)
    return make_data(
        {
            "sources.yaml": f"- id: report\n  kind: report\n  title: {quoted}\n",
            "actors.yaml": (
                f"- id: alpha-brigade\n  name: {quoted}\n  kind: militia\n  known_as: [{quoted}]\n"
                f"  sources: [{{source: report, quote: {quoted}}}]\n"
            ),
            "places.yaml": (
                f"- id: north-base\n  name: {quoted}\n  kind: base\n  country: {quoted}\n"
                f"  sources: [{{source: report, quote: {quoted}}}]\n"
            ),
            "events.yaml": event_yaml(
                title=quoted,
                summary=quoted,
                places="[north-base]",
                actors="[{actor: alpha-brigade, role: attacker}]",
                sources=f"[{{source: report, quote: {quoted}}}]",
            ),
        }
    )


TABLE_COMMANDS = [
    ["events"],
    ["event", "bad-event"],
    ["actor", "alpha-brigade"],
    ["actors"],
    ["places"],
    ["place", "north-base"],
    ["search", "smiley"],
    ["summary"],
]


@pytest.mark.parametrize("command", TABLE_COMMANDS, ids=" ".join)
def test_rich_markup_in_data_prints_literally(cli: Cli, markup_data: Path, command: list[str]) -> None:
    run = cli(*command, "--data", str(markup_data))
    assert run.exit_code == 0, run
    assert MARKUP in run.stdout
    assert "😃" not in run.stdout
    assert "\x1b" not in run.stdout


def test_rich_markup_in_a_detail_title_prints_literally(cli: Cli, markup_data: Path) -> None:
    for command in (["event", "bad-event"], ["actor", "alpha-brigade"], ["place", "north-base"]):
        run = cli(*command, "--data", str(markup_data))
        assert run.stdout.splitlines()[0] == MARKUP, run


def test_rich_markup_in_a_listed_problem_prints_literally(cli: Cli, make_data: MakeData) -> None:
    folder = make_data({"events.yaml": event_yaml(id=json.dumps(MARKUP))})
    run = cli("validate", str(folder))
    assert run.exit_code == 1
    assert f"record {MARKUP!r}, field 'id': id must be a lowercase slug" in run.stdout
    assert_one_line_error(cli("events", "--data", str(folder)), f"record {MARKUP!r}")


def test_rich_markup_typed_by_the_user_prints_literally(cli: Cli, markup_data: Path) -> None:
    run = cli("search", MARKUP, "--data", str(markup_data))
    assert run.exit_code == 0, run
    assert run.stdout.startswith(f"Search: {MARKUP}\n")
    assert "4 found" in run.stdout


# 11. Terminal control sequences in data are shown, never obeyed --------------------------

#: (as written in a YAML double-quoted string, the value read, as shown in a table)
CONTROLS = [
    (r"\e]52;c;aGk=\a", "\x1b]52;c;aGk=\x07", "␛]52;c;aGk=␇"),
    (r"\x1b[31mred\x1b[0m", "\x1b[31mred\x1b[0m", "␛[31mred␛[0m"),
    (
        r"\e]8;;http://evil.example/\e\\link\e]8;;\e\\",
        "\x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\",
        "␛]8;;http://evil.example/␛\\link␛]8;;␛\\",
    ),
    (r"\x9b31m", "\x9b31m", "⟨U+009B⟩31m"),
    (r"\u009d0;title\u009c", "\x9d0;title\x9c", "⟨U+009D⟩0;title⟨U+009C⟩"),
    (r"abc\u202edef", "abc\u202edef", "abc⟨U+202E⟩def"),
    ("abc\u202edef", "abc\u202edef", "abc⟨U+202E⟩def"),
    (r"\u2066isolate\u2069", "\u2066isolate\u2069", "⟨U+2066⟩isolate⟨U+2069⟩"),
    (r"over\rwrite\b\b", "over\rwrite\b\b", "over␍write␈␈"),
]
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


CONTROL_IDS = [shown + ("" if "\\" in written else " raw") for written, _value, shown in CONTROLS]


@pytest.fixture(params=CONTROLS, ids=CONTROL_IDS)
def control(request: pytest.FixtureRequest, make_data: MakeData) -> tuple[Path, str, str]:
    written, value, shown = request.param
    escaped = f'"{written}"'
    folder = make_data(
        {
            "actors.yaml": (
                f"- id: alpha-brigade\n  name: {escaped}\n  kind: militia\n"
                '  sources: [{source: report, quote: "x"}]\n'
            ),
            "events.yaml": event_yaml(
                title=escaped,
                summary=escaped,
                date_note="a strike",
                actors="[{actor: alpha-brigade, role: attacker}]",
            ),
        }
    )
    return folder, value, shown


@pytest.mark.parametrize(
    "command",
    [["events"], ["event", "bad-event"], ["actor", "alpha-brigade"], ["search", "strike"], ["summary"]],
    ids=" ".join,
)
def test_control_sequences_in_data_are_made_visible_in_tables(
    cli: Cli, control: tuple[Path, str, str], command: list[str]
) -> None:
    folder, _value, shown = control
    run = cli(*command, "--data", str(folder))
    assert run.exit_code == 0, run
    assert not RAW.search(run.stdout), run
    assert shown in run.stdout


@pytest.mark.parametrize(
    "command", [["events"], ["event", "bad-event"], ["actor", "alpha-brigade"]], ids=" ".join
)
@pytest.mark.parametrize("output", ["json", "jsonl"])
def test_control_sequences_in_data_are_escaped_in_json(
    cli: Cli, control: tuple[Path, str, str], command: list[str], output: str
) -> None:
    folder, value, _shown = control
    run = cli(*command, "--data", str(folder), "--format", output)
    assert run.exit_code == 0, run
    assert not RAW.search(run.stdout), run
    data = json.loads(
        run.stdout.splitlines()[0] if output == "jsonl" and command == ["events"] else run.stdout
    )
    record = data[0] if isinstance(data, list) else data
    assert record["name" if command[0] == "actor" else "title"] == value


def test_csv_keeps_the_exact_text_for_programs(cli: Cli, control: tuple[Path, str, str]) -> None:
    folder, value, _shown = control
    run = cli("events", "--data", str(folder), "--format", "csv")
    assert run.exit_code == 0, run
    rows = list(csv.DictReader(io.StringIO(run.stdout, newline="")))
    assert rows[0]["title"] == value


def test_control_sequences_in_an_error_message_are_escaped(cli: Cli, make_data: MakeData) -> None:
    folder = make_data({"events/bad\x1b[31m\nname.yaml": event_yaml(id='"bad\\e]52;c;aGk=\\a\\u202e"')})
    run = cli("events", "--data", str(folder))
    line = assert_one_line_error(run, "record", "id must be a lowercase slug")
    assert not RAW.search(run.stderr)
    assert "bad\\x1b[31m\\nname.yaml" in line


def test_control_sequences_typed_by_the_user_are_escaped(cli: Cli) -> None:
    run = cli("actor", "\x1b]52;c;aGk=\x07\u202e")
    assert_one_line_error(run, "no actor named")
    assert not RAW.search(run.stderr)
    run = cli("search", "\x1b[31mrockets\u202e")
    assert run.exit_code == 0
    assert not RAW.search(run.stdout)


# Helpers for the tests that run the installed program ----------------------------------


def write_events(folder: Path, count: int) -> Path:
    """A valid data folder of ``count`` generated events."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.yaml").write_text("- id: report\n  kind: report\n  title: A field report\n")
    (folder / "events.yaml").write_text(
        "".join(
            f'- id: event-{number}\n  date: "20{number % 20 + 2:02d}-{number % 12 + 1:02d}-01"\n'
            f"  type: rocket-attack\n  title: Rockets number {number} hit a base somewhere\n"
            f'  sources: [{{source: report, quote: "Rockets hit, {number}."}}]\n'
            for number in range(count)
        )
    )
    return folder


def program_env(**extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TERM", "PYTHONIOENCODING")
        and not key.startswith("LC_")
    }
    env.update(extra)
    return env


def run_program(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    assert ICLASH, "the iranclash console script is not installed"
    return subprocess.run([ICLASH, *args], capture_output=True, env=program_env(**env), timeout=60)


# 12. A closed pipe ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_events(tmp_path_factory.mktemp("big") / "data", 3000)


def into_closed_pipe(folder: Path, output: str, unbuffered: str) -> tuple[bytes, str, int]:
    """Like ``iranclash events | head -1``: the first line, then the reader is gone."""
    assert ICLASH
    process = subprocess.Popen(
        [ICLASH, "events", "--data", str(folder), "--format", output],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=program_env(PYTHONUNBUFFERED=unbuffered),
    )
    assert process.stdout and process.stderr
    first = process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    return first, stderr, process.wait(timeout=60)


@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("output", ["table", "json", "jsonl", "csv"])
def test_output_into_a_closed_pipe_ends_quietly(big_folder: Path, output: str, unbuffered: str) -> None:
    first, stderr, code = into_closed_pipe(big_folder, output, unbuffered)
    assert first.strip()
    assert stderr == ""
    assert code == 0, code


@pytest.mark.parametrize("unbuffered", ["1", ""], ids=["unbuffered", "buffered"])
def test_a_closed_pipe_is_not_reported_as_a_failure(big_folder: Path, unbuffered: str) -> None:
    assert into_closed_pipe(big_folder, "table", unbuffered)[2] == 0


# 13. Terminals that cannot show every character ----------------------------------------


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONIOENCODING": "ascii"},
        {"LANG": "C", "LC_ALL": "C"},
        {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
    ],
    ids=["ascii", "C-locale", "both"],
)
def test_arabic_and_curly_quotes_print_on_a_limited_terminal(env: dict[str, str]) -> None:
    run = run_program("actor", "KH", **env)
    assert run.returncode == 0, run
    stdout = run.stdout.decode("utf-8")
    assert "Kata'ib Hezbollah" in stdout
    if env.get("PYTHONIOENCODING") == "ascii":
        assert "Kata?ib Hezbollah" in stdout  # the curly apostrophe, replaced
    else:
        assert "كتائب حزب الله" in stdout
    assert run.stderr == b""
    by_arabic = run_program("actor", "كتائب حزب الله", **env)
    assert by_arabic.returncode == 0, by_arabic
    curly = run_program("actor", "Kata’ib Hezbolah", **env)
    assert curly.returncode == 1
    assert curly.stderr.count(b"\n") == 1
    assert b"Traceback" not in curly.stderr


def test_json_on_an_ascii_terminal_keeps_every_character() -> None:
    utf8 = run_program("actor", "KH", "--json")
    ascii_run = run_program("actor", "KH", "--json", PYTHONIOENCODING="ascii")
    assert ascii_run.returncode == 0, ascii_run
    assert ascii_run.stdout.isascii()
    assert json.loads(ascii_run.stdout) == json.loads(utf8.stdout)
    assert "كتائب حزب الله" in json.loads(ascii_run.stdout)["known_as"]
    lines = run_program("events", "--format", "jsonl", PYTHONIOENCODING="ascii")
    assert [json.loads(line) for line in lines.stdout.splitlines()] == json.loads(
        run_program("events", "--json").stdout
    )


def test_a_non_utf8_locale_does_not_turn_an_argument_into_an_internal_error() -> None:
    run = run_program("event", "é", LC_ALL="C", PYTHONUTF8="0")
    assert run.returncode == 1, run
    assert b"internal error" not in run.stderr


# 14. Terminals: colour, width ----------------------------------------------------------


def run_in_terminal(*args: str, columns: int = 80, **env: str) -> tuple[int, str]:
    """Run the installed program under a real pseudo-terminal; its exit code and screen text."""
    assert ICLASH
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen(
        [ICLASH, *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=program_env(COLUMNS=str(columns), **env),
        close_fds=True,
    )
    os.close(slave)
    return read_screen(master, process)


SGR = re.compile(r"\x1b\[([0-9;]*)m")


def plain(screen: str) -> str:
    return SGR.sub("", screen)


#: A command, and where its JSON lists the ids its table shows in an ID column.
SHOWN_IDS: list[tuple[list[str], Callable[[Any], list[str]]]] = [
    (["events", "--since", "2021-07-05"], lambda data: [event["id"] for event in data]),
    (
        ["event", "2021-06-28-us-forces-return-fire-at-al-omar"],
        lambda data: [*data["responds_to"], *(event["id"] for event in data["responses"])],
    ),
    (["actor", "KH"], lambda data: [event["id"] for event in data["events"]]),
]


@pytest.mark.parametrize("columns", [20, 300])
@pytest.mark.parametrize(("command", "shown_ids"), SHOWN_IDS, ids=[command[0] for command, _ in SHOWN_IDS])
def test_narrow_and_wide_terminals_show_every_id_whole(
    cli: Cli, command: list[str], shown_ids: Callable[[Any], list[str]], columns: int
) -> None:
    ids = shown_ids(cli(*command, "--json").json())
    assert ids
    code, screen = run_in_terminal(*command, columns=columns, TERM="xterm-256color")
    assert code == 0, screen
    assert "Traceback" not in screen
    assert "…" not in screen
    text = plain(screen)
    if columns == 20:  # folded over lines: whole once the line breaks are taken out
        text = re.sub(r"\s+", "", text)
    missing = [identifier for identifier in ids if identifier not in text]
    assert not missing, screen


@pytest.mark.parametrize("columns", ["20", "300"])
def test_piped_tables_at_any_width_cut_nothing(cli: Cli, columns: str) -> None:
    run = cli("event", "2021-07-08-rockets-at-us-embassy-green-zone", env={"COLUMNS": columns})
    assert run.exit_code == 0
    assert "…" not in run.stdout
    summary = cli("event", "2021-07-08-rockets-at-us-embassy-green-zone", "--json").json()["summary"]
    assert " ".join(summary.split()) in " ".join(run.stdout.split())


COLOUR = re.compile(r"(^|;)(3[0-9]|4[0-9]|9[0-7]|10[0-7])(;|$)")


@pytest.mark.parametrize(
    "command", [["events", "--since", "2021-07"], ["summary"], ["actor", "KH"], ["validate"]], ids=" ".join
)
def test_no_color_means_no_colour_codes_on_a_terminal(command: list[str]) -> None:
    code, screen = run_in_terminal(*command, NO_COLOR="1", TERM="xterm-256color")
    assert code == 0
    assert screen.strip()
    assert not [codes for codes in SGR.findall(screen) if COLOUR.search(codes)]
    assert "\x1b" not in SGR.sub("", screen)


def test_a_dumb_terminal_gets_no_escape_codes() -> None:
    code, screen = run_in_terminal("actor", "KH", TERM="dumb")
    assert code == 0
    assert "Kata'ib Hezbollah" in screen
    assert "\x1b" not in screen


def test_hostile_data_on_a_real_terminal_is_made_visible(tmp_path: Path) -> None:
    folder = write_events(tmp_path / "data", 1)
    (folder / "events.yaml").write_text(
        event_yaml(title='"\\e]52;c;aGk=\\a\\x9b\\u202e[bold]x"', sources='[{source: report, quote: "x"}]')
    )
    for output in ("table", "csv"):
        code, screen = run_in_terminal(
            "events", "--data", str(folder), "-f", output, columns=300, TERM="xterm-256color"
        )
        assert code == 0, screen
        assert not RAW.search(SGR.sub("", screen)), screen
        assert "␛]52;c;aGk=␇⟨U+009B⟩⟨U+202E⟩[bold]x" in screen


# 15. Ctrl-C --------------------------------------------------------------------------


def test_ctrl_c_during_a_long_load_exits_130_with_one_line(tmp_path: Path) -> None:
    assert ICLASH
    folder = write_events(tmp_path / "data", 30_000)
    start = time.perf_counter()
    assert run_program("--version").returncode == 0
    startup = time.perf_counter() - start
    process = subprocess.Popen(
        [ICLASH, "events", "--data", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=program_env(),
    )
    # After the imports (a signal during them is Python's, not the program's) and well
    # before the end of the load, which takes seconds.
    time.sleep(min(max(0.5, 3 * startup), 3))
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("the load finished before the signal arrived")
    assert process.returncode == 130, stderr
    assert stderr.decode() == "iranclash: interrupted\n"
    assert stdout == b""


# 16. A bug --------------------------------------------------------------------------


@pytest.fixture
def broken_events(monkeypatch: pytest.MonkeyPatch) -> None:
    def events(*args: object, **kwargs: object) -> None:
        secret_local = "TOP-SECRET-LOCAL"
        raise RuntimeError("boom" if secret_local else "")

    monkeypatch.setattr(iranclash.ask.query, "events", events)


@pytest.mark.usefixtures("broken_events")
def test_a_bug_is_one_line_without_locals(cli: Cli) -> None:
    run = cli("events")
    line = assert_one_line_error(run, "internal error", "RuntimeError: boom", "--debug", exit_code=70)
    assert "TOP-SECRET-LOCAL" not in line


@pytest.mark.usefixtures("broken_events")
@pytest.mark.parametrize(
    ("args", "env"),
    [(["--debug", "events"], None), (["events"], {"IRANCLASH_DEBUG": "1"})],
    ids=["option", "env"],
)
def test_debug_shows_the_traceback_of_a_bug(cli: Cli, args: list[str], env: dict[str, str] | None) -> None:
    run = cli(*args, env=env)
    assert run.exit_code == 70
    assert "Traceback" in run.stderr
    assert "RuntimeError: boom" in run.stderr
    assert "TOP-SECRET-LOCAL" not in run.stderr


@pytest.mark.parametrize("arguments", [["actor", "KH", "--data", "\udd00"], ["validate", "\udd00"]])
def test_a_folder_name_no_file_can_have_is_a_usage_error(cli: Cli, arguments: list[str]) -> None:
    """Found by the property test: Click's path type stats the name and raised UnicodeEncodeError."""
    run = cli(*arguments)
    assert run.exit_code == 2
    assert "is not a file name" in run.stderr
