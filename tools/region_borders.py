"""Make src/iranclash/output/region.json: the borders the report's map draws.

The report's map shows the countries around the data's places, so a reader can tell which side
of the Iraq–Syria border a crossing is on. The borders are Natural Earth's (public domain), as
the npm package world-atlas ships them in TopoJSON. This script is run by hand, once, and its
small result is committed; nothing is fetched when the report is made:

    cd "$(mktemp -d)" && npm pack world-atlas && tar xzf world-atlas-*.tgz
    .venv/bin/python tools/region_borders.py package/countries-50m.json \
        > src/iranclash/output/region.json

Each country's rings are simplified (Douglas–Peucker on the shared arcs, so neighbours keep one
border between them) and cut to a box around the data's places, with room to spare, by the map's
own ``clip``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from iranclash.output.svgmap import clip

COUNTRIES = (
    "Iraq", "Syria", "Turkey", "Iran", "Jordan", "Saudi Arabia", "Kuwait",
    "Lebanon", "Israel", "Palestine", "Egypt", "Cyprus", "Armenia", "Azerbaijan",
)  # fmt: skip
# West, south, east, north: wider than any frame the report draws for the shipped places.
BOX = (32.0, 28.0, 50.0, 40.0)
TOLERANCE = 0.04  # degrees: about 4 km, under a pixel on the report's map
CREDIT = "Natural Earth (public domain), 1:50m countries, via the npm package world-atlas 2.0.2"

Point = tuple[float, float]


def arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The topology's arcs, decoded from its quantized deltas to longitude and latitude."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas–Peucker, keeping both ends (arcs meet at their ends)."""
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    worst, index = 0.0, 0
    for i, (x, y) in enumerate(points[1:-1], start=1):
        if length:
            distance = abs((y2 - y1) * x - (x2 - x1) * y + x2 * y1 - y2 * x1) / length
        else:
            distance = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
        if distance > worst:
            worst, index = distance, i
    if worst <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[: index + 1], tolerance)[:-1] + simplify(points[index:], tolerance)


def ring(indexes: list[int], lines: list[list[Point]]) -> list[Point]:
    """A polygon's ring from its arcs (``~i`` is arc ``i`` reversed), each shared end once."""
    points: list[Point] = []
    for index in indexes:
        arc = lines[index] if index >= 0 else lines[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def region(topology: dict[str, Any]) -> dict[str, Any]:
    lines = [simplify(arc, TOLERANCE) for arc in arcs(topology)]
    countries: dict[str, list[list[list[float]]]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        name = geometry.get("properties", {}).get("name")
        if name not in COUNTRIES:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = []
        for polygon in polygons:
            for indexes in polygon:
                cut = clip(ring(indexes, lines), BOX)
                rounded = [[round(x, 2), round(y, 2)] for x, y in cut]
                deduped = [p for i, p in enumerate(rounded) if p != rounded[i - 1]]
                if len(deduped) >= 3:
                    rings.append(deduped)
        if rings:
            countries[name] = rings
    return {"credit": CREDIT, "box": list(BOX), "countries": countries}


def main() -> None:
    topology = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(region(topology), separators=(",", ":")))


if __name__ == "__main__":
    main()
