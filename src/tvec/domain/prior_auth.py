"""Prior authorization: a request's status, the payer's answers it may take, and the checks of a
visit against an approved authorization (its window and its units).

A request is `submitted`; the payer answers `pended` (with what it asks for), `approved` (an
authorization number, a window of dates, both days included, and the units authorized) or
`denied` (with the reason). The clinic answers a pended request by submitting again, and may
appeal a denial (`appealed`, with its grounds), which the payer answers like a submission. An
approval is final: a new authorization is a new request.

Units are J9325 billing units (10^6 PFU each). Units used count the administered units of every
dose given under the authorization, plus its discarded (JW) units when the payer's policy says
discarded units count against the authorization.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from tvec.domain.errors import DomainError, InvalidInput

WHERE = "Prior authorization"


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    PENDED = "pended"
    APPROVED = "approved"
    DENIED = "denied"
    APPEALED = "appealed"


S = RequestStatus
# the answers each status may take next
NEXT: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.PENDED, S.APPROVED, S.DENIED}),
    S.PENDED: frozenset({S.SUBMITTED, S.APPROVED, S.DENIED}),
    S.DENIED: frozenset({S.APPEALED}),
    S.APPEALED: frozenset({S.PENDED, S.APPROVED, S.DENIED}),
    S.APPROVED: frozenset(),
}
# the payer's answers (a reviewer's); the others are the clinic's
PAYER_ANSWERS = frozenset({S.PENDED, S.APPROVED, S.DENIED})


@dataclass(frozen=True)
class Answer:
    """A change of a request's status and what it carries (None where it carries nothing)."""

    status: RequestStatus
    note: str | None = None  # pended: what was asked; denied: the reason; appealed: the grounds
    authorization_number: str | None = None
    window_start: date | None = None
    window_end: date | None = None
    units_authorized: Decimal | None = None


NOTE_FIELD = {
    S.PENDED: "requested_information",
    S.DENIED: "denial_reason",
    S.APPEALED: "appeal_reason",
    S.SUBMITTED: "response_to_request",
}


def check_answer(current: RequestStatus, answer: Answer) -> None:
    """Refuse an answer the request cannot take now, or one missing what it must carry, naming
    the field (InvalidInput)."""
    if answer.status not in NEXT[current]:
        allowed = ", ".join(sorted(NEXT[current])) or "nothing more (an approval is final)"
        raise InvalidInput(
            WHERE, "status", f"cannot go from {current} to {answer.status}; allowed: {allowed}"
        )
    if answer.status is S.APPROVED:
        _check_approval(answer)
    elif not (answer.note or "").strip():
        raise InvalidInput(WHERE, NOTE_FIELD[answer.status], "is required")


def _check_approval(answer: Answer) -> None:
    if not (answer.authorization_number or "").strip():
        raise InvalidInput(WHERE, "authorization_number", "is required for an approval")
    if answer.window_start is None:
        raise InvalidInput(WHERE, "window_start", "is required for an approval")
    if answer.window_end is None:
        raise InvalidInput(WHERE, "window_end", "is required for an approval")
    if answer.window_end < answer.window_start:
        raise InvalidInput(
            WHERE,
            "window_end",
            f"must not be before the window's start ({answer.window_start.isoformat()})",
            answer.window_end.isoformat(),
        )
    if answer.units_authorized is None or answer.units_authorized <= 0:
        raise InvalidInput(WHERE, "units_authorized", "must be a positive number of units")


@dataclass(frozen=True)
class Window:
    """An approved authorization as a visit is checked against it."""

    number: str
    start: date
    end: date  # the last day authorized
    units_authorized: Decimal

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class DoseUnits:
    """One visit's billed units: administered, and discarded (the JW line; 0 when JZ)."""

    day: date
    administered: Decimal
    discarded: Decimal


def units_used(window: Window, doses: list[DoseUnits], discarded_count: bool) -> Decimal:
    """The units billed against the authorization: doses given inside its window, administered
    units plus discarded ones when the policy counts them."""
    return sum(
        (d.administered + (d.discarded if discarded_count else 0))
        for d in doses
        if window.covers(d.day)
    ) or Decimal(0)


def planned_units(max_volume_ml: Decimal, pfu_per_ml: int, pfu_per_unit: int) -> Decimal:
    """The most units a visit may bill: its maximum volume at its strength (4 mL at 10^8 PFU/mL
    = 400 units of 10^6 PFU)."""
    return max_volume_ml * pfu_per_ml / pfu_per_unit


@dataclass(frozen=True)
class VisitWarning:
    kind: str  # "no-authorization", "outside-window", "exceeds-units", "window-ending"
    message: str


def visit_warnings(
    window: Window | None,
    day: date,
    units_planned: Decimal,
    used: Decimal,
    today: date,
    ending_within_days: int,
) -> list[VisitWarning]:
    """What the clinic should know before a visit on `day` planned for `units_planned` units:
    no authorization on file, a day outside the window, more units than are left, or a window
    ending within `ending_within_days` days of today."""
    if window is None:
        return [VisitWarning("no-authorization", "No approved prior authorization is on file")]
    found: list[VisitWarning] = []
    if not window.covers(day):
        found.append(
            VisitWarning(
                "outside-window",
                f"The visit on {day.isoformat()} falls outside the authorization window "
                f"{window.start.isoformat()} to {window.end.isoformat()} ({window.number})",
            )
        )
    left = window.units_authorized - used
    if units_planned > left:
        found.append(
            VisitWarning(
                "exceeds-units",
                f"The visit may bill up to {_units(units_planned)} units but only "
                f"{_units(left)} of {_units(window.units_authorized)} authorized units are left "
                f"({window.number})",
            )
        )
    days_left = (window.end - today).days
    if 0 <= days_left <= ending_within_days:
        found.append(
            VisitWarning(
                "window-ending",
                f"The authorization window ends on {window.end.isoformat()}, within "
                f"{ending_within_days} days",
            )
        )
    return found


def _units(value: Decimal) -> str:
    """Units as a person reads them: 400, 2.5 (not 4E+2, 2.50)."""
    return f"{value.normalize():f}"


def window_for(windows: list[Window], day: date) -> Window | None:
    """The approved window covering the day; else the latest one (the one the clinic is using);
    None when there is none."""
    covering = [w for w in windows if w.covers(day)]
    if covering:
        return max(covering, key=lambda w: w.start)
    return max(windows, key=lambda w: w.end) if windows else None


def check_dose_in_window(windows: list[Window], day: date, override_reason: str | None) -> bool:
    """Whether a dose on `day` needs an override: with approved windows on file and none
    covering the day, an override reason is required (InvalidInput naming it) and True is
    returned; without any approved window (a centre not using prior authorization) or inside
    one, False."""
    if not windows or any(w.covers(day) for w in windows):
        return False
    if not (override_reason or "").strip():
        latest = max(windows, key=lambda w: w.end)
        raise InvalidInput(
            WHERE,
            "authorization_override_reason",
            f"is required: {day.isoformat()} is outside the approved window "
            f"{latest.start.isoformat()} to {latest.end.isoformat()} ({latest.number})",
        )
    return True


class MalformedBundle(DomainError):
    """A prior-authorization Bundle that cannot be read; `field` is the path of the element."""

    code = "malformed-bundle"

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"PAS Bundle: {path}: {message}", field=path)
        self.field = path
