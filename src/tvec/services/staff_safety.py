"""Staff training records and staff attestations for the safety programme.

An admin records a user's completed training (the programme's training code, completion date
and expiry date, which is required). Each member of the clinical staff attests for themself
whether they may prepare and give the product (not pregnant, not immunocompromised: USPI §5.1,
SmPC §4.4); only whether they are cleared is kept. Both are append-only and audited. The
worklist lists trainings expiring within the programme's warning window, and expired ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tvec.domain import programme as p
from tvec.domain.errors import InvalidInput
from tvec.domain.roles import Role
from tvec.knowledge.programme import available_programmes, load_programme
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.programme import AttestationIn, TrainingIn
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.services.programme import centre_today

CLINICAL_STAFF = frozenset({Role.ONCOLOGIST, Role.NURSE, Role.PHARMACIST})


def training_courses() -> dict[str, p.TrainingCourse]:
    """The trainings the programmes ask for, by code (regions may share one)."""
    return {t.code: t for t in (load_programme(x).training for x in available_programmes())}


def programmes() -> list[p.Programme]:
    """Every region's programme, US first (the pages list their training rules)."""
    return [load_programme(x) for x in sorted(available_programmes(), key=lambda r: r != "us")]


def attestation_rule() -> p.AttestationRule:
    """The attestation rule: the strictest renewal of the regions (they agree today)."""
    rules = [load_programme(x).attestation for x in available_programmes()]
    return min(rules, key=lambda a: a.renewal_days)


def record_training(ctx: Context, actor: Actor, new: TrainingIn) -> r.StaffTraining:
    """An admin records a staff member's completed training; refused whole on any bad field."""
    actor.require(Action.RECORD_TRAINING)
    known = sorted(training_courses())
    if new.course not in known:
        raise InvalidInput(
            "training", "course", f"names no programme training (known: {', '.join(known)})",
            new.course, label="Training",
        )  # fmt: skip
    with ctx.uow() as uow:
        today = centre_today(uow, actor.centre_id)
        expires = p.check_training_dates(new.completed_on, new.expires_on, today)
        user = uow.users.find(new.user_id)
        if user is None or user.centre_id != actor.centre_id:
            raise InvalidInput(
                "training", "user_id", "names no member of this centre's staff",
                new.user_id, label="Staff member",
            )  # fmt: skip
        saved = uow.staff_trainings.add(
            by=actor.user_id,
            centre_id=actor.centre_id,
            user_id=user.id,
            course=new.course,
            completed_on=new.completed_on,
            expires_on=expires,
            recorded_by=actor.user_id,
            recorded_at=uow.now,
        )
        uow.commit()
    return saved


@dataclass(frozen=True)
class TrainingRow:
    """A training record as the admin page and the API show it."""

    record: r.StaffTraining
    user_name: str
    course_title: str
    current: bool
    expiring_soon: bool


def list_trainings(ctx: Context, actor: Actor) -> list[TrainingRow]:
    actor.require(Action.RECORD_TRAINING)
    with ctx.uow(readonly=True) as uow:
        return _rows(uow, actor.centre_id, centre_today(uow, actor.centre_id))


def _rows(uow: UnitOfWork, centre_id: int, today: date) -> list[TrainingRow]:
    names = {u.id: u.full_name for u in uow.users.in_centre(centre_id)}
    courses = training_courses()
    rows = []
    for t in uow.staff_trainings.in_centre(centre_id):
        course = courses.get(t.course)
        window = course.expiry_warning_days if course else 0
        rows.append(
            TrainingRow(
                t,
                names.get(t.user_id, "?"),
                course.title if course else t.course,
                p.training_current([t], t.course, today),
                p.expiring_within(t.expires_on, today, window),
            )
        )
    return rows


@dataclass(frozen=True)
class TrainingAlert:
    """A worklist line: a training expiring within the warning window, or expired."""

    user_name: str
    course_title: str
    expires_on: date
    days_left: int  # 0 or less: expired
    source: str  # why the window is what it is


def training_alerts(uow: UnitOfWork, centre_id: int, today: date) -> tuple[TrainingAlert, ...]:
    """Each staff member's latest record of each training that expires within the programme's
    warning window or has expired (a newer record replaces an older one), soonest first."""
    latest: dict[tuple[int, str], TrainingRow] = {}
    for row in _rows(uow, centre_id, today):
        key = (row.record.user_id, row.record.course)
        if key not in latest or row.record.expires_on > latest[key].record.expires_on:
            latest[key] = row
    courses = training_courses()
    alerts = [
        TrainingAlert(
            row.user_name,
            row.course_title,
            row.record.expires_on,
            (row.record.expires_on - today).days,
            courses[row.record.course].warning_source,
        )
        for row in latest.values()
        if row.record.course in courses and (row.expiring_soon or not row.current)
        and row.record.completed_on <= today
    ]  # fmt: skip
    return tuple(sorted(alerts, key=lambda a: a.expires_on))


def attest(ctx: Context, actor: Actor, given: AttestationIn) -> r.StaffAttestation:
    """The logged-in staff member attests whether they may prepare and give the product."""
    actor.require(Action.ATTEST)
    with ctx.uow() as uow:
        saved = uow.staff_attestations.add(
            by=actor.user_id,
            centre_id=actor.centre_id,
            user_id=actor.user_id,
            cleared=given.cleared,
            attested_on=centre_today(uow, actor.centre_id),
            attested_at=uow.now,
        )
        uow.commit()
    return saved


@dataclass(frozen=True)
class AttestationState:
    user_id: int
    latest: r.StaffAttestation | None
    due_on: date | None
    current: bool
    rule: p.AttestationRule


def my_attestation(ctx: Context, actor: Actor) -> AttestationState:
    """The logged-in staff member's latest attestation, when the next is due, and whether it
    clears them today."""
    actor.require(Action.ATTEST)
    rule = attestation_rule()
    with ctx.uow(readonly=True) as uow:
        latest = uow.staff_attestations.latest_for([actor.user_id]).get(actor.user_id)
        today = centre_today(uow, actor.centre_id)
    due = p.attestation_due(latest, rule) if latest else None
    return AttestationState(
        actor.user_id, latest, due, p.cleared_to_handle(latest, rule, today), rule
    )
