"""Follow-up: record a patient's death, last known alive date and baseline ECOG status, and their
prior systemic therapies. The rules are `tvec.domain.follow_up`'s; the categories come from the
knowledge data. Every write is audited by its repository; a refused one writes nothing."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import Any

from tvec.domain import follow_up as d
from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.knowledge.follow_up import load_follow_up
from tvec.persistence import follow_up_repositories as fr
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.follow_up import FollowUpIn, PriorTherapyCorrection, PriorTherapyIn
from tvec.services.context import Actor, Context
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action
from tvec.services.plausible import not_in_future

_FOLLOW_UP_DATES = ("died_on", "last_known_alive_on", "ecog_assessed_on")


@dataclass(frozen=True)
class FollowUpChart:
    """What the follow-up page shows: the record (None: nothing recorded yet) and the prior
    therapies, active ones first by line, then those entered in error."""

    follow_up: fr.FollowUp | None
    prior_therapies: list[fr.PriorTherapy]
    line: str  # T-VEC's line of therapy from the active prior therapies ("first" / "later")


def chart_dates(uow: UnitOfWork, patient_id: int, birth: date) -> d.ChartDates:
    """The patient's dated records a death may not precede: diagnosis, doses, measurements."""
    diagnosis = uow.diagnoses.for_patient(patient_id)
    courses = uow.courses.for_patient(patient_id)
    visits = uow.visits.for_courses([c.id for c in courses])
    doses = [
        v.administered_on
        for v in visits
        if v.status is VisitRecordStatus.ADMINISTERED and v.administered_on is not None
    ]
    lesions = uow.lesions.for_patient(patient_id)
    measured = [
        m.measured_on
        for m in uow.measurements.for_lesions([les.id for les in lesions])
        if m.status is RecordStatus.ACTIVE
    ]
    return d.ChartDates(
        birth=birth,
        diagnosed_on=None if diagnosis is None else diagnosis.diagnosed_on,
        first_dose=min(doses, default=None),
        last_dose=max(doses, default=None),
        last_measurement=max(measured, default=None),
    )


def get_follow_up(ctx: Context, actor: Actor, patient_id: int) -> FollowUpChart:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        therapies = uow.prior_therapies.for_patient(patient_id)
        return FollowUpChart(
            follow_up=uow.follow_ups.for_patient(patient_id),
            prior_therapies=sorted(therapies, key=lambda t: t.status is not RecordStatus.ACTIVE),
            line=d.line_of_therapy(_domain(t) for t in therapies if _active(t)),
        )


def get_follow_up_record(ctx: Context, actor: Actor, patient_id: int) -> fr.FollowUp:
    found = get_follow_up(ctx, actor, patient_id).follow_up
    if found is None:
        raise NotFound("follow-up of patient", patient_id)
    return found


def record_follow_up(ctx: Context, actor: Actor, patient_id: int, body: FollowUpIn) -> fr.FollowUp:
    """The patient's follow-up record as sent: the first one, or a new version of it."""
    actor.require(Action.RECORD_FOLLOW_UP)
    for field in _FOLLOW_UP_DATES:
        not_in_future(ctx, actor, d.FOLLOW_UP, field, getattr(body, field))
    book = load_follow_up()
    values: dict[str, Any] = body.model_dump(exclude={"version", "reason"})
    wanted = d.FollowUp(**values)
    with ctx.uow() as uow:
        patient = patient_in_centre(uow, actor, patient_id)
        d.check_follow_up(
            wanted,
            chart_dates(uow, patient_id, patient.birth_date),
            ctx.today(actor),
            book.death_causes.codes,
            book.ecog_grades,
        )
        current = uow.follow_ups.for_patient(patient_id)
        stamp: dict[str, Any] = {"recorded_by": actor.user_id, "recorded_at": uow.now}
        if current is None:
            saved = uow.follow_ups.add(by=actor.user_id, patient_id=patient_id, **values, **stamp)
        else:
            _check_update(current, wanted, body)
            corrected = d.corrected_fields(_domain_follow_up(current), wanted)
            saved = uow.follow_ups.update(
                current.id,
                expected_version=body.version,
                by=actor.user_id,
                reason=body.reason,
                action="correct" if corrected else "update",
                read=current,
                **values,
                **stamp,
            )
        uow.commit()
    return saved


def _check_update(current: fr.FollowUp, wanted: d.FollowUp, body: FollowUpIn) -> None:
    if body.version is None:
        raise Conflict(
            "a follow-up record is on file: send its version to change it", field="version"
        )
    corrected = d.corrected_fields(_domain_follow_up(current), wanted)
    if corrected and body.reason is None:
        raise InvalidInput(
            d.FOLLOW_UP,
            "reason",
            f"is required to change what is recorded ({', '.join(corrected)})",
        )


def list_prior_therapies(ctx: Context, actor: Actor, patient_id: int) -> list[fr.PriorTherapy]:
    return get_follow_up(ctx, actor, patient_id).prior_therapies


def add_prior_therapy(
    ctx: Context, actor: Actor, patient_id: int, body: PriorTherapyIn
) -> fr.PriorTherapy:
    actor.require(Action.RECORD_FOLLOW_UP)
    values = body.model_dump()
    with ctx.uow() as uow:
        patient = patient_in_centre(uow, actor, patient_id)
        _check_therapy(ctx, actor, uow, patient_id, patient.birth_date, values, exclude=None)
        saved = uow.prior_therapies.add(
            by=actor.user_id,
            patient_id=patient_id,
            status=RecordStatus.ACTIVE.value,
            recorded_by=actor.user_id,
            recorded_at=uow.now,
            **values,
        )
        uow.commit()
    return saved


def correct_prior_therapy(
    ctx: Context, actor: Actor, therapy_id: int, fix: PriorTherapyCorrection
) -> fr.PriorTherapy:
    """A new version of a prior therapy (changed fields, or entered in error), with a reason."""
    actor.require(Action.RECORD_FOLLOW_UP)
    changes = fix.model_dump(exclude={"version", "reason"}, exclude_unset=True)
    if not changes:
        raise InvalidInput("correction", "(fields)", "must change at least one field")
    with ctx.uow() as uow:
        therapy = uow.prior_therapies.find(therapy_id)
        if therapy is None:
            raise NotFound("prior-therapy", therapy_id)
        patient = patient_in_centre(uow, actor, therapy.patient_id)
        merged = {
            "category": therapy.category,
            "agent": therapy.agent,
            "line": therapy.line,
            "started_on": therapy.started_on,
            "ended_on": therapy.ended_on,
            **{k: v for k, v in changes.items() if k != "status"},
        }
        if changes.get("status", therapy.status) == RecordStatus.ACTIVE:
            _check_therapy(ctx, actor, uow, patient.id, patient.birth_date, merged, therapy_id)
        saved = uow.prior_therapies.update(
            therapy_id,
            expected_version=fix.version,
            by=actor.user_id,
            reason=fix.reason,
            action="correct",
            read=therapy,
            **changes,
        )
        uow.commit()
    return saved


def _check_therapy(
    ctx: Context,
    actor: Actor,
    uow: UnitOfWork,
    patient_id: int,
    birth: date,
    values: dict[str, object],
    exclude: int | None,
) -> None:
    for field in ("started_on", "ended_on"):
        day = values.get(field)
        not_in_future(ctx, actor, d.PRIOR_THERAPY, field, day if isinstance(day, date) else None)
    others = [
        _domain(t)
        for t in uow.prior_therapies.for_patient(patient_id)
        if _active(t) and t.id != exclude
    ]
    d.check_prior_therapy(
        d.PriorTherapy(**values),  # type: ignore[arg-type]
        others,
        birth,
        ctx.today(actor),
        load_follow_up().therapy_categories.codes,
    )


def _active(therapy: fr.PriorTherapy) -> bool:
    return therapy.status is RecordStatus.ACTIVE


def _domain(t: fr.PriorTherapy) -> d.PriorTherapy:
    return d.PriorTherapy(t.category, t.line, t.agent, t.started_on, t.ended_on)


def _domain_follow_up(f: fr.FollowUp) -> d.FollowUp:
    return d.FollowUp(f.died_on, f.death_cause, f.last_known_alive_on, f.ecog, f.ecog_assessed_on)


def check_alive(uow: UnitOfWork, patient_id: int, what: str, field: str) -> None:
    """Refuse `what` (a course start, a dose) for a patient whose death is recorded."""
    found = uow.follow_ups.for_patient(patient_id)
    d.check_alive(found.died_on if found else None, what, field)


def deaths(uow: UnitOfWork, patient_ids: Collection[int]) -> dict[int, date]:
    """The recorded date of death of each of the patients who have one: their open courses get
    no further visit on the worklist or in the vial forecast (as `check_alive` refuses a dose)."""
    return {
        f.patient_id: f.died_on
        for f in uow.follow_ups.for_patients(patient_ids)
        if f.died_on is not None
    }
