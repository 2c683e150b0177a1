"""The safety programme at each step: a course start and every dose evaluate the region's
requirements (`tvec.domain.programme.evaluate`) against the facts on record; a missing blocking
one refuses the step with the reason (nothing written), a missing warning one is shown. The
course page and the API show every requirement's status for the course and the person viewing.
"""

from __future__ import annotations

from datetime import date

from tvec.domain import programme as p
from tvec.domain.errors import NotFound
from tvec.domain.roles import Role
from tvec.domain.zones import local_day
from tvec.knowledge.programme import programme_for_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.services.programme_facts import Subjects, gather


def centre_today(uow: UnitOfWork, centre_id: int) -> date:
    return local_day(uow.now, uow.centres.get(centre_id).time_zone)


def _evaluate(uow: UnitOfWork, who: Subjects, moments: set[p.Moment]) -> p.ProgrammeCheck:
    applying = [req for req in who.programme.requirements if req.applies_at(moments)]
    facts = gather(uow, who, (req.fact for req in applying))
    return p.evaluate(applying, moments, facts)


def check_course_start(
    uow: UnitOfWork, actor: Actor, label_variant: str, patient_id: int
) -> p.ProgrammeCheck:
    """The course-start requirements for `actor` as the prescriber; refused if one blocks."""
    who = Subjects(
        programme_for_label(label_variant),
        actor.centre_id,
        centre_today(uow, actor.centre_id),
        prescriber_id=actor.user_id,
        patient_id=patient_id,
    )
    check = _evaluate(uow, who, p.moments_for(course_start=True))
    p.check_not_blocked(check, "The course cannot start yet")
    return check


def check_dose(
    uow: UnitOfWork, actor: Actor, course: r.Course, checker_id: int | None, *, first: bool
) -> p.ProgrammeCheck:
    """The dose requirements for `actor` giving it and `checker_id` checking it (None: no
    second check named); refused if one blocks."""
    who = Subjects(
        programme_for_label(course.label_variant),
        actor.centre_id,
        centre_today(uow, actor.centre_id),
        prescriber_id=course.started_by,
        giver_id=actor.user_id,
        checker_id=checker_id,
        patient_id=course.patient_id,
        course_id=course.id,
    )
    check = _evaluate(uow, who, p.moments_for(dose=True, first=first))
    p.check_not_blocked(check, "The dose cannot be recorded yet")
    return check


def check_correction_checker(
    uow: UnitOfWork, actor: Actor, course: r.Course, checker_id: int
) -> None:
    """A corrected dose names its second checker anew: they must be cleared as for a dose (the
    programme's second-checker requirements only; who gave it stays as recorded)."""
    programme = programme_for_label(course.label_variant)
    who = Subjects(
        programme, actor.centre_id, centre_today(uow, actor.centre_id), checker_id=checker_id
    )
    mine = [req for req in programme.requirements if req.subject is p.Subject.CHECKER]
    moments = p.moments_for(dose=True)
    check = p.evaluate(mine, moments, gather(uow, who, (req.fact for req in mine)))
    p.check_not_blocked(check, "The correction cannot be recorded yet")


def course_status(
    ctx: Context, actor: Actor, course_id: int
) -> tuple[p.Programme, p.ProgrammeCheck]:
    """Every requirement of the course's programme with its status today: the course start's
    for the oncologist who started it, the doses' for the person viewing as the one giving (a
    second checker is named only when a dose is recorded: not applicable here)."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        found = uow.courses.with_patient(course_id)  # as courses.course_in_centre, which
        if found is None or not actor.sees(found[1].centre_id):  # imports this module
            raise NotFound("course", course_id)
        course = found[0]
        programme = programme_for_label(course.label_variant)
        who = Subjects(
            programme,
            actor.centre_id,
            centre_today(uow, actor.centre_id),
            prescriber_id=course.started_by,
            giver_id=actor.user_id if actor.role in (Role.NURSE, Role.ONCOLOGIST) else None,
            patient_id=course.patient_id,
            course_id=course.id,
        )
        moments = p.moments_for(course_start=True, dose=True, first=True)
        return programme, _evaluate(uow, who, moments)


def warnings_json(check: p.ProgrammeCheck) -> list[dict[str, str]]:
    """The missing warning requirements, for a step's answer."""
    return [
        {
            "id": o.requirement.id,
            "needs": o.requirement.needs,
            "who_acts": o.requirement.who_acts,
            "to_do": o.requirement.to_do,
            "source": o.requirement.source,
        }
        for o in check.warnings
    ]
