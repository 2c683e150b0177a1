"""Course holds: whether a course is held on a date, and the refusal of a held course's dose.

A hold is in force from its first day (`starts_on`) until it is released, or until its last day
(`ends_on`, inclusive) when it has one. While any hold of a course is in force, no dose of that
course may be planned or given: `check_not_held` raises `CourseHeld` with the hold's reason
(`hold_reason`) and its last day. Holds come in as any objects with those fields (the
persistence layer's records).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol, TypeVar

from tvec.domain.errors import CourseHeld


class Hold(Protocol):
    @property
    def hold_reason(self) -> str: ...
    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date | None: ...
    @property
    def released_at(self) -> datetime | None: ...


H = TypeVar("H", bound=Hold)


def in_force(hold: Hold, on: date) -> bool:
    """The hold holds the course on `on`: started, not released, and not past its last day."""
    if hold.released_at is not None or on < hold.starts_on:
        return False
    return hold.ends_on is None or on <= hold.ends_on


def hold_in_force(holds: Iterable[H], on: date) -> H | None:
    """The hold in force on `on` that lasts longest (one without a last day first), or None."""
    held = [hold for hold in holds if in_force(hold, on)]
    if not held:
        return None
    return max(held, key=lambda hold: hold.ends_on or date.max)


def until_text(hold: Hold) -> str:
    """How long the hold lasts, in the clinic's words."""
    if hold.ends_on is None:
        return "until released"
    return f"until {hold.ends_on.isoformat()}"


def check_not_held(holds: Iterable[Hold], on: date, doing: str) -> None:
    """Refuse (CourseHeld) a dose `doing` ("planned", "given") on a day the course is held."""
    hold = hold_in_force(holds, on)
    if hold is not None:
        until = None if hold.ends_on is None else hold.ends_on.isoformat()
        raise CourseHeld(doing, hold.hold_reason, until)
