"""``PartialDate`` keeps what it had as a frozen dataclass: a value compared and hashed by
its fields, never changed in place, and sent whole through pickle (a build's child does)."""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import pytest

from iranclash.core.dates import PartialDate, Precision


def test_dates_are_equal_and_hashed_by_their_fields() -> None:
    month = PartialDate.parse("2021-07")
    assert month == PartialDate(dt.date(2021, 7, 1), dt.date(2021, 7, 31), "2021-07", Precision.MONTH)
    assert hash(month) == hash(PartialDate.parse("2021-07"))
    assert len({month, PartialDate.parse("2021-07"), PartialDate.parse("2021")}) == 2
    # The same span, written otherwise, is another date: the text is what the source said.
    assert month != PartialDate.between(dt.date(2021, 7, 1), dt.date(2021, 7, 30))
    assert month != ("2021-07-01", "2021-07-31", "2021-07", Precision.MONTH)
    assert month != "2021-07"


def test_a_date_cannot_be_changed() -> None:
    day = PartialDate.parse("2021-07-05")
    with pytest.raises(AttributeError):
        day.text = "2021-07-06"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del day.start  # type: ignore[misc]
    with pytest.raises(AttributeError):
        day.note = "made up"  # type: ignore[attr-defined]
    assert str(day) == "2021-07-05"


@pytest.mark.parametrize("text", ["2021-07-05", "2020-03", "2019", "2000s"])
def test_a_date_survives_pickle_and_copy_whole(text: str) -> None:
    date = PartialDate.parse(text)
    for again in (pickle.loads(pickle.dumps(date)), copy.deepcopy(date), copy.copy(date)):
        assert again == date
        assert (again.start, again.end, again.text, again.precision) == (
            date.start,
            date.end,
            date.text,
            date.precision,
        )
    assert repr(date).startswith("PartialDate(start=datetime.date(")
