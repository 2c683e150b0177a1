"""Lesions and their measurements; a wrong measurement is corrected or marked entered-in-error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from tvec.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from tvec.domain.freshness import check_reason
from tvec.domain.lesions import check_cluster_ids, check_diameters
from tvec.domain.status import RecordStatus
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import (
    LesionCorrection,
    LesionIn,
    MeasurementCorrection,
    MeasurementItem,
    MeasurementsIn,
    VisitMeasurementsIn,
)
from tvec.services.context import Actor, Context
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action
from tvec.services.plausible import not_in_future


def lesion_in_centre(uow: UnitOfWork, actor: Actor, lesion_id: int) -> r.Lesion:
    lesion = uow.lesions.find(lesion_id)
    if lesion is None:
        raise NotFound("lesion", lesion_id)
    patient_in_centre(uow, actor, lesion.patient_id)
    return lesion


def add_lesion(ctx: Context, actor: Actor, patient_id: int, new: LesionIn) -> r.Lesion:
    actor.require(Action.RECORD_LESIONS)
    not_in_future(ctx, actor, f"lesion {new.name}", "first_seen", new.first_seen)
    with ctx.uow() as uow:
        patient_in_centre(uow, actor, patient_id)
        lesion = _add_in(ctx, uow, actor, patient_id, new)
        uow.commit()
    return lesion


def _add_in(
    ctx: Context, uow: UnitOfWork, actor: Actor, patient_id: int, new: LesionIn
) -> r.Lesion:
    """A new lesion of the patient, in the caller's unit of work (nothing committed)."""
    if uow.lesions.by_name(patient_id, new.name) is not None:
        raise Conflict(f"lesion {new.name} already exists for this patient", field="name")
    existing = uow.lesions.for_patient(patient_id)
    _check_clusters(existing, new.name, new.cluster)
    most = ctx.settings.max_lesions_per_patient  # an abuse limit (TVEC_MAX_LESIONS_PER_PATIENT)
    if len(existing) >= most:
        rule = f"may number at most {most} per patient (tvec's limit); this one is refused"
        raise InvalidInput(f"lesion {new.name}", "lesions", rule)
    values = new.model_dump()
    values["site"] = new.site.value
    return uow.lesions.add(
        by=actor.user_id, patient_id=patient_id, status=RecordStatus.ACTIVE, **values
    )


def _check_clusters(others: list[r.Lesion], name: str, cluster: str | None) -> None:
    """The planner's rule that a cluster id is no other lesion's id, applied when a lesion is
    recorded or corrected, so that no record can be kept that its dose plan would refuse."""
    active = [(les.name, les.cluster) for les in others if les.status is RecordStatus.ACTIVE]
    check_cluster_ids("patient's lesions", [*active, (name, cluster)])


def list_lesions(ctx: Context, actor: Actor, patient_id: int) -> list[r.Lesion]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        return uow.lesions.for_patient(patient_id)


def correct_lesion(ctx: Context, actor: Actor, lesion_id: int, fix: LesionCorrection) -> r.Lesion:
    actor.require(Action.RECORD_LESIONS)
    changes = fix.model_dump(exclude={"version", "reason"}, exclude_unset=True)
    if not changes:
        raise InvalidInput("correction", "(fields)", "must change at least one field")
    with ctx.uow() as uow:
        lesion = lesion_in_centre(uow, actor, lesion_id)
        others = [les for les in uow.lesions.for_patient(lesion.patient_id) if les.id != lesion.id]
        _check_clusters(
            others, changes.get("name", lesion.name), changes.get("cluster", lesion.cluster)
        )
        lesion = uow.lesions.update(
            lesion_id,
            expected_version=fix.version,
            by=actor.user_id,
            reason=fix.reason,
            action="correct",
            **changes,
        )
        uow.commit()
    return lesion


def record_measurements(
    ctx: Context, actor: Actor, patient_id: int, visit: MeasurementsIn
) -> list[r.Measurement]:
    """A visit's measurements, all or nothing; 0 × 0 records a lesion that has disappeared."""
    actor.require(Action.RECORD_LESIONS)
    _check_request(ctx, actor, visit.measured_on, len(visit.items))
    with ctx.uow() as uow:
        patient_in_centre(uow, actor, patient_id)
        saved = _measure_in(uow, actor, patient_id, visit)
        uow.commit()
    return saved


def record_visit_measurements(
    ctx: Context, actor: Actor, patient_id: int, visit: VisitMeasurementsIn
) -> list[r.Measurement]:
    """The whole measure step as one unit of work: the new lesions (first seen on the visit's
    date), then every measurement (the lesions on file first, then the new ones), all or nothing.

    A refusal names its row in `fields`: `new_lesion` (index into `visit.new_lesions`) or `item`
    (index into the items, the new lesions' measurements following `visit.items`)."""
    actor.require(Action.RECORD_LESIONS)
    if not visit.items and not visit.new_lesions:
        raise InvalidInput("measurements", "items", "must hold at least one lesion's measurements")
    _check_request(ctx, actor, visit.measured_on, len(visit.items) + len(visit.new_lesions))
    with ctx.uow() as uow:
        patient_in_centre(uow, actor, patient_id)
        added = []
        for i, new in enumerate(visit.new_lesions):
            with _row("new_lesion", i):
                lesion = LesionIn(
                    **new.model_dump(exclude={"longest_cm", "perpendicular_cm"}),
                    first_seen=visit.measured_on,
                )
                added.append(_add_in(ctx, uow, actor, patient_id, lesion))
        items = [
            *visit.items,
            *(
                MeasurementItem(
                    lesion_id=lesion.id,
                    longest_cm=new.longest_cm,
                    perpendicular_cm=new.perpendicular_cm,
                )
                for lesion, new in zip(added, visit.new_lesions, strict=True)
            ),
        ]
        whole = MeasurementsIn(measured_on=visit.measured_on, method=visit.method, items=items)
        saved = _measure_in(uow, actor, patient_id, whole)
        uow.commit()
    return saved


@contextmanager
def _row(kind: str, index: int) -> Iterator[None]:
    """Name the row of a refusal raised inside (`fields[kind] = index`)."""
    try:
        yield
    except DomainError as exc:
        exc.fields[kind] = index
        raise


def _check_request(ctx: Context, actor: Actor, measured_on: date, count: int) -> None:
    most = ctx.settings.max_measurements_per_request  # TVEC_MAX_MEASUREMENTS_PER_REQUEST
    if count > most:
        raise InvalidInput("measurements", "items", f"must hold at most {most} measurements")
    not_in_future(ctx, actor, "measurements", "measured_on", measured_on)


def _measure_in(
    uow: UnitOfWork, actor: Actor, patient_id: int, visit: MeasurementsIn
) -> list[r.Measurement]:
    lesions = {les.id: les for les in uow.lesions.for_patient(patient_id)}
    seen: set[int] = set()
    saved = []
    for i, item in enumerate(visit.items):
        lesion = lesions.get(item.lesion_id)
        where = f"items[{i}] (lesion {lesion.name if lesion else item.lesion_id})"
        with _row("item", i):
            _check_item(uow, lesion, item.lesion_id, where, visit, seen)
            check_diameters(where, item.longest_cm, item.perpendicular_cm, may_be_gone=True)
        seen.add(item.lesion_id)
        saved.append(
            uow.measurements.add(
                by=actor.user_id,
                lesion_id=item.lesion_id,
                measured_on=visit.measured_on,
                longest_cm=item.longest_cm,
                perpendicular_cm=item.perpendicular_cm,
                method=visit.method.value,
                status=RecordStatus.ACTIVE,
                recorded_by=actor.user_id,
                recorded_at=uow.now,
            )
        )
    return saved


def _check_item(
    uow: UnitOfWork,
    lesion: r.Lesion | None,
    lesion_id: int,
    where: str,
    visit: MeasurementsIn,
    seen: set[int],
) -> None:
    if lesion is None or lesion.status is not RecordStatus.ACTIVE:
        raise InvalidInput(where, "lesion_id", "is not an active lesion of this patient", lesion_id)
    if lesion_id in seen:
        raise InvalidInput(where, "lesion_id", "appears twice in this visit")
    if visit.measured_on < lesion.first_seen:
        raise InvalidInput(
            where, "measured_on", f"is before the lesion was first seen ({lesion.first_seen})"
        )
    if uow.measurements.active_on(lesion_id, visit.measured_on):
        raise Conflict(
            f"{where}: already measured on {visit.measured_on}; correct that measurement instead",
            field="measured_on",
        )


def list_measurements(ctx: Context, actor: Actor, patient_id: int) -> list[r.Measurement]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        lesion_ids = [les.id for les in uow.lesions.for_patient(patient_id)]
        return uow.measurements.for_lesions(lesion_ids)


def correct_measurement(
    ctx: Context, actor: Actor, measurement_id: int, fix: MeasurementCorrection
) -> r.Measurement:
    actor.require(Action.RECORD_LESIONS)
    changes = fix.model_dump(exclude={"version", "reason"}, exclude_none=True)
    if not changes:
        raise InvalidInput("correction", "(fields)", "must change at least one field")
    with ctx.uow() as uow:
        current = uow.measurements.get(measurement_id)
        lesion = lesion_in_centre(uow, actor, current.lesion_id)
        reason = check_reason(f"lesion {lesion.name}", "reason", fix.reason)
        longest = changes.get("longest_cm", current.longest_cm)
        perpendicular = changes.get("perpendicular_cm", current.perpendicular_cm)
        check_diameters(f"lesion {lesion.name}", longest, perpendicular, may_be_gone=True)
        result = uow.measurements.update(
            measurement_id,
            expected_version=fix.version,
            by=actor.user_id,
            reason=reason,
            action="correct",
            **changes,
        )
        uow.commit()
    return result
