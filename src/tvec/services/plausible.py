"""Plausible dates: bounds against typing errors (a birth date in the year 1, a lot expiring in
9999), set in the settings (TVEC_EARLIEST_DATE, TVEC_COURSE_WINDOW_DAYS, TVEC_LOT_EXPIRED_DAYS,
TVEC_LOT_EXPIRY_AHEAD_DAYS). These are tvec's own bounds, not clinical rules. A refusal names the
field and the bound, never the value (a birth date identifies a patient).
"""

from __future__ import annotations

from datetime import date, timedelta

from tvec.domain.errors import InvalidInput
from tvec.services.context import Actor, Context


def _shifted(day: date, days: int) -> date:
    """`day` moved by `days`, held within the calendar (years 1 to 9999)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def not_in_future(ctx: Context, actor: Actor, where: str, field: str, day: date | None) -> None:
    """A date that has happened: on or after the earliest plausible date, and not after today
    (the actor's today, in their centre's time zone)."""
    if day is None:
        return
    earliest = ctx.settings.earliest_date
    if day < earliest:
        raise InvalidInput(where, field, f"must not be before {earliest.isoformat()}")
    if day > ctx.today(actor):
        raise InvalidInput(where, field, "must not be in the future")


def near_today(ctx: Context, actor: Actor, where: str, field: str, day: date | None) -> None:
    """A course date: within the course window of today, either side."""
    if day is None:
        return
    days = ctx.settings.course_window_days
    today = ctx.today(actor)
    low, high = _shifted(today, -days), _shifted(today, days)
    if not low <= day <= high:
        raise InvalidInput(
            where,
            field,
            f"must be within {days} days of today ({low.isoformat()} to {high.isoformat()})",
        )


def lot_expiry(ctx: Context, actor: Actor, where: str, field: str, day: date) -> None:
    """A lot's expiry: not long past (TVEC_LOT_EXPIRED_DAYS) nor far ahead."""
    today, settings = ctx.today(actor), ctx.settings
    low = _shifted(today, -settings.lot_expired_days)
    high = _shifted(today, settings.lot_expiry_ahead_days)
    if not low <= day <= high:
        raise InvalidInput(
            where, field, f"must be between {low.isoformat()} and {high.isoformat()}"
        )
