"""The demo's adverse events: a serious unexpected one with its 15-day reporting clock running,
a suspected herpetic lesion awaiting its report to the manufacturer, and a resolved event with
its history (recorded, then graded up, then resolved). Invented demo records, not incidences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tvec.domain.adverse_event import Criterion, Relatedness
from tvec.domain.status import VisitRecordStatus
from tvec.schemas import clinic as s
from tvec.services import adverse_events
from tvec.services.context import Actor, Context

EARLIEST_DAYS = 5  # the events begin after doses given at least this many days ago


@dataclass(frozen=True)
class Treated:
    """A patient with an open course and a dose given: where a demo event is linked."""

    patient_id: int
    course_id: int
    visit_id: int
    given_on: date
    lot_id: int


def _treated(ctx: Context, nurse: Actor, wanted: int, before: date) -> list[Treated]:
    """The first `wanted` patients with an open course, a dose given before `before` and no
    serious adverse event."""
    found: list[Treated] = []
    with ctx.uow(readonly=True) as uow:
        patients = [p.id for p in uow.patients.in_centre(nurse.centre_id)]
        events = uow.adverse_events.for_patients(patients)
        with_events = {e.patient_id for e in events if e.serious}
        for course in uow.courses.for_patients(patients):
            if course.end_date is not None or course.patient_id in with_events:
                continue
            given = [
                v
                for v in uow.visits.for_course(course.id)
                if v.status is VisitRecordStatus.ADMINISTERED and v.administered_on
            ]
            doses = uow.administrations.for_visits([v.id for v in given[-1:]])
            day = given[-1].administered_on if given else None
            if doses and day is not None and day < before:
                lot = doses[0].vial_lot_id
                found.append(Treated(course.patient_id, course.id, given[-1].id, day, lot))
            if len(found) == wanted:
                break
    return found


def seed_adverse_events(ctx: Context, nurse: Actor) -> int:
    """Record the demo's three events on three treated patients; returns how many."""
    today = ctx.today(nurse)
    treated = _treated(ctx, nurse, 3, today - timedelta(days=EARLIEST_DAYS))
    makers = (_serious_unexpected, _herpetic, _resolved_with_history)
    for patient, make in zip(treated, makers, strict=False):
        make(ctx, nurse, patient, today)
    return min(len(treated), len(makers))


def _after_dose(t: Treated, today: date, days: int) -> date:
    return min(today, t.given_on + timedelta(days=days))


def _serious_unexpected(ctx: Context, nurse: Actor, t: Treated, today: date) -> None:
    onset = _after_dose(t, today, 1)
    event = s.AdverseEventIn(
        term="Pneumonitis",
        grade=3,
        criteria=[Criterion.HOSPITALISATION],
        related=Relatedness.UNKNOWN,
        onset=onset,
        aware_on=max(onset, today - timedelta(days=3)),
        action_taken="admitted; steroids; next dose held",
        course_id=t.course_id,
        visit_id=t.visit_id,
        vial_lot_id=t.lot_id,
    )
    adverse_events.record_adverse_event(ctx, nurse, t.patient_id, event)


def _herpetic(ctx: Context, nurse: Actor, t: Treated, today: date) -> None:
    event = s.AdverseEventIn(
        term="Herpes simplex reactivation",
        grade=1,
        related=Relatedness.YES,
        onset=_after_dose(t, today, 2),
        action_taken="swab taken; lesion covered",
        course_id=t.course_id,
        visit_id=t.visit_id,
        vial_lot_id=t.lot_id,
    )
    adverse_events.record_adverse_event(ctx, nurse, t.patient_id, event)


def _resolved_with_history(ctx: Context, nurse: Actor, t: Treated, today: date) -> None:
    onset = _after_dose(t, today, 1)
    first = s.AdverseEventIn(
        term="Vomiting",
        grade=1,
        related=Relatedness.YES,
        onset=onset,
        action_taken="oral fluids",
        course_id=t.course_id,
        visit_id=t.visit_id,
    )
    event = adverse_events.record_adverse_event(ctx, nurse, t.patient_id, first)
    worse = s.AdverseEventUpdate(
        version=event.version,
        reason="vomiting went on the next day: outpatient IV fluids given",
        grade=2,
        action_taken="outpatient IV fluids; antiemetic",
    )
    event = adverse_events.update_adverse_event(ctx, nurse, event.id, worse)
    resolved = s.AdverseEventUpdate(
        version=event.version,
        reason="no vomiting for 48 hours",
        resolved_on=min(today, onset + timedelta(days=3)),
    )
    adverse_events.update_adverse_event(ctx, nurse, event.id, resolved)
