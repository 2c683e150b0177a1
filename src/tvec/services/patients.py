"""Patients, their diagnosis and contraindication screening; corrections are new versions."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tvec.domain.claims import check_diagnoses
from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.domain.identity import parse_search
from tvec.knowledge.claim_codes import load_claim_codes
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import DiagnosisIn, PatientCorrection, PatientIn, ScreeningIn
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.services.plausible import not_in_future
from tvec.services.screening import check_new_screening, screening_items, summary


def patient_in_centre(uow: UnitOfWork, actor: Actor, patient_id: int) -> r.Patient:
    """The patient, if in the actor's centre; other centres' patients do not exist here."""
    patient = uow.patients.find(patient_id)
    if patient is None or not actor.sees(patient.centre_id):
        raise NotFound("patient", patient_id)
    return patient


def register_patient(ctx: Context, actor: Actor, new: PatientIn) -> r.Patient:
    actor.require(Action.REGISTER_PATIENT)
    not_in_future(ctx, actor, "patient", "birth_date", new.birth_date)
    with ctx.uow() as uow:
        if uow.patients.by_mrn(actor.centre_id, new.mrn) is not None:
            raise Conflict("a patient with this MRN is already registered", field="mrn")
        patient = uow.patients.add(
            by=actor.user_id,
            centre_id=actor.centre_id,
            mrn=new.mrn,
            given_name=new.given_name,
            family_name=new.family_name,
            preferred_name=new.preferred_name or None,
            birth_date=new.birth_date,
            sex=new.sex.value,
            allergies=new.allergies or None,
            created_at=uow.now,
        )
        uow.commit()
    return patient


def get_patient(ctx: Context, actor: Actor, patient_id: int) -> r.Patient:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        return patient_in_centre(uow, actor, patient_id)


def list_patients(
    ctx: Context,
    actor: Actor,
    limit: int,
    offset: int,
    q: str | None = None,
    mrn: str | None = None,
) -> tuple[list[r.Patient], int]:
    """One page of the centre's patients, by family and given name, and how many there are.

    `q` is what a person typed in the search box: names, MRN, a date of birth (see
    tvec.domain.identity); `mrn` an exact MRN (at most one patient). Both may be given.
    """
    actor.require(Action.READ_CLINICAL)
    search = replace(parse_search(q or ""), mrn=mrn)
    with ctx.uow(readonly=True) as uow:
        items = uow.patients.search_in_centre(actor.centre_id, search, limit, offset)
        return items, uow.patients.count_search(actor.centre_id, search)


def correct_patient(
    ctx: Context, actor: Actor, patient_id: int, fix: PatientCorrection
) -> r.Patient:
    actor.require(Action.CORRECT_PATIENT)
    changes = fix.model_dump(exclude={"version", "reason"}, exclude_none=True)
    if not changes:
        raise InvalidInput("correction", "(fields)", "must change at least one field")
    if "sex" in changes:
        changes["sex"] = changes["sex"].value
    for optional in ("preferred_name", "allergies"):  # an empty text removes it
        if optional in changes and not changes[optional]:
            changes[optional] = None
    not_in_future(ctx, actor, "patient", "birth_date", fix.birth_date)
    with ctx.uow() as uow:
        patient_in_centre(uow, actor, patient_id)
        patient = uow.patients.update(
            patient_id,
            expected_version=fix.version,
            by=actor.user_id,
            reason=fix.reason,
            action="correct",
            **changes,
        )
        uow.commit()
    return patient


def record_diagnosis(ctx: Context, actor: Actor, patient_id: int, dx: DiagnosisIn) -> r.Diagnosis:
    """The patient's melanoma diagnosis; a second call corrects it (needs version and reason)."""
    actor.require(Action.RECORD_DIAGNOSIS)
    values = dx.model_dump(exclude={"version", "reason"})
    values["stage"] = dx.stage.value
    not_in_future(ctx, actor, "diagnosis", "diagnosed_on", dx.diagnosed_on)
    if dx.distant_sites is not None:
        values["distant_sites"] = sorted({site.value for site in dx.distant_sites})
    if dx.icd10_codes is not None:
        check_diagnoses(load_claim_codes("us"), dx.icd10_codes, "icd10_codes", "diagnosis")
    with ctx.uow() as uow:
        patient_in_centre(uow, actor, patient_id)
        current = uow.diagnoses.for_patient(patient_id)
        if current is None:
            result = uow.diagnoses.add(by=actor.user_id, patient_id=patient_id, **values)
        elif dx.version is None or dx.reason is None:
            raise Conflict(
                "a diagnosis is on file: send its version and a reason to correct it",
                field="version",
            )
        else:
            result = uow.diagnoses.update(
                current.id,
                expected_version=dx.version,
                by=actor.user_id,
                reason=dx.reason,
                action="correct",
                **values,
            )
        uow.commit()
    return result


def get_diagnosis(ctx: Context, actor: Actor, patient_id: int) -> r.Diagnosis:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        dx = uow.diagnoses.for_patient(patient_id)
        if dx is None:
            raise NotFound("diagnosis of patient", patient_id)
        return dx


def record_screening(ctx: Context, actor: Actor, patient_id: int, s: ScreeningIn) -> r.Screening:
    actor.require(Action.RECORD_DIAGNOSIS)
    not_in_future(ctx, actor, "screening", "screened_on", s.screened_on)
    with ctx.uow() as uow:
        patient = patient_in_centre(uow, actor, patient_id)
        check_new_screening(patient.sex, uow.screenings.for_patient(patient_id), s)
        # the two summary answers (immunocompromised, pregnant) are kept with the items
        values: dict[str, Any] = {**summary(screening_items(), s.answers), **s.model_dump()}
        screening = uow.screenings.add(
            by=actor.user_id,
            patient_id=patient_id,
            recorded_by=actor.user_id,
            recorded_at=uow.now,
            **values,
        )
        uow.commit()
    return screening


def list_screenings(ctx: Context, actor: Actor, patient_id: int) -> list[r.Screening]:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        return uow.screenings.for_patient(patient_id)


def patient_history(ctx: Context, actor: Actor, patient_id: int) -> list[r.AuditEntry]:
    """Every version of the patient's demographic record, oldest first."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        patient_in_centre(uow, actor, patient_id)
        return uow.audit.history_of("patient", patient_id, actor.centre_id)
