"""Start-up and scale benchmark for iranclash: prints every figure in one run.

    python bench/bench.py                 # full run: shipped data and 100,000 events
    python bench/bench.py --events 20000  # a quicker scale run

Start-up is measured as a ratio to ``python -c pass`` timed in the same run, since
machines differ. Scale runs use a data folder generated from the shipped records
(bench/generate.py) and a private cache directory; ``jq`` filtering the same
events as one JSON file is the peer. Peak memory is each process's maximum RSS.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Timing:
    seconds: float
    peak_mib: float


def run_once(command: list[str], env: dict[str, str], stdout: int | None = subprocess.DEVNULL) -> Timing:
    """One run of ``command``: wall time and the child's own peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=stdout, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{stderr}")
    return Timing(elapsed, usage.ru_maxrss / 1024)


def median(command: list[str], env: dict[str, str], runs: int) -> Timing:
    timings = [run_once(command, env) for _ in range(runs)]
    return Timing(statistics.median(t.seconds for t in timings), max(t.peak_mib for t in timings))


def iranclash() -> list[str]:
    found = shutil.which("iranclash")
    return [found] if found else [sys.executable, "-m", "iranclash"]


def row(label: str, timing: Timing, note: str = "") -> None:
    print(f"  {label:<44} {timing.seconds * 1000:9.1f} ms  {timing.peak_mib:7.1f} MiB  {note}")


def startup(env: dict[str, str], runs: int) -> None:
    print(f"Start-up on the shipped data (median of {runs} runs, cache warm)")
    base = median([sys.executable, "-c", "pass"], env, runs)
    row("python -c pass", base)
    command = [*iranclash(), "events", "--since", "2021-07-05"]
    run_once(command, env)
    for label, extra, target in (
        ("events --since 2021-07-05 --json", ["--json"], 6),
        ("... as a table", [], 10),
    ):
        timing = median(command + extra, env, runs)
        ratio = timing.seconds / base.seconds
        row(label, timing, f"{ratio:4.1f}x python -c pass (target <= {target}x)")
    print()


def scale(env: dict[str, str], events: int, files: int, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="iranclash-bench-") as scratch:
        folder = Path(scratch) / "data"
        print(f"Scale: {events:,} events in {files} files (generated from the shipped records)")
        # In a child process: the children timed below would otherwise start from a fork of this
        # process and report its memory as theirs.
        subprocess.run(
            [
                sys.executable,
                str(HERE / "generate.py"),
                str(folder),
                "--events",
                str(events),
                "--files",
                str(files),
            ],
            check=True,
        )
        size = sum(path.stat().st_size for path in folder.rglob("*.yaml"))
        print(f"  data: {size / 2**20:.1f} MiB of YAML")
        base = iranclash()
        data = ["--data", str(folder)]
        queries = {
            "events --since 2021-07-05 --json": ["events", "--since", "2021-07-05", "--json"],
            'actor "Kata\'ib Hezbollah" --json': ["actor", "Kata'ib Hezbollah", "--json"],
            "search rockets --json": ["search", "rockets", "--json"],
            "summary --json": ["summary", "--json"],
        }
        first = [*base, *queries["events --since 2021-07-05 --json"], *data]
        row("cold: first run (compiles the cache)", run_once(first, env))
        edited = sorted((folder / "events").glob("*.yaml"))[0]
        edited.write_text(edited.read_text(encoding="utf-8") + "\n", encoding="utf-8")
        row("cold: after editing 1 file of the events", run_once(first, env))
        warm: dict[str, Timing] = {}
        for label, arguments in queries.items():
            warm[label] = median([*base, *arguments, *data], env, runs)
        jq = shutil.which("jq")
        peer: Timing | None = None
        if jq:
            as_json = Path(scratch) / "events.json"
            with open(as_json, "wb") as handle:
                subprocess.run([*base, "events", "--json", *data], env=env, stdout=handle, check=True)
            peer = median(
                [jq, '[.[] | select(.date_start >= "2021-07-05")]', str(as_json)], env, max(3, runs // 2)
            )
        print(f"  warm (median of {runs} runs):")
        for label, timing in warm.items():
            note = "target < 200 ms, < 150 MiB"
            if peer:
                note += f"; jq filter is {peer.seconds / timing.seconds:4.1f}x slower (target >= 5x)"
            row("  " + label, timing, note)
        if peer:
            row("  peer: jq select(.date_start >= ...) on one JSON file", peer)
        else:
            print("  peer: jq is not installed; skipped")
        damage_check(env, folder)
        print()


#: Run in a child: reads every stored event through the checked view and straight from the
#: table, best of five, and prints the count and both times.
DAMAGE_CHECK = """
import sqlite3, sys, time
from pathlib import Path
from iranclash import cache, checks

target = cache.cache_path(Path(sys.argv[1]))
checked = checks.connect(target.as_uri() + "?mode=ro", uri=True)
raw = sqlite3.connect(target.as_uri() + "?mode=ro", uri=True)


def best(connection, sql):
    times = []
    for _ in range(5):
        started = time.perf_counter()
        rows = connection.execute(sql).fetchall()
        times.append(time.perf_counter() - started)
    return min(times), len(rows)


with_check, count = best(checked, "SELECT json FROM event_json")
without, _ = best(raw, "SELECT json FROM event_json_data")
print(count, with_check, without)
"""


def damage_check(env: dict[str, str], folder: Path) -> None:
    """What checking each stored record's CRC costs a query that reads every event."""
    done = subprocess.run(
        [sys.executable, "-c", DAMAGE_CHECK, str(folder)], env=env, capture_output=True, text=True, check=True
    )
    count, checked, unchecked = done.stdout.split()
    extra = float(checked) - float(unchecked)
    print(
        f"  damage check: reading all {int(count):,} stored events takes {float(checked) * 1000:.1f} ms"
        f" checked, {float(unchecked) * 1000:.1f} ms unchecked (+{extra * 1000:.1f} ms,"
        f" {extra / int(count) * 1e9:.0f} ns per record)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--runs", type=int, default=21, help="runs per start-up median")
    parser.add_argument("--scale-runs", type=int, default=7, help="runs per warm query median")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="iranclash-cache-") as cache:
        env = {**os.environ, "IRANCLASH_CACHE_DIR": cache}
        env.pop("IRANCLASH_DATA", None)
        print(f"iranclash benchmark — {os.cpu_count()} cores, Python {sys.version.split()[0]}\n")
        startup(env, arguments.runs)
        scale(env, arguments.events, arguments.files, arguments.scale_runs)


if __name__ == "__main__":
    main()
