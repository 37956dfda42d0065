"""The one rule for a step of time, used by Play and ◀ ▶ (assets/map.js `F.shift`, checked
against this module by a browser test), the animation frames, the area series and the
size guards of the API.

A step is a day, a week or a calendar month. Steps count from an anchor day: the n-th
monthly step from 31 January is the last day of the month when the month is shorter
(29 February, then 31 March, 30 April), so a series never drifts to the 28th, and a
playback that starts on the 1st stays on the 1st.
"""
from __future__ import annotations

import calendar
import datetime as dt

STEPS = ("day", "week", "month")


def shift(anchor: dt.date, step: str, n: int) -> dt.date:
    """The day n steps after anchor (n may be negative); OverflowError past year 1 or 9999."""
    if step == "month":
        months = anchor.year * 12 + anchor.month - 1 + n
        year, month = divmod(months, 12)
        if not 1 <= year <= 9999:
            raise OverflowError("date out of range")
        last = calendar.monthrange(year, month + 1)[1]
        return dt.date(year, month + 1, min(anchor.day, last))
    return anchor + dt.timedelta(days=n * (7 if step == "week" else 1))


def count(start: dt.date, end: dt.date, step: str) -> int:
    """How many steps step_days(start, end, step) holds, without listing them."""
    if end < start:
        return 0
    if step == "month":
        months = (end.year - start.year) * 12 + end.month - start.month
        return months + (1 if shift(start, "month", months) <= end else 0)
    return (end - start).days // (7 if step == "week" else 1) + 1


def step_days(start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    """start, then every step after it up to end (inclusive); a step past 9999-12-31 ends
    the series rather than overflowing. Callers bound the size with count() first."""
    days = []
    for n in range(count(start, end, step)):
        try:
            days.append(shift(start, step, n))
        except OverflowError:
            break
    return days

