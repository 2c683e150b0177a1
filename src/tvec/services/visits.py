"""Planning a visit from the latest measurements, and recording what was given.

The plan is the domain's dose plan, stored as a snapshot exactly as it was shown. Recording an
administration checks it against that plan, the vial lots and the schedule in one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from tvec.domain.administration import Lot, check_administration
from tvec.domain.dose_plan import PlanLesion, plan_visit
from tvec.domain.errors import Conflict, CourseRuleBroken, InvalidInput, NotFound
from tvec.domain.freshness import LatestSize, check_measured_today, measurement_dates
from tvec.domain.holds import check_not_held
from tvec.domain.plan_json import plan_to_json
from tvec.domain.rules import Site
from tvec.domain.schedule import check_reinitiation_within, earliest_date, next_kind
from tvec.domain.status import VisitRecordStatus
from tvec.domain.zones import from_wall_time, local_day
from tvec.jsonable import jsonable
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import AdministrationIn, AdministrationItem
from tvec.services import vial_events
from tvec.services.authorization_windows import check_dose_window
from tvec.services.context import Actor, Context
from tvec.services.courses import course_in_centre, domain_course
from tvec.services.decisions import early_dose_for, use_early_dose
from tvec.services.follow_up import check_alive
from tvec.services.indication import patient_facts
from tvec.services.permissions import Action
from tvec.services.programme import check_dose, warnings_json
from tvec.services.second_check import verify_checker


def visit_in_centre(
    uow: UnitOfWork, actor: Actor, visit_id: int, *, lock: bool = False
) -> tuple[r.Visit, r.Course]:
    """The visit and its course, if of the actor's centre; `lock` holds the visit's row until
    the transaction ends (a write that then reads the visit's vials or doses)."""
    visit = uow.visits.find(visit_id, lock=lock)
    if visit is None:
        raise NotFound("visit", visit_id)
    return visit, course_in_centre(uow, actor, visit.course_id)


def plan_next_visit(
    ctx: Context,
    actor: Actor,
    course_id: int,
    *,
    reinitiation: bool = False,
    stale_reason: str | None = None,
) -> r.Visit:
    """Plan (or re-plan, while not yet given) the next visit from the latest measurements.

    tvec's rule (`tvec.domain.freshness`): every active injectable lesion must have been measured
    today (the centre's today), unless `stale_reason` says why the older sizes are used; the
    dates used and the reason are kept with the visit (and so in its audit entry)."""
    actor.require(Action.PLAN_VISIT)
    with ctx.uow() as uow:
        course = course_in_centre(uow, actor, course_id)
        _check_open(course)
        check_not_held(uow.course_holds.for_course(course.id), ctx.today(actor), "planned")
        label = load_label(course.label_variant)
        visits = uow.visits.for_course(course_id)
        schedule = domain_course(label, course, visits)
        if reinitiation and not schedule.reinitiation:
            check_reinitiation_within(label, schedule)
        kind = next_kind(schedule, reinitiation=reinitiation)
        earliest = earliest_date(label, schedule, kind)
        # new = first seen since the previous dose; at a re-initiation course's first visit, since
        # the earlier course's complete response
        previous = schedule.doses[-1].day if schedule.doses else course.reinitiation_after
        latest = uow.lesions.active_with_latest_measurement(course.patient_id)
        sizes = [
            LatestSize(lesion.name, m.measured_on if m else None)
            for lesion, m in latest
            if lesion.injectable
        ]
        today = ctx.today(actor)  # the centre's calendar day (its time zone), not UTC's
        reason = check_measured_today(sizes, today, stale_reason)
        lesions, notes = plan_lesions(latest, previous)
        facts = patient_facts(uow, course.patient_id, today)
        planned = plan_visit(label, kind, lesions, facts)
        # stored as shown: the label's warnings, then the notes on lesions that were not planned
        snapshot = plan_to_json(replace(planned, warnings=planned.warnings + tuple(notes)))
        values: dict[str, Any] = {
            "kind": kind.value,
            "earliest_date": earliest,
            "plan": snapshot,
            "planned_on": today,
            "planned_by": actor.user_id,
            "measured_on": min((s.measured_on for s in sizes if s.measured_on), default=None),
            "measurement_dates": measurement_dates(sizes),
            "stale_reason": reason,
        }
        open_visit = next((v for v in visits if v.status is VisitRecordStatus.PLANNED), None)
        if open_visit is not None:
            visit = uow.visits.update(
                open_visit.id,
                expected_version=None,
                by=actor.user_id,
                action="replan",
                read=open_visit,
                reason=reason,
                **values,
            )
        else:
            visit = uow.visits.add(
                by=actor.user_id,
                course_id=course_id,
                number=len(schedule.doses) + 1,
                status=VisitRecordStatus.PLANNED,
                administered_on=None,
                override_reason=None,
                override_by=None,
                reason=reason,
                **values,
            )
        uow.commit()
    return visit


def _check_open(course: r.Course) -> None:
    """Nothing is planned or given on an ended course."""
    if course.end_date is not None:
        raise CourseRuleBroken(f"course {course.id} ended on {course.end_date}; start a new one")


def plan_lesions(
    lesions: list[tuple[r.Lesion, r.Measurement | None]], previous: date | None
) -> tuple[list[PlanLesion], list[str]]:
    # each active lesion with its latest measurement not entered in error
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
    nothing again; the same key with a different request is refused. The second checker's
    credentials (`tvec.services.second_check`) are verified first and are no part of the key's
    fingerprint (a password is never kept, not even hashed).
    """
    actor.require(Action.RECORD_ADMINISTRATION)
    checker = verify_checker(ctx, actor, given.second_check)
    request = given.model_dump(mode="json", exclude={"second_check"})
    fingerprint = hashlib.sha256(
        json.dumps([visit_id, request], sort_keys=True).encode()
    ).hexdigest()
    try:
        with ctx.uow() as uow:
            replay = _replay(uow, actor, idempotency_key, fingerprint)
            if replay is not None:
                return replay, True
            result = _record(uow, actor, visit_id, given, checker)
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
        # A concurrent retry of the same request may have committed first (on PostgreSQL both
        # read "no reply kept yet"; the second then finds the visit moved on): answer as it did.
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
    earlier = uow.replies.for_key(actor.user_id, key)
    if earlier is None:
        return None
    if earlier.request_hash != fingerprint:
        raise Conflict(
            "this Idempotency-Key was used for a different request", field="Idempotency-Key"
        )
    return earlier.response


def review_administration(
    ctx: Context, actor: Actor, visit_id: int, given: AdministrationIn
) -> list[r.Administration]:
    """What `record_administration` would save, checked by the same rules, and nothing written
    (the unit of work is rolled back): the record step's review page shows it. The second check
    is made when the record is confirmed."""
    actor.require(Action.RECORD_ADMINISTRATION)
    with ctx.uow() as uow:
        _record(uow, actor, visit_id, given, None)
        visit = uow.visits.get(visit_id)
        return uow.administrations.for_visit(visit.id)  # never committed


def _record(
    uow: UnitOfWork, actor: Actor, visit_id: int, given: AdministrationIn, checker: int | None
) -> dict[str, Any]:
    # locked: a second person recording the same visit waits, then finds it recorded (409),
    # instead of judging the vials by the first person's events (422)
    visit, course = visit_in_centre(uow, actor, visit_id, lock=True)
    if given.override_reason is not None:
        actor.require(Action.OVERRIDE)  # only an oncologist may give a reason to override
    if visit.status is not VisitRecordStatus.PLANNED:
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
    zone_name = uow.centres.get(actor.centre_id).time_zone
    # stored as the UTC instant (a time without an offset is the centre's wall time); its day
    # is the centre's day (tvec.domain.zones)
    at = from_wall_time(given.administered_at, zone_name)
    day = local_day(at, zone_name)
    _check_open(course)
    check_alive(uow, course.patient_id, "dose may be recorded", "administered_at")
    check_not_held(uow.course_holds.for_course(course.id), day, "given")
    # without a reason given now, an early dose the oncologist pre-authorised for this visit
    authorised = None if given.override_reason else early_dose_for(uow, visit)
    override_reason = authorised.override_reason if authorised else given.override_reason
    override_by = authorised.authorised_by if authorised else actor.user_id
    lots = _lots_named(uow, actor, given.items)
    others = [v for v in uow.visits.for_course(course.id) if v.id != visit.id]
    check_administration(
        label,
        domain_course(label, course, others),
        visit.plan,
        given.items,
        {name: Lot(lot.lot, lot.pfu_per_ml, lot.expiry_date) for name, lot in lots.items()},
        day=day,
        today=local_day(uow.now, zone_name),
        override_reason=override_reason,
    )
    check_dose_window(uow, actor, course, visit.id, day, given.authorization_override_reason)
    # the safety programme: who gives and who checks must be cleared (and trained, as the data
    # says); a missing blocking requirement refuses the dose, nothing written
    first = not any(v.status is VisitRecordStatus.ADMINISTERED for v in others)
    programme = check_dose(uow, actor, course, checker, first=first)
    vial_ids = _vials_named(uow, actor, given, lots)
    _give_from_vials(uow, actor, given, vial_ids, lots, at, day)  # a refused vial: nothing written
    names = {les.name: les.id for les in uow.lesions.for_patient(course.patient_id)}
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
                "administered_at": at,
                "recorded_at": uow.now,
                "checked_by": checker,
                "vial_id": vial_id,
                "ultrasound_guided": item.ultrasound_guided,
            }
            for item, (vial_id, _field) in zip(given.items, vial_ids, strict=True)
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
        reason=override_reason if early else None,
        status=VisitRecordStatus.ADMINISTERED,
        administered_on=day,
        override_reason=override_reason if early else None,
        override_by=override_by if early else None,
    )
    if early and authorised is not None:  # that visit only, once
        use_early_dose(uow, authorised, visit.id, actor.user_id)
    return {
        "visit": jsonable(updated),
        "administrations": jsonable(saved),
        "programme_warnings": warnings_json(programme),
    }


def _vials_named(
    uow: UnitOfWork, actor: Actor, given: AdministrationIn, lots: dict[str, r.VialLot]
) -> list[tuple[int | None, str]]:
    """Each dose's vial (None: the lot only) and the field that named it: its id, or the
    serial number typed or scanned from its carton (`vial_events.vial_of_serial`)."""
    named: list[tuple[int | None, str]] = []  # (vial, field)
    for n, item in enumerate(given.items):
        if item.vial_id is not None and item.vial_serial is not None:
            raise InvalidInput(
                "administration",
                f"items.{n}.vial_serial",
                "is given as well as the vial picked: pick the vial or scan its carton, not both",
                label=f"the vial scanned for {item.target}",
            )
        if item.vial_serial is not None:
            field = f"items.{n}.vial_serial"
            pfu = lots[item.vial_lot].pfu_per_ml
            row = f"the vial scanned for {item.target}"
            vial_id = vial_events.vial_of_serial(uow, actor, item.vial_serial, field, pfu, row)
            named.append((vial_id, field))
        else:
            named.append((item.vial_id, f"items.{n}.vial_id"))
    return named


def _give_from_vials(
    uow: UnitOfWork,
    actor: Actor,
    given: AdministrationIn,
    vial_ids: list[tuple[int | None, str]],
    lots: dict[str, r.VialLot],
    at: datetime,
    day: date,
) -> None:
    """The doses that name their vial are drawn, given and the leftover discarded on it."""
    uses = [
        vial_events.BedsideUse(
            vial_id,
            item.volume_ml,
            field,
            lots[item.vial_lot].id,
            f"the vial scanned for {item.target}" if field.endswith("serial") else "the vial",
        )
        for item, (vial_id, field) in zip(given.items, vial_ids, strict=True)
        if vial_id is not None
    ]
    if not uses:
        return
    vial_events.give_from_vials(
        uow,
        actor,
        uses,
        pfu_per_ml=lots[given.items[0].vial_lot].pfu_per_ml,
        at=at,
        day=day,
        leftover_reason=given.leftover_reason,
    )


def _lots_named(
    uow: UnitOfWork, actor: Actor, items: list[AdministrationItem]
) -> dict[str, r.VialLot]:
    """The centre's lots that the items name, by lot number (usually one lot for the visit)."""
    found: dict[str, r.VialLot] = {}
    for name in dict.fromkeys(item.vial_lot for item in items):
        lot = uow.vial_lots.by_lot(actor.centre_id, name)
        if lot is not None:
            found[name] = lot
    return found


def get_visit(ctx: Context, actor: Actor, visit_id: int) -> r.Visit:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        return visit_in_centre(uow, actor, visit_id)[0]


def list_visits(ctx: Context, actor: Actor, course_id: int) -> list[r.Visit]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        course_in_centre(uow, actor, course_id)
        return uow.visits.for_course(course_id)


def list_administrations(ctx: Context, actor: Actor, visit_id: int) -> list[r.Administration]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        visit_in_centre(uow, actor, visit_id)
        return uow.administrations.for_visit(visit_id)
