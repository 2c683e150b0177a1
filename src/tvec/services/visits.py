"""Planning a visit from the latest measurements, and recording what was given.

The plan is the domain's dose plan, stored as a snapshot exactly as it was shown. Recording an
administration checks it against that plan, the vial lots and the schedule in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from tvec.domain.dose_plan import PlanLesion, plan_visit
from tvec.domain.errors import Conflict, CourseRuleBroken, InvalidInput, NotFound
from tvec.domain.rules import LabelRules, Site
from tvec.domain.schedule import earliest_date, next_kind, record_dose
from tvec.jsonable import jsonable
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import AdministrationIn, AdministrationItem
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre, domain_course
from tvec.services.permissions import Action


def visit_in_centre(uow: UnitOfWork, actor: Actor, visit_id: int) -> tuple[r.Visit, r.Course]:
    visit = uow.visits.find(id=visit_id)
    if visit is None:
        raise NotFound("visit", visit_id)
    return visit, course_in_centre(uow, actor, visit.course_id)


def plan_next_visit(
    ctx: Context, actor: Actor, course_id: int, *, reinitiation: bool = False
) -> r.Visit:
    """Plan (or re-plan, while not yet given) the next visit from the latest measurements."""
    actor.require(Action.PLAN_VISIT)
    try:
        # The reads and the dose plan need not hold up other writers (on SQLite they are done
        # before the writer's turn); what they planned is written only if still current.
        return _plan_next_visit(ctx, actor, course_id, reinitiation, read_first=True)
    except Conflict:
        # Another writer changed this course's visits in between (a second plan, a dose
        # recorded): plan again from what is now on file, as if the two had come in turn.
        return _plan_next_visit(ctx, actor, course_id, reinitiation, read_first=False)


def _plan_next_visit(
    ctx: Context, actor: Actor, course_id: int, reinitiation: bool, *, read_first: bool
) -> r.Visit:
    with ctx.uow(read_first=read_first) as uow:
        course = course_in_centre(uow, actor, course_id)
        _check_open(course)
        label = load_label(course.label_variant)
        visits = uow.visits.list(course_id=course_id, order_by=("number",))
        schedule = domain_course(label, course, visits)
        kind = next_kind(schedule, reinitiation=reinitiation)
        earliest = earliest_date(label, schedule, kind)
        previous = schedule.doses[-1].day if schedule.doses else None
        lesions, notes = _plan_lesions(uow, course.patient_id, previous)
        snapshot = jsonable(plan_visit(label, kind, lesions))
        snapshot["warnings"] = list(snapshot["warnings"]) + notes
        values: dict[str, Any] = {
            "kind": kind.value,
            "earliest_date": earliest,
            "plan": snapshot,
            "planned_on": uow.now.date(),
            "planned_by": actor.user_id,
        }
        open_visit = next((v for v in visits if v.status == "planned"), None)
        if uow.begin_writing():
            # The visits are guarded below (by version, and by the unique visit number); the
            # course's end is not, so it is read again.
            _check_open(uow.courses.get(course_id))
        if open_visit is not None:
            visit = uow.visits.update(
                open_visit.id,
                expected_version=None,
                by=actor.user_id,
                action="replan",
                read=open_visit,
                **values,
            )
        else:
            visit = uow.visits.add(
                by=actor.user_id,
                course_id=course_id,
                number=len(schedule.doses) + 1,
                status="planned",
                administered_on=None,
                override_reason=None,
                override_by=None,
                **values,
            )
        uow.commit()
    return visit


def _check_open(course: r.Course) -> None:
    """Nothing is planned or given on an ended course."""
    if course.end_date is not None:
        raise CourseRuleBroken(f"course {course.id} ended on {course.end_date}; start a new one")


def _plan_lesions(
    uow: UnitOfWork, patient_id: int, previous: date | None
) -> tuple[list[PlanLesion], list[str]]:
    # each active lesion with its latest measurement not entered in error
    lesions = uow.lesions.list_with_latest(
        uow.measurements,
        "lesion_id",
        latest_by=("measured_on", "id"),
        other_equal={"status": "active"},
        patient_id=patient_id,
        status="active",
    )
    planned, notes = [], []
    for lesion, m in lesions:
        if m is None:
            notes.append(f"lesion {lesion.name} has no measurement on file and was not planned")
            continue
        if m.longest_cm == 0:
            continue  # disappeared (0 × 0): nothing to inject
        planned.append(
            PlanLesion(
                lesion_id=lesion.name,
                longest_cm=m.longest_cm,
                perpendicular_cm=m.perpendicular_cm,
                site=Site(lesion.site),
                new=previous is not None and lesion.first_seen > previous,
                injectable=lesion.injectable,
                cluster=lesion.cluster,
            )
        )
    return planned, notes


def record_administration(
    ctx: Context,
    actor: Actor,
    visit_id: int,
    given: AdministrationIn,
    idempotency_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Record what was injected at a planned visit. Returns (the record as JSON, replayed?).

    With an idempotency key, a retry of the same request returns the first answer and records
    nothing again; the same key with a different request is refused.
    """
    actor.require(Action.RECORD_ADMINISTRATION)
    fingerprint = hashlib.sha256(
        json.dumps([visit_id, given.model_dump(mode="json")], sort_keys=True).encode()
    ).hexdigest()
    try:
        # Read and check first without holding up other writers (on SQLite, before the writer's
        # turn); what was read is guarded when written (see _record).
        with ctx.uow(read_first=True) as uow:
            replay = _replay(uow, actor, idempotency_key, fingerprint)
            if replay is not None:
                return replay, True
            result = _record(uow, actor, visit_id, given)
            if idempotency_key is not None:
                uow.replies.add(
                    by=actor.user_id,
                    audit=False,
                    user_id=actor.user_id,
                    key=idempotency_key,
                    request_hash=fingerprint,
                    response=result,
                    created_at=uow.now,
                )
            uow.commit()
        return result, False
    except Conflict:
        # A concurrent retry of the same request may have committed first: answer as it did.
        if idempotency_key is None:
            raise
        with ctx.uow(readonly=True) as uow:
            replay = _replay(uow, actor, idempotency_key, fingerprint)
        if replay is None:
            raise
        return replay, True


def _replay(
    uow: UnitOfWork, actor: Actor, key: str | None, fingerprint: str
) -> dict[str, Any] | None:
    if key is None:
        return None
    earlier = uow.replies.find(user_id=actor.user_id, key=key)
    if earlier is None:
        return None
    if earlier.request_hash != fingerprint:
        raise Conflict(
            "this Idempotency-Key was used for a different request", field="Idempotency-Key"
        )
    return earlier.response


def _record(
    uow: UnitOfWork, actor: Actor, visit_id: int, given: AdministrationIn
) -> dict[str, Any]:
    visit, course = visit_in_centre(uow, actor, visit_id)
    if given.override_reason is not None:
        actor.require(Action.OVERRIDE)  # only an oncologist may give a reason to override
    if visit.status != "planned":
        raise Conflict(
            f"visit {visit.number} was already recorded as {visit.status}", field="version"
        )
    if visit.version != given.version:
        raise Conflict(
            f"visit {visit.number} has changed since it was read (version {given.version}, "
            f"now {visit.version}); reload it",
            field="version",
        )
    label = load_label(course.label_variant)
    day = given.administered_at.date()
    _check_schedule(uow, actor, label, course, visit, day, given.override_reason)
    lots = _check_against_plan(uow, actor, visit.plan, given.items, day)
    names = {les.name: les.id for les in uow.lesions.list(patient_id=course.patient_id)}
    if uow.begin_writing():
        # Another writer may have committed since the reads. The visit is guarded by its
        # version (the update below: 409 if it moved on, which also undoes the rows added before
        # it), a retry of this request by its idempotency key (unique), and vial lots and
        # lesion names are never changed once entered; the course's end is read again.
        _check_open(uow.courses.get(course.id))
    saved = uow.administrations.add_many(
        [
            {
                "visit_id": visit.id,
                "target": item.target,
                "lesion_id": names.get(item.target),
                "volume_ml": item.volume_ml,
                "pfu_per_ml": lots[item.vial_lot].pfu_per_ml,
                "vial_lot_id": lots[item.vial_lot].id,
                "administered_by": actor.user_id,
                "administered_at": given.administered_at,
                "recorded_at": uow.now,
            }
            for item in given.items
        ],
        by=actor.user_id,
    )
    early = day < visit.earliest_date
    updated = uow.visits.update(
        visit.id,
        expected_version=given.version,
        by=actor.user_id,
        action="administer",
        read=visit,
        reason=given.override_reason if early else None,
        status="administered",
        administered_on=day,
        override_reason=given.override_reason if early else None,
        override_by=actor.user_id if early else None,
    )
    return {"visit": jsonable(updated), "administrations": jsonable(saved)}


def _check_schedule(
    uow: UnitOfWork,
    actor: Actor,
    label: LabelRules,
    course: r.Course,
    visit: r.Visit,
    day: date,
    override: str | None,
) -> None:
    _check_open(course)
    if day > uow.now.date():
        raise InvalidInput("administration", "administered_at", "must not be in the future")
    others = [v for v in uow.visits.list(course_id=course.id) if v.id != visit.id]
    schedule = domain_course(label, course, others)
    record_dose(
        label, schedule, day, override_reason=override, reinitiation=visit.kind == "reinitiation"
    )


def _check_against_plan(
    uow: UnitOfWork, actor: Actor, plan: dict[str, Any], items: list[AdministrationItem], day: date
) -> dict[str, r.VialLot]:
    planned = {i["lesion_id"]: Decimal(str(i["band_max_ml"])) for i in plan["injections"]}
    strength = int(plan["concentration_pfu_per_ml"])
    lots: dict[str, r.VialLot] = {}
    seen: set[str] = set()
    for n, item in enumerate(items):
        where = f"items[{n}] (lesion {item.target})"
        if item.target not in planned:
            raise InvalidInput(where, "target", "is not in this visit's dose plan")
        if item.target in seen:
            raise InvalidInput(where, "target", "is listed twice")
        seen.add(item.target)
        if item.volume_ml > planned[item.target]:
            raise InvalidInput(
                where,
                "volume_ml",
                f"exceeds the lesion's maximum of {planned[item.target]} mL (label volume band)",
                item.volume_ml,
            )
        if item.vial_lot not in lots:  # usually one lot for the whole visit: looked up once
            lots[item.vial_lot] = _check_lot(uow, actor, where, item.vial_lot, strength, day)
    total = sum((item.volume_ml for item in items), Decimal(0))
    limit = Decimal(str(plan["max_total_volume_ml"]))
    if total > limit:
        raise InvalidInput(
            "administration",
            "items",
            f"total {total} mL exceeds the visit maximum of {limit} mL",
            total,
        )
    return lots


def _check_lot(
    uow: UnitOfWork, actor: Actor, where: str, lot: str, strength: int, day: date
) -> r.VialLot:
    found = uow.vial_lots.find(centre_id=actor.centre_id, lot=lot)
    if found is None:
        raise InvalidInput(where, "vial_lot", "is not a lot in the centre's stock", lot)
    if found.pfu_per_ml != strength:
        raise InvalidInput(
            where,
            "vial_lot",
            f"is {found.pfu_per_ml:,} PFU/mL but this visit needs {strength:,} PFU/mL",
            lot,
        )
    if found.expiry_date < day:
        raise InvalidInput(where, "vial_lot", f"expired on {found.expiry_date}", lot)
    return found


def get_visit(ctx: Context, actor: Actor, visit_id: int) -> r.Visit:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        return visit_in_centre(uow, actor, visit_id)[0]


def list_visits(ctx: Context, actor: Actor, course_id: int) -> list[r.Visit]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        course_in_centre(uow, actor, course_id)
        return uow.visits.list(course_id=course_id, order_by=("number",))


def list_administrations(ctx: Context, actor: Actor, visit_id: int) -> list[r.Administration]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        visit_in_centre(uow, actor, visit_id)
        return uow.administrations.list(visit_id=visit_id)
