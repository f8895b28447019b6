"""The report's map: an SVG of the countries' borders, a dot for each place with coordinates,
each dot numbered, and a legend below that names the places.

The borders are Natural Earth's (public domain), simplified and cut to the region by
tools/region_borders.py and shipped beside this module as region.json: nothing is fetched.
Numbers rather than names go on the map so that no label runs over another at any width; each
is put on the first side of its dot where its box (estimated from the font size, generously)
meets no other label and no dot.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from importlib import resources

from iranclash.core.results import Row
from iranclash.output.geo import placement
from iranclash.output.text import visible

_WIDTH = 800
_PAD = 8
# The labels' largest font sizes in the map's units, those of a phone (report.py's CSS draws
# them smaller on a wider screen, where the map is drawn larger): room is kept for these.
_NUMBER = 28
_COUNTRY = 22
# Iraq and Syria are what the report is about: they are drawn paler than their neighbours.
_FOCUS = ("Iraq", "Syria")

Point = tuple[float, float]
Box = tuple[float, float, float, float]  # left, top, right, bottom


def _esc(value: object) -> str:
    return html.escape(visible(str(value)), quote=True)


def events_text(number: int) -> str:
    """``1 event``, ``3 events``."""
    return f"{number} event{'' if number == 1 else 's'}"


def borders() -> dict[str, list[list[list[float]]]]:
    """Each country's rings of [longitude, latitude], as shipped in region.json."""
    text = resources.files("iranclash.output").joinpath("region.json").read_text(encoding="utf-8")
    countries: dict[str, list[list[list[float]]]] = json.loads(text)["countries"]
    return countries


def clip(points: list[Point], box: tuple[float, float, float, float]) -> list[Point]:
    """Sutherland–Hodgman: the ring cut to the box (west, south, east, north); empty when it
    lies wholly outside."""
    west, south, east, north = box
    edges: tuple[tuple[Callable[[Point], bool], Callable[[Point, Point], Point]], ...] = (
        (lambda p: p[0] >= west, lambda a, b: _at_x(a, b, west)),
        (lambda p: p[0] <= east, lambda a, b: _at_x(a, b, east)),
        (lambda p: p[1] >= south, lambda a, b: _at_y(a, b, south)),
        (lambda p: p[1] <= north, lambda a, b: _at_y(a, b, north)),
    )
    for inside, cross in edges:
        kept: list[Point] = []
        for i, current in enumerate(points):
            previous = points[i - 1]
            if inside(current):
                if not inside(previous):
                    kept.append(cross(previous, current))
                kept.append(current)
            elif inside(previous):
                kept.append(cross(previous, current))
        points = kept
    return points


def _at_x(a: Point, b: Point, x: float) -> Point:
    return x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])


def _at_y(a: Point, b: Point, y: float) -> Point:
    return a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y


def _centroid(points: list[Point]) -> tuple[float, Point]:
    """A ring's area and centre of mass (the shoelace formula)."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if not area:
        return 0.0, (0.0, 0.0)
    return abs(area) / 2, (cx / (3 * area), cy / (3 * area))


def _meets(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _free(box: Box, taken: list[Box], height: int) -> bool:
    """Whether a label's box lies inside the picture and meets nothing drawn so far."""
    inside = box[0] >= 0 and box[2] <= _WIDTH and box[1] >= 0 and box[3] <= height
    return inside and not any(_meets(box, other) for other in taken)


def svg_map(events: list[Row], places: dict[str, Row]) -> str:
    """The map and its legend as HTML: an SVG figure, a numbered list of the places, notes."""
    counts: dict[str, int] = {}
    for row in events:
        found = placement(row["places"], places)
        if found:
            counts[found[0]["id"]] = counts.get(found[0]["id"], 0) + 1
    located = [place for place in places.values() if place.get("coordinates")]
    unplaced = sum(1 for row in events if not placement(row["places"], places))
    if not located:
        return '<p class="muted">No place in the data has coordinates.</p>'
    lats = sorted(place["coordinates"]["lat"] for place in located)
    lons = sorted(place["coordinates"]["lon"] for place in located)
    mid_lat, mid_lon = lats[len(lats) // 2], lons[len(lons) // 2]
    near = [
        place
        for place in located
        if abs(place["coordinates"]["lat"] - mid_lat) <= 12
        and abs(place["coordinates"]["lon"] - mid_lon) <= 12
    ]
    far = [place for place in located if place not in near]
    south = math.floor(min(p["coordinates"]["lat"] for p in near)) - 1
    north = math.ceil(max(p["coordinates"]["lat"] for p in near)) + 1
    west = math.floor(min(p["coordinates"]["lon"] for p in near)) - 1
    east = math.ceil(max(p["coordinates"]["lon"] for p in near)) + 1
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = (_WIDTH - 2 * _PAD) / ((east - west) * squeeze)
    height = round((north - south) * scale + 2 * _PAD)

    def xy(lon: float, lat: float) -> Point:
        return round(_PAD + (lon - west) * squeeze * scale, 1), round(_PAD + (north - lat) * scale, 1)

    frame = (west, south, east, north)
    shapes = [_countries(frame, xy)]
    clusters: list[list[Row]] = []
    for place in sorted(near, key=lambda p: -counts.get(p["id"], 0)):
        here = place["coordinates"]
        for cluster in clusters:
            there = cluster[0]["coordinates"]
            if abs(here["lat"] - there["lat"]) <= 0.2 and abs(here["lon"] - there["lon"]) <= 0.2:
                cluster.append(place)
                break
        else:
            clusters.append([place])
    dots: list[tuple[float, float, float]] = []
    for cluster in clusters:
        first = cluster[0]["coordinates"]
        x, y = xy(first["lon"], first["lat"])
        total = sum(counts.get(place["id"], 0) for place in cluster)
        dots.append((x, y, round(5 + 3 * math.sqrt(total), 1)))
    taken: list[Box] = [(x - r - 1, y - r - 1, x + r + 1, y + r + 1) for x, y, r in dots]
    legend = []
    for number, (cluster, (x, y, radius)) in enumerate(zip(clusters, dots, strict=True), start=1):
        total = sum(counts.get(place["id"], 0) for place in cluster)
        vague = all(place["coordinates"]["precision"] in ("region", "city") for place in cluster)
        kinds = " ".join(kind for kind, holds in (("none", not total), ("vague", vague)) if holds)
        names = " · ".join(place["name"] for place in cluster)
        details = "; ".join(
            f"{place['name']}: {place['coordinates']['lat']}, {place['coordinates']['lon']}"
            f" ({place['coordinates']['precision']}), {events_text(counts.get(place['id'], 0))}"
            for place in cluster
        )
        label = _number_label(str(number), x, y, radius, taken, height)
        shapes.append(
            f'<g class="place"><title>{number}. {_esc(details)}</title>'
            f'<circle class="{kinds}" cx="{x}" cy="{y}" r="{radius}"/>{label}</g>'
        )
        precision = " or ".join(sorted({place["coordinates"]["precision"] for place in cluster}))
        legend.append(
            f'<li value="{number}">{_esc(names)} <span class="muted">({events_text(total)};'
            f" {_esc(precision)})</span></li>"
        )
    labels = _country_labels(frame, xy, taken, height)
    svg = (
        f'<svg viewBox="0 0 {_WIDTH} {height}" role="img" aria-label="Map of the places">'
        + "".join(shapes + labels)
        + "</svg>"
    )
    notes = [
        "Borders: Natural Earth (public domain), via world-atlas. Positions are general knowledge, "
        "not from the source, and only as precise as stated: a dashed dot is a city or region, not "
        "a site. A dot's size counts the report's events put there (an event goes to the first of "
        "its places with coordinates, or the nearest place containing it that has some); a hollow "
        "dot has none. The numbers are those of the list."
    ]
    if unplaced:
        notes.append(f"{events_text(unplaced)} of the report have no place with coordinates: not on the map.")
    if far:
        notes.append(
            "Off the map: "
            + "; ".join(
                f"{place['name']} ({place['coordinates']['lat']}, {place['coordinates']['lon']},"
                f" {place['coordinates']['precision']}), {events_text(counts.get(place['id'], 0))}"
                for place in far
            )
            + "."
        )
    return f'<figure>{svg}</figure>\n<ol class="legend">{"".join(legend)}</ol>\n' + "\n".join(
        f'<p class="note">{_esc(note)}</p>' for note in notes
    )


def _countries(frame: tuple[float, float, float, float], xy: Callable[[float, float], Point]) -> str:
    west, south, east, north = frame
    # Cut with a margin, so the cut's own edges fall outside the picture.
    margin = (west - 1, south - 1, east + 1, north + 1)
    paths = []
    for name, rings in borders().items():
        drawn = []
        for ring in rings:
            cut = clip([(lon, lat) for lon, lat in ring], margin)
            if len(cut) >= 3:
                drawn.append("M" + "L".join("{},{}".format(*xy(lon, lat)) for lon, lat in cut) + "Z")
        if drawn:
            kind = "country focus" if name in _FOCUS else "country"
            paths.append(f'<path class="{kind}" d="{"".join(drawn)}"><title>{_esc(name)}</title></path>')
    return "".join(paths)


def _country_labels(
    frame: tuple[float, float, float, float],
    xy: Callable[[float, float], Point],
    taken: list[Box],
    height: int,
) -> list[str]:
    """Each country's name at the centre of its largest part in the picture, if it has room
    there or a little above or below; a country with only a sliver in the picture goes unnamed."""
    west, south, east, north = frame
    whole = (east - west) * (north - south)
    labels = []
    for name, rings in borders().items():
        cuts = [clip([(lon, lat) for lon, lat in ring], frame) for ring in rings]
        parts = [part for part in map(_centroid, cuts) if part[0]]
        if not parts:
            continue
        area, (lon, lat) = max(parts)
        if area < whole / 25:
            continue
        x, y = xy(lon, lat)
        text = name.upper()
        width = len(text) * _COUNTRY * 0.85
        for shift in (0, -30, 30, -60, 60, -90, 90):
            box = (x - width / 2, y + shift - _COUNTRY / 2, x + width / 2, y + shift + _COUNTRY / 2)
            if _free(box, taken, height):
                taken.append(box)
                labels.append(
                    f'<text class="country-label" x="{round(x, 1)}" y="{round(y + shift, 1)}"'
                    f' text-anchor="middle" dominant-baseline="central">{_esc(text)}</text>'
                )
                break
    return labels


def _number_label(text: str, x: float, y: float, radius: float, taken: list[Box], height: int) -> str:
    """The dot's number on the first side of it (right, left, above, below, then the corners)
    where it meets nothing drawn so far; where every side is taken (dots a few kilometres
    apart, as dataset rows around a base are), the same sides farther out, with a thin line
    back to the dot. Each is anchored on the side facing the dot, so a smaller font only
    brings it nearer."""
    # A text's box as the browser measures it is its line's height, 1.2 times its size.
    width, half = len(text) * _NUMBER * 0.65 + 2, _NUMBER * 0.6
    first = None
    for reach in (1.0, 2.0, 3.0, 4.0, 5.0):
        for spot in _label_spots(x, y, (radius + 2) * reach, width, half):
            first = first or spot
            if _free(spot[3], taken, height):
                return _placed(text, spot, taken, (x, y, radius) if reach > 1 else None)
    assert first is not None
    return _placed(text, first, taken, None)


def _label_spots(
    x: float, y: float, gap: float, width: float, half: float
) -> list[tuple[float, float, str, Box]]:
    """Where a label may go around (x, y): the anchor point, how the text hangs from it, and
    the box it fills; right, left, above, below, then the corners."""
    slant = gap * 0.7
    return [
        (x + gap, y, "start", (x + gap, y - half, x + gap + width, y + half)),
        (x - gap, y, "end", (x - gap - width, y - half, x - gap, y + half)),
        (x, y - gap - half, "middle", (x - width / 2, y - gap - 2 * half, x + width / 2, y - gap)),
        (x, y + gap + half, "middle", (x - width / 2, y + gap, x + width / 2, y + gap + 2 * half)),
        (
            x + slant,
            y - slant - half,
            "start",
            (x + slant, y - slant - 2 * half, x + slant + width, y - slant),
        ),
        (x - slant, y - slant - half, "end", (x - slant - width, y - slant - 2 * half, x - slant, y - slant)),
        (
            x + slant,
            y + slant + half,
            "start",
            (x + slant, y + slant, x + slant + width, y + slant + 2 * half),
        ),
        (x - slant, y + slant + half, "end", (x - slant - width, y + slant, x - slant, y + slant + 2 * half)),
    ]


def _placed(
    text: str, spot: tuple[float, float, str, Box], taken: list[Box], dot: tuple[float, float, float] | None
) -> str:
    """The label's text, with a leader line from the dot's edge when it stands away from it."""
    left, middle, anchor, box = spot
    taken.append(box)
    leader = ""
    if dot is not None:
        x, y, radius = dot
        to_x = min(max(x, box[0]), box[2])
        to_y = min(max(y, box[1]), box[3])
        length = math.hypot(to_x - x, to_y - y) or 1.0
        from_x, from_y = x + (to_x - x) * radius / length, y + (to_y - y) * radius / length
        leader = (
            f'<line class="leader" x1="{round(from_x, 1)}" y1="{round(from_y, 1)}"'
            f' x2="{round(to_x, 1)}" y2="{round(to_y, 1)}"/>'
        )
    return leader + (
        f'<text class="number" x="{round(left, 1)}" y="{round(middle, 1)}" text-anchor="{anchor}"'
        f' dominant-baseline="central">{_esc(text)}</text>'
    )
