"""A large export read by two processes (``exports``): forced here at any size, two rows
to a chunk, and compared with the same export read by one process.

The exports are made up, written from tests/fixtures/datasets.
"""

from __future__ import annotations

import csv
import fcntl
import io
import itertools
import json
import os
import pty
import re
import select
import sqlite3
import struct
import subprocess
import sys
import termios
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run, accounts_alone_and_apart, export_text
from iranclash.build import cache
from iranclash.build import child as apart
from iranclash.build import export_rows as exports
from iranclash.build.compile import Step

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "datasets"


def _row(number: int, **cells: str) -> dict[str, str]:
    """A row of its own town and one of four actors, so that the child and this process
    each meet actors and places first."""
    return {
        "event_id_cnty": f"IRQ98{number:04d}",
        "event_date": f"2021-{number % 12 + 1:02d}-{number % 28 + 1:02d}",
        "location": f"Town {number % 9}",
        "actor1": ("Made-up Brigade", "Badr Organization", "Fresh Group", f"Group {number % 5}")[number % 4],
        "notes": f"MADE UP for tests: row {number}.",
        **cells,
    }


ROWS = [_row(number) for number in range(40)]
QUESTIONS = [
    ("events", "--json"),
    ("actors", "--json"),
    ("places", "--json"),
    ("summary", "--json"),
    ("search", "made up", "--json"),
    ("actor", "Badr Organization", "--json"),
    ("place", "Town 4", "--json"),
    ("events", "--format", "csv"),
]


@pytest.fixture
def apart_at_any_size(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every export read by two processes, two rows to a chunk; what the child sent, in order
    (``merged``, or ``refused`` where this process read the chunk again itself)."""
    monkeypatch.setattr(exports, "APART_BYTES", -1)
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    # Chunks 0, 3 and 6 of each 8 are read here (chunk 0 before the child is forked), the others by the child.
    monkeypatch.setattr(exports, "PERIOD", 8)
    monkeypatch.setattr(exports, "OURS", frozenset({0, 3, 6}))
    sent: list[str] = []
    agrees, merge = exports._agrees, exports._merge

    def agreeing(*args: object) -> bool:
        answer = agrees(*args)  # type: ignore[arg-type]
        if not answer:
            sent.append("refused")
        return answer

    def merging(*args: object) -> None:
        sent.append("merged")
        merge(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(exports, "_agrees", agreeing)
    monkeypatch.setattr(exports, "_merge", merging)
    return sent


def _answers(
    cli: Callable[..., Run], folder: Path, cache_home: Path, questions: list[tuple[str, ...]]
) -> dict[str, tuple[int, str, str]]:
    answers = {}
    for question in questions:
        run = cli(*question, "--data", str(folder), env={"XDG_CACHE_HOME": str(cache_home)})
        answers[" ".join(question)] = (run.exit_code, run.stdout, run.stderr)
    return answers


def _rows_by_table(cache_home: Path, folder: Path) -> dict[str, int]:
    path = cache_home / "iranclash" / cache.cache_path(folder).name
    tables = ("record_data", "event", "event_json_data", "event_actor", "event_place", "event_country")
    with sqlite3.connect(path) as connection:
        counts = {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in tables
        }
    connection.close()
    return counts


def _one_and_two_processes(
    cli: Callable[..., Run],
    folder: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    questions: list[tuple[str, ...]] = QUESTIONS,
) -> tuple[dict[str, tuple[int, str, str]], dict[str, tuple[int, str, str]]]:
    """The answers of a cache built by two processes, then by one (in another cache folder)."""
    two = _answers(cli, folder, tmp_path / "two", questions)
    monkeypatch.setattr(exports, "APART_BYTES", 10**15)
    one = _answers(cli, folder, tmp_path / "one", questions)
    assert all(code == 0 for code, _out, _err in [*two.values(), *one.values()]), (two, one)
    return two, one


def test_two_processes_store_what_one_does(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    apart_at_any_size: list[str],
) -> None:
    folder = make_data({"acled/export.csv": export_text("acled-current.csv", ROWS)})
    two, one = _one_and_two_processes(cli, folder, tmp_path, monkeypatch)
    assert two == one
    assert len(two["events --json"][1]) > 0 and '"Town 8"' in two["places --json"][1]
    assert apart_at_any_size == ["merged"] * 12
    assert _rows_by_table(tmp_path / "two", folder) == _rows_by_table(tmp_path / "one", folder)


def test_a_place_the_child_made_otherwise_stops_it(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    apart_at_any_size: list[str],
) -> None:
    """Row 6 (chunk 3, read here) names a new town in Iraq; row 8 (chunk 4, the child's)
    names it again with the country written in capitals, the same id once folded. One
    process gives row 8 the country of the first row: so must two."""
    rows = [
        *ROWS[:6],
        _row(6, location="Twice Town"),
        ROWS[7],
        _row(8, location="Twice Town", country="IRAQ"),
    ]
    rows += ROWS[9:]
    folder = make_data({"acled/export.csv": export_text("acled-current.csv", rows)})
    two, one = _one_and_two_processes(cli, folder, tmp_path, monkeypatch)
    assert two == one
    assert apart_at_any_size == ["merged", "merged", "refused"]
    event = cli(
        "event", "acled:IRQ980008", "--json", "--data", str(folder), env={"XDG_CACHE_HOME": str(tmp_path)}
    )
    assert event.json()["countries"] == ["Iraq"]


def test_rows_are_accounted_for_as_one_process_does(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    apart_at_any_size: list[str],
) -> None:
    """A cell that cannot be read (row 3, the child's), a row id given twice (row 9 repeats
    row 7's, across chunks), a row set aside (row 12, here) and a cell written NA (row 13)."""
    rows = [*ROWS[:3], _row(3, latitude="north"), *ROWS[4:9], _row(7), *ROWS[10:12], _row(12, event_date="")]
    rows += [_row(13, admin1="NA"), *ROWS[14:]]
    folder = make_data({"acled/export.csv": export_text("acled-current.csv", rows)})
    said = accounts_alone_and_apart(cli, folder, monkeypatch, tmp_path)
    assert said == [
        f"iranclash: {folder / 'acled' / 'export.csv'}: {len(rows)} rows: {len(rows) - 3} read, "
        "1 with notes (1 coordinates not numbers at line 5), "
        "2 set aside (1 no usable date at line 14; 1 row id given twice at line 11); "
        "1 cell written NA (or NULL, nan) read as empty: 1 in admin1"
    ]
    assert "merged" in apart_at_any_size


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each child the exports' reader forks, counted as it is started."""
    started: list[str] = []
    child = apart.Child

    def counting(*args: object) -> object:
        started.append("child")
        return child(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(exports, "Child", counting)
    return started


def test_the_child_is_forked_only_above_the_size(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    forked: list[str],
) -> None:
    folder = make_data({"acled/export.csv": export_text("acled-current.csv", ROWS)})
    size = (folder / "acled" / "export.csv").stat().st_size
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    for threshold, expected in ((size, []), (size - 1, ["child"])):
        monkeypatch.setattr(exports, "APART_BYTES", threshold)
        forked.clear()
        assert cli("summary", "--no-cache", "--data", str(folder)).exit_code == 0
        assert forked == expected


def test_rows_over_several_lines_and_an_hdx_copy(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    apart_at_any_size: list[str],
) -> None:
    """UCDP rows whose source text runs over two lines, in an HDX copy (a row of hashtags
    below the header): the child passes over this process's chunks by their quotes."""
    header, hashtags, first, *_rest = (FIXTURES / "ucdp-ged-hdx.csv").read_text(encoding="utf-8").splitlines()
    row = next(csv.DictReader(io.StringIO(f"{header}\n{first}\n")))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(row), lineterminator="\n")
    for number in range(30):
        article = f"Made-up Wire,2016-03-02,MADE UP for tests: row {number}\nand its second line"
        writer.writerow({**row, "id": str(990100 + number), "source_article": article})
    folder = make_data({"ucdp/ged.csv": f"{header}\n{hashtags}\n{buffer.getvalue()}"})
    questions = [*QUESTIONS[:5], ("actor", "IS", "--json"), ("place", "Example Town", "--json")]
    two, one = _one_and_two_processes(cli, folder, tmp_path, monkeypatch, questions)
    assert two == one
    events = json.loads(two["events --json"][1])
    assert sorted(event["id"] for event in events if event["dataset"]) == [
        f"ucdp:{990100 + n}" for n in range(30)
    ]
    assert apart_at_any_size == ["merged"] * 9


def test_a_stray_quote_that_misleads_the_child_leaves_this_process_to_read_on(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    apart_at_any_size: list[str],
) -> None:
    """Row 6 (chunk 3, read here) has a quote inside a cell that is not quoted, which a CSV
    reader takes as it is; counting quotes, the child takes it for the start of a cell
    running on to the end of the file, and sends nothing more."""
    text = export_text("acled-current.csv", ROWS).replace("row 6.", 'row 6 with 5" shells.')
    folder = make_data({"acled/export.csv": text})
    two, one = _one_and_two_processes(cli, folder, tmp_path, monkeypatch)
    assert two == one
    assert apart_at_any_size == ["merged", "merged"]
    assert '5\\" shells' in two["events --json"][1]


def test_a_revised_export_is_read_again_by_two_processes_alone(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    apart_at_any_size: list[str],
    files_read: list[Path],
    taken_out: list[str],
) -> None:
    """The rebuild after an export is downloaded again (``partial``) reads it by two
    processes too, and only it, and writes again only the rows revised, whichever process
    converted them: the cache then answers as one built anew by one process."""
    history = [_row(number + 100, location=f"Old Town {number % 3}") for number in range(12)]
    folder = make_data(
        {
            "acled/1-history.csv": export_text("acled-current.csv", history),
            "acled/2-recent.csv": export_text("acled-current.csv", ROWS),
        }
    )
    cache_home = tmp_path / "cache"
    assert cli("events", "--data", str(folder), env={"XDG_CACHE_HOME": str(cache_home)}).exit_code == 0
    files_read.clear()
    apart_at_any_size.clear()
    # Rows 5 and 20 are in chunks the child converts, 12 and 33 in this process's.
    revised = list(ROWS)
    for number in (5, 12, 33):
        revised[number] = _row(number, notes=f"MADE UP for tests: row {number}, revised.")
    revised[20] = _row(20, location="New Town")
    (folder / "acled" / "2-recent.csv").write_text(
        export_text("acled-current.csv", revised), encoding="utf-8"
    )
    rebuilt = _answers(cli, folder, cache_home, QUESTIONS)
    assert files_read == [folder / "acled" / "2-recent.csv"]
    assert apart_at_any_size == ["merged"] * 12
    assert taken_out == [f"acled:IRQ98{number:04d}" for number in (5, 12, 20, 33)]
    monkeypatch.setattr(exports, "APART_BYTES", 10**15)
    assert rebuilt == _answers(cli, folder, tmp_path / "fresh", QUESTIONS)
    assert '"New Town"' in rebuilt["places --json"][1] and "row 5, revised" in rebuilt["events --json"][1]


def test_an_export_read_by_two_processes_moves_the_progress_bar_as_it_is_read(
    make_data: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    apart_at_any_size: list[str],
) -> None:
    """A large export is most of a build: the bar moves with the share of it read, while
    the count of files read stays whole; the rows read so far and the bytes are told
    with each chunk, and the seconds since the build began, for the rate."""
    folder = make_data({"acled/export.csv": export_text("acled-current.csv", ROWS)})
    monkeypatch.setenv("IRANCLASH_CACHE_DIR", str(tmp_path / "cache"))
    shown: list[Step] = []
    cache.open_store(folder, progress=shown.append).close()
    last = shown[-1]
    total = last.total
    sizes = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    assert (last.done, last.read, last.size, last.rows) == (total, sizes, sizes, len(ROWS))
    during = [step for step in shown if total - 1 < step.done < total]
    # One step a chunk (20 of two rows), each further on, the last at the end of the file.
    assert len(during) >= 20 and all(a.done < b.done for a, b in itertools.pairwise(during)), shown
    assert during[-1].done == pytest.approx(total - 1 + 0.999)
    assert [step.rows for step in during] == list(range(0, len(ROWS) + 1, 2)), "the rows of the chunks before"
    assert all(a.read < b.read <= sizes for a, b in itertools.pairwise(during))
    assert all(step.total == total and step.size == sizes for step in shown)
    assert all(a.seconds <= b.seconds for a, b in itertools.pairwise(shown)) and last.seconds > 0


#: The command line, with every export read by two processes, two rows to a chunk, each
#: chunk stored a tenth of a second later: a build of 40 rows that takes two seconds.
SLOW_DRIVER = """
import time
from iranclash.build import export_rows
export_rows.APART_BYTES = -1
export_rows.CHUNK_ROWS = 2
for name in ("_add", "_merge"):
    def slowed(*args, real=getattr(export_rows, name)):
        time.sleep(0.1)
        real(*args)
    setattr(export_rows, name, slowed)
from iranclash.cli.launch import main
main()
"""


def test_the_progress_bar_of_an_export_shows_its_rows_their_rate_and_the_time_left(
    make_data: Callable[..., Path], tmp_path: Path
) -> None:
    """What a person sees on an 80-column terminal while an export is built: each line
    redrawn over the last, within the width, with the rows read, the rate and the time
    left; then the rows in all."""
    folder = make_data({"acled/export.csv": export_text("acled-current.csv", ROWS)}, base=False)
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    environment = {**os.environ, "IRANCLASH_CACHE_DIR": str(tmp_path / "cache"), "COLUMNS": "80"}
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW_DRIVER, "events", "--data", str(folder), "--json"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=terminal,
    )
    os.close(terminal)
    stdout, _ = process.communicate(timeout=120)
    shown = b""
    while select.select([controller], [], [], 0.1)[0] and (chunk := _read_some(controller)):
        shown += chunk
    os.close(controller)
    assert process.returncode == 0 and len(json.loads(stdout)) == len(ROWS)
    bar = shown.decode().split("\r\n", 1)[0].split("\r")[1:]  # a terminal writes "\n" as "\r\n"
    assert len(bar) >= 3 and all(len(line) < 80 for line in bar), bar
    bar_of = r"iranclash: compiling data \[#*\.*\] +"
    moving = bar_of + r"(?:[0-9]+%  )?[1-9][0-9]? rows, [0-9]+ rows/s, 0:0[0-9] left *"
    # The last chunk's bytes are the file's last: 100% before the file is stored, and after.
    done = r"iranclash: compiling data \[#+\] 100%  40 rows, [0-9]+ rows/s *"
    assert [line for line in bar if not re.fullmatch(moving, line) and not re.fullmatch(done, line)] == []
    assert len([line for line in bar if re.fullmatch(moving, line)]) >= 3 and re.fullmatch(done, bar[-1])


def _read_some(descriptor: int) -> bytes:
    try:
        return os.read(descriptor, 65536)
    except OSError:  # EIO: the terminal's other end is closed
        return b""


def test_a_tab_separated_windows_1252_export_is_shared_and_its_lines_counted_once(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    apart_at_any_size: list[str],
) -> None:
    """The header and rows 1 and 12 (read here) and 2, 9 and 30 (the child's) are in
    Windows-1252: the child sends its count with each chunk, and does not count the header,
    so the file's note counts all six, as one process does."""
    rows = [_row(n, location=f"T\u00f4wn {n}") if n in (1, 2, 9, 12, 30) else ROWS[n] for n in range(40)]
    table = list(csv.reader(io.StringIO(export_text("acled-current.csv", rows))))
    for number, row in enumerate(table):  # a column no reader needs, named in Windows-1252
        row.append("remarque \u00e9crite" if number == 0 else "")
    buffer = io.StringIO()
    csv.writer(buffer, delimiter="\t", lineterminator="\n").writerows(table)
    folder = make_data({"acled/export.csv": buffer.getvalue().encode("cp1252")})
    two, one = _one_and_two_processes(cli, folder, tmp_path, monkeypatch, QUESTIONS[:3])
    assert two == one
    assert '"T\u00f4wn 12"' in two["places --json"][1]
    assert apart_at_any_size == ["merged"] * 12
    said = two["events --json"][2]  # the same as one process says: compared above
    assert said.rstrip("\n").endswith(
        "; read as tab-separated; 6 lines not UTF-8, read as Windows-1252 (first at line 1)"
    )


def test_a_zip_or_json_export_is_read_by_this_process_alone_at_any_size(
    cli: Callable[..., Run],
    make_data: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    apart_at_any_size: list[str],
    forked: list[str],
) -> None:
    """Their rows have no byte offsets to share them by: no child is forked for them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export.csv", export_text("acled-current.csv", ROWS[:20]))
    records = list(csv.DictReader(io.StringIO(export_text("acled-current.csv", ROWS[20:]))))
    folder = make_data(
        {"acled/1.zip": buffer.getvalue(), "acled/2.json": json.dumps({"success": True, "data": records})}
    )
    two, one = _one_and_two_processes(cli, folder, tmp_path, monkeypatch, QUESTIONS[:1])
    assert two == one
    assert len(json.loads(two["events --json"][1])) == 40 + 2  # and the minimal folder's two
    assert forked == [] and apart_at_any_size == []
