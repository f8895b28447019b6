"""How fast ``iranclash.ingest.datasets`` streams an export, and in how much memory.

    python bench/generate_acled.py /tmp/acled.csv --rows 1000000
    python bench/read_datasets.py /tmp/acled.csv

Reads every row (events, and the actors and places new to each row) and counts them,
keeping nothing: the figure is the readers' own cost, before any store. Peak memory is
the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from iranclash.ingest import datasets


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("files", type=Path, nargs="+")
    arguments = parser.parse_args()
    seen: set[str] = set()
    events = records = problems = 0
    started = time.perf_counter()
    for path in arguments.files:
        for item in datasets.read(path, seen):
            if isinstance(item, datasets.Imported):
                events += 1
                records += len(item.new)
            else:
                problems += 1
                if problems <= 3:
                    print(item, file=sys.stderr)
    elapsed = time.perf_counter() - started
    size = sum(path.stat().st_size for path in arguments.files) / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows          {events + problems:,} ({problems:,} problems) in {size:,.0f} MiB of CSV")
    print(f"new records   {records:,} (actors, places, sources)")
    print(f"time          {elapsed:.1f} s, {(events + problems) / elapsed:,.0f} rows/s")
    print(f"peak memory   {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
