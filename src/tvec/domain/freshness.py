"""tvec's rule that a dose plan is made from today's measurements (the label is silent on it).

The label doses each lesion by its longest diameter but does not say how recent that measurement
must be. tvec's ruling (docs/clinical-choices.md): every active injectable lesion's latest
measurement must be from the day of planning (the centre's today); otherwise planning is refused,
naming the lesions and their dates, unless the nurse gives a reason of at least a few words, which
is kept with the visit. Lesions marked not injectable are not dosed and are exempt.

A reason of "a few words" is also what a correction of a measurement needs (`check_reason`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from tvec.domain.errors import DomainError, InvalidInput

MIN_REASON_WORDS = 3
RULE_SOURCE = "the centre software's rule (tvec); the label does not say how recent sizes must be"


@dataclass(frozen=True)
class LatestSize:
    """A lesion's name and the date of its latest measurement (None: never measured)."""

    lesion: str
    measured_on: date | None


class StaleMeasurements(DomainError):
    """Planning from measurements older than today without a reason (tvec's rule)."""

    code = "stale-measurements"

    def __init__(self, stale: list[LatestSize], today: date) -> None:
        listed = ", ".join(f"{s.lesion} ({_last(s)})" for s in stale)
        super().__init__(
            f"Not measured today ({today}): {listed}. Measure these lesions now, or give a reason "
            f"of at least {MIN_REASON_WORDS} words to plan from the older measurements "
            f"[{RULE_SOURCE}]",
            field="stale_reason",
            lesions=[s.lesion for s in stale],
            today=today.isoformat(),
        )
        self.stale = stale


def _last(size: LatestSize) -> str:
    return "never measured" if size.measured_on is None else f"last measured {size.measured_on}"


def stale_sizes(latest: Iterable[LatestSize], today: date) -> list[LatestSize]:
    """The lesions whose latest measurement is not from `today`."""
    return [s for s in latest if s.measured_on != today]


def check_reason(where: str, field: str, reason: str) -> str:
    """A reason of at least a few words (MIN_REASON_WORDS), returned stripped."""
    text = " ".join(reason.split())
    if len(text.split()) < MIN_REASON_WORDS:
        raise InvalidInput(where, field, f"must be a reason of at least {MIN_REASON_WORDS} words")
    return text


def check_measured_today(
    latest: Iterable[LatestSize], today: date, reason: str | None
) -> str | None:
    """The reason to keep with the plan (None when every size is from today); refuses
    StaleMeasurements when a size is older and no reason is given, InvalidInput when the reason
    is shorter than a few words."""
    stale = stale_sizes(latest, today)
    if not stale:
        return None
    if reason is None or not reason.strip():
        raise StaleMeasurements(stale, today)
    return check_reason("dose plan", "stale_reason", reason)


def measurement_dates(latest: Iterable[LatestSize]) -> dict[str, str]:
    """{lesion: ISO date} of the measurements a plan used (lesions never measured left out)."""
    return {s.lesion: s.measured_on.isoformat() for s in latest if s.measured_on is not None}
