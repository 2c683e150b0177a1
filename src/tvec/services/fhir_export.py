"""FHIR R4 / mCODE export: one patient's records as a Bundle, or the whole centre's by type.

The service reads the records in one read-only transaction, prepares the plain records of
`tvec.interop.fhir.mcode` and lets it build the resources. Only current records are exported
(active lesions, measurements and adverse events; administrations not superseded by a
correction). The disease status is the response engine's assessment (modified WHO).

Researchers get the centre's export de-identified (`deidentified_centre_export`): each patient is
named by the pseudonym of the de-identified outcomes and its dates shifted by a key from the same
keyed digest (`patient_key`); `tvec.interop.fhir.mcode.deidentify` does the rest
(docs/adr/0008-fhir-bulk-export.md). `centre_export_for` gives each role its form.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from tvec.domain.errors import DomainError
from tvec.domain.status import RecordStatus
from tvec.interop.fhir import mcode as m
from tvec.interop.fhir.mcode.deidentify import PatientKey, deidentified_resources, shift_days
from tvec.knowledge import load_criteria
from tvec.knowledge.ctcae import load_ctcae
from tvec.knowledge.fhir_codes import load_fhir_codes
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.outcomes import assess_in_uow, patient_pseudonym, pseudonym_digest
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action, allowed

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
    return _grouped(centre_resources(ctx, actor))


def centre_resources(ctx: Context, actor: Actor) -> Iterator[Resource]:
    """The same resources one patient at a time, for a caller that streams them (for example
    into `tvec.interop.fhir.ndjson`); read in one read-only transaction, held open until the
    last is taken. A shared practitioner or medication comes once, with the first patient."""
    actor.require(Action.EXPORT_FHIR)  # here, not when the first resource is asked for
    codes = load_fhir_codes()
    return _stream(ctx, actor, lambda uow, p: m.patient_resources(_records(uow, actor, p), codes))


def deidentified_centre_resources(ctx: Context, actor: Actor) -> Iterator[Resource]:
    """The researcher's form of `centre_resources`: pseudonymous patients, shifted dates, no
    names, MRNs, staff or free text (`tvec.interop.fhir.mcode.deidentify`), each resource marked
    so."""
    actor.require(Action.READ_DEIDENTIFIED)
    codes = load_fhir_codes()
    terms = frozenset(t.name for t in load_ctcae().terms)
    return _stream(
        ctx,
        actor,
        lambda uow, p: deidentified_resources(
            _records(uow, actor, p), patient_key(ctx, p.id), codes, terms
        ),
    )


def deidentified_centre_export(ctx: Context, actor: Actor) -> dict[str, list[Resource]]:
    """`deidentified_centre_resources` grouped by resource type."""
    return _grouped(deidentified_centre_resources(ctx, actor))


def exports_deidentified(actor: Actor) -> bool:
    """Which form of the centre's export the actor gets: identified (nurses, oncologists), or
    de-identified (researchers); every other role is refused, naming the export."""
    if allowed(actor.role, Action.EXPORT_FHIR):
        return False
    if allowed(actor.role, Action.READ_DEIDENTIFIED):
        return True
    actor.require(Action.EXPORT_FHIR)  # raises PermissionDenied, naming the action
    return False  # pragma: no cover (require raised)


def centre_export_for(ctx: Context, actor: Actor) -> tuple[bool, dict[str, list[Resource]]]:
    """The centre's export in the form the actor may have: (de-identified?, resources by type)."""
    if exports_deidentified(actor):
        return True, deidentified_centre_export(ctx, actor)
    return False, centre_export(ctx, actor)


def patient_key(ctx: Context, patient_id: int) -> PatientKey:
    """The patient's pseudonym (the one the de-identified outcomes show) and date shift, both
    from the keyed digest of the patient's id (`tvec.services.outcomes.pseudonym_digest`)."""
    return PatientKey(
        patient_pseudonym(ctx, patient_id), shift_days(pseudonym_digest(ctx, patient_id))
    )


def ndjson(resources: list[Resource]) -> str:
    """Resources as NDJSON: one compact JSON object per line, each line ended."""
    return "".join(json.dumps(res, separators=(",", ":")) + "\n" for res in resources)


def _grouped(resources: Iterator[Resource]) -> dict[str, list[Resource]]:
    by_type: dict[str, list[Resource]] = defaultdict(list)
    for res in resources:
        by_type[res["resourceType"]].append(res)
    return dict(sorted(by_type.items()))


def _stream(
    ctx: Context, actor: Actor, resources_of: Callable[[UnitOfWork, r.Patient], list[Resource]]
) -> Iterator[Resource]:
    """Each patient's resources in turn, read in one read-only transaction held open until the
    last is taken; a shared practitioner or medication comes once, with its first patient."""
    seen: set[tuple[str, str]] = set()
    with ctx.uow(readonly=True) as uow:
        for patient in uow.patients.in_centre(actor.centre_id):
            for res in resources_of(uow, patient):
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
