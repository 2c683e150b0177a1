"""Approved authorizations at work: units billed so far against units authorized, the warnings a
visit needs (outside the window, more units than are left, a window ending soon), the override a
dose outside every approved window needs, and the authorization a claim names.

Units billed so far are each administered visit's J9325 lines (`tvec.domain.billing`, as the
billing office's lines): administered units, plus the discarded (JW) units when the payer's policy
counts discarded units against the authorization.

A centre that has never requested a prior authorization does not use prior authorization in tvec:
its visits carry no authorization warning and its doses need no override. In a centre that does,
a course with no approved authorization is warned ("no approved prior authorization is on file"),
never blocked: recording a dose then needs nothing more (tvec's choice, docs/clinical-choices.md).
With approved windows on file, a dose outside all of them needs an override reason, kept with
the visit and audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.domain.billing import bill_dose
from tvec.domain.prior_auth import (
    DoseUnits,
    RequestStatus,
    VisitWarning,
    Window,
    check_dose_in_window,
    planned_units,
    units_used,
    visit_warnings,
    window_for,
)
from tvec.domain.rules import VisitKind
from tvec.domain.schedule import next_kind
from tvec.domain.status import VisitRecordStatus
from tvec.knowledge import load_label, load_policy
from tvec.persistence import records as r
from tvec.persistence.prior_auth_repositories import PriorAuthRequest
from tvec.persistence.uow import UnitOfWork
from tvec.services import vial_events
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre, domain_course
from tvec.services.permissions import Action

# tvec's display setting (no source sets it): warn when an approved window ends within 30 days
WINDOW_ENDING_DAYS = 30


@dataclass(frozen=True)
class Authorization:
    """An approved authorization, as a claim names it."""

    request_id: int
    course_id: int
    policy_id: str
    number: str
    window_start: date
    window_end: date
    units_authorized: Decimal


@dataclass(frozen=True)
class Usage:
    authorization: Authorization
    units_used: Decimal
    units_left: Decimal
    percent_used: int  # 0..100, for the progress bar
    discarded_count: bool  # the policy counts discarded (JW) units


def _approved(requests: list[PriorAuthRequest]) -> list[Authorization]:
    return [
        Authorization(
            q.id,
            q.course_id,
            q.policy_id,
            q.authorization_number or "",
            q.window_start,
            q.window_end,
            q.units_authorized or Decimal(0),
        )
        for q in requests
        if q.status == RequestStatus.APPROVED and q.window_start and q.window_end
    ]


def _window(a: Authorization) -> Window:
    return Window(a.number, a.window_start, a.window_end, a.units_authorized)


def approved_for_course(uow: UnitOfWork, course_id: int) -> list[Authorization]:
    return _approved(uow.prior_auth_requests.for_course(course_id))


def authorization_for_visit(
    uow: UnitOfWork, course_id: int, service_date: date
) -> Authorization | None:
    """The approved authorization whose window holds the service date (the latest starting one
    if several do); None when none does."""
    covering = [
        a
        for a in approved_for_course(uow, course_id)
        if a.window_start <= service_date <= a.window_end
    ]
    return max(covering, key=lambda a: a.window_start) if covering else None


def dose_units(uow: UnitOfWork, course: r.Course) -> list[DoseUnits]:
    """Each administered visit's billed units: administered and discarded (JW)."""
    label = load_label(course.label_variant)
    if label.billing is None:
        return []
    found = []
    for visit in uow.visits.for_course(course.id):
        if visit.status is not VisitRecordStatus.ADMINISTERED or visit.administered_on is None:
            continue
        given = uow.administrations.for_visit(visit.id)
        strength = label.strength(visit.plan.concentration_pfu_per_ml)
        total = sum((a.volume_ml for a in given), Decimal(0))
        _vials, waste = vial_events.vials_used(uow, given, strength.vial_volume_ml)
        billed = bill_dose(label.billing, strength.pfu_per_ml, total, waste)
        found.append(
            DoseUnits(visit.administered_on, billed.units_administered, billed.units_discarded)
        )
    return found


def usage_in(uow: UnitOfWork, course: r.Course) -> list[Usage]:
    doses = dose_units(uow, course)
    result = []
    for a in approved_for_course(uow, course.id):
        counts = load_policy(a.policy_id).discarded_units_count
        used = units_used(_window(a), doses, counts)
        share = used / a.units_authorized if a.units_authorized else Decimal(1)
        result.append(
            Usage(a, used, a.units_authorized - used, int(min(share, Decimal(1)) * 100), counts)
        )
    return result


def course_usage(ctx: Context, actor: Actor, course_id: int) -> list[Usage]:
    """Units billed against each approved authorization of the course."""
    actor.require(Action.READ_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        return usage_in(uow, course_in_centre(uow, actor, course_id))


def uses_prior_auth(uow: UnitOfWork, centre_id: int) -> bool:
    """Whether the centre has ever requested a prior authorization."""
    return bool(uow.prior_auth_requests.in_centre(centre_id))


def most_units(course: r.Course, kind: VisitKind) -> Decimal:
    """The most units a visit of this kind may bill (4 mL: 4 units at 10^6, 400 at 10^8)."""
    label = load_label(course.label_variant)
    rule = label.visit_rule(kind)
    per_unit = label.billing.pfu_per_unit if label.billing else 1_000_000
    return planned_units(rule.max_total_volume_ml, rule.pfu_per_ml, per_unit)


def warnings_for(
    uow: UnitOfWork, course: r.Course, day: date, units_planned: Decimal, today: date
) -> list[VisitWarning]:
    """The authorization warnings of a visit of the course on `day` (none where the centre does
    not use prior authorization)."""
    found = uow.courses.with_patient(course.id)
    if found is None or not uses_prior_auth(uow, found[1].centre_id):
        return []
    usages = usage_in(uow, course)
    window = window_for([_window(u.authorization) for u in usages], day)
    used = next(
        (u.units_used for u in usages if window and u.authorization.number == window.number),
        Decimal(0),
    )
    return visit_warnings(window, day, units_planned, used, today, WINDOW_ENDING_DAYS)


def check_dose_window(
    uow: UnitOfWork, actor: Actor, course: r.Course, visit_id: int, day: date, reason: str | None
) -> None:
    """Refuse a dose outside every approved window without an override reason (naming the
    field); with one, keep it (audited)."""
    windows = [_window(a) for a in approved_for_course(uow, course.id)]
    if check_dose_in_window(windows, day, reason):
        assert reason is not None  # checked: a missing reason was refused
        uow.authorization_overrides.add(
            by=actor.user_id,
            reason=reason,
            visit_id=visit_id,
            override_reason=reason,
            recorded_by=actor.user_id,
            recorded_at=uow.now,
        )


def due_visit_warnings(
    uow: UnitOfWork, courses: list[r.Course], due_course_ids: list[int], today: date
) -> dict[int, tuple[str, ...]]:
    """The worklist's authorization warnings: per course with a visit due, as if given today at
    the most units its next visit may bill; nothing where the centre does not use prior
    authorization."""
    found: dict[int, tuple[str, ...]] = {}
    by_id = {c.id: c for c in courses}
    for course_id in due_course_ids:
        course = by_id[course_id]
        visits = uow.visits.for_course(course.id)
        kind = next_visit_kind(course, visits)
        warned = warnings_for(uow, course, today, most_units(course, kind), today)
        if warned:
            found[course_id] = tuple(w.message for w in warned)
    return found


def next_visit_kind(course: r.Course, visits: list[r.Visit]) -> VisitKind:
    """The kind of the course's next visit: a planned one's, else by the calendar rules."""
    planned = [v for v in visits if v.status is VisitRecordStatus.PLANNED]
    if planned:
        return planned[0].kind
    label = load_label(course.label_variant)
    return next_kind(domain_course(label, course, visits))


def plan_warnings(ctx: Context, actor: Actor, visit_id: int) -> list[VisitWarning]:
    """The visit plan's authorization warnings: the visit on its day (today while planned) at
    the units its plan bills (administered, plus discarded where the policy counts them)."""
    actor.require(Action.READ_PRIOR_AUTH)
    with ctx.uow(readonly=True) as uow:
        visit = uow.visits.find(visit_id)
        if visit is None:
            return []
        course = course_in_centre(uow, actor, visit.course_id)
        today = ctx.today(actor)
        day = visit.administered_on or today
        billing = visit.plan.billing
        counts = any(
            load_policy(a.policy_id).discarded_units_count
            for a in approved_for_course(uow, course.id)
        )
        units = (
            billing.units_administered + (billing.units_discarded if counts else 0)
            if billing
            else Decimal(0)
        )
        if visit.status is VisitRecordStatus.ADMINISTERED:
            return []  # given: its units are counted as used, not as planned
        return warnings_for(uow, course, day, units, today)
