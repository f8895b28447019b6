"""A build streams each file's records into the store as it reads them; what it reports
and what it leaves behind are those of a build that read everything first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run

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
