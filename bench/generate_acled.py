"""Write an ACLED-shaped CSV of N made-up rows (the 31 current columns), for scale runs.

Every row is generated, none is ACLED's: ids start with XXX, places and notes say they
are made up. The rows vary as real ones do (event types mapped and not, time precision
1/2/3, associated actors, structured actor names, dates spread over 25 years, a few
thousand places), so a reader does the work a real export asks of it.

    python bench/generate_acled.py OUT.csv --rows 1000000
    python bench/generate_acled.py recent.csv --rows 1000 --start 1000000  # a second export

Rows are numbered from ``--start``, so exports written side by side share no event id.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

from iranclash.output.acled_csv import COLUMNS

TYPES = (
    ("Political violence", "Battles", "Armed clash"),
    ("Political violence", "Explosions/Remote violence", "Air/drone strike"),
    ("Political violence", "Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Political violence", "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Political violence", "Violence against civilians", "Attack"),
    ("Demonstrations", "Protests", "Peaceful protest"),
    ("Strategic developments", "Strategic developments", "Disrupted weapons use"),
    ("Strategic developments", "Strategic developments", "Arrests"),
)
ACTORS = (
    ("Military Forces of Made-up Land (2018-)", 1),
    ("Military Forces of Made-up Land (2018-) Sample Mobilization Forces", 1),
    ("Police Forces of Made-up Land (2018-)", 1),
    ("Unidentified Armed Group (Made-up Land)", 3),
    ("Example State (Made-up Land)", 2),
    ("XYZ: Example Democratic Forces", 2),
    ("Militia (Pro-Example)", 3),
    ("Protesters (Made-up Land)", 6),
    ("Civilians (Made-up Land)", 7),
    ("Military Forces of Example Republic (2017-)", 8),
)
ASSOCIATED = ("", "Sample Brigade", "Sample Brigade; Example Organization", "Example League")
START = dt.date(2000, 1, 1)


def row(index: int) -> list[object]:
    disorder, event_type, sub_event_type = TYPES[index % len(TYPES)]
    actor1, inter1 = ACTORS[index % len(ACTORS)]
    actor2, inter2 = ACTORS[(index * 7 + 3) % len(ACTORS)] if index % 3 else ("", 0)
    day = START + dt.timedelta(days=(index * 37) % 9000)
    province = index % 18
    district = (index // 18) % 12
    town = (index // 216) % 20
    return [
        f"XXX{index}",
        day.isoformat() if index % 5 else f"{day.day:02d} {day:%B} {day.year}",
        day.year,
        1 + (index % 10 == 0) + (index % 25 == 0),
        disorder,
        event_type,
        sub_event_type,
        actor1,
        ASSOCIATED[index % len(ASSOCIATED)],
        inter1,
        actor2,
        "",
        inter2,
        f"{min(inter1, inter2)}{max(inter1, inter2)}",
        "",
        999,
        "Made-up Region",
        "Made-up Land",
        f"Made-up Province {province}",
        f"Sample District {province}-{district}",
        "",
        f"Example Town {province}-{district}-{town}",
        f"{30 + province * 0.3 + town * 0.01:.4f}",
        f"{40 + district * 0.3 + town * 0.01:.4f}",
        1 + index % 3,
        "Made-up Agency; Example Weekly" if index % 2 else "Example Weekly",
        "National",
        f"MADE UP row {index}: generated for the scale bench, not an event.",
        index % 4,
        "",
        1700000000 + index,
    ]


def generate(out: Path, rows: int, start: int = 0) -> None:
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for index in range(start, start + rows):
            writer.writerow(row(index))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--start", type=int, default=0, help="number of the first row (its id is XXX<start>)")
    arguments = parser.parse_args()
    generate(arguments.out, arguments.rows, arguments.start)


if __name__ == "__main__":
    main()
