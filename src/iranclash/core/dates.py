"""Dates as precise as their source: a day, a month, a year, a decade, or a span of days."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum

_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?|([0-9]{3})0s")


class Precision(str, Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    DECADE = "decade"
    #: Somewhere between two days, as a dataset bounds an event (a week, a few days).
    RANGE = "range"


class PartialDate:
    """A date as precise as the source: ``2021-07-08``, ``2020-03``, ``2019`` or ``2000s``.

    ``start`` and ``end`` bound it, so filters and sorting treat an imprecise
    date as the span it covers instead of pretending it is a day.

    Immutable, compared and hashed by its four fields, like a frozen dataclass; written
    out because ``--since`` makes one on every query's path, where a frozen dataclass
    costs 1 ms to create (see ``results``).
    """

    __slots__ = ("end", "precision", "start", "text")

    start: dt.date
    end: dt.date
    text: str
    precision: Precision

    def __init__(self, start: dt.date, end: dt.date, text: str, precision: Precision) -> None:
        assign = object.__setattr__
        assign(self, "start", start)
        assign(self, "end", end)
        assign(self, "text", text)
        assign(self, "precision", precision)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PartialDate) and other.__class__ is self.__class__:
            return (self.start, self.end, self.text, self.precision) == (
                other.start,
                other.end,
                other.text,
                other.precision,
            )
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.text, self.precision))

    def __repr__(self) -> str:
        return (
            f"PartialDate(start={self.start!r}, end={self.end!r}, text={self.text!r}, "
            f"precision={self.precision!r})"
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}: a PartialDate is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}: a PartialDate is immutable")

    def __reduce__(self) -> tuple[type[PartialDate], tuple[dt.date, dt.date, str, Precision]]:
        # How pickle makes it again (a build's child sends records to its parent pickled).
        return (PartialDate, (self.start, self.end, self.text, self.precision))

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read a date exactly as written: ASCII digits, no surrounding blanks."""
        match = _DATE.fullmatch(text)
        if not match:
            raise ValueError(
                f"{text[:40]!r} is not a date: use YYYY-MM-DD, YYYY-MM, YYYY or a decade like 2000s"
            )
        year_text, month_text, day_text, decade_text = match.groups()
        try:
            if decade_text is not None:
                first = int(decade_text) * 10
                return cls(dt.date(first, 1, 1), dt.date(first + 9, 12, 31), text, Precision.DECADE)
            year = int(year_text)
            if month_text is None:
                return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), text, Precision.YEAR)
            month = int(month_text)
            if day_text is None:
                start = dt.date(year, month, 1)
                # December ends on the 31st: the month after 9999-12 is past what dates hold.
                end = (
                    dt.date(year, 12, 31)
                    if month == 12
                    else dt.date(year, month + 1, 1) - dt.timedelta(days=1)
                )
                return cls(start, end, text, Precision.MONTH)
            day = dt.date(year, month, int(day_text))
            return cls(day, day, text, Precision.DAY)
        except ValueError:
            raise ValueError(f"{text!r} is not a real date") from None

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> PartialDate:
        """The date known only to lie from ``start`` to ``end``: a day, a whole month or a
        whole year when the bounds are exactly that, else a range written ``start/end``
        (ISO 8601's interval), never one day picked from it."""
        if end < start:
            raise ValueError(f"{end.isoformat()} is before {start.isoformat()}")
        if start == end:
            return cls(start, end, start.isoformat(), Precision.DAY)
        following = end + dt.timedelta(days=1)
        if start.day == 1 and following.day == 1:
            if start.month == end.month and start.year == end.year:
                return cls(start, end, start.isoformat()[:7], Precision.MONTH)
            if (start.month, end.month, start.year) == (1, 12, end.year):
                return cls(start, end, str(start.year), Precision.YEAR)
        return cls(start, end, f"{start.isoformat()}/{end.isoformat()}", Precision.RANGE)

    def __str__(self) -> str:
        return self.text
