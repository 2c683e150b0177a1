"""Treatment courses: starting one (after screening), the calendar, ending one with its reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tvec.domain.errors import Conflict, CourseRuleBroken, NotFound
from tvec.domain.rules import CourseEndReason, LabelRules, VisitKind
from tvec.domain.schedule import (
    Course,
    CourseEnd,
    ScheduledVisit,
    course_calendar,
    end_course,
    record_dose,
)
from tvec.domain.status import VisitRecordStatus
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import CourseEnd as CourseEndIn
from tvec.schemas.clinic import CourseIn
from tvec.services.context import Actor, Context
from tvec.services.follow_up import check_alive
from tvec.services.indication import check_indication
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action
from tvec.services.plausible import near_today
from tvec.services.programme import check_course_start
from tvec.services.reinitiation import complete_response_on
from tvec.services.screening import check_screened


def course_in_centre(uow: UnitOfWork, actor: Actor, course_id: int) -> r.Course:
    """The course, if its patient is in the actor's centre (else, as for the patient: 404)."""
    found = uow.courses.with_patient(course_id)
    if found is None or not actor.sees(found[1].centre_id):
        raise NotFound("course", course_id)
    return found[0]


def check_eligible(uow: UnitOfWork, label: LabelRules, patient_id: int, start: date) -> None:
    """Refuse a course the label does not allow: no screening on file, or a contraindication."""
    screenings = [s for s in uow.screenings.for_patient(patient_id) if s.screened_on <= start]
    check_screened(label, screenings)


def start_course(ctx: Context, actor: Actor, patient_id: int, new: CourseIn) -> r.Course:
    actor.require(Action.START_COURSE)
    near_today(ctx, actor, "course", "start_date", new.start_date)
    label = load_label(new.label_variant)
    if new.off_label_reason is not None:
        actor.require(Action.OVERRIDE)  # treating outside the indication: an oncologist's call
    with ctx.uow() as uow:
        patient = patient_in_centre(uow, actor, patient_id)
        if uow.diagnoses.for_patient(patient_id) is None:
            raise CourseRuleBroken(
                "record the melanoma diagnosis before starting a course", field="diagnosis"
            )
        check_alive(uow, patient_id, "course may be started", "start_date")
        check_eligible(uow, label, patient_id, new.start_date)
        check_indication(uow, label, patient, new.start_date, new.off_label_reason)
        if any(c.end_date is None for c in uow.courses.for_patient(patient_id)):
            raise Conflict(
                "the patient already has an open course; end it first", field="start_date"
            )
        # the safety programme: a missing blocking requirement refuses the course (nothing written)
        check_course_start(uow, actor, new.label_variant, patient_id)
        # a re-initiation needs the earlier course's complete response and new lesions since
        cr_on = (
            complete_response_on(uow, label, patient_id, new.start_date)
            if new.reinitiation
            else None
        )
        course = uow.courses.add(
            by=actor.user_id,
            patient_id=patient_id,
            label_variant=new.label_variant,
            start_date=new.start_date,
            end_date=None,
            end_reason=None,
            started_by=actor.user_id,
            off_label_reason=new.off_label_reason,
            reinitiation=new.reinitiation,
            reinitiation_after=cr_on,
        )
        uow.commit()
    return course


def domain_course(label: LabelRules, course: r.Course, visits: list[r.Visit]) -> Course:
    """Replay the administered visits through the schedule rules (overrides included)."""
    result = Course(course.start_date, reinitiation=course.reinitiation)
    for visit in sorted(visits, key=lambda v: v.number):
        if visit.status is VisitRecordStatus.ADMINISTERED and visit.administered_on is not None:
            result = record_dose(
                label,
                result,
                visit.administered_on,
                override_reason=visit.override_reason,
                reinitiation=visit.kind is VisitKind.REINITIATION,
            )
    if course.end_date is not None and course.end_reason is not None:
        result = replace(result, end=CourseEnd(course.end_date, CourseEndReason(course.end_reason)))
    return result


def end_treatment(ctx: Context, actor: Actor, course_id: int, end: CourseEndIn) -> r.Course:
    actor.require(Action.START_COURSE)
    with ctx.uow() as uow:
        course = course_in_centre(uow, actor, course_id)
        if end.end_date != course.start_date:  # ending on its start date closes any course,
            near_today(ctx, actor, "course", "end_date", end.end_date)  # even one dated wrongly
        label = load_label(course.label_variant)
        visits = uow.visits.for_course(course_id)
        end_course(label, domain_course(label, course, visits), end.end_date, end.end_reason)
        result = uow.courses.update(
            course_id,
            expected_version=end.version,
            by=actor.user_id,
            action="end",
            end_date=end.end_date,
            end_reason=end.end_reason.value,
        )
        uow.commit()
    return result


def get_course(ctx: Context, actor: Actor, course_id: int) -> r.Course:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        return course_in_centre(uow, actor, course_id)


def list_courses(ctx: Context, actor: Actor, patient_id: int) -> list[r.Course]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        return uow.courses.for_patient(patient_id)


def calendar(ctx: Context, actor: Actor, course_id: int) -> tuple[ScheduledVisit, ...]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        course = course_in_centre(uow, actor, course_id)
        label = load_label(course.label_variant)
        return course_calendar(
            label, domain_course(label, course, uow.visits.for_course(course_id))
        )
