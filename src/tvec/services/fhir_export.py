"""FHIR R4 / mCODE export: one patient's records as a Bundle, or the whole centre's by type.

The service reads the records in one read-only transaction, prepares the plain records of
`tvec.interop.fhir.mcode` and lets it build the resources. Only current records are exported
(active lesions, measurements and adverse events; administrations not superseded by a
correction). The disease status is the response engine's assessment (modified WHO).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from tvec.domain.errors import DomainError
from tvec.domain.status import RecordStatus
from tvec.interop.fhir import mcode as m
from tvec.knowledge import load_criteria
from tvec.knowledge.fhir_codes import load_fhir_codes
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.outcomes import assess_in_uow
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action

CRITERIA = "modified-who"
Resource = dict[str, Any]


def patient_everything(ctx: Context, actor: Actor, patient_id: int) -> Resource:
    """`Patient/{id}/$everything`: a searchset Bundle of one patient of the actor's centre."""
    actor.require(Action.EXPORT_FHIR)
    with ctx.uow(readonly=True) as uow:
        patient = patient_in_centre(uow, actor, patient_id)
        records = _records(uow, actor, patient)
    resources = m.patient_resources(records, load_fhir_codes())
    return m.bundle(resources, f"everything-{patient_id}")


def centre_export(ctx: Context, actor: Actor) -> dict[str, list[Resource]]:
    """Every resource of every patient of the actor's centre, grouped by resource type.

    A practitioner or medication shared by several patients appears once.
    """
    by_type: dict[str, list[Resource]] = defaultdict(list)
    for res in centre_resources(ctx, actor):
        by_type[res["resourceType"]].append(res)
    return dict(sorted(by_type.items()))


def centre_resources(ctx: Context, actor: Actor) -> Iterator[Resource]:
    """The same resources one patient at a time, for a caller that streams them (for example
    into `tvec.interop.fhir.ndjson`); read in one read-only transaction, held open until the
    last is taken. A shared practitioner or medication comes once, with the first patient."""
    actor.require(Action.EXPORT_FHIR)  # here, not when the first resource is asked for
    return _centre_resources(ctx, actor)


def _centre_resources(ctx: Context, actor: Actor) -> Iterator[Resource]:
    codes = load_fhir_codes()
    seen: set[tuple[str, str]] = set()
    with ctx.uow(readonly=True) as uow:
        for patient in uow.patients.in_centre(actor.centre_id):
            for res in m.patient_resources(_records(uow, actor, patient), codes):
                if res["resourceType"] in m.SHARED_TYPES:
                    key = (res["resourceType"], res["id"])
                    if key in seen:
                        continue
                    seen.add(key)
                yield res


def _records(uow: UnitOfWork, actor: Actor, p: r.Patient) -> m.PatientRecords:
    diagnosis = uow.diagnoses.for_patient(p.id)
    lesions = [les for les in uow.lesions.for_patient(p.id) if les.status is RecordStatus.ACTIVE]
    courses = uow.courses.for_patient(p.id)
    visits = uow.visits.for_courses([c.id for c in courses])
    course_of = {v.id: v.course_id for v in visits}
    given = [a for a in uow.administrations.for_visits(list(course_of)) if a.status == "active"]
    lots = [
        lot
        for lot in uow.vial_lots.in_centre(actor.centre_id)
        if lot.id in {a.vial_lot_id for a in given}
    ]
    staff = [
        u
        for u in uow.users.in_centre(actor.centre_id)
        if u.id in {a.administered_by for a in given}
    ]
    return m.PatientRecords(
        patient=m.PatientRecord(
            p.id, p.centre_id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex
        ),
        diagnosis=m.DiagnosisRecord(diagnosis.id, diagnosis.stage, diagnosis.diagnosed_on)
        if diagnosis
        else None,
        lesions=tuple(
            m.LesionRecord(les.id, les.name, les.site, les.location, les.first_seen)
            for les in lesions
        ),
        measurements=tuple(
            m.MeasurementRecord(
                x.id, x.lesion_id, x.measured_on, x.longest_cm, x.perpendicular_cm, x.method
            )
            for x in uow.measurements.for_lesions([les.id for les in lesions])
            if x.status is RecordStatus.ACTIVE
        ),
        courses=tuple(m.CourseRecord(c.id, c.start_date, c.end_date) for c in courses),
        lots=tuple(m.LotRecord(x.id, x.lot, x.pfu_per_ml, x.expiry_date) for x in lots),
        staff=tuple(m.StaffRecord(u.id, u.full_name) for u in staff),
        administrations=tuple(
            m.AdministrationRecord(
                a.id,
                course_of[a.visit_id],
                a.lesion_id,
                a.target,
                a.volume_ml,
                a.vial_lot_id,
                a.administered_by,
                a.administered_at,
            )
            for a in given
        ),
        adverse_events=tuple(
            m.AdverseEventRecord(e.id, e.term, e.grade, e.serious, e.onset)
            for e in uow.adverse_events.for_patient(p.id)
            if e.status is RecordStatus.ACTIVE
        ),
        disease_status=_disease_status(uow, p.id) if courses else (),
    )


def _disease_status(uow: UnitOfWork, patient_id: int) -> tuple[m.DiseaseStatusRecord, ...]:
    """Each assessment after baseline, as the response engine categorises it (none: no status)."""
    try:
        assessed = assess_in_uow(uow, patient_id, CRITERIA)
    except DomainError:  # not assessable yet (no baseline, nothing measured): no status
        return ()
    title = load_criteria(CRITERIA).title
    return tuple(
        m.DiseaseStatusRecord(a.date, a.category.value, a.label, title)
        for a in assessed.assessments
        if a.category is not None
    )
