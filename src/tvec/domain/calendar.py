"""Calendar arithmetic the rules need: months are calendar months, not 30-day blocks."""

from __future__ import annotations

import calendar
from datetime import MAXYEAR, date, timedelta

from tvec.domain.errors import BeyondCalendar


def add_days(day: date, days: int) -> date:
    """`days` days after `day`; BeyondCalendar past 9999-12-31."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise BeyondCalendar(
            f"{days} days after {day.isoformat()} is beyond the calendar (9999-12-31)"
        ) from None


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to the month's last day.

    >>> add_months(date(2026, 8, 31), 6)
    datetime.date(2027, 2, 28)
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > MAXYEAR:
        raise BeyondCalendar(
            f"{months} months after {day.isoformat()} is beyond the calendar (9999-12-31)"
        )
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))
