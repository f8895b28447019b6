"""Totals that never say more than their parts.

A figure the source does not give is unknown, not zero: a sum over records of
which some give no figure is a lower bound ("at least 19"), and a sum where none
gives one is "unknown". A record that sums up incidents the source does not list
one by one (an *aggregate*: "at least five drone attacks this year") may include
records of the same incidents kept on their own, so it is never added to them:
it and they are two lower bounds for the same incidents, and the total is the
larger. These rules are the whole of how ``summary`` adds figures up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Total:
    """A figure the sources support: ``value`` (None when unknown), and whether it is
    only a lower bound."""

    value: int | None
    at_least: bool = False

    def __str__(self) -> str:
        if self.value is None:
            return "unknown"
        return f"at least {self.value}" if self.at_least else str(self.value)

    def to_data(self) -> dict[str, object]:
        return {"value": self.value, "at_least": self.at_least}


#: A total over no records at all: nothing recorded, so exactly nothing.
NOTHING = Total(0)


def figure(value: int | None, *, at_least: bool = False) -> Total:
    """One record's figure; a figure it does not give is unknown."""
    return Total(value, at_least or value is None)


def of_records(known_sum: int | None, *, records: int, missing: int, any_at_least: bool) -> Total:
    """The sum over ``records`` records, of which ``missing`` give no figure and
    ``known_sum`` is the sum of those that do (the shape an SQL ``sum`` gives)."""
    if records == 0:
        return NOTHING
    if missing == records or known_sum is None:
        return Total(None, True)
    return Total(known_sum, any_at_least or missing > 0)


def add(totals: Iterable[Total]) -> Total:
    """The sum of separate records' figures: unknown only if every part is unknown."""
    known = 0
    any_known = False
    at_least = False
    empty = True
    for total in totals:
        empty = False
        at_least = at_least or total.at_least or total.value is None
        if total.value is not None:
            known += total.value
            any_known = True
    if empty:
        return NOTHING
    return Total(known, at_least) if any_known else Total(None, True)


@dataclass(frozen=True)
class Aggregate:
    """An aggregate record's own figure, with what the separate records outside its
    date span add up to (None: there are none) and how many fall within that span."""

    figure: Total
    outside: Total | None
    overlapping: int


@dataclass(frozen=True)
class Dated:
    """The figures of ``records`` records dated within one span (ISO dates), added up."""

    start: str
    end: str
    total: Total
    records: int = 1


def combined(separate: Iterable[Dated], aggregates: Iterable[Dated]) -> Total:
    """The total of separate records and of aggregate records, each aggregate being a
    lower bound for the incidents of its span: never added to the separate records whose
    dates overlap that span, only to those outside it."""
    separate = list(separate)
    separate_total = add(item.total for item in separate) if separate else None
    bounds = []
    for aggregate in aggregates:
        outside = [item for item in separate if item.end < aggregate.start or item.start > aggregate.end]
        own = aggregate.total if aggregate.records == 1 else Total(aggregate.total.value, True)
        bounds.append(
            Aggregate(
                own,
                add(item.total for item in outside) if outside else None,
                sum(item.records for item in separate) - sum(item.records for item in outside),
            )
        )
    return with_aggregates(separate_total, bounds)


def with_aggregates(separate: Total | None, aggregates: Sequence[Aggregate]) -> Total:
    """The total of separate records (None: there are none) and aggregates that may
    count the same incidents.

    Each aggregate plus the separate records outside its span is one lower bound,
    the separate records alone another; the total is the largest, and it is exact
    only when one aggregate overlaps no separate record and every part is exact.
    """
    if not aggregates:
        return NOTHING if separate is None else separate
    own = [item.figure if item.outside is None else add([item.figure, item.outside]) for item in aggregates]
    candidates = own if separate is None else [*own, separate]
    known = [candidate for candidate in candidates if candidate.value is not None]
    if not known:
        return Total(None, True)
    best = max(known, key=lambda candidate: candidate.value or 0)
    exact = len(aggregates) == 1 and aggregates[0].overlapping == 0 and best is own[0] and not best.at_least
    return Total(best.value, not exact)
