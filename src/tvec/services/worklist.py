"""The centre's worklist: visits due or overdue, courses at 6 months, open serious AEs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from tvec.domain.calendar import add_months
from tvec.domain.errors import DomainError
from tvec.domain.schedule import VisitStatus, course_calendar
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.services.context import Actor, Context
from tvec.services.courses import domain_course
from tvec.services.permissions import Action

SIX_MONTH_LOOKAHEAD_DAYS = 14  # a display window, not a clinical rule: how far ahead to list


@dataclass(frozen=True)
class DueVisit:
    patient_id: int
    mrn: str
    course_id: int
    visit_id: int | None  # None when the next visit is not planned yet
    number: int
    kind: str
    due: date
    overdue_days: int  # 0 when due today; > 0 when overdue


@dataclass(frozen=True)
class SixMonthCourse:
    patient_id: int
    mrn: str
    course_id: int
    start: date
    six_months: date


@dataclass(frozen=True)
class OpenSeriousEvent:
    patient_id: int
    mrn: str
    event_id: int
    term: str
    grade: int
    onset: date


@dataclass(frozen=True)
class Unshown:
    """A course the worklist cannot show (its dates lie beyond the calendar, ...): listed with
    its id and why, so that it can be opened and corrected; the rest of the list is shown."""

    patient_id: int
    mrn: str
    course_id: int
    why: str


@dataclass(frozen=True)
class Worklist:
    today: date
    due: tuple[DueVisit, ...]
    six_months: tuple[SixMonthCourse, ...]
    serious_events: tuple[OpenSeriousEvent, ...]
    unshown: tuple[Unshown, ...] = ()


def worklist(ctx: Context, actor: Actor) -> Worklist:
    actor.require(Action.READ_CLINICAL)
    today = ctx.today()
    due: list[DueVisit] = []
    six: list[SixMonthCourse] = []
    unshown: list[Unshown] = []
    with ctx.uow(readonly=True) as uow:
        patients = {p.id: p for p in uow.patients.in_centre(actor.centre_id)}
        open_courses = [c for c in uow.courses.for_patients(list(patients)) if c.end_date is None]
        visits = uow.visits.for_courses([c.id for c in open_courses])
        for course in open_courses:
            patient = patients[course.patient_id]
            mine = [v for v in visits if v.course_id == course.id]
            try:
                next_visit = _next_due(course, mine, patient)
                mark = add_months(
                    course.start_date, load_label(course.label_variant).course.min_months
                )
            except DomainError as exc:  # one bad record never hides the others
                unshown.append(Unshown(patient.id, patient.mrn, course.id, str(exc)))
                continue
            if next_visit is not None and next_visit.due <= today:
                due.append(next_visit)
            if mark <= today + timedelta(days=SIX_MONTH_LOOKAHEAD_DAYS):
                six.append(
                    SixMonthCourse(patient.id, patient.mrn, course.id, course.start_date, mark)
                )
        events = [
            e
            for e in uow.adverse_events.for_patients(list(patients))
            if e.serious and e.status is RecordStatus.ACTIVE and e.resolved_on is None
        ]
    serious = [
        OpenSeriousEvent(e.patient_id, patients[e.patient_id].mrn, e.id, e.term, e.grade, e.onset)
        for e in events
    ]
    due = [DueVisit(**{**d.__dict__, "overdue_days": (today - d.due).days}) for d in due]
    return Worklist(
        today,
        tuple(sorted(due, key=lambda d: d.due)),
        tuple(six),
        tuple(serious),
        tuple(unshown),
    )


def _next_due(course: r.Course, visits: list[r.Visit], patient: r.Patient) -> DueVisit | None:
    planned = next((v for v in visits if v.status is VisitRecordStatus.PLANNED), None)
    if planned is not None:
        return DueVisit(
            patient.id,
            patient.mrn,
            course.id,
            planned.id,
            planned.number,
            planned.kind,
            planned.earliest_date,
            0,
        )
    label = load_label(course.label_variant)
    calendar = course_calendar(label, domain_course(label, course, visits))
    upcoming = next((v for v in calendar if v.status is VisitStatus.NEXT), None)
    if upcoming is None:
        return None
    return DueVisit(
        patient.id,
        patient.mrn,
        course.id,
        None,
        upcoming.number,
        upcoming.kind.value,
        upcoming.date,
        0,
    )
