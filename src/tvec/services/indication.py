"""The label's indication applied to a patient's chart: at course start, on plans and the chart."""

from __future__ import annotations

from datetime import date

from tvec.domain.errors import CourseRuleBroken, NotFound
from tvec.domain.indication import Indication, PatientFacts, age_on, evaluate_indication
from tvec.domain.rules import DistantSite, LabelRules, Site
from tvec.domain.status import RecordStatus
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork


def chart_facts(
    patient: r.Patient, dx: r.Diagnosis | None, lesions: list[r.Lesion], day: date
) -> PatientFacts:
    """What the chart holds about the patient's disease on `day` (age on that day)."""
    active = tuple(Site(lesion.site) for lesion in lesions if lesion.status is RecordStatus.ACTIVE)
    if dx is None:
        return PatientFacts(age_years=age_on(patient.birth_date, day), lesion_sites=active)
    sites = None if dx.distant_sites is None else tuple(DistantSite(s) for s in dx.distant_sites)
    return PatientFacts(
        stage=dx.stage,
        unresectable=dx.unresectable,
        recurrent_after_surgery=dx.recurrent_after_surgery,
        distant_sites=sites,
        age_years=age_on(patient.birth_date, day),
        lesion_sites=active,
    )


def patient_facts(uow: UnitOfWork, patient_id: int, day: date) -> PatientFacts:
    """The chart's facts for the indication, for a patient known to exist."""
    patient = uow.patients.find(patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    dx = uow.diagnoses.for_patient(patient_id)
    return chart_facts(patient, dx, uow.lesions.for_patient(patient_id), day)


def patient_indication(
    uow: UnitOfWork, label: LabelRules, patient: r.Patient, day: date
) -> Indication | None:
    """The patient against the label's indication on `day` (None: the label states none)."""
    if label.indication is None:
        return None
    return evaluate_indication(label.indication, patient_facts(uow, patient.id, day))


def check_indication(
    uow: UnitOfWork, label: LabelRules, patient: r.Patient, start: date, off_label: str | None
) -> None:
    """Refuse a course outside the indication without an off-label reason (and one within it)."""
    verdict = patient_indication(uow, label, patient, start)
    if verdict is None or verdict.within:
        if off_label is not None:
            raise CourseRuleBroken(
                "the patient is within the label's indication: no off-label reason is needed",
                field="off_label_reason",
            )
        return
    if off_label is None:
        raise CourseRuleBroken(
            f"outside the label's indication [{verdict.source}]: "
            + "; ".join(verdict.reasons)
            + ". An oncologist may start the course with an off-label reason",
            field="off_label_reason",
            reasons=list(verdict.reasons),
        )
