"""The safety programme: requirements around every IMLYGIC course, and their evaluation.

Modelled on how MITRE's rems-admin evaluates a REMS case: each requirement names a *fact* (a key
such as ``centre.ultra_low_freezer``) that must hold for a *subject* (the centre, the prescriber,
the administering nurse, the second checker, a pharmacist, the patient) at a *moment* (course
start, the first dose, every dose). Given the requirements and the facts, `evaluate` says per
requirement whether it is met, missing or does not apply, who must act, and whether anything
blocks. A missing `block` requirement is a hard stop (`ProgrammeBlocked`, with the reason in
clinic words); a missing `warn` one is shown and lets the work go on.

Conventions. A fact is True (met), False (missing), None (no such subject at this moment: does
not apply, e.g. no second checker named) or absent from the facts (not yet recorded: missing).
A training record is current from its completion date until the day before its expiry date; an
attestation is current from the day it was made for the programme's renewal days. Everything
here is pure: the services gather the facts and pass today's date.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol

from tvec.domain.errors import DomainError, InvalidInput
from tvec.domain.roles import Role


class Subject(StrEnum):
    """Who or what a requirement is about; every fact key starts with its subject."""

    CENTRE = "centre"
    PRESCRIBER = "prescriber"
    NURSE = "nurse"
    CHECKER = "checker"
    PHARMACIST = "pharmacist"
    PATIENT = "patient"


SUBJECT_WORDS = {
    Subject.CENTRE: "treatment centre",
    Subject.PRESCRIBER: "prescribing oncologist",
    Subject.NURSE: "administering nurse",
    Subject.CHECKER: "second checker",
    Subject.PHARMACIST: "pharmacist",
    Subject.PATIENT: "patient",
}


class Moment(StrEnum):
    """When a requirement is checked."""

    COURSE_START = "course-start"
    FIRST_DOSE = "first-dose"
    EVERY_DOSE = "every-dose"


class Enforcement(StrEnum):
    BLOCK = "block"  # a hard stop with the reason
    WARN = "warn"  # shown; the work goes on


class Status(StrEnum):
    MET = "met"
    MISSING = "missing"
    NOT_APPLICABLE = "not applicable"


# Who may be named as the one who must act: a staff role, or the second checker themself.
ACTORS: frozenset[str] = frozenset({r.value for r in Role} | {"second checker"})

# The facts tvec knows how to gather (tvec.services.programme_facts has one provider per key).
FACTS: frozenset[str] = frozenset(
    {
        "centre.ultra_low_freezer",
        "prescriber.training_current",
        "nurse.training_current",
        "nurse.cleared_to_handle",
        "checker.cleared_to_handle",
        "pharmacist.training_current",
        "patient.alert_card_issued",
        "patient.education_given",
    }
)


@dataclass(frozen=True)
class Requirement:
    """One condition of the programme, as the data states it."""

    id: str
    subject: Subject
    fact: str
    needs: str  # what must be true, in clinic words
    to_do: str  # what the person who must act does
    applies: Moment
    enforcement: Enforcement
    who_acts: str  # a role (`ACTORS`), or the second checker themself
    source: str
    tvec_rule: bool = False  # the sources are silent and tvec decided (docs/clinical-choices.md)

    def applies_at(self, moments: Collection[Moment]) -> bool:
        return self.applies in moments


@dataclass(frozen=True)
class TrainingCourse:
    """The training the programme asks of staff, and how early the worklist warns of expiry."""

    code: str
    title: str
    source: str
    expiry_warning_days: int
    warning_source: str


@dataclass(frozen=True)
class AttestationRule:
    """What staff attest before preparing or giving the product, and how long it holds."""

    statement: str
    source: str
    renewal_days: int
    renewal_source: str


@dataclass(frozen=True)
class Programme:
    region: str
    title: str
    label_variant: str
    training: TrainingCourse
    attestation: AttestationRule
    requirements: tuple[Requirement, ...]


@dataclass(frozen=True)
class Outcome:
    requirement: Requirement
    status: Status

    @property
    def blocks(self) -> bool:
        return self.status is Status.MISSING and self.requirement.enforcement is Enforcement.BLOCK

    @property
    def warns(self) -> bool:
        return self.status is Status.MISSING and self.requirement.enforcement is Enforcement.WARN


@dataclass(frozen=True)
class ProgrammeCheck:
    """Every requirement that applies at the moments checked, with its status, in data order."""

    outcomes: tuple[Outcome, ...]

    @property
    def blocking(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.blocks)

    @property
    def warnings(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.warns)

    @property
    def blocks(self) -> bool:
        return bool(self.blocking)


def moments_for(
    *, course_start: bool = False, dose: bool = False, first: bool = False
) -> set[Moment]:
    """The moments a step checks: a course start, a dose (the first one also its own)."""
    moments = {Moment.COURSE_START} if course_start else set()
    if dose:
        moments.add(Moment.EVERY_DOSE)
    if dose and first:
        moments.add(Moment.FIRST_DOSE)
    return moments


def evaluate(
    requirements: Iterable[Requirement],
    moments: Collection[Moment],
    facts: Mapping[str, bool | None],
) -> ProgrammeCheck:
    """Each requirement that applies at `moments`, met, missing or not applicable by `facts`."""
    return ProgrammeCheck(
        tuple(
            Outcome(req, _status(req.fact, facts))
            for req in requirements
            if req.applies_at(moments)
        )
    )


def _status(fact: str, facts: Mapping[str, bool | None]) -> Status:
    if fact not in facts:
        return Status.MISSING  # not yet recorded
    value = facts[fact]
    if value is None:
        return Status.NOT_APPLICABLE
    return Status.MET if value else Status.MISSING


class ProgrammeBlocked(DomainError):
    """A safety-programme requirement that blocks is missing: nothing is written."""

    code = "programme-requirement"

    def __init__(self, refused: str, blocking: Sequence[Outcome]) -> None:
        reasons = "; ".join(_reason(o.requirement) for o in blocking)
        super().__init__(
            f"{refused}: {reasons}.",
            field="programme",
            requirements=[o.requirement.id for o in blocking],
        )
        self.requirements = tuple(o.requirement.id for o in blocking)


def _reason(req: Requirement) -> str:
    source = "tvec's rule" if req.tvec_rule else req.source
    return f"{req.needs} ({req.who_acts} to act: {req.to_do}; {source})"


def check_not_blocked(check: ProgrammeCheck, refused: str) -> None:
    """Refuse the step ("The course cannot start yet") when a blocking requirement is missing."""
    if check.blocks:
        raise ProgrammeBlocked(refused, check.blocking)


# ---- training and attestation records ----------------------------------------------------------


class Training(Protocol):
    @property
    def course(self) -> str: ...
    @property
    def completed_on(self) -> date: ...
    @property
    def expires_on(self) -> date: ...


class Attestation(Protocol):
    @property
    def cleared(self) -> bool: ...
    @property
    def attested_on(self) -> date: ...


def training_current(records: Iterable[Training], course: str, today: date) -> bool:
    """Whether any record of `course` holds today: completed, and its expiry date not reached."""
    return any(t.course == course and t.completed_on <= today < t.expires_on for t in records)


def expiring_within(expires_on: date, today: date, days: int) -> bool:
    """Still current today, and expiring within `days` days (the worklist's warning)."""
    return today < expires_on <= today + timedelta(days=days)


def cleared_to_handle(latest: Attestation | None, rule: AttestationRule, today: date) -> bool:
    """The person's latest attestation says they may prepare and give it, and is not due yet."""
    if latest is None or not latest.cleared:
        return False
    return latest.attested_on <= today < attestation_due(latest, rule)


def attestation_due(latest: Attestation, rule: AttestationRule) -> date:
    """The day a new attestation is due (the last one no longer holds)."""
    return latest.attested_on + timedelta(days=rule.renewal_days)


def check_training_dates(completed_on: date, expires_on: date | None, today: date) -> date:
    """A training record's dates as the clinic would enter them; returns the expiry date."""
    if completed_on > today:
        raise InvalidInput(
            "training", "completed_on", "is in the future", completed_on, label="Completed on"
        )
    if expires_on is None:
        raise InvalidInput(
            "training",
            "expires_on",
            "is required: every training record states when it expires",
            label="Expires on",
        )
    if expires_on <= completed_on:
        raise InvalidInput(
            "training",
            "expires_on",
            f"must be after the completion date ({completed_on})",
            expires_on,
            label="Expires on",
        )
    return expires_on
