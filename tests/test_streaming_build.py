"""A build streams each file's records into the store as it reads them; what it reports
and what it leaves behind are those of a build that read everything first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import Run, problems_alone_and_apart
from iranclash.build import compile
from iranclash.core.model import Record
from iranclash.ingest import load, reader

EVENT = """
- id: {id}
  date: "2022-03-04"
  type: rocket-attack
  title: Rockets number {id}
  places: [north-base]
  responds_to: [{responds_to}]
  sources:
    - {{source: report, quote: "x"}}
"""


def events(*pairs: tuple[str, str]) -> str:
    return "".join(EVENT.format(id=record_id, responds_to=target) for record_id, target in pairs)


def test_problems_across_files_name_every_place(
    cli: Callable[..., Run], make_data: Callable[..., Path]
) -> None:
    folder = make_data(
        {
            # e1 responds to e3, read two files later: resolved. e2 to nothing: reported.
            "events/1.yaml": events(("e1", "e3"), ("e2", "never")),
            "events/2.yaml": events(("e4", "north-base")),
            # e1 again: both places named; the second e1 is kept out of the store.
            "events/3.yaml": events(("e3", "e1"), ("e1", "e3")),
        }
    )
    run = cli("validate", str(folder), "--json")
    assert run.exit_code == 1, run
    where = {part: str(folder / "events" / f"{part}.yaml") for part in ("1", "2", "3")}
    assert [(p["file"], p["line"], p["record"], p["field"], p["message"]) for p in run.json()] == [
        (where["3"], 10, "e1", "id", f"id is used twice (first at {where['1']}:1)"),
        (where["1"], 10, "e2", "responds_to", "refers to unknown event 'never'"),
        (where["2"], 1, "e4", "responds_to", "'north-base' is a place, not an event"),
    ]


def test_a_problem_at_the_end_of_the_last_file_fails_the_build_and_leaves_no_cache(
    cli: Callable[..., Run], make_data: Callable[..., Path], tmp_path: Path
) -> None:
    folder = make_data(
        {
            "events/1.yaml": events(*((f"a{n}", "a0") for n in range(50))),
            "events/2.yaml": events(*((f"b{n}", "a0") for n in range(50))) + "- [unclosed\n",
        }
    )
    cache = tmp_path / "cache"
    run = cli("events", "--data", str(folder), "--json", env={"IRANCLASH_CACHE_DIR": str(cache)})
    assert run.exit_code == 1, run
    assert run.stderr.startswith(f"iranclash: error: {folder / 'events' / '2.yaml'}:451:")
    assert "invalid YAML" in run.stderr and "more problem" not in run.stderr
    assert sorted(path.suffix for path in cache.iterdir()) == [".lock"]
    (folder / "events" / "2.yaml").write_text(events(("b0", "a0")), encoding="utf-8")
    again = cli("events", "--data", str(folder), "--json", env={"IRANCLASH_CACHE_DIR": str(cache)})
    assert again.exit_code == 0, again
    assert len(again.json()) == 2 + 50 + 1


# A large build reads the YAML in a child process (compile.read_yaml); forced here at any size.


@pytest.fixture
def apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compile, "APART_BYTES", -1)


def test_a_build_read_apart_gives_the_same_answers(
    cli: Callable[..., Run], make_data: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = make_data({"events/1.yaml": events(*((f"a{n}", "a0") for n in range(1200)))})
    answers = []
    for threshold in (10**12, -1):
        monkeypatch.setattr(compile, "APART_BYTES", threshold)
        env = {"IRANCLASH_CACHE_DIR": str(tmp_path / f"cache{threshold}")}
        run = cli("events", "--data", str(folder), "--json", env=env)
        assert run.exit_code == 0, run
        summary = cli("summary", "--data", str(folder), "--json", env=env)
        answers.append((run.json(), summary.json()))
    assert answers[0] == answers[1]
    assert len(answers[1][0]) == 1202


def test_problems_found_apart_are_the_same(
    cli: Callable[..., Run], make_data: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_data(
        {
            "events/1.yaml": events(("e1", "e3"), ("e2", "never")),
            "events/2.yaml": events(("e4", "north-base")),
            "events/3.yaml": events(("e3", "e1"), ("e1", "e3")),
            "events/4.yaml": "- [unclosed\n",
        }
    )
    found = problems_alone_and_apart(cli, folder, monkeypatch, compile)
    assert [problem["message"] for problem in found] == ["invalid YAML: did not find expected ',' or ']'"]
    (folder / "events" / "4.yaml").unlink()
    run = cli("validate", str(folder), "--json")
    assert [problem["record"] for problem in run.json()] == ["e1", "e2", "e4"]


@pytest.mark.usefixtures("apart")
def test_a_build_interrupted_apart_exits_130_and_leaves_no_cache(
    cli: Callable[..., Run], make_data: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def interrupted(kind: str, text: reader.Text) -> Iterator[tuple[Record, int]]:
        raise KeyboardInterrupt

    monkeypatch.setattr(load, "records", interrupted)
    cache_home = tmp_path / "cache"
    run = cli("events", "--data", str(make_data()), env={"IRANCLASH_CACHE_DIR": str(cache_home)})
    assert run.exit_code == 130, run
    assert run.stderr == "iranclash: interrupted\n"
    assert [path.suffix for path in cache_home.iterdir()] == [".lock"]


@pytest.mark.usefixtures("apart")
def test_a_bug_apart_is_a_bug_here(
    cli: Callable[..., Run], make_data: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(kind: str, text: reader.Text) -> Iterator[tuple[Record, int]]:
        raise ZeroDivisionError("made up")

    monkeypatch.setattr(load, "records", broken)
    run = cli("events", "--data", str(make_data()))
    assert run.exit_code == 70, run
    assert run.stderr == (
        "iranclash: internal error: RuntimeError: the process reading the data files failed:"
        " ZeroDivisionError: made up (run with --debug for the traceback, and report it)\n"
    )


@pytest.mark.usefixtures("apart")
def test_a_rebuild_reads_a_changed_events_file_apart_against_the_cache(
    cli: Callable[..., Run], make_data: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A rebuild after one events file changed reads it alone, in a child process, and
    checks it against the ids the cache holds (``partial``): a response to an event of
    another file resolves, and an id of another file is used twice."""
    folder = make_data(
        {"events/1.yaml": events(("a0", "a1"), ("a1", "a0")), "events/2.yaml": events(("b1", "a1"))}
    )
    env = {"IRANCLASH_CACHE_DIR": str(tmp_path / "cache")}
    assert cli("events", "--data", str(folder), env=env).exit_code == 0
    parsed = tmp_path / "parsed"  # written by whichever process parses: the child too
    records = load.records

    def counting(kind: str, text: reader.Text) -> Iterator[tuple[Record, int]]:
        with parsed.open("a", encoding="utf-8") as log:
            log.write(f"{text.path.name}\n")
        return records(kind, text)

    monkeypatch.setattr(load, "records", counting)
    (folder / "events" / "2.yaml").write_text(events(("b1", "a1"), ("b2", "a0")), encoding="utf-8")
    run = cli("events", "--data", str(folder), "--json", env=env)
    assert run.exit_code == 0, run
    assert parsed.read_text(encoding="utf-8") == "2.yaml\n"
    fresh = cli(
        "events", "--data", str(folder), "--json", env={"IRANCLASH_CACHE_DIR": str(tmp_path / "fresh")}
    )
    assert run.json() == fresh.json()
    assert {event["id"] for event in run.json()} >= {"a0", "a1", "b1", "b2"}
    parsed.unlink()
    (folder / "events" / "2.yaml").write_text(events(("b1", "a1"), ("a1", "a0")), encoding="utf-8")
    twice = cli("events", "--data", str(folder), "--json", env=env)
    assert twice.exit_code == 1, twice
    assert "id is used twice" in twice.stderr
