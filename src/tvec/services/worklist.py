"""The centre's worklist: visits due or overdue, courses at 6 months, open serious AEs.

A patient whose death is recorded has no visit due and no review point: their open courses are
listed apart, with the date of death, so that the oncologist can close them on the chart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from tvec.domain.adverse_event import is_serious
from tvec.domain.errors import DomainError
from tvec.domain.holds import hold_in_force, until_text
from tvec.domain.identity import shown_name
from tvec.domain.review import next_review_point
from tvec.domain.schedule import VisitStatus, course_calendar
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.services.authorization_windows import due_visit_warnings
from tvec.services.context import Actor, Context
from tvec.services.courses import domain_course
from tvec.services.follow_up import deaths
from tvec.services.permissions import Action
from tvec.services.safety_reports import OpenReport, open_reports
from tvec.services.staff_safety import TrainingAlert, training_alerts

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
    held: str | None = None  # the course's hold in force today: "reason (until ...)"; no visit


@dataclass(frozen=True)
class SixMonthCourse:
    patient_id: int
    mrn: str
    course_id: int
    start: date
    six_months: date  # the review point due: at 6 months, or the next after a "continue"
    months: int = 6  # how many months from the start the review point lies (6, 12, ...)


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
class HeldCourse:
    """A course on hold today (its due visit, if any, shows "Held" instead of "Start visit")."""

    patient_id: int
    mrn: str
    course_id: int
    held: str  # "reason (until ...)"


@dataclass(frozen=True)
class DeathRecorded:
    """An open course of a patient whose death is recorded: no visit or review is listed for it."""

    patient_id: int
    mrn: str
    course_id: int
    died_on: date


@dataclass(frozen=True)
class Worklist:
    today: date
    due: tuple[DueVisit, ...]
    six_months: tuple[SixMonthCourse, ...]
    serious_events: tuple[OpenSeriousEvent, ...]
    unshown: tuple[Unshown, ...] = ()
    names: Mapping[int, str] = field(default_factory=dict)  # shown names of the listed patients
    held: tuple[HeldCourse, ...] = ()  # the courses on hold today, for the oncologist to review
    # prior-authorization warnings of each due visit's course (tvec.services.authorization_windows)
    authorization: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    trainings: tuple[TrainingAlert, ...] = ()  # staff trainings expiring soon or expired
    # adverse-event reports to make, first due first (tvec.services.safety_reports)
    safety_reports: tuple[OpenReport, ...] = ()
    died: tuple[DeathRecorded, ...] = ()  # open courses of patients whose death is recorded


# the rows that name a patient (whose shown name the page needs)
Listed = (
    DueVisit | SixMonthCourse | OpenSeriousEvent | Unshown | HeldCourse | OpenReport | DeathRecorded
)


def worklist(ctx: Context, actor: Actor) -> Worklist:
    actor.require(Action.READ_CLINICAL)
    today = ctx.today(actor)
    due: list[DueVisit] = []
    six: list[SixMonthCourse] = []
    unshown: list[Unshown] = []
    with ctx.uow(readonly=True) as uow:
        patients = {p.id: p for p in uow.patients.in_centre(actor.centre_id)}
        died_on = deaths(uow, list(patients))
        open_courses = []
        died: list[DeathRecorded] = []
        for c in uow.courses.for_patients(list(patients)):
            if c.end_date is not None:
                continue
            if c.patient_id in died_on:
                mrn = patients[c.patient_id].mrn
                died.append(DeathRecorded(c.patient_id, mrn, c.id, died_on[c.patient_id]))
            else:
                open_courses.append(c)
        visits = uow.visits.for_courses([c.id for c in open_courses])
        holds = uow.course_holds.for_courses([c.id for c in open_courses])
        answered: dict[int, list[date]] = {}  # each course's review points answered "continue"
        for review in uow.course_reviews.for_courses([c.id for c in open_courses]):
            answered.setdefault(review.course_id, []).append(review.review_point)
        for course in open_courses:
            patient = patients[course.patient_id]
            mine = [v for v in visits if v.course_id == course.id]
            try:
                next_visit = next_due(course, mine, patient)
                # the next review point not answered yet: 6 months, then every 6 (domain.review)
                point = next_review_point(
                    course.start_date,
                    load_label(course.label_variant).course.min_months,
                    answered.get(course.id, ()),
                )
                mark = point.on
            except DomainError as exc:  # one bad record never hides the others
                unshown.append(Unshown(patient.id, patient.mrn, course.id, str(exc)))
                continue
            if next_visit is not None and next_visit.due <= today:
                mine_held = [h for h in holds if h.course_id == course.id]
                due.append(_with_hold(next_visit, mine_held, today))
            if mark <= today + timedelta(days=SIX_MONTH_LOOKAHEAD_DAYS):
                six.append(
                    SixMonthCourse(
                        patient.id, patient.mrn, course.id, course.start_date, mark, point.months
                    )
                )
        authorization = due_visit_warnings(uow, open_courses, [d.course_id for d in due], today)
        events = [
            e
            for e in uow.adverse_events.for_patients(list(patients))
            if is_serious(e.grade, e.criteria)
            and e.status is RecordStatus.ACTIVE
            and e.resolved_on is None
        ]
        trainings = training_alerts(uow, actor.centre_id, today)
        reports = open_reports(uow, patients, today)
    serious = [
        OpenSeriousEvent(
            e.patient_id, patients[e.patient_id].mrn, e.id, e.shown_term, e.grade, e.onset
        )
        for e in events
    ]
    due = [DueVisit(**{**d.__dict__, "overdue_days": (today - d.due).days}) for d in due]
    held = _held_courses(open_courses, holds, patients, today)
    rows: list[Listed]
    rows = [*due, *six, *serious, *unshown, *held, *reports, *died]
    listed = {row.patient_id for row in rows}
    return Worklist(
        today,
        tuple(sorted(due, key=lambda d: d.due)),
        tuple(six),
        tuple(serious),
        tuple(unshown),
        names={i: _shown(patients[i]) for i in listed},
        held=held,
        authorization=authorization,
        trainings=trainings,
        safety_reports=tuple(reports),
        died=tuple(died),
    )


def _held_courses(
    open_courses: list[r.Course],
    holds: list[r.CourseHold],
    patients: Mapping[int, r.Patient],
    today: date,
) -> tuple[HeldCourse, ...]:
    """The open courses with a hold in force today, in the order of the courses."""
    found = []
    for course in open_courses:
        hold = hold_in_force([h for h in holds if h.course_id == course.id], today)
        if hold is not None:
            mrn = patients[course.patient_id].mrn
            why = f"{hold.hold_reason} ({until_text(hold)})"
            found.append(HeldCourse(course.patient_id, mrn, course.id, why))
    return tuple(found)


def _shown(patient: r.Patient) -> str:
    return shown_name(patient.given_name, patient.family_name, patient.preferred_name)


def _with_hold(visit: DueVisit, holds: list[r.CourseHold], today: date) -> DueVisit:
    """The due visit, marked held (its reason, until when) when a hold is in force today."""
    hold = hold_in_force(holds, today)
    if hold is None:
        return visit
    return replace(visit, held=f"{hold.hold_reason} ({until_text(hold)})")


def next_due(course: r.Course, visits: list[r.Visit], patient: r.Patient) -> DueVisit | None:
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
