"""Time corroborate against a folder of exports beside the shipped events, warm (issue 21:
every curated event against 1,000,000 dataset rows in under a second).

    python bench/generate_acled.py /tmp/rows/acled/made-up.csv --rows 1000000
    python bench/corroborate.py /tmp/rows

The cache is built once (its time is printed), then each command is run ``--runs`` times and
its median wall time and largest resident memory printed, beside ``events --since`` on the
same data, a query of the kind held to 300 ms. The rows are made up (``generate_acled.py``
places them in a grid over Iraq and Syria's latitudes, a third of its places known only to
a region, which makes every event's radius wide): a harsher case than a real export.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMANDS = {
    "corroborate --json (every curated event)": ["corroborate", "--json"],
    "corroborate 2021-07-07-ain-al-assad-14-rockets --json": [
        "corroborate",
        "2021-07-07-ain-al-assad-14-rockets",
        "--json",
    ],
    "corroborate --unmatched --since 2021-06 --json": [
        "corroborate",
        "--unmatched",
        "--since",
        "2021-06",
        "--json",
    ],
    "event 2021-07-07-ain-al-assad-14-rockets --json": [
        "event",
        "2021-07-07-ain-al-assad-14-rockets",
        "--json",
    ],
    "summary --json": ["summary", "--json"],
    "events --since 2021-07-05 --until 2021-07-08 --json": [
        "events",
        "--since",
        "2021-07-05",
        "--until",
        "2021-07-08",
        "--json",
    ],
}


def run(arguments: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one run (the child's own, by wait4)."""
    started = time.perf_counter()
    process = subprocess.Popen(arguments, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(arguments)}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("exports", type=Path, help="a data folder holding acled/ or ucdp/ exports")
    parser.add_argument("--runs", type=int, default=5)
    arguments = parser.parse_args()
    iranclash = [str(Path(sys.executable).parent / "iranclash")]
    data = ["--data", "builtin", "--data", str(arguments.exports)]
    with tempfile.TemporaryDirectory(prefix="iranclash-corroborate-") as cache:
        env = {**os.environ, "IRANCLASH_CACHE_DIR": cache}
        seconds, mib = run([*iranclash, "summary", "--json", *data], env)
        print(f"cold build (then summary): {seconds:.1f} s, {mib:.0f} MiB")
        for label, command in COMMANDS.items():
            timings = [run([*iranclash, *command, *data], env) for _ in range(arguments.runs)]
            median = statistics.median(seconds for seconds, _mib in timings)
            peak = max(mib for _seconds, mib in timings)
            print(f"  {label:<58} {median * 1000:7.0f} ms  {peak:5.0f} MiB")
    print(f"load average after: {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")


if __name__ == "__main__":
    main()
