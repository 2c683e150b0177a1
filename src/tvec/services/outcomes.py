"""Reading the record back: tumour response, billing lines, de-identified outcomes, audit."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from tvec.domain.adverse_event import is_serious
from tvec.domain.billing import bill_dose
from tvec.domain.errors import CourseRuleBroken, DomainError, InvalidInput
from tvec.domain.response import Measurement, ResponseAssessment, assess_response
from tvec.domain.rules import Site
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.knowledge import load_criteria, load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services import vial_events
from tvec.services.context import Actor, Context
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action


def _latest_course(uow: UnitOfWork, patient_id: int) -> r.Course:
    courses = uow.courses.for_patient(patient_id)
    if not courses:
        raise CourseRuleBroken(
            "the patient has no treatment course: no response to assess", field="course"
        )
    return courses[-1]


def pseudonym_digest(ctx: Context, patient_id: int) -> str:
    """The keyed (HMAC-SHA256) digest of a patient id: stable per centre key, not reversible."""
    key = ctx.settings.pseudonym_key.encode()
    return hmac.new(key, str(patient_id).encode(), hashlib.sha256).hexdigest()


def patient_pseudonym(ctx: Context, patient_id: int) -> str:
    """The name a researcher sees for a patient ("P-" and 12 hex digits of the keyed digest): the
    de-identified outcomes and the de-identified FHIR export name patients alike."""
    return "P-" + pseudonym_digest(ctx, patient_id)[:12]


def first_injections(given: Iterable[r.Administration]) -> dict[int, date]:
    """The day each lesion was first injected, from the administrations on record."""
    first: dict[int, date] = {}
    for a in given:
        if a.lesion_id is not None:
            day = a.administered_at.date()
            first[a.lesion_id] = min(day, first.get(a.lesion_id, day))
    return first


def domain_measurement(
    m: r.Measurement, lesion: r.Lesion, label: str, first_injected: dict[int, date]
) -> Measurement:
    """A recorded measurement for the response engine; injected once injected on or before it."""
    injected_on = first_injected.get(m.lesion_id)
    return Measurement(
        day=m.measured_on,
        lesion_id=label,
        longest_cm=m.longest_cm,
        perpendicular_cm=m.perpendicular_cm,
        site=Site(lesion.site),
        injected=injected_on is not None and injected_on <= m.measured_on,
    )


def assess_in_uow(uow: UnitOfWork, patient_id: int, criteria: str) -> ResponseAssessment:
    course = _latest_course(uow, patient_id)
    lesions = {
        les.id: les
        for les in uow.lesions.for_patient(patient_id)
        if les.status is RecordStatus.ACTIVE
    }
    visits = uow.visits.for_course(course.id)
    injected_on = first_injections(uow.administrations.for_visits([v.id for v in visits]))
    measurements = [
        domain_measurement(m, lesions[m.lesion_id], lesions[m.lesion_id].name, injected_on)
        for m in from_first_measurable(
            m
            for m in uow.measurements.for_lesions(list(lesions))
            if m.status is RecordStatus.ACTIVE and m.measured_on >= course.start_date
        )
    ]
    return assess_response(load_criteria(criteria), course.start_date, measurements)


def from_first_measurable(measurements: Iterable[r.Measurement]) -> list[r.Measurement]:
    """Each lesion's measurements from its first measurable one on (the input is by date).

    A lesion already gone (0 x 0) when a course starts, such as one that resolved in the course
    before a re-initiation and is measured again at its start, is not part of this course's
    baseline: it enters the assessment if it becomes measurable again, then as a new lesion.
    """
    seen: set[int] = set()
    kept = []
    for m in measurements:
        if m.lesion_id not in seen and m.longest_cm == 0:
            continue
        seen.add(m.lesion_id)
        kept.append(m)
    return kept


def assess_patient(
    ctx: Context, actor: Actor, patient_id: int, criteria: str = "modified-who"
) -> ResponseAssessment:
    """Response of the patient's latest course, from the measurements on record since its start."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        return assess_in_uow(uow, patient_id, criteria)


@dataclass(frozen=True)
class BillingLine:
    visit_id: int
    patient_id: int
    mrn: str
    service_date: date
    hcpcs: str
    units: Decimal
    modifier: str | None
    what: str
    ndc: str


def billing_lines(ctx: Context, actor: Actor, since: date, until: date) -> list[BillingLine]:
    """J9325 lines (administered; discarded with JW, or JZ) for visits given in [since, until]."""
    actor.require(Action.READ_BILLING)
    if until < since:
        raise InvalidInput("query", "until", f"must not be before since ({since})")
    lines: list[BillingLine] = []
    with ctx.uow(readonly=True) as uow:
        patients = {p.id: p for p in uow.patients.in_centre(actor.centre_id)}
        courses = {c.id: c for c in uow.courses.for_patients(list(patients))}
        for visit in uow.visits.administered_between(list(courses), since, until):
            course = courses[visit.course_id]
            lines += _visit_lines(uow, visit, course, patients[course.patient_id])
    return lines


def _visit_lines(
    uow: UnitOfWork, visit: r.Visit, course: r.Course, patient: r.Patient
) -> list[BillingLine]:
    label = load_label(course.label_variant)
    if label.billing is None:
        return []
    given = uow.administrations.for_visit(visit.id)
    strength = label.strength(visit.plan.concentration_pfu_per_ml)
    total = sum((a.volume_ml for a in given), Decimal(0))
    _vials, waste = vial_events.vials_used(uow, given, strength.vial_volume_ml)
    billing = bill_dose(label.billing, strength.pfu_per_ml, total, waste)
    return [
        BillingLine(
            visit.id,
            patient.id,
            patient.mrn,
            visit.administered_on or visit.planned_on,
            line.hcpcs,
            line.units,
            line.modifier,
            line.what,
            strength.ndc_billing,
        )
        for line in billing.lines
    ]


@dataclass(frozen=True)
class DeidentifiedPatient:
    pseudonym: str
    sex: str
    age_at_start: int | None
    stage: str | None
    label_variant: str | None
    doses: int
    best_overall_response: str | None
    durable_response: str | None
    time_to_response_days: int | None
    serious_adverse_events: int


def deidentified_patients(
    ctx: Context, actor: Actor, limit: int, offset: int
) -> tuple[list[DeidentifiedPatient], int]:
    """Outcomes without identifiers: a keyed pseudonym, age in years, no MRN and no dates."""
    actor.require(Action.READ_DEIDENTIFIED)
    with ctx.uow(readonly=True) as uow:
        patients = uow.patients.page_in_centre(actor.centre_id, limit, offset)
        total = uow.patients.count_in_centre(actor.centre_id)
        return [_deidentify(ctx, uow, p) for p in patients], total


def _deidentify(ctx: Context, uow: UnitOfWork, patient: r.Patient) -> DeidentifiedPatient:
    pseudonym = patient_pseudonym(ctx, patient.id)
    dx = uow.diagnoses.for_patient(patient.id)
    courses = uow.courses.for_patient(patient.id)
    course = courses[-1] if courses else None
    visits = uow.visits.for_course(course.id) if course else []
    try:
        response = assess_in_uow(uow, patient.id, "modified-who") if course else None
    except DomainError:
        response = None  # too few measurements to assess: reported as unknown, not as an error
    serious = [
        e
        for e in uow.adverse_events.for_patient(patient.id)
        if is_serious(e.grade, e.criteria) and e.status is RecordStatus.ACTIVE
    ]
    return DeidentifiedPatient(
        pseudonym=pseudonym,
        sex=patient.sex,
        age_at_start=_age(patient.birth_date, course.start_date) if course else None,
        stage=dx.stage if dx else None,
        label_variant=course.label_variant if course else None,
        doses=sum(1 for v in visits if v.status is VisitRecordStatus.ADMINISTERED),
        best_overall_response=response.best_overall_response.value if response else None,
        durable_response=response.durable_response.value if response else None,
        time_to_response_days=response.time_to_response_days if response else None,
        serious_adverse_events=len(serious),
    )


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def audit_log(
    ctx: Context, actor: Actor, limit: int, offset: int, entity: str | None = None
) -> tuple[list[r.AuditEntry], int]:
    """One page of the actor's centre's audit log: who, when, which record, what and why. The
    records' values before and after are left out (`before`/`after` are None): they are shown
    only to those who may read the record (`record_history`)."""
    actor.require(Action.READ_AUDIT)
    centre = actor.centre_id
    with ctx.uow(readonly=True) as uow:
        page = uow.audit.page(limit, offset, entity, centre)
        total = uow.audit.total(entity, centre)
    return [replace(e, before=None, after=None) for e in page], total


# Who may see a record's values before and after each change: those who may read the record.
HISTORY_READERS: dict[str, Action] = {
    **dict.fromkeys(
        (
            "patient",
            "diagnosis",
            "screening",
            "lesion",
            "measurement",
            "course",
            "visit",
            "administration",
            "adverse-event",
            "safety-report",
        ),
        Action.READ_CLINICAL,
    ),
    "vial-lot": Action.READ_VIALS,
    **dict.fromkeys(
        (
            "shipment",
            "vial",
            "vial event",
            "storage-location",
            "excursion",
            "excursion-acknowledgement",
            "excursion-vial",
        ),
        Action.MANAGE_VIALS,
    ),
    **dict.fromkeys(("centre", "user", "auth-session"), Action.MANAGE_USERS),
}


def record_history(ctx: Context, actor: Actor, entity: str, entity_id: int) -> list[r.AuditEntry]:
    """Every audited version of one record of the actor's centre, values before and after
    included, oldest first; for roles that may read that kind of record (none found otherwise:
    another centre's record has no history here)."""
    action = HISTORY_READERS.get(entity)
    if action is None:
        known = ", ".join(sorted(HISTORY_READERS))
        raise InvalidInput("audit history", "entity", f"must be one of {known}")
    actor.require(action)
    with ctx.uow(readonly=True) as uow:
        return uow.audit.history_of(entity, entity_id, actor.centre_id)
