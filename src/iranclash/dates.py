"""Dates as precise as their source: a day, a month, a year or a decade."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?|([0-9]{3})0s")


class Precision(str, Enum):
    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    DECADE = "decade"


@dataclass(frozen=True)
class PartialDate:
    """A date as precise as the source: ``2021-07-08``, ``2020-03``, ``2019`` or ``2000s``.

    ``start`` and ``end`` bound it, so filters and sorting treat an imprecise
    date as the span it covers instead of pretending it is a day.
    """

    start: dt.date
    end: dt.date
    text: str
    precision: Precision

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

    def __str__(self) -> str:
        return self.text
