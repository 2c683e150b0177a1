"""What to do next for a patient, in plain words: the chart's "Next step".

Read from the chart (`tvec.services.chart.Chart`) and, for an open course, its review point
(`tvec.services.decisions`), in this order: a diagnosis, a contraindication screening, no
contraindication answered yes, an open course (started, or a new one after the last ended), the
course's review when due, then the next visit; once a death is recorded there is no next step.
Each step names the permission it needs (`tvec.services.permissions`), so that a screen can offer
the button to whoever may act and tell everyone else who must ("The oncologist must start a
course").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tvec.domain.errors import DomainError
from tvec.domain.holds import hold_in_force, until_text
from tvec.domain.schedule import VisitStatus
from tvec.services.chart import Chart
from tvec.services.context import Actor, Context
from tvec.services.decisions import course_review_point
from tvec.services.permissions import PERMISSIONS, Action, Role, allowed


class StepKind(StrEnum):
    DIAGNOSIS = "diagnosis"
    SCREENING = "screening"
    CONTRAINDICATED = "contraindicated"
    COURSE = "course"
    REVIEW = "review"
    HELD = "held"
    VISIT = "visit"
    NONE = "none"


@dataclass(frozen=True)
class NextStep:
    kind: StepKind
    what: str  # an instruction in lower case: "record the diagnosis and stage"
    why: str  # one plain sentence
    action: Action | None  # the permission the step needs; None: nothing to do in tvec
    course_id: int | None = None

    def may(self, role: Role) -> bool:
        return self.action is not None and allowed(role, self.action)

    def who(self) -> str:
        """The roles that may take the step, in words: "the oncologist", "the oncologist or
        nurse"."""
        if self.action is None:
            return ""
        roles = [r.value for r in Role if r in PERMISSIONS[self.action]]
        return "the " + " or ".join(roles)


def next_step(ctx: Context, actor: Actor, c: Chart) -> NextStep:
    """The patient's next step (the chart was read for `actor`, who may read clinical records)."""
    if c.died_on is not None:  # no course, visit or dose after it (tvec.domain.follow_up)
        course_id = c.course.id if c.course is not None else None
        why = f"A death is recorded on {c.died_on.isoformat()}: no visit or dose follows."
        return NextStep(StepKind.NONE, "", why, None, course_id)
    if c.diagnosis is None:
        return NextStep(
            StepKind.DIAGNOSIS,
            "record the diagnosis and stage",
            "No melanoma diagnosis is on file; a course cannot start without one.",
            Action.RECORD_DIAGNOSIS,
        )
    if c.screening is None:
        return NextStep(
            StepKind.SCREENING,
            "screen for contraindications",
            "No contraindication screening is on file; a course cannot start without one.",
            Action.RECORD_DIAGNOSIS,
        )
    yes = [line.description for line in c.screening_items if line.answer]
    course = c.course
    if yes and (course is None or course.end_date is not None):
        return NextStep(
            StepKind.CONTRAINDICATED,
            "screen again if the answers have changed",
            "The latest screening answers yes to: "
            + ", ".join(yes)
            + ". No course can be started while it does.",
            Action.RECORD_DIAGNOSIS,
        )
    if course is None:
        why = "Diagnosis and screening are on file; no course has been started."
        return NextStep(StepKind.COURSE, "start a course", why, Action.START_COURSE)
    if course.end_date is not None:
        reason = (course.end_reason or "").replace("-", " ")
        why = f"The last course ended on {course.end_date.isoformat()} ({reason})."
        return NextStep(
            StepKind.COURSE, "start a new course if treatment restarts", why, Action.START_COURSE
        )
    return _open_course_step(ctx, c)


def _open_course_step(ctx: Context, c: Chart) -> NextStep:
    course = c.course
    assert course is not None
    held = None
    try:
        with ctx.uow(readonly=True) as uow:
            held = hold_in_force(uow.course_holds.for_course(course.id), c.today)
            point = course_review_point(uow, course)
    except DomainError:  # dates beyond the calendar: the chart says so (calendar_problem)
        point = None
    if point is not None and point.on <= c.today:
        return NextStep(
            StepKind.REVIEW,
            "review the course: continue or end it",
            f"The course reached {point.months} months on {point.on.isoformat()}.",
            Action.START_COURSE,
            course.id,
        )
    if held is not None:  # no dose while held (tvec.domain.holds)
        return NextStep(
            StepKind.HELD,
            "release the hold",
            f"The course is on hold {until_text(held)}: {held.hold_reason}. "
            "No dose can be planned or given.",
            Action.HOLD_COURSE,
            course.id,
        )
    upcoming = next((v for v in c.calendar if v.status is VisitStatus.NEXT), None)
    if upcoming is None:
        return NextStep(StepKind.NONE, "", "No visit is due in this course.", None, course.id)
    when = "today" if upcoming.date == c.today else f"on {upcoming.date.isoformat()}"
    overdue = " (overdue)" if upcoming.date < c.today else ""
    first = " Add and measure the lesions at its measure step." if not c.lesions else ""
    return NextStep(
        StepKind.VISIT,
        f"start visit {upcoming.number}",
        f"Visit {upcoming.number} is due {when}{overdue}.{first}",
        Action.PLAN_VISIT,
        course.id,
    )
