"""Adverse events with CTCAE grade, seriousness and relatedness; updates are audited versions."""

from __future__ import annotations

from datetime import date

from tvec.domain.errors import InvalidInput
from tvec.domain.status import RecordStatus
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import AdverseEventIn, AdverseEventUpdate
from tvec.schemas.holds import HoldIn
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre
from tvec.services.holds import place_hold_in
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action
from tvec.services.plausible import near_today, not_in_future

HOLD_FIELDS = {"hold_next_dose", "hold_until"}  # the hold it places, not the event's own


def _check_dates(ctx: Context, actor: Actor, onset: date, resolved: date | None) -> None:
    not_in_future(ctx, actor, "adverse event", "onset", onset)
    not_in_future(ctx, actor, "adverse event", "resolved_on", resolved)
    if resolved is not None and resolved < onset:
        raise InvalidInput("adverse event", "resolved_on", f"must not be before the onset {onset}")


def _hold_for(
    ctx: Context,
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    ae: AdverseEventIn,
    event: r.AdverseEvent,
) -> None:
    """Put the event's course (else the patient's open course) on hold, linked to the event."""
    today = ctx.today(actor)
    near_today(ctx, actor, "adverse event", "hold_until", ae.hold_until)
    if ae.hold_until is not None and ae.hold_until < today:
        raise InvalidInput("adverse event", "hold_until", "must not be before today")
    course_id = ae.course_id
    if course_id is None:
        open_ones = [c.id for c in uow.courses.for_patient(patient_id) if c.end_date is None]
        if not open_ones:
            raise InvalidInput(
                "adverse event", "hold_next_dose", "needs an open course: this patient has none"
            )
        course_id = open_ones[-1]
    reason = f"adverse event: {ae.term}, grade {ae.grade}"
    hold = HoldIn(reason=reason, starts_on=today, ends_on=ae.hold_until)
    place_hold_in(uow, actor, course_in_centre(uow, actor, course_id), hold, today, event.id)


def record_adverse_event(
    ctx: Context, actor: Actor, patient_id: int, ae: AdverseEventIn
) -> r.AdverseEvent:
    actor.require(Action.RECORD_ADVERSE_EVENT)
    _check_dates(ctx, actor, ae.onset, ae.resolved_on)
    if ae.hold_until is not None and not ae.hold_next_dose:
        raise InvalidInput("adverse event", "hold_until", "is only given with hold the next dose")
    with ctx.uow() as uow:
        patient_in_centre(uow, actor, patient_id)
        if (
            ae.course_id is not None
            and course_in_centre(uow, actor, ae.course_id).patient_id != patient_id
        ):
            raise InvalidInput("adverse event", "course_id", "is not a course of this patient")
        event = uow.adverse_events.add(
            by=actor.user_id,
            patient_id=patient_id,
            status=RecordStatus.ACTIVE,
            **ae.model_dump(exclude=HOLD_FIELDS),
        )
        if ae.hold_next_dose:
            _hold_for(ctx, uow, actor, patient_id, ae, event)
        uow.commit()
    return event


def update_adverse_event(
    ctx: Context, actor: Actor, event_id: int, fix: AdverseEventUpdate
) -> r.AdverseEvent:
    actor.require(Action.RECORD_ADVERSE_EVENT)
    changes = fix.model_dump(exclude={"version", "reason"}, exclude_unset=True)
    if not changes:
        raise InvalidInput("update", "(fields)", "must change at least one field")
    with ctx.uow() as uow:
        current = uow.adverse_events.get(event_id)
        patient_in_centre(uow, actor, current.patient_id)
        _check_dates(ctx, actor, current.onset, changes.get("resolved_on", current.resolved_on))
        event = uow.adverse_events.update(
            event_id,
            expected_version=fix.version,
            by=actor.user_id,
            reason=fix.reason,
            action="correct",
            **changes,
        )
        uow.commit()
    return event


def list_adverse_events(ctx: Context, actor: Actor, patient_id: int) -> list[r.AdverseEvent]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        return uow.adverse_events.for_patient(patient_id)
