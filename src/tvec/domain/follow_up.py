"""Follow-up rules: a death, the last date known alive, the baseline ECOG status and the prior
systemic therapies, checked before anything is written. Pure: the caller passes today, the
patient's dated records and the categories from the knowledge data.

Conventions
-----------
- A death is not in the future and not before the patient's birth, diagnosis or any dose or
  lesion measurement on record (`ChartDates.latest`): nothing is recorded of a patient after death.
- The last date known alive is not in the future and not after the death.
- The baseline ECOG status is one of the scale's grades 0-4 (grade 5, dead, is the death itself),
  assessed on a date not in the future and not after the death.
- A prior therapy's line is 1 or more; it ends on or after it starts; two therapies may share a
  line only when their categories differ (a combination: tvec's rule, in the knowledge data).
- T-VEC is first line when no prior systemic therapy is recorded, else later (tvec's rule).
Every refusal is an `InvalidInput` naming the field.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from tvec.domain.errors import CourseRuleBroken, InvalidInput

FOLLOW_UP = "follow-up"
PRIOR_THERAPY = "prior therapy"
FIRST_LINE, LATER_LINE = "first", "later"


@dataclass(frozen=True)
class ChartDates:
    """The patient's dated records that a death may not precede."""

    birth: date
    diagnosed_on: date | None = None
    first_dose: date | None = None
    last_dose: date | None = None
    last_measurement: date | None = None

    @property
    def latest(self) -> tuple[str, date]:
        """The latest of the dated records, and what it is ("birth", "diagnosis", ...)."""
        named = [
            ("the date of birth", self.birth),
            ("the diagnosis", self.diagnosed_on),
            ("the first dose", self.first_dose),
            ("the last dose on record", self.last_dose),
            ("the last lesion measurement on record", self.last_measurement),
        ]
        found = [(what, day) for what, day in named if day is not None]
        return max(found, key=lambda pair: pair[1])


@dataclass(frozen=True)
class FollowUp:
    """The patient's follow-up record: every part optional."""

    died_on: date | None = None
    death_cause: str | None = None
    last_known_alive_on: date | None = None
    ecog: int | None = None
    ecog_assessed_on: date | None = None


@dataclass(frozen=True)
class PriorTherapy:
    category: str
    line: int
    agent: str | None = None
    started_on: date | None = None
    ended_on: date | None = None


def check_follow_up(
    fu: FollowUp,
    chart: ChartDates,
    today: date,
    causes: Collection[str],
    ecog_grades: Collection[int],
) -> None:
    """Refuse a follow-up record that breaks a rule of the module notes (the first one found)."""
    _check_death(fu, chart, today, causes)
    if fu.last_known_alive_on is not None:
        _not_future("last_known_alive_on", fu.last_known_alive_on, today)
        if fu.last_known_alive_on < chart.birth:
            raise InvalidInput(FOLLOW_UP, "last_known_alive_on", "must not be before birth")
        if fu.died_on is not None and fu.last_known_alive_on > fu.died_on:
            raise InvalidInput(
                FOLLOW_UP, "last_known_alive_on", "must not be after the date of death"
            )
    _check_ecog(fu, chart, today, ecog_grades)


def _check_death(fu: FollowUp, chart: ChartDates, today: date, causes: Collection[str]) -> None:
    if fu.died_on is None:
        if fu.death_cause is not None:
            raise InvalidInput(FOLLOW_UP, "died_on", "is required with a cause of death")
        return
    if fu.death_cause is None:
        raise InvalidInput(FOLLOW_UP, "death_cause", "is required with a date of death")
    if fu.death_cause not in causes:
        raise InvalidInput(
            FOLLOW_UP, "death_cause", f"must be one of {', '.join(causes)}", fu.death_cause
        )
    _not_future("died_on", fu.died_on, today)
    what, latest = chart.latest
    if fu.died_on < latest:
        raise InvalidInput(FOLLOW_UP, "died_on", f"must not be before {what}")


def _check_ecog(fu: FollowUp, chart: ChartDates, today: date, grades: Collection[int]) -> None:
    if (fu.ecog is None) != (fu.ecog_assessed_on is None):
        field = "ecog_assessed_on" if fu.ecog is not None else "ecog"
        raise InvalidInput(FOLLOW_UP, field, "is required with the other ECOG field")
    if fu.ecog is None or fu.ecog_assessed_on is None:
        return
    if fu.ecog not in grades:
        shown = ", ".join(str(g) for g in sorted(grades))
        raise InvalidInput(FOLLOW_UP, "ecog", f"must be one of {shown}", fu.ecog)
    _not_future("ecog_assessed_on", fu.ecog_assessed_on, today)
    if fu.ecog_assessed_on < chart.birth:
        raise InvalidInput(FOLLOW_UP, "ecog_assessed_on", "must not be before birth")
    if fu.died_on is not None and fu.ecog_assessed_on > fu.died_on:
        raise InvalidInput(FOLLOW_UP, "ecog_assessed_on", "must not be after the date of death")


def check_prior_therapy(
    therapy: PriorTherapy,
    others: Iterable[PriorTherapy],
    birth: date,
    today: date,
    categories: Collection[str],
) -> None:
    """Refuse a prior therapy that breaks a rule of the module notes; `others` are the
    patient's other prior therapies on record (without the one being corrected)."""
    if therapy.category not in categories:
        raise InvalidInput(
            PRIOR_THERAPY, "category", f"must be one of {', '.join(categories)}", therapy.category
        )
    if therapy.line < 1:
        raise InvalidInput(PRIOR_THERAPY, "line", "must be 1 or more", therapy.line)
    for field, day in (("started_on", therapy.started_on), ("ended_on", therapy.ended_on)):
        if day is not None:
            _not_future(field, day, today, PRIOR_THERAPY)
            if day < birth:
                raise InvalidInput(PRIOR_THERAPY, field, "must not be before birth")
    if therapy.started_on and therapy.ended_on and therapy.ended_on < therapy.started_on:
        raise InvalidInput(PRIOR_THERAPY, "ended_on", "must not be before the start")
    for other in others:
        if other.line == therapy.line and other.category == therapy.category:
            raise InvalidInput(
                PRIOR_THERAPY,
                "line",
                "already has a therapy of this category (a combination is one therapy per "
                "category in the same line)",
                therapy.line,
            )


def check_alive(died_on: date | None, what: str, field: str) -> None:
    """Refuse a course start or a dose for a patient whose death is recorded (on any date: a
    dose dated before the death is a late entry, made by correcting the death first)."""
    if died_on is not None:
        raise CourseRuleBroken(
            f"the patient's death is recorded (on {died_on.isoformat()}): no {what}", field=field
        )


def line_of_therapy(prior: Iterable[PriorTherapy]) -> str:
    """T-VEC's line: "first" with no prior systemic therapy on record, else "later"."""
    return LATER_LINE if any(True for _ in prior) else FIRST_LINE


def _not_future(field: str, day: date, today: date, where: str = FOLLOW_UP) -> None:
    if day > today:
        raise InvalidInput(where, field, "must not be in the future")


def corrected_fields(before: FollowUp, after: FollowUp) -> list[str]:
    """The fields of `before` that `after` changes or removes: a correction, which needs a
    reason. Recording what was not recorded is not one, nor a later last-known-alive date."""
    changed = [
        field
        for field in ("died_on", "death_cause", "ecog", "ecog_assessed_on")
        if getattr(before, field) is not None and getattr(after, field) != getattr(before, field)
    ]
    alive, now = before.last_known_alive_on, after.last_known_alive_on
    if alive is not None and (now is None or now < alive):
        changed.append("last_known_alive_on")
    return changed
