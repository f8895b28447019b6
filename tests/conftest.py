"""Shared fixtures: run the real CLI in-process, and write small data folders."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import textwrap
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from iranclash.cli.commands import app
from iranclash.core.model import Record
from iranclash.ingest import datasets, load, reader

REPO = Path(__file__).resolve().parents[1]
ARTICLE = REPO.parent / "shared" / "source" / "article.txt"


class Run:
    """The outcome of one CLI call, as a user sees it."""

    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"Run(exit={self.exit_code}, stdout={self.stdout[:400]!r}, stderr={self.stderr[:400]!r})"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Each test, and every process it starts, sees the shipped data, a private cache and a
    private home, whatever the developer's shell has: no ``IRANCLASH_*`` variable (a data
    folder, a cache folder, a pager), no terminal size or pager of theirs, and
    ``XDG_CACHE_HOME`` and ``HOME`` in temporary folders, so nothing is read from or written
    to the user's own."""
    for name in list(os.environ):
        if name.startswith("IRANCLASH_") or name in _USERS_OWN:
            monkeypatch.delenv(name)
    # No pager unless a test asks for one: on a pseudo-terminal, less would wait for a key.
    monkeypatch.setenv("IRANCLASH_PAGER", "")
    monkeypatch.setenv("HOME", str(tmp_path_factory.mktemp("home")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


#: Variables of the user's shell that change what iranclash does, besides ``IRANCLASH_*``.
_USERS_OWN = ("COLUMNS", "LINES", "PAGER", "LESS", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME")


@pytest.fixture
def cli() -> Callable[..., Run]:
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Run:
        result = runner.invoke(app, list(args), env=env, prog_name="iranclash")
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


MINIMAL = {
    "sources.yaml": """
        - id: report
          kind: report
          title: A field report
    """,
    "actors.yaml": """
        - id: alpha-brigade
          name: Alpha Brigade
          kind: militia
          aliases: [Alpha Brigades]
          known_as: [AB]
          member_of: [umbrella-front]
          sources:
            - {source: report, quote: "Alpha Brigade is part of the Umbrella Front."}
        - id: umbrella-front
          name: Umbrella Front
          kind: umbrella
          sources:
            - {source: report, quote: "Alpha Brigade is part of the Umbrella Front."}
    """,
    "places.yaml": """
        - id: north-base
          name: North Base
          kind: base
          country: Iraq
          sources:
            - {source: report, quote: "North Base lies in Iraq."}
    """,
    "events.yaml": """
        - id: first-attack
          date: "2022-03-04"
          type: rocket-attack
          title: Rockets hit North Base
          places: [north-base]
          actors:
            - {actor: alpha-brigade, role: attacker}
          munitions:
            - {weapon: rocket, count: 3}
          sources:
            - {source: report, quote: "Three rockets hit North Base."}
        - id: vague-development
          date: "2022"
          type: diplomatic
          title: Talks at some point in 2022
          sources:
            - {source: report, quote: "Talks took place."}
    """,
}


@pytest.fixture
def make_data(tmp_path: Path) -> Callable[..., Path]:
    """Write a data folder: the minimal valid one, with files replaced or added by name."""
    counter = iter(range(1_000_000))

    def write(files: dict[str, str | bytes] | None = None, *, base: bool = True) -> Path:
        folder = tmp_path / f"data{next(counter)}"
        folder.mkdir()
        contents: dict[str, str | bytes] = dict(MINIMAL) if base else {}
        contents.update(files or {})
        for name, content in contents.items():
            path = folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        return folder

    return write


@pytest.fixture
def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the loader parses, in order: how a test tells a query answered from the
    cache from one that built it."""
    parsed: list[Path] = []
    real = load.records

    def counting(kind: str, text: reader.Text) -> Iterator[tuple[Record, int]]:
        parsed.append(text.path)
        return real(kind, text)

    monkeypatch.setattr(load, "records", counting)
    return parsed


@pytest.fixture
def files_read(monkeypatch: pytest.MonkeyPatch, count_parses: list[Path]) -> list[Path]:
    """Every data file a build reads, YAML and exports, in order."""

    def reading(
        path: Path, account: datasets.Account | None = None
    ) -> tuple[datasets.Header, Generator[datasets.Row, None, None]]:
        count_parses.append(path)
        return real(path, account)

    # Every reading of an export starts here, by one process or two (``exports``).
    real = datasets.read_rows
    monkeypatch.setattr(datasets, "read_rows", reading)
    return count_parses


@pytest.fixture
def taken_out(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the stored events a rebuild takes out one by one (``partial``), in order."""
    from iranclash.build import partial

    ids: list[str] = []
    take_out = partial._take_out_event

    def spy(connection: sqlite3.Connection, keys: dict[str, int], seq: int) -> None:
        ids.append(connection.execute("SELECT id FROM event WHERE seq = ?", (seq,)).fetchone()[0])
        take_out(connection, keys, seq)

    monkeypatch.setattr(partial, "_take_out_event", spy)
    return ids


def problems_alone_and_apart(
    cli: Callable[..., Run], folder: Path, monkeypatch: pytest.MonkeyPatch, module: object
) -> list[Any]:
    """``validate --json`` of ``folder`` read by one process, then by two (``module``'s
    ``APART_BYTES`` forced down): the problems, which must be the same both times."""
    found = []
    for threshold in (10**15, -1):
        monkeypatch.setattr(module, "APART_BYTES", threshold)
        run = cli("validate", str(folder), "--json")
        assert run.exit_code == 1, run
        found.append(run.json())
    assert found[0] == found[1]
    return list(found[1])


def accounts_alone_and_apart(
    cli: Callable[..., Run], folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> list[str]:
    """What a build of ``folder`` says of its exports' rows (a line a file, on stderr), read by
    one process, then by two (``exports.APART_BYTES`` forced down): the same both times, as
    are the events."""
    from iranclash.build import export_rows as exports

    said = []
    for number, threshold in enumerate((10**15, -1)):
        monkeypatch.setattr(exports, "APART_BYTES", threshold)
        cache = tmp_path / f"cache-{number}"
        run = cli("events", "--json", "--data", str(folder), env={"XDG_CACHE_HOME": str(cache)})
        assert run.exit_code == 0, run
        said.append((run.stdout, run.stderr))
    assert said[0] == said[1]
    return said[0][1].splitlines()


def export_text(fixture: str, changes: list[dict[str, str]]) -> str:
    """A made-up export: the first row of a fixture of tests/fixtures/datasets once per change,
    each with those cells changed."""
    with (Path(__file__).resolve().parent / "fixtures" / "datasets" / fixture).open(
        encoding="utf-8", newline=""
    ) as handle:
        reader = csv.DictReader(handle)
        first = next(reader)
        columns = list(reader.fieldnames or ())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    for change in changes:
        writer.writerow({**first, **change})
    return buffer.getvalue()
