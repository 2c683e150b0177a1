"""A recorded dose after the fact: corrections as new versions, and the full history of a visit's
doses.

A recorded administration is never changed in place or deleted. A correction adds a new version
(revision one more, `supersedes_id` the one it replaces, the reason, who corrected and when) and
marks the replaced one "superseded", in one unit of work; both stay, and the audit log holds each
as written. The corrected visit's doses are checked by the same domain rule as recording
(`tvec.domain.administration.check_administration`), so a correction can never make a dose that
recording would refuse. Every reader of a visit's doses (chart, billing, outcomes) reads the
current versions only (`AdministrationRepository.for_visits`); the summary reads the history.
The second staff member's check is `tvec.services.second_check`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.domain.administration import Given, Lot, check_administration
from tvec.domain.billing import DoseBilling, bill_dose
from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.domain.status import VisitRecordStatus
from tvec.domain.zones import from_wall_time, local_day
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import AdministrationCorrectionIn
from tvec.services import vial_events
from tvec.services.context import Actor, Context
from tvec.services.courses import domain_course
from tvec.services.permissions import Action
from tvec.services.programme import check_correction_checker
from tvec.services.second_check import verify_checker
from tvec.services.visits import visit_in_centre


def administration_history(ctx: Context, actor: Actor, visit_id: int) -> list[r.Administration]:
    """Every version of the visit's doses, superseded ones too, in the order recorded."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        visit_in_centre(uow, actor, visit_id)
        return uow.administrations.history_for_visit(visit_id)


def get_administration(ctx: Context, actor: Actor, administration_id: int) -> r.Administration:
    """One recorded dose of the actor's centre (another centre's is not found)."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        return _administration_in_centre(uow, actor, administration_id)


def _administration_in_centre(
    uow: UnitOfWork, actor: Actor, administration_id: int, *, lock: bool = False
) -> r.Administration:
    found = uow.administrations.find(administration_id, lock=lock)
    if found is None:
        raise NotFound("administration", administration_id)
    visit_in_centre(uow, actor, found.visit_id)  # NotFound for another centre's
    return found


def correct_administration(
    ctx: Context,
    actor: Actor,
    administration_id: int,
    fix: AdministrationCorrectionIn,
    *,
    review: bool = False,
) -> r.Administration:
    """A new version of a recorded dose (same lesion, same day) with the reason; the old one is
    kept, marked superseded. The visit's doses as corrected must pass the recording rules.

    With `review`, the correction is checked and returned as it would be saved, and nothing is
    written (the web's review step; the second check is made when it is confirmed)."""
    actor.require(Action.RECORD_ADMINISTRATION)
    checker = None if review else verify_checker(ctx, actor, fix.second_check)
    with ctx.uow() as uow:
        # locked: a second correction of the same dose waits, then finds it superseded (409)
        # and cannot leave two current versions of one dose
        old = _administration_in_centre(uow, actor, administration_id, lock=True)
        visit, course = visit_in_centre(uow, actor, old.visit_id)
        if checker is not None:  # the safety programme: a second checker must be cleared
            check_correction_checker(uow, actor, course, checker)
        if old.status != "active":
            raise Conflict(
                f"this dose was already corrected (version {old.revision} is superseded); "
                "correct its latest version",
                field="version",
            )
        zone_name = uow.centres.get(actor.centre_id).time_zone
        at = from_wall_time(fix.administered_at, zone_name)  # stored as the UTC instant
        day = local_day(at, zone_name)
        _check_same_day(visit, day)
        lot = uow.vial_lots.by_lot(actor.centre_id, fix.vial_lot)
        today = local_day(uow.now, zone_name)
        _check_corrected_visit(uow, visit, course, old, fix, lot, day, today)
        assert lot is not None  # checked above: a lot not in stock is refused
        # the visit's version moves on: two corrections of the same visit at once conflict
        uow.visits.update(
            visit.id,
            expected_version=visit.version,
            by=actor.user_id,
            action="correct-administration",
            read=visit,
            reason=fix.reason,
        )
        uow.administrations.update(
            old.id,
            expected_version=None,
            by=actor.user_id,
            action="supersede",
            reason=fix.reason,
            status="superseded",
        )
        new = uow.administrations.add(
            by=actor.user_id,
            reason=fix.reason,
            visit_id=visit.id,
            target=old.target,
            lesion_id=old.lesion_id,
            volume_ml=fix.volume_ml,
            pfu_per_ml=lot.pfu_per_ml,
            vial_lot_id=lot.id,
            administered_by=old.administered_by,  # who gave the dose; the corrector is kept too
            administered_at=at,
            recorded_at=uow.now,
            checked_by=checker,
            revision=old.revision + 1,
            status="active",
            supersedes_id=old.id,
            correction_reason=fix.reason,
            corrected_by=actor.user_id,
            corrected_at=uow.now,
            ultrasound_guided=old.ultrasound_guided,
        )
        if not review:
            uow.commit()
    return new


def _check_same_day(visit: r.Visit, day: date) -> None:
    if visit.status is not VisitRecordStatus.ADMINISTERED or visit.administered_on is None:
        raise Conflict(f"visit {visit.number} has no recorded dose to correct", field="version")
    if day != visit.administered_on:
        raise InvalidInput(
            "correction",
            "administered_at",
            f"must be on the day the dose was recorded as given ({visit.administered_on}); "
            "a dose given on another day is a different visit",
            day,
            label="Given at",
        )


def _check_corrected_visit(
    uow: UnitOfWork,
    visit: r.Visit,
    course: r.Course,
    old: r.Administration,
    fix: AdministrationCorrectionIn,
    lot: r.VialLot | None,
    day: date,
    today: date,
) -> None:
    """The visit's doses with this one corrected, by the recording rule (volumes, 4 mL visit
    maximum, lot strength and expiry, schedule)."""
    current = uow.administrations.for_visit(visit.id)
    names = {a.vial_lot_id: uow.vial_lots.get(a.vial_lot_id) for a in current}
    # the corrected dose first, so that a refusal names it before any other
    items = [Given(old.target, fix.volume_ml, fix.vial_lot)]
    items += [
        Given(a.target, a.volume_ml, names[a.vial_lot_id].lot) for a in current if a.id != old.id
    ]
    lots = {v.lot: Lot(v.lot, v.pfu_per_ml, v.expiry_date) for v in names.values()}
    if lot is not None:
        lots[lot.lot] = Lot(lot.lot, lot.pfu_per_ml, lot.expiry_date)
    else:
        lots.pop(fix.vial_lot, None)
    label = load_label(course.label_variant)
    others = [v for v in uow.visits.for_course(course.id) if v.id != visit.id]
    check_administration(
        label,
        domain_course(label, course, others),
        visit.plan,
        items,
        lots,
        day=day,
        today=today,
        override_reason=visit.override_reason,
    )


def staff_names(ctx: Context, actor: Actor) -> dict[int, str]:
    """The full names of the centre's staff by user id (who gave and who checked a dose)."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        return {u.id: u.full_name for u in uow.users.in_centre(actor.centre_id)}


@dataclass(frozen=True)
class DoseUse:
    """What a given visit used: the mL given, the vials thawed, the mL discarded, and the claim
    lines, by the same domain functions as the plan and the billing page."""

    total_ml: Decimal
    vials: int
    waste_ml: Decimal
    vial_volume_ml: Decimal
    billing: DoseBilling | None


def dose_use(ctx: Context, actor: Actor, visit_id: int) -> DoseUse:
    """The visit's current doses (as corrected) as vials, waste and billing units."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        visit, course = visit_in_centre(uow, actor, visit_id)
        given = uow.administrations.for_visit(visit_id)
        label = load_label(course.label_variant)
        strength = label.strength(visit.plan.concentration_pfu_per_ml)
        total = sum((a.volume_ml for a in given), Decimal(0))
        vials, waste = vial_events.vials_used(uow, given, strength.vial_volume_ml)
    billing = bill_dose(label.billing, strength.pfu_per_ml, total, waste) if label.billing else None
    return DoseUse(total, vials, waste, strength.vial_volume_ml, billing)
