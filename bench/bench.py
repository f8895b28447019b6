"""Start-up and scale benchmark for iranclash: prints every figure of issue 9 in one run.

    python bench/bench.py                         # start-up, then 100,000 events of YAML and of CSV
    python bench/bench.py --events 1000000        # the same at 1M, beside the 100,000 figures
    python bench/bench.py --events 1000000 --only csv --keep-data /tmp/iranclash-bench-data
    python bench/bench.py --events 1000000 --events 3000000 --skip streams  # CSV at 1M and 3M, YAML at 1M

Start-up is measured as a ratio to ``python -c pass`` timed in the same run, since
machines differ. Each scale run generates a data folder into a temporary directory:
YAML events copied from the shipped records (bench/generate.py), and the same number
of made-up ACLED-shaped CSV rows (bench/generate_acled.py) in two exports, a history
(90% of the rows) and a recent one. Each folder gets its own cache directory, so the
cache file's size is its own. ``jq`` selecting the same events from JSON lines is the
peer.

Every figure is printed at each requested size beside the baseline (100,000), with
the ratio of the last two sizes so the growth of cost shows, and with its target and
whether the largest size meets it. From a million rows on, a build's peak memory is
held to stay flat (within 10% from one size to the next) and its time to grow with
the rows (at most 1.07 times their ratio: 3.2x for 3x). YAML is measured up to
``--yaml-max`` events (1,000,000): beyond, generating and building it takes many
minutes a size. Peak memory is each process's maximum resident set size
(``wait4``). A command that fails, runs past ``--timeout`` or grows past
``--memory-limit`` is stopped and reported as such; the bench goes on. Progress
and each figure as it is measured go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import itertools
import os
import pty
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

HERE = Path(__file__).resolve().parent
BASELINE = 100_000
#: Query targets of issue 9, at 1,000,000 events.
QUERY_SECONDS = 0.3
QUERY_MIB = 150.0
STREAM_MIB = 150.0
BUILD_MIB = 1024.0
CACHE_RATIO = 1.5
#: From this size on SQLite's page cache is full, and a build's peak memory should stay flat.
FLAT_FROM = 1_000_000
#: Peak memory of a build at one size against the size before it (from ``FLAT_FROM`` on).
FLAT_MEMORY = 1.10
#: A build's time against the size before it, as a share of the sizes' ratio (3.2x for 3x).
BUILD_GROWTH = 1.07
#: YAML sizes measured at most (``--yaml-max``).
YAML_MAX = 1_000_000
#: The size of the pseudo-terminal the table form is measured on.
TERMINAL_COLUMNS, TERMINAL_LINES = 120, 40


# --- Running one command ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What a single command may take before the bench stops it."""

    seconds: float
    memory_mib: float


@dataclass(frozen=True)
class Run:
    """One command's cost: wall time and the process's own peak resident memory.

    ``failure`` says why it did not finish cleanly (exit status, timeout, memory);
    ``count`` what it returned (rows, hits, lines), when that was looked at;
    ``cpu_seconds`` the processor time of the process and the children it waited for,
    which other work on the machine changes less than the wall time.
    """

    seconds: float
    peak_mib: float
    failure: str = ""
    count: str = ""
    output_lines: int = 0
    output_bytes: int = 0
    cpu_seconds: float = 0.0


class _Sink(threading.Thread):
    """Drains a child's output as it comes, counting it and optionally keeping it in a file.

    A thread of this process rather than a second child, so that the child writes into a
    real pipe (or terminal) the way it would into ``| jq`` or a person's screen.
    """

    def __init__(self, fd: int, keep: BinaryIO | None) -> None:
        super().__init__(daemon=True)
        self.fd, self.keep = fd, keep
        self.lines = self.bytes = 0

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:  # EIO: the terminal's other side closed
                break
            if not chunk:
                break
            self.bytes += len(chunk)
            self.lines += chunk.count(b"\n")
            if self.keep:
                self.keep.write(chunk)


class _Watchdog(threading.Thread):
    """Kills the child once it runs past its time or grows past its memory limit."""

    def __init__(self, pid: int, limits: Limits, started: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.limits, self.started = pid, limits, started
        self.done = threading.Event()
        self.reason = ""

    def run(self) -> None:
        while not self.done.wait(0.05):
            if time.perf_counter() - self.started > self.limits.seconds:
                self.reason = f"stopped after {self.limits.seconds:.0f} s (--timeout)"
            elif _resident_mib(self.pid) > self.limits.memory_mib:
                self.reason = f"stopped at {self.limits.memory_mib:,.0f} MiB resident (--memory-limit)"
            if self.reason:
                # The child is not reaped until the watchdog has stopped, so its pid is still its own.
                os.kill(self.pid, signal.SIGKILL)
                return


def _resident_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_once(
    command: Sequence[str],
    env: dict[str, str],
    limits: Limits,
    *,
    terminal: bool = False,
    keep: Path | None = None,
) -> Run:
    """Run ``command`` once with its output piped (or on a pseudo-terminal) and drained."""
    with tempfile.TemporaryFile() as errors, open(keep or os.devnull, "wb") as kept:
        if terminal:
            reading, writing = pty.openpty()
            size = struct.pack("HHHH", TERMINAL_LINES, TERMINAL_COLUMNS, 0, 0)
            fcntl.ioctl(writing, termios.TIOCSWINSZ, size)
            child_env = {**env, "TERM": "xterm-256color"}
            started = time.perf_counter()
            process = subprocess.Popen(
                command, env=child_env, stdin=subprocess.DEVNULL, stdout=writing, stderr=errors
            )
            os.close(writing)
        else:
            started = time.perf_counter()
            process = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors
            )
            assert process.stdout is not None
            reading = process.stdout.fileno()
        sink = _Sink(reading, kept if keep else None)
        sink.start()
        watchdog = _Watchdog(process.pid, limits, started)
        watchdog.start()
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
        elapsed = time.perf_counter() - started
        watchdog.done.set()
        watchdog.join()
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        sink.join()
        if terminal:
            os.close(reading)
        else:
            assert process.stdout is not None
            process.stdout.close()
        errors.seek(0)
        message = errors.read().decode(errors="replace").strip().splitlines()
    failure = watchdog.reason
    if not failure and process.returncode != 0:
        failure = f"exit {process.returncode}" + (f": {message[-1][:200]}" if message else "")
    cpu = usage.ru_utime + usage.ru_stime
    return Run(elapsed, usage.ru_maxrss / 1024, failure, "", sink.lines, sink.bytes, cpu)


def median(runs: Sequence[Run]) -> Run:
    """The median time and the highest peak over runs; the first failure if any failed."""
    failed = [run for run in runs if run.failure]
    if failed:
        return failed[0]
    return replace(
        runs[0],
        seconds=statistics.median(run.seconds for run in runs),
        peak_mib=max(run.peak_mib for run in runs),
    )


def repeat(command: Sequence[str], env: dict[str, str], limits: Limits, times: int, **how: bool) -> Run:
    """Up to ``times`` runs, stopping at the first that fails: a failure will not mend itself."""
    runs: list[Run] = []
    for _ in range(times):
        runs.append(run_once(command, env, limits, **how))
        if runs[-1].failure:
            break
    return median(runs)


def iranclash() -> list[str]:
    beside = Path(sys.executable).with_name("iranclash")
    found = str(beside) if beside.exists() else shutil.which("iranclash")
    return [found] if found else [sys.executable, "-m", "iranclash"]


def progress(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# --- Start-up --------------------------------------------------------------------------------------


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


def startup(env: dict[str, str], limits: Limits, runs: int) -> None:
    print(f"Start-up on the shipped data (median of {runs} runs, cache warm)")
    base = repeat([sys.executable, "-c", "pass"], env, limits, runs)
    print(f"  {'python -c pass':<52} {_time_text(base.seconds):>9} {base.peak_mib:6.1f} MiB")
    command = [*iranclash(), "events", "--since", "2021-07-05"]
    run_once(command, env, limits)
    for label, extra, target in (
        ("events --since 2021-07-05 --json", ["--json"], 6),
        ("... as a table", [], 10),
    ):
        timing = repeat(command + extra, env, limits, runs)
        if timing.failure:
            print(f"  {label:<52} FAILED: {timing.failure}")
            continue
        ratio = timing.seconds / base.seconds
        print(
            f"  {label:<52} {_time_text(timing.seconds):>9} {timing.peak_mib:6.1f} MiB"
            f"  {ratio:4.1f}x python -c pass  target <= {target}x  {verdict(ratio <= target)}"
        )
    print()


# --- The two sources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A kind of data folder, and the questions asked of it (chosen so that each returns rows)."""

    key: str
    title: str
    #: Cold build target at 1,000,000 events; smaller runs are held to their share of it.
    build_seconds_per_million: float
    since: str
    until: str
    actor: str
    place: str
    word: str
    edit_text: str
    generate: Callable[[Path, int, int], None]
    files: Callable[[Path], list[Path]]
    #: The file an edit rewrites: one of many, so a rebuild should cost only its share.
    edited: Callable[[Path], Path]
    edit: Callable[[Path], None]


def _python(script: str, *arguments: object) -> None:
    # In a child process: the children timed later would otherwise start from a fork of
    # this process and could report its memory as theirs.
    subprocess.run([sys.executable, str(HERE / script), *map(str, arguments)], check=True)


def _generate_yaml(folder: Path, events: int, files: int) -> None:
    _python("generate.py", folder, "--events", events, "--files", files)


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.yaml"))


def _append_newline(path: Path) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("\n")


def _csv_split(rows: int) -> tuple[int, int]:
    recent = max(1, rows // 10)
    return rows - recent, recent


def _generate_csv(folder: Path, rows: int, _files: int) -> None:
    history, recent = _csv_split(rows)
    (folder / "acled").mkdir(parents=True)
    _python("generate_acled.py", folder / "acled" / "history.csv", "--rows", history)
    _python("generate_acled.py", folder / "acled" / "recent.csv", "--rows", recent, "--start", history)


def _csv_files(folder: Path) -> list[Path]:
    return sorted((folder / "acled").glob("*.csv"))


def _download_revised(path: Path) -> None:
    """Writes the export again, as a new file put in place of the old, with the notes of one
    row in a hundred revised: a re-downloaded export after the dataset's weekly corrections."""
    fresh = path.with_suffix(".download")
    with (
        open(path, encoding="utf-8", newline="") as old,
        open(fresh, "w", encoding="utf-8", newline="") as new,
    ):
        rows = csv.reader(old)
        writer = csv.writer(new, lineterminator="\n")
        header = next(rows)
        writer.writerow(header)
        notes = header.index("notes")
        for number, row in enumerate(rows):
            if number % 100 == 0:
                row[notes] += " Revised."
            writer.writerow(row)
    os.replace(fresh, path)


YAML = Source(
    key="yaml",
    title="YAML events (bench/generate.py)",
    build_seconds_per_million=180,
    since="2021-07-06",
    until="2021-07-06",
    actor="Kata'ib Hezbollah",
    place="Iraq",
    word="Trinity",
    edit_text="a newline added to 1 file of the events",
    generate=_generate_yaml,
    files=_yaml_files,
    edited=lambda folder: folder / "events" / "part-000.yaml",
    edit=_append_newline,
)
CSV = Source(
    key="csv",
    title="ACLED-shaped CSV (bench/generate_acled.py, made up)",
    build_seconds_per_million=60,
    since="2010-03-01",
    until="2010-03-08",
    actor="XYZ",
    place="Example Town 1-1-0",
    word="XXX99999",
    edit_text="the recent export re-downloaded, 1% revised",
    generate=_generate_csv,
    files=_csv_files,
    edited=lambda folder: folder / "acled" / "recent.csv",
    edit=_download_revised,
)
SOURCES = {source.key: source for source in (YAML, CSV)}


# --- Measuring one source at one size --------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    files: int
    scale_runs: int | None
    stream_runs: int
    limits: Limits
    build_limits: Limits
    skip: frozenset[str]
    keep_data: Path | None

    def runs_at(self, size: int) -> int:
        if self.scale_runs is not None:
            return self.scale_runs
        return 7 if size <= 200_000 else 3


@dataclass
class Figures:
    """Everything measured for one source at one size."""

    size: int
    source_mib: float = 0.0
    build: Run | None = None
    cache_mib: float | None = None
    rebuild: Run | None = None
    edited_share: float = 0.0
    queries: dict[str, Run] = field(default_factory=dict)
    streams: dict[str, Run] = field(default_factory=dict)
    peer: Run | None = None
    damage: str = ""
    #: The 1-minute load average before and after: other work on the machine skews every figure.
    load: tuple[float, float] = (0.0, 0.0)


#: Run in a child: counts what a query's JSON output holds (a list's length, or one key's).
COUNT_JSON = """
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
value = data[sys.argv[2]] if sys.argv[2] else data
print(len(value) if isinstance(value, list) else value)
"""


def count_json(path: Path, key: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_JSON, str(path), key], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else "?"


def queries(source: Source) -> dict[str, tuple[list[str], str, str]]:
    """Label -> (arguments, JSON key to count, what the count is of)."""
    return {
        f"events --since {source.since} --until {source.until} --json": (
            ["events", "--since", source.since, "--until", source.until, "--json"],
            "",
            "rows",
        ),
        f'actor "{source.actor}" --json': (["actor", source.actor, "--json"], "events", "events"),
        f'place "{source.place}" --json': (["place", source.place, "--json"], "events", "events"),
        f"search {source.word} --json": (["search", source.word, "--json"], "", "hits"),
        "summary --json": (["summary", "--json"], "events", "events"),
    }


STREAMS: dict[str, tuple[list[str], bool]] = {
    "events --json (all)": (["--json"], False),
    "events --format csv (all)": (["--format", "csv"], False),
    "events --format jsonl (all)": (["--format", "jsonl"], False),
    "events, table, piped (all)": ([], False),
    f"events, table, {TERMINAL_COLUMNS}-column terminal (all)": ([], True),
}


def _data_folder(source: Source, size: int, settings: Settings, scratch: Path) -> tuple[Path, bool]:
    """The generated folder (reused from ``--keep-data`` when complete), and whether to delete it."""
    if settings.keep_data:
        folder = settings.keep_data / f"{source.key}-{size}"
        marker = settings.keep_data / f"{source.key}-{size}.complete"
        if not marker.exists():
            shutil.rmtree(folder, ignore_errors=True)
            progress(f"{source.key} {size:,}: generating into {folder}")
            source.generate(folder, size, settings.files)
            marker.touch()
        return folder, False
    folder = scratch / f"{source.key}-{size}"
    progress(f"{source.key} {size:,}: generating")
    source.generate(folder, size, settings.files)
    return folder, True


def measure(source: Source, size: int, settings: Settings, env: dict[str, str]) -> Figures:
    with tempfile.TemporaryDirectory(prefix="iranclash-bench-") as temporary:
        scratch = Path(temporary)
        cache = scratch / "cache"
        cache.mkdir(mode=0o700)
        env = {**env, "IRANCLASH_CACHE_DIR": str(cache)}
        try:
            folder, generated = _data_folder(source, size, settings, scratch)
        except subprocess.CalledProcessError as error:
            return Figures(size, build=Run(0.0, 0.0, f"generating the data failed: {error}"))
        before = os.getloadavg()[0]
        try:
            figures = _measure(source, size, settings, env, folder, scratch)
            figures.load = (before, os.getloadavg()[0])
            return figures
        finally:
            if generated:
                shutil.rmtree(folder, ignore_errors=True)


def _measure(
    source: Source, size: int, settings: Settings, env: dict[str, str], folder: Path, scratch: Path
) -> Figures:
    name = f"{source.key} {size:,}"
    base = [*iranclash()]
    data = ["--data", str(folder)]
    figures = Figures(size)
    files = source.files(folder)
    figures.source_mib = sum(path.stat().st_size for path in files) / 2**20
    figures.edited_share = source.edited(folder).stat().st_size / 2**20 / figures.source_mib
    cache = Path(env["IRANCLASH_CACHE_DIR"])
    narrow, _key, _what = next(iter(queries(source).values()))
    first = [*base, *narrow, *data]

    progress(f"{name}: cold build ({figures.source_mib:,.0f} MiB in {len(files)} files)")
    figures.build = run_once(first, env, settings.build_limits)
    progress(f"{name}: cold build: {_run_text(figures.build)}")
    if figures.build.failure:
        return figures
    figures.cache_mib = sum(path.stat().st_size for path in cache.glob("*.sqlite")) / 2**20

    source.edit(source.edited(folder))
    figures.rebuild = run_once(first, env, settings.build_limits)
    progress(f"{name}: rebuild after {source.edit_text}: {_run_text(figures.rebuild)}")
    if figures.rebuild.failure:
        return figures

    if "queries" not in settings.skip:
        runs = settings.runs_at(size)
        for label, (arguments, key, what) in queries(source).items():
            command = [*base, *arguments, *data]
            output = scratch / "query.json"
            warmup = run_once(command, env, settings.limits, keep=output)
            if warmup.failure:
                figures.queries[label] = warmup
            else:
                count = count_json(output, key)
                timed = repeat(command, env, settings.limits, runs)
                figures.queries[label] = replace(timed, count=f"{_number(count)} {what}")
            output.unlink(missing_ok=True)
            progress(f"{name}: {label}: {_run_text(figures.queries[label])}")

    jsonl = scratch / "events.jsonl"
    if "streams" not in settings.skip:
        for label, (arguments, terminal) in STREAMS.items():
            if terminal and "terminal" in settings.skip:
                continue
            command = [*base, "events", *arguments, *data]
            keep = jsonl if "jsonl" in label and "jq" not in settings.skip else None
            # The first run keeps the JSON lines for jq; any further runs only count.
            attempts = [run_once(command, env, settings.limits, terminal=terminal, keep=keep)]
            while len(attempts) < settings.stream_runs and not attempts[-1].failure:
                attempts.append(run_once(command, env, settings.limits, terminal=terminal))
            run = median(attempts)
            figures.streams[label] = replace(
                run, count=f"{run.output_lines:,} lines, {_mib(run.output_bytes / 2**20)} MiB"
            )
            progress(f"{name}: {label}: {_run_text(figures.streams[label])}")

    jq = shutil.which("jq")
    if jq and jsonl.exists() and "jq" not in settings.skip:
        select = f'select(.date_start >= "{source.since}" and .date_end <= "{source.until}")'
        peer = repeat([jq, "-c", select, str(jsonl)], env, settings.limits, min(3, settings.runs_at(size)))
        figures.peer = replace(peer, count=f"{peer.output_lines:,} rows")
        progress(f"{name}: jq: {_run_text(figures.peer)}")
    jsonl.unlink(missing_ok=True)

    if "damage" not in settings.skip:
        figures.damage = damage_check(env, folder, settings.limits)
    return figures


#: Run in a child: reads every stored event through the checked view (unpacked and checked)
#: and straight from the table (packed, unchecked), best of three, and prints the count and
#: both times.
DAMAGE_CHECK = """
import sqlite3, sys, time
from pathlib import Path
from iranclash.build import cache
from iranclash.build import integrity as checks

target = cache.cache_path(Path(sys.argv[1]))
checked = checks.connect(target.as_uri() + "?mode=ro", uri=True)
raw = sqlite3.connect(target.as_uri() + "?mode=ro", uri=True)


def best(connection, sql):
    times = []
    for _ in range(3):
        started = time.perf_counter()
        count = sum(1 for _ in connection.execute(sql))
        times.append(time.perf_counter() - started)
    return min(times), count


with_check, count = best(checked, "SELECT json FROM event_json")
without, _ = best(raw, "SELECT json FROM event_json_data")
print(count, with_check, without)
"""


def damage_check(env: dict[str, str], folder: Path, limits: Limits) -> str:
    """What unpacking and checking each stored event costs a query that reads every event."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", DAMAGE_CHECK, str(folder)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=limits.seconds,
        )
        count, checked, unchecked = done.stdout.split()
    except (subprocess.SubprocessError, ValueError) as error:
        detail = getattr(error, "stderr", "") or ""
        return f"failed: {(detail.strip().splitlines() or [str(error)])[-1][:200]}"
    extra = float(checked) - float(unchecked)
    return (
        f"reading all {int(count):,} stored events takes {float(checked) * 1000:,.0f} ms unpacked and"
        f" checked, {float(unchecked) * 1000:,.0f} ms packed and unchecked"
        f" (+{extra / int(count) * 1e9:.0f} ns per record)"
    )


# --- Printing --------------------------------------------------------------------------------------


def _number(text: str) -> str:
    return f"{int(text):,}" if text.isdigit() else text


def _mib(mib: float) -> str:
    return f"{mib:,.1f}" if mib < 10 else f"{mib:,.0f}"


def _time_text(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _run_text(run: Run) -> str:
    text = f"{_time_text(run.seconds)}, {run.peak_mib:,.0f} MiB"
    if run.failure:
        return f"FAILED after {text}: {run.failure}"
    return text + (f" ({run.count})" if run.count else "")


@dataclass(frozen=True)
class Target:
    """A limit on a figure at the requested size: time and/or memory, or a plain amount."""

    text: str
    seconds: float | None = None
    mib: float | None = None
    amount: float | None = None

    def judge(self, value: Run | float | None) -> str:
        if value is None:
            return "not measured"
        if isinstance(value, Run):
            if value.failure:
                return "MISSED (did not finish)"
            over = []
            if self.seconds is not None and value.seconds >= self.seconds:
                over.append(f"time {value.seconds / self.seconds:.2f}x")
            if self.mib is not None and value.peak_mib >= self.mib:
                over.append(f"memory {value.peak_mib / self.mib:.2f}x")
            return f"MISSED ({', '.join(over)} the target)" if over else "ok"
        assert self.amount is not None
        return "ok" if value <= self.amount else f"MISSED ({value / self.amount:.2f}x the target)"


LABEL = 50
CELL = 26
#: Wide enough for "ratio (time, memory)" and two ratios.
RATIO = 22


def _short(size: int) -> str:
    """1M, 300k, 100: a size as a ratio's header names it."""
    if size >= 1_000_000 and size % 100_000 == 0:
        return f"{size / 1_000_000:g}M"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def _cell(value: Run | float | str | None, unit: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, Run):
        if value.failure:
            return "FAILED (see below)"
        return f"{_time_text(value.seconds)} {value.peak_mib:,.0f} MiB"
    if isinstance(value, str):
        return value
    return f"{value:,.1f}{unit}" if unit == "x" else f"{value:,.1f} {unit}".strip()


def _ratio(values: Sequence[Run | float | str | None]) -> str:
    """The last value against the one before it."""
    if len(values) < 2:
        return ""
    first, last = values[-2], values[-1]
    if isinstance(first, Run) and isinstance(last, Run):
        if first.failure or last.failure or not first.seconds or not first.peak_mib:
            return ""
        return f"{last.seconds / first.seconds:5.1f}x {last.peak_mib / first.peak_mib:4.1f}x"
    if isinstance(first, float) and isinstance(last, float) and first:
        return f"{last / first:5.1f}x"
    return ""


class Table:
    """Prints one line per figure: each size's value, their ratio, the target and the verdict."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.sizes = sizes
        self.notes: list[str] = []

    def header(self, title: str) -> None:
        cells = "".join(f"{f'{size:,}':>{CELL}}" for size in self.sizes)
        ratio = ""
        if len(self.sizes) > 1:
            ratio = f"{_short(self.sizes[-1])}/{_short(self.sizes[-2])} (time, mem)"
        ratio = f"{ratio:>{RATIO}}"
        print(f"  {title:<{LABEL}}{cells}{ratio}   target at {self.sizes[-1]:,}")

    def line(
        self,
        label: str,
        values: Sequence[Run | float | str | None],
        unit: str = "",
        target: Target | None = None,
    ) -> None:
        cells = "".join(f"{_cell(value, unit):>{CELL}}" for value in values)
        ratio = f"{_ratio(values):>{RATIO}}" if len(values) > 1 else ""
        judged = f"   {target.text}: {target.judge(values[-1])}" if target else ""
        print(f"  {label:<{LABEL}}{cells}{ratio}{judged}".rstrip())
        for size, value in zip(self.sizes, values, strict=True):
            if isinstance(value, Run) and value.failure:
                self.notes.append(f"{label.strip()} at {size:,}: {value.failure}")

    def counts(self, values: Sequence[Run | None]) -> None:
        texts = [value.count if value and not value.failure else "" for value in values]
        if any(texts):
            cells = "".join(f"{text:>{CELL}}" for text in texts)
            print(f"  {'':<{LABEL}}{cells}".rstrip())


@dataclass(frozen=True)
class Growth(Target):
    """A limit on how a build grows from the size before the last to the last: its time
    against the sizes' ratio, its peak memory against the one before."""

    before: Run | None = None
    last: Run | None = None

    def judge(self, value: Run | float | None) -> str:
        before, value = self.before, self.last
        if value is None or before is None or before.failure or not before.seconds or not before.peak_mib:
            return "not measured"
        if value.failure:
            return "MISSED (did not finish)"
        over = []
        if self.seconds is not None and value.seconds / before.seconds > self.seconds:
            over.append(f"time {value.seconds / before.seconds:.2f}x")
        if self.mib is not None and value.peak_mib / before.peak_mib > self.mib:
            over.append(f"memory {value.peak_mib / before.peak_mib:.2f}x")
        return f"MISSED ({', '.join(over)} the one before)" if over else "ok"


def _growth(before: Run | None, after: Run | None) -> str:
    """A build's time, peak memory and processor time, each against the size before's."""
    ratio = _ratio([before, after]).strip()
    if not ratio or before is None or after is None or not before.cpu_seconds:
        return ratio or "-"
    return f"{ratio} {after.cpu_seconds / before.cpu_seconds:.1f}x"


def _growth_target(measured: Sequence[Figures]) -> Growth | None:
    """How much the last build may grow from the one before, where both are large enough
    (``FLAT_FROM``) that SQLite's page cache is full: memory should then stay flat."""
    if len(measured) < 2 or measured[-2].size < FLAT_FROM:
        return None
    rows = measured[-1].size / measured[-2].size
    seconds = BUILD_GROWTH * rows
    return Growth(
        f"time <= {seconds:.2f}x ({BUILD_GROWTH}x the {rows:g}x rows), memory <= {FLAT_MEMORY:.2f}x",
        seconds,
        FLAT_MEMORY,
        before=measured[-2].build,
        last=measured[-1].build,
    )


def report(source: Source, measured: Sequence[Figures], settings: Settings) -> None:
    sizes = [figures.size for figures in measured]
    last = measured[-1]
    table = Table(sizes)
    print(f"{source.title}: {' and '.join(f'{size:,}' for size in sizes)} events")
    table.header("build")
    table.line("source files on disk", [figures.source_mib for figures in measured], "MiB")
    build_seconds = source.build_seconds_per_million * last.size / 1_000_000
    table.line(
        "cold build (the first query compiles the cache)",
        [figures.build for figures in measured],
        target=Target(
            f"< {_time_text(build_seconds)} ({source.build_seconds_per_million:.0f} s per 1M),"
            f" < {BUILD_MIB:,.0f} MiB",
            build_seconds,
            BUILD_MIB,
        ),
    )
    growth = _growth_target(measured)
    if growth is not None:
        builds = [figures.build for figures in measured]
        table.line(
            "cold build against the size before (time, mem, cpu)",
            ["-", *[_growth(*pair) for pair in itertools.pairwise(builds)]],
            target=growth,
        )
    table.line("cache file (*.sqlite)", [figures.cache_mib for figures in measured], "MiB")
    table.line(
        "cache file / source files",
        [f.cache_mib / f.source_mib if f.cache_mib is not None else None for f in measured],
        "x",
        Target(f"<= {CACHE_RATIO}x", amount=CACHE_RATIO),
    )
    rebuild_target: Target | None = None
    if last.build and not last.build.failure:
        share = 2 * last.edited_share * last.build.seconds
        rebuild_target = Target(
            f"< {_time_text(share)} (2x its {last.edited_share:.0%} share), < {BUILD_MIB:,.0f} MiB",
            share,
            BUILD_MIB,
        )
    table.line(f"rebuild: {source.edit_text}", [f.rebuild for f in measured], target=rebuild_target)

    if "queries" not in settings.skip:
        runs = ", ".join(f"{settings.runs_at(size)}" for size in sizes)
        table.header(f"warm queries (median of {runs} runs)")
        query_target = Target(
            f"< {QUERY_SECONDS * 1000:.0f} ms, < {QUERY_MIB:.0f} MiB", QUERY_SECONDS, QUERY_MIB
        )
        for label in queries(source):
            values = [figures.queries.get(label) for figures in measured]
            table.line(label, values, target=query_target)
            table.counts(values)

    if "streams" not in settings.skip:
        runs = f"median of {settings.stream_runs} runs" if settings.stream_runs > 1 else "one run each"
        table.header(f"all events, streamed ({runs})")
        for label in STREAMS:
            values = [figures.streams.get(label) for figures in measured]
            if any(values):
                table.line(label, values, target=Target(f"< {STREAM_MIB:.0f} MiB", mib=STREAM_MIB))
                table.counts(values)

    peers = [figures.peer for figures in measured]
    if any(peers):
        ours = last.queries.get(next(iter(queries(source))))
        compared = ""
        if last.peer and ours and not ours.failure and not last.peer.failure:
            faster = last.peer.seconds / ours.seconds
            compared = f"   filtered events >= 5x faster than jq: {faster:.1f}x, {verdict(faster >= 5)}"
        print(
            f"  {'peer: jq selecting the same window':<{LABEL}}"
            + "".join(f"{_cell(value, ''):>{CELL}}" for value in peers)
            + (f"{_ratio(peers):>{RATIO}}" if len(peers) > 1 else "")
            + compared
        )
        table.counts(peers)
    elif "jq" not in settings.skip and "streams" not in settings.skip:
        print("  peer: jq was not run (not installed, or no JSON lines to read)")

    loads = ", ".join(f"{f.size:,}: {f.load[0]:.1f} -> {f.load[1]:.1f}" for f in measured if any(f.load))
    if loads:
        print(f"  load average (1 min, {os.cpu_count()} cores) before -> after: {loads}")
    for figures in measured:
        if figures.damage:
            print(f"  damage check at {figures.size:,}: {figures.damage}")
    for note in table.notes:
        print(f"  note: {note}")
    print()


# --- Main ------------------------------------------------------------------------------------------

PARTS = ("startup", "yaml", "csv", "baseline", "queries", "streams", "terminal", "jq", "damage")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--events",
        type=int,
        action="append",
        help="a size measured (repeatable: --events 1000000 --events 3000000; default 100,000)",
    )
    parser.add_argument(
        "--yaml-max",
        type=int,
        default=YAML_MAX,
        help="YAML is measured at no size above this (default 1,000,000)",
    )
    parser.add_argument(
        "--baseline", type=int, default=BASELINE, help="the size it is compared with (default 100,000)"
    )
    parser.add_argument("--files", type=int, default=10, help="YAML event files (default 10)")
    parser.add_argument("--runs", type=int, default=21, help="runs per start-up median (default 21)")
    parser.add_argument(
        "--scale-runs", type=int, help="runs per warm query median (default 7, or 3 above 200,000 events)"
    )
    parser.add_argument(
        "--stream-runs", type=int, default=1, help="runs per all-events output median (default 1)"
    )
    parser.add_argument(
        "--only", action="append", choices=("startup", "yaml", "csv"), help="run only this part (repeatable)"
    )
    parser.add_argument("--skip", action="append", choices=PARTS, default=[], help="skip a part (repeatable)")
    parser.add_argument(
        "--timeout", type=float, default=900, help="seconds any one command may run (default 900)"
    )
    parser.add_argument(
        "--memory-limit", type=float, default=8, help="GiB any one command may hold (default 8)"
    )
    parser.add_argument(
        "--keep-data",
        type=Path,
        help="generate data folders here and reuse them in later runs (default: a temporary directory)",
    )
    arguments = parser.parse_args()
    skip = set(arguments.skip)
    if arguments.only:
        skip |= {part for part in ("startup", "yaml", "csv") if part not in arguments.only}
    limits = Limits(arguments.timeout, arguments.memory_limit * 1024)
    settings = Settings(
        files=arguments.files,
        scale_runs=arguments.scale_runs,
        stream_runs=max(1, arguments.stream_runs),
        limits=limits,
        build_limits=limits,
        skip=frozenset(skip),
        keep_data=arguments.keep_data.resolve() if arguments.keep_data else None,
    )
    sizes = sorted(set(arguments.events or [BASELINE]))
    if arguments.baseline not in sizes and "baseline" not in skip:
        sizes.insert(0, arguments.baseline)
    with tempfile.TemporaryDirectory(prefix="iranclash-cache-") as cache:
        env = {**os.environ, "IRANCLASH_CACHE_DIR": cache}
        # Without it each command's first run writes the package's bytecode and the others read it,
        # as on a user's machine (`pip install .` writes it at install, whatever the variable says).
        # Left set, an editable install compiles every module from source on every run: 30 ms.
        for name in ("IRANCLASH_DATA", "COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        print(f"iranclash benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}", end="")
        print(f"; each command stopped after {arguments.timeout:.0f} s or {arguments.memory_limit} GiB")
        load = os.getloadavg()[0]
        print(f"load average {load:.1f} at the start: other work on the machine slows every figure")
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            print("PYTHONDONTWRITEBYTECODE is set here, and unset for the commands measured")
        print()
        if "startup" not in skip:
            startup(env, limits, arguments.runs)
        for source in (YAML, CSV):
            if source.key in skip:
                continue
            measured = [size for size in sizes if source is not YAML or size <= arguments.yaml_max]
            if measured != sizes:
                left = ", ".join(f"{size:,}" for size in sizes if size not in measured)
                print(f"{source.title}: not measured at {left} (above --yaml-max)")
            if measured:
                report(source, [measure(source, size, settings, env) for size in measured], settings)


if __name__ == "__main__":
    main()
