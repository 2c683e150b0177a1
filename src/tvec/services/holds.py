"""Course holds: an oncologist puts a course on hold, or releases it; an adverse event can too.

While a hold is in force (`tvec.domain.holds`: from its first day until released, or until its
last day) no dose of the course may be planned or given (`tvec.services.visits` asks the domain).
Only an oncologist places or releases a hold here. An adverse event recorded with "hold the next
dose" places one in the same unit of work (`place_hold_in`, called by
`tvec.services.adverse_events`), linked to the event: whoever may record the event may stop the
dose (the safe direction), and only an oncologist may release it. A hold is never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.domain.holds import hold_in_force, in_force
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.holds import HoldIn, HoldRelease
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action
from tvec.services.plausible import near_today


@dataclass(frozen=True)
class HoldLine:
    """A hold with whether it is in force on the day it was read."""

    hold: r.CourseHold
    in_force: bool


def check_hold_dates(ctx: Context, actor: Actor, starts_on: date, ends_on: date | None) -> None:
    """Refuse implausible dates and a last day before the first."""
    near_today(ctx, actor, "hold", "starts_on", starts_on)
    near_today(ctx, actor, "hold", "ends_on", ends_on)
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(
            "hold", "ends_on", f"must not be before the first day held ({starts_on.isoformat()})"
        )


def place_hold_in(
    uow: UnitOfWork,
    actor: Actor,
    course: r.Course,
    new: HoldIn,
    today: date,
    adverse_event_id: int | None = None,
) -> r.CourseHold:
    """Write a hold on an open course in the caller's unit of work (dates already checked)."""
    if course.end_date is not None:
        raise InvalidInput("hold", "course_id", "is a course that has ended: nothing to hold")
    return uow.course_holds.add(
        by=actor.user_id,
        reason=new.reason,
        course_id=course.id,
        hold_reason=new.reason,
        starts_on=new.starts_on or today,
        ends_on=new.ends_on,
        placed_by=actor.user_id,
        placed_at=uow.now,
        adverse_event_id=adverse_event_id,
        released_at=None,
        released_by=None,
        release_reason=None,
    )


def place_hold(ctx: Context, actor: Actor, course_id: int, new: HoldIn) -> HoldLine:
    actor.require(Action.HOLD_COURSE)
    today = ctx.today(actor)
    check_hold_dates(ctx, actor, new.starts_on or today, new.ends_on)
    with ctx.uow() as uow:
        course = course_in_centre(uow, actor, course_id)
        hold = place_hold_in(uow, actor, course, new, today)
        uow.commit()
    return HoldLine(hold, in_force(hold, today))


def release_hold(
    ctx: Context, actor: Actor, course_id: int, hold_id: int, release: HoldRelease
) -> HoldLine:
    actor.require(Action.HOLD_COURSE)
    with ctx.uow() as uow:
        course_in_centre(uow, actor, course_id)
        hold = uow.course_holds.find(hold_id)
        if hold is None or hold.course_id != course_id:
            raise NotFound("hold", hold_id)
        if hold.released_at is not None:
            raise Conflict(
                f"this hold was already released on {hold.released_at.date().isoformat()}",
                field="version",
            )
        released = uow.course_holds.update(
            hold_id,
            expected_version=release.version,
            by=actor.user_id,
            action="release",
            reason=release.reason,
            released_at=uow.now,
            released_by=actor.user_id,
            release_reason=release.reason,
        )
        uow.commit()
    return HoldLine(released, False)


def list_holds(ctx: Context, actor: Actor, course_id: int) -> list[HoldLine]:
    """The course's holds, released ones too, oldest first, each with whether it is in force."""
    actor.require(Action.READ_CLINICAL)
    today = ctx.today(actor)
    with ctx.uow(readonly=True) as uow:
        course_in_centre(uow, actor, course_id)
        return [HoldLine(h, in_force(h, today)) for h in uow.course_holds.for_course(course_id)]


def held_today(ctx: Context, actor: Actor, patient_id: int) -> r.CourseHold | None:
    """The hold in force today on the patient's open course, if any (what the visit steps show
    as their hard stop; planning and giving are refused by the domain rule all the same)."""
    actor.require(Action.READ_CLINICAL)
    today = ctx.today(actor)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        courses = [c for c in uow.courses.for_patient(patient_id) if c.end_date is None]
        if not courses:
            return None
        return hold_in_force(uow.course_holds.for_course(courses[-1].id), today)
