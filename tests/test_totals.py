"""The totals rules, on figures chosen so that a naive sum or a naive maximum gives another answer."""

from __future__ import annotations

from iranclash.core.totals import NOTHING, Dated, Total, add, combined, figure, of_records


def day(text: str, total: Total, records: int = 1) -> Dated:
    return Dated(text, text, total, records)


YEAR_2021 = ("2021-01-01", "2021-12-31")


def test_a_missing_figure_makes_a_total_a_lower_bound_never_zero() -> None:
    assert add([figure(3), figure(None)]) == Total(3, at_least=True)
    assert str(add([figure(3), figure(None)])) == "at least 3"
    assert add([figure(None), figure(None)]) == Total(None, at_least=True)
    assert str(add([figure(None)])) == "unknown"
    assert str(add([figure(0), figure(None)])) == "at least 0"
    assert str(add([figure(2), figure(0)])) == "2"
    assert add([]) == NOTHING


def test_a_lower_bound_stays_a_lower_bound() -> None:
    assert str(add([figure(2, at_least=True), figure(1)])) == "at least 3"


def test_sums_as_sql_gives_them() -> None:
    assert of_records(None, records=3, missing=3, any_at_least=False) == Total(None, True)
    assert of_records(19, records=4, missing=1, any_at_least=False) == Total(19, True)
    assert of_records(19, records=3, missing=0, any_at_least=False) == Total(19, False)
    assert of_records(None, records=0, missing=0, any_at_least=False) == NOTHING


def test_an_aggregate_is_not_added_to_the_dated_records_it_may_include() -> None:
    separate = [
        day("2021-07-05", figure(1)),
        day("2021-07-06", figure(1)),
        day("2021-07-07", figure(None)),
    ]
    aggregate = [Dated(*YEAR_2021, figure(5, at_least=True))]
    # A sum would say 7; the sources support at least 5.
    assert str(combined(separate, aggregate)) == "at least 5"


def test_an_aggregate_adds_to_records_outside_its_span() -> None:
    separate = [day("2020-05-01", figure(4)), day("2021-07-05", figure(1)), day("2021-07-06", figure(1))]
    aggregate = [Dated(*YEAR_2021, figure(5, at_least=True))]
    # The largest single figure (5) or the separate sum (6) would both understate: 4 + 5.
    assert combined(separate, aggregate) == Total(9, at_least=True)


def test_separate_records_win_when_they_say_more() -> None:
    separate = [day("2021-02-01", figure(4)), day("2021-03-01", figure(4))]
    aggregate = [Dated(*YEAR_2021, figure(5, at_least=True))]
    assert combined(separate, aggregate) == Total(8, at_least=True)


def test_an_exact_aggregate_overlapping_nothing_stays_exact() -> None:
    separate = [day("2020-05-01", figure(3))]
    assert combined(separate, [Dated(*YEAR_2021, figure(5))]) == Total(8, at_least=False)
    # Overlapping a separate record, it may or may not include it: only a lower bound.
    overlapping = [day("2021-05-01", figure(3))]
    assert combined(overlapping, [Dated(*YEAR_2021, figure(5))]) == Total(5, at_least=True)


def test_an_aggregate_without_a_figure_is_unknown_alone() -> None:
    assert str(combined([], [Dated(*YEAR_2021, figure(None))])) == "unknown"
    assert str(combined([day("2020-01-01", figure(2))], [Dated(*YEAR_2021, figure(None))])) == "at least 2"


def test_several_aggregates_of_one_span_are_a_lower_bound() -> None:
    assert combined([], [Dated(*YEAR_2021, figure(5), records=2)]) == Total(5, at_least=True)
