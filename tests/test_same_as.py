"""Accepting a dataset row as a curated event (issue 21): ``same_as.accept`` adds the row to
the event's ``same_as`` in its YAML file, every other byte kept, checked before it is written;
``same_as_lines`` gives the lines to paste instead."""

from __future__ import annotations

import errno
import os
import stat
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import MINIMAL
from iranclash.core.errors import CannotWrite, DataError, ExitStatus, NotFound, UsageProblem
from iranclash.core.model import Event
from iranclash.ingest import destination, folder, load, same_as
from iranclash.ingest.same_as import Accepted, accept, same_as_lines

MakeData = Callable[..., Path]

#: The minimal folder's events, as written there (two events, the file ending in a line break).
EVENTS = textwrap.dedent(MINIMAL["events.yaml"]).lstrip("\n")


def _events(data: Path, text: str | bytes) -> Path:
    path = data / "events.yaml"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _loaded(path: Path) -> dict[str, Event]:
    """The events of a file as the project's loader reads them."""
    return {
        record.id: record for record in load.load_file("events", path).records if isinstance(record, Event)
    }


def _inserted(before: str, after_line: str, line: str) -> str:
    """``before`` with ``line`` added after the (only) line that is ``after_line``."""
    assert before.count(after_line) == 1
    return before.replace(after_line, after_line + line)


def _untouched(path: Path, data: bytes, info: os.stat_result) -> None:
    """The file is what it was: its bytes, and the same file (never replaced)."""
    assert path.read_bytes() == data
    now = os.lstat(path)
    assert (now.st_ino, now.st_mtime_ns) == (info.st_ino, info.st_mtime_ns)


# A new key, and nothing else ---------------------------------------------------------------


def test_a_new_same_as_goes_at_the_end_of_an_event_in_the_middle(make_data: MakeData) -> None:
    data = make_data()
    path = data / "events.yaml"
    before = path.read_text()
    result = accept([data], "first-attack", ["acled:IRQ24127"])
    quote = '    - {source: report, quote: "Three rockets hit North Base."}\n'
    assert path.read_text() == _inserted(before, quote, "  same_as: [acled:IRQ24127]\n")
    assert result == Accepted(path, "first-attack", ("acled:IRQ24127",), (), 12)
    assert result.written
    events = _loaded(path)
    assert events["first-attack"].same_as == ("acled:IRQ24127",)
    assert events["vague-development"].same_as == ()


def test_the_last_event_of_a_file_with_no_final_line_break_keeps_none(make_data: MakeData) -> None:
    data = make_data()
    path = _events(data, EVENTS.rstrip("\n"))
    accept([data], "vague-development", ["ucdp:123456", "acled:IRQ1"])
    assert path.read_text() == EVENTS.rstrip("\n") + "\n  same_as: [ucdp:123456, acled:IRQ1]"
    assert _loaded(path)["vague-development"].same_as == ("ucdp:123456", "acled:IRQ1")


def test_comments_crlf_blank_lines_and_quoting_are_kept(make_data: MakeData) -> None:
    text = (
        "# Events of the north, kept by hand.\r\n"
        "\r\n"
        "- 'id': first-attack   # the first\r\n"
        '  date: "2022-03-04"\r\n'
        "  # the type is ACLED's\r\n"
        "  type: rocket-attack\r\n"
        "  title: 'Rockets hit North Base'\r\n"
        "  sources:\r\n"
        '    - source: "report"\r\n'
        '      quote: "Three rockets hit North Base."  # verbatim\r\n'
        "  # said again below\r\n"
        "\r\n"
        "# the second\r\n"
        "- id: vague-development\r\n"
        '  date: "2022"\r\n'
        "  type: diplomatic\r\n"
        "  title: Talks\r\n"
        "  sources: [{source: report, quote: Talks took place.}]\r\n"
    )
    data = make_data()
    path = _events(data, "\ufeff" + text)
    accept([data], "first-attack", ["acled:IRQ24127"])
    verbatim = '      quote: "Three rockets hit North Base."  # verbatim\r\n'
    expected = "\ufeff" + _inserted(text, verbatim, "  same_as: [acled:IRQ24127]\r\n")
    assert path.read_bytes() == expected.encode()
    assert _loaded(path)["first-attack"].same_as == ("acled:IRQ24127",)


def test_the_new_key_takes_the_mappings_own_indentation(make_data: MakeData) -> None:
    text = EVENTS.replace("\n  ", "\n    ").replace("- id:", "-   id:")
    data = make_data()
    path = _events(data, text)
    accept([data], "first-attack", ["acled:IRQ24127"])
    quote = '      - {source: report, quote: "Three rockets hit North Base."}\n'
    assert path.read_text() == _inserted(text, quote, "    same_as: [acled:IRQ24127]\n")


def test_an_event_written_as_a_flow_mapping_gets_the_key_inside_its_braces(make_data: MakeData) -> None:
    text = (
        "- {id: first-attack, date: '2022-03-04', type: rocket-attack, title: Rockets,\n"
        "   sources: [{source: report, quote: Rockets.}],}  # one line, almost\n"
    )
    data = make_data()
    path = _events(data, text)
    accept([data], "first-attack", ["acled:IRQ24127"])
    assert path.read_text() == text.replace(".}]", ".}], same_as: [acled:IRQ24127]")


def test_a_block_scalar_last_keeps_its_text(make_data: MakeData) -> None:
    """Its marks end after the blank lines that follow it: the key goes after its text, but
    after the lines it keeps when it keeps them (``|+``)."""
    clip = EVENTS + "  date_note: |\n    some time\n\n\n"
    data = make_data()
    path = _events(data, clip + "# end\n")
    accept([data], "vague-development", ["acled:IRQ1"])
    assert path.read_text() == _inserted(clip, "some time\n", "  same_as: [acled:IRQ1]\n") + "# end\n"
    assert _loaded(path)["vague-development"].date_note == "some time\n"
    keep = clip.replace("date_note: |", "date_note: |+")
    path = _events(data, keep)
    accept([data], "vague-development", ["acled:IRQ1"])
    assert path.read_text() == keep + "  same_as: [acled:IRQ1]\n"
    assert _loaded(path)["vague-development"].date_note == "some time\n\n\n"


# An existing same_as, extended in its own style --------------------------------------------


def test_an_existing_flow_list_is_extended_and_a_row_listed_not_added_twice(make_data: MakeData) -> None:
    text = EVENTS.replace("  places:", "  same_as: [ acled:IRQ0 ]  # seen in March\n  places:")
    data = make_data()
    path = _events(data, text)
    result = accept([data], "first-attack", ["acled:IRQ1", "acled:IRQ0", "acled:IRQ1", "ucdp:7"])
    assert path.read_text() == text.replace("acled:IRQ0 ]", "acled:IRQ0, acled:IRQ1, ucdp:7 ]")
    assert (result.added, result.already, result.line) == (("acled:IRQ1", "ucdp:7"), ("acled:IRQ0",), 5)
    assert _loaded(path)["first-attack"].same_as == ("acled:IRQ0", "acled:IRQ1", "ucdp:7")


def test_an_empty_flow_list_is_filled(make_data: MakeData) -> None:
    text = EVENTS.replace("  places:", "  same_as: []\n  places:")
    data = make_data()
    path = _events(data, text)
    accept([data], "first-attack", ["acled:IRQ1", "acled:IRQ2"])
    assert path.read_text() == text.replace("same_as: []", "same_as: [acled:IRQ1, acled:IRQ2]")


@pytest.mark.parametrize("indent", ["  ", "    "], ids=["indentless", "indented"])
def test_an_existing_block_list_is_extended_in_its_indentation(make_data: MakeData, indent: str) -> None:
    listed = f"  same_as:\n{indent}- acled:IRQ0  # seen in March\n\n"
    text = EVENTS.replace("  places:", listed + "  places:")
    data = make_data()
    path = _events(data, text)
    accept([data], "first-attack", ["acled:IRQ1", "ucdp:7"])
    more = f"{indent}- acled:IRQ1\n{indent}- ucdp:7\n"
    assert path.read_text() == _inserted(text, "# seen in March\n", more)
    assert _loaded(path)["first-attack"].same_as == ("acled:IRQ0", "acled:IRQ1", "ucdp:7")


@pytest.mark.parametrize(
    ("empty", "filled"),
    [
        ("same_as:", "same_as: [acled:IRQ1]"),
        ("same_as:   # none yet", "same_as: [acled:IRQ1]   # none yet"),
        ("same_as: ~", "same_as: [acled:IRQ1]"),
        ("same_as: null  # none", "same_as: [acled:IRQ1]  # none"),
    ],
)
def test_an_empty_same_as_becomes_the_list(make_data: MakeData, empty: str, filled: str) -> None:
    text = EVENTS.replace("  places:", f"  {empty}\n  places:")
    data = make_data()
    path = _events(data, text)
    accept([data], "first-attack", ["acled:IRQ1"])
    assert path.read_text() == text.replace(empty, filled)
    assert _loaded(path)["first-attack"].same_as == ("acled:IRQ1",)


def test_rows_all_listed_already_leave_the_file_unwritten(make_data: MakeData) -> None:
    text = EVENTS.replace("  places:", "  same_as: [acled:IRQ0]\n  places:")
    data = make_data()
    path = _events(data, text)
    info = os.lstat(path)
    result = accept([data], "first-attack", ["acled:IRQ0"])
    assert result == Accepted(path, "first-attack", (), ("acled:IRQ0",), 5)
    assert not result.written
    _untouched(path, text.encode(), info)


def test_a_row_id_yaml_would_misread_is_quoted(make_data: MakeData) -> None:
    data = make_data()
    path = data / "events.yaml"
    accept([data], "first-attack", ["acled:IRQ,1", "acled:#2"])
    assert '  same_as: ["acled:IRQ,1", acled:#2]\n' in path.read_text()
    assert _loaded(path)["first-attack"].same_as == ("acled:IRQ,1", "acled:#2")
    path = _events(data, EVENTS.replace("  places:", "  same_as:\n    - acled:IRQ0\n  places:"))
    accept([data], "first-attack", ["acled:x]{y}"])
    assert "    - acled:IRQ0\n    - acled:x]{y}\n" in path.read_text()
    assert _loaded(path)["first-attack"].same_as == ("acled:IRQ0", "acled:x]{y}")


# Which file: the folders' events files -------------------------------------------------------


def test_the_event_is_found_in_a_folder_of_event_files_of_the_second_folder(make_data: MakeData) -> None:
    first = make_data()
    second = make_data(
        {
            "events/2023.yaml": EVENTS.replace("first-attack", "later-attack").replace(
                "vague-development", "later"
            )
        },
        base=False,
    )
    path = second / "events" / "2023.yaml"
    before = path.read_text()
    result = accept([first, second], "later", ["acled:IRQ9"])
    assert result.path == path
    assert path.read_text() == before + "  same_as: [acled:IRQ9]\n"
    assert (first / "events.yaml").read_text() == EVENTS


def test_an_event_no_file_holds_is_not_found(make_data: MakeData) -> None:
    data = make_data()
    with pytest.raises(NotFound, match="no curated event has the id 'north-base'"):
        accept([data], "north-base", ["acled:IRQ1"])  # a place, not an event


@pytest.mark.parametrize(
    "row", ["IRQ1", "acled:", "acled:IRQ 1", "acled:actor/alpha", "ucdp:12a", "gdelt:1", "acled:a\x00b"]
)
def test_a_row_id_of_the_wrong_shape_is_a_usage_problem(make_data: MakeData, row: str) -> None:
    data = make_data()
    with pytest.raises(UsageProblem, match="is not a dataset row id"):
        accept([data], "first-attack", [row])
    with pytest.raises(UsageProblem, match="is not a dataset row id"):
        same_as_lines("first-attack", [row])
    assert (data / "events.yaml").read_text() == EVENTS


def test_no_row_is_a_usage_problem(make_data: MakeData) -> None:
    with pytest.raises(UsageProblem, match="give a dataset row"):
        accept([make_data()], "first-attack", [])


# Refused, the file untouched ----------------------------------------------------------------


def test_a_linked_events_file_is_refused_and_neither_end_touched(make_data: MakeData, tmp_path: Path) -> None:
    data = make_data()
    real = tmp_path / "elsewhere.yaml"
    real.write_text(EVENTS)
    (data / "events.yaml").unlink()
    (data / "events.yaml").symlink_to(real)
    info = os.lstat(real)
    with pytest.raises(UsageProblem, match="is a symbolic link"):
        accept([data], "first-attack", ["acled:IRQ1"])
    assert os.readlink(data / "events.yaml") == str(real)
    _untouched(real, EVENTS.encode(), info)
    assert sorted(os.listdir(data)) == sorted(MINIMAL)


def test_the_installed_packages_data_is_refused(make_data: MakeData, monkeypatch: pytest.MonkeyPatch) -> None:
    data = make_data()
    info = os.lstat(data / "events.yaml")
    monkeypatch.setattr(folder, "packaged_data_dir", lambda: data)
    with pytest.raises(UsageProblem, match="installed with iranclash"):
        accept([data], "first-attack", ["acled:IRQ1"])
    _untouched(data / "events.yaml", EVENTS.encode(), info)


def test_a_source_checkouts_data_is_not_the_packaged_copy() -> None:
    """In this checkout (an editable install) the shipped data is ``data/``, the curators' own."""
    assert folder.packaged_data_dir() is None
    assert folder.builtin_data_dir() == Path(__file__).resolve().parents[1] / "data"


def test_a_row_another_event_names_is_refused_with_validations_word(make_data: MakeData) -> None:
    text = EVENTS.replace("  title: Talks", "  same_as: [acled:IRQ1]\n  title: Talks")
    data = make_data()
    path = _events(data, text)
    info = os.lstat(path)
    with pytest.raises(DataError) as caught:
        accept([data], "first-attack", ["acled:IRQ1"])
    assert str(caught.value) == (
        f"{path} was not changed: with same_as acled:IRQ1 the data would not validate: "
        f"{path}:1: record 'first-attack', field 'same_as': 'acled:IRQ1' is already the same as "
        f"another event, 'vague-development' (at {path}:12)"
    )
    assert len(caught.value.problems) == 1
    _untouched(path, text.encode(), info)
    assert sorted(os.listdir(data)) == sorted(MINIMAL)


def test_a_folder_that_would_not_validate_is_refused_with_every_problem(make_data: MakeData) -> None:
    """Each problem is located in the file as it is, not as it would have been."""
    text = EVENTS.replace("  title: Talks", "  places: [south-base]\n  title: Talks")
    data = make_data({"places.yaml": "[]"})
    path = _events(data, text)
    info = os.lstat(path)
    with pytest.raises(DataError, match=r"^\S+ was not changed: .* refers to unknown place") as caught:
        accept([data], "first-attack", ["acled:IRQ1"])
    assert [(problem.record, problem.field, problem.line) for problem in caught.value.problems] == [
        ("first-attack", "places", 1),
        ("vague-development", "places", 12),
    ]
    assert str(caught.value).endswith("(and 1 more problem: run 'iranclash validate' to list them)")
    _untouched(path, text.encode(), info)


def test_a_same_as_that_is_no_list_is_refused(make_data: MakeData) -> None:
    text = EVENTS.replace("  places:", "  same_as: 'acled:IRQ0'\n  places:")
    data = make_data()
    path = _events(data, text)
    info = os.lstat(path)
    with pytest.raises(DataError, match=r"field 'same_as': must be a list of row ids"):
        accept([data], "first-attack", ["acled:IRQ1"])
    _untouched(path, text.encode(), info)


def test_a_file_changed_while_the_edit_was_checked_keeps_the_other_change(
    make_data: MakeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_data()
    path = data / "events.yaml"
    theirs = EVENTS + "# added by a colleague meanwhile\n"
    real = same_as._validate

    def meanwhile(*args: object) -> None:
        real(*args)  # type: ignore[arg-type]
        path.write_text(theirs)

    monkeypatch.setattr(same_as, "_validate", meanwhile)
    with pytest.raises(DataError, match="changed while same_as was being added; nothing was written"):
        accept([data], "first-attack", ["acled:IRQ1"])
    assert path.read_text() == theirs
    assert sorted(os.listdir(data)) == sorted(MINIMAL)


def test_a_full_disk_is_cannot_write_and_leaves_the_file_and_no_temporary(
    make_data: MakeData, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = make_data()
    info = os.lstat(data / "events.yaml")

    def full(descriptor: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(destination, "write_all", full)
    with pytest.raises(CannotWrite, match="No space left on device") as caught:
        accept([data], "first-attack", ["acled:IRQ1"])
    assert caught.value.exit_code == ExitStatus.OUTPUT
    _untouched(data / "events.yaml", EVENTS.encode(), info)
    assert sorted(os.listdir(data)) == sorted(MINIMAL)


# Written safely ---------------------------------------------------------------------------


def test_the_file_is_replaced_keeping_its_permission_bits_and_no_temporary_file(make_data: MakeData) -> None:
    data = make_data()
    path = data / "events.yaml"
    path.chmod(0o640)
    before = os.lstat(path)
    accept([data], "first-attack", ["acled:IRQ1"])
    after = os.lstat(path)
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert after.st_ino != before.st_ino  # a new file renamed into place, not written over
    assert sorted(os.listdir(data)) == sorted(MINIMAL)


# The lines to paste -----------------------------------------------------------------------


def test_the_lines_to_paste_say_where_and_read_back_as_the_rows(make_data: MakeData) -> None:
    lines = same_as_lines("first-attack", ["acled:IRQ1", "acled:IRQ,2", "acled:IRQ1"], file="events.yaml")
    assert lines == (
        "# add to the event first-attack in events.yaml (if it has a same_as already, add the rows to "
        "that list)\n"
        '  same_as: [acled:IRQ1, "acled:IRQ,2"]\n'
    )
    assert same_as_lines("x", ["ucdp:1"]).startswith("# add to the event x (if")
    data = make_data()
    quote = '    - {source: report, quote: "Three rockets hit North Base."}\n'
    path = _events(data, _inserted(EVENTS, quote, lines))  # pasted at the end of the event
    assert _loaded(path)["first-attack"].same_as == ("acled:IRQ1", "acled:IRQ,2")


def test_the_data_format_page_shows_the_lines_as_printed() -> None:
    page = (Path(__file__).resolve().parents[1] / "docs" / "data-format.md").read_text(encoding="utf-8")
    printed = same_as_lines("2021-07-07-ain-al-assad-14-rockets", ["acled:IRQ24127"], file="events.yaml")
    assert f"```yaml\n{printed}```\n" in page
