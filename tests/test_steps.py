"""The one rule for a step of time (dashboard/steps.py); assets/map.js follows it, which
tests/browser/test_dashboard.py checks in the browser."""
import datetime as dt

import pytest

from dashboard.steps import count, shift, step_days

D = dt.date


@pytest.mark.parametrize("anchor,step,n,expected", [
    (D(2016, 1, 31), "day", 1, D(2016, 2, 1)),
    (D(2016, 1, 3), "week", -1, D(2015, 12, 27)),
    (D(2016, 1, 31), "month", 1, D(2016, 2, 29)),   # leap year: the month's last day
    (D(2015, 1, 31), "month", 1, D(2015, 2, 28)),
    (D(2016, 1, 31), "month", 2, D(2016, 3, 31)),   # counted from the anchor: no drift
    (D(2016, 1, 31), "month", 3, D(2016, 4, 30)),
    (D(2016, 1, 15), "month", -1, D(2015, 12, 15)),
    (D(2016, 3, 31), "month", -13, D(2015, 2, 28)),
])
def test_shift(anchor, step, n, expected):
    assert shift(anchor, step, n) == expected


def test_a_monthly_series_from_the_31st_keeps_month_ends():
    assert step_days(D(2016, 1, 31), D(2016, 5, 30), "month") == [
        D(2016, 1, 31), D(2016, 2, 29), D(2016, 3, 31), D(2016, 4, 30)]


@pytest.mark.parametrize("start,end,step", [
    (D(2016, 1, 31), D(2016, 2, 28), "month"), (D(2016, 1, 31), D(2016, 2, 29), "month"),
    (D(2016, 1, 1), D(2016, 12, 31), "week"), (D(2016, 1, 1), D(2016, 1, 1), "day"),
    (D(2016, 3, 3), D(2016, 3, 2), "week"), (D(2014, 5, 17), D(2018, 6, 28), "month"),
])
def test_count_agrees_with_the_series_it_sizes(start, end, step):
    days = step_days(start, end, step)
    assert count(start, end, step) == len(days)
    assert all(a < b for a, b in zip(days, days[1:])) and all(start <= d <= end for d in days)
    if days:  # the next step would pass the end
        assert shift(start, step, len(days)) > end


def test_a_series_stops_at_the_last_representable_day():
    assert step_days(D(9999, 10, 31), D(9999, 12, 31), "month")[-1] == D(9999, 12, 31)
    with pytest.raises(OverflowError):
        shift(D(9999, 12, 31), "month", 1)
