"""An event's figures in words, as every view shows them: its munitions and casualties.

Apart from ``query`` so that ``corroborate``, which ``query`` asks for an event's "Also
recorded by", words the article's figures the same way without importing it back.
"""

from __future__ import annotations

from iranclash.core.results import Row

#: A source saying "No casualties were reported": no figure, and not 0.
NONE_REPORTED = "none reported"


def munitions_label(row: Row, at_least: str = "≥") -> str:
    """``≥14 rockets (1 intercepted), drone``; ``at_least`` marks a count that is a minimum
    (prose says "at least ")."""
    parts = []
    for item in row["munitions"]:
        weapon = item["weapon"]
        if item["count"] is None:
            text = weapon
        else:
            plural = "" if item["count"] == 1 or weapon.endswith("s") else "s"
            text = (at_least if item["at_least"] else "") + f"{item['count']} {weapon}{plural}"
        if item["intercepted"]:
            text += f" ({item['intercepted']} intercepted)"
        parts.append(text)
    return ", ".join(parts)


def casualties_label(row: Row) -> str:
    """``at least 2 injured``, ``none reported``, or nothing where the source gives no figure."""
    casualties = row["casualties"]
    if not casualties:
        return ""
    if casualties.get("none_reported"):
        return NONE_REPORTED
    prefix = "at least " if casualties.get("at_least") else ""
    parts = [
        f"{prefix}{casualties[key]} {key}" for key in ("killed", "injured") if casualties[key] is not None
    ]
    return ", ".join(parts)
