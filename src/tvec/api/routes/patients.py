"""Patients, diagnosis, screening, lesions, measurements and adverse events."""

from __future__ import annotations

from fastapi import APIRouter

from tvec.api.deps import Ctx, Id, Limit, Offset, Page, User, paged
from tvec.schemas import clinic as s
from tvec.services import adverse_events, lesions, outcomes, patients

router = APIRouter(tags=["patients"])


@router.get("/patients", response_model=s.Page[s.PatientOut], summary="List the centre's patients")
def list_patients(
    ctx: Ctx, user: User, limit: Limit = 50, offset: Offset = 0
) -> s.Page[s.PatientOut]:
    items, total = patients.list_patients(ctx, user, limit, offset)
    return s.Page(
        items=[s.PatientOut.model_validate(p) for p in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/patients", response_model=s.PatientOut, status_code=201, summary="Register a patient"
)
def register(body: s.PatientIn, ctx: Ctx, user: User) -> s.PatientOut:
    return s.PatientOut.model_validate(patients.register_patient(ctx, user, body))


@router.get("/patients/{patient_id}", response_model=s.PatientOut, summary="One patient")
def get_patient(patient_id: Id, ctx: Ctx, user: User) -> s.PatientOut:
    return s.PatientOut.model_validate(patients.get_patient(ctx, user, patient_id))


@router.patch(
    "/patients/{patient_id}",
    response_model=s.PatientOut,
    summary="Correct a record (new version, with a reason)",
)
def correct(patient_id: Id, body: s.PatientCorrection, ctx: Ctx, user: User) -> s.PatientOut:
    return s.PatientOut.model_validate(patients.correct_patient(ctx, user, patient_id, body))


@router.get(
    "/patients/{patient_id}/history",
    response_model=Page[s.AuditOut],
    summary="A patient's audit history (every version of their records)",
)
def history(
    patient_id: Id, ctx: Ctx, user: User, limit: Limit = 50, offset: Offset = 0
) -> Page[s.AuditOut]:
    return paged(
        patients.patient_history(ctx, user, patient_id), limit, offset, s.AuditOut.model_validate
    )


@router.get(
    "/patients/{patient_id}/diagnosis",
    response_model=s.DiagnosisOut,
    summary="The patient's melanoma diagnosis",
)
def get_diagnosis(patient_id: Id, ctx: Ctx, user: User) -> s.DiagnosisOut:
    return s.DiagnosisOut.model_validate(patients.get_diagnosis(ctx, user, patient_id))


@router.put(
    "/patients/{patient_id}/diagnosis",
    response_model=s.DiagnosisOut,
    summary="Record or correct the melanoma diagnosis",
)
def put_diagnosis(patient_id: Id, body: s.DiagnosisIn, ctx: Ctx, user: User) -> s.DiagnosisOut:
    return s.DiagnosisOut.model_validate(patients.record_diagnosis(ctx, user, patient_id, body))


@router.get(
    "/patients/{patient_id}/screenings",
    response_model=Page[s.ScreeningOut],
    summary="List contraindication screenings",
)
def screenings(
    patient_id: Id, ctx: Ctx, user: User, limit: Limit = 50, offset: Offset = 0
) -> Page[s.ScreeningOut]:
    return paged(
        patients.list_screenings(ctx, user, patient_id),
        limit,
        offset,
        s.ScreeningOut.model_validate,
    )


@router.post(
    "/patients/{patient_id}/screenings",
    response_model=s.ScreeningOut,
    status_code=201,
    summary="Record a contraindication screening (immunocompromised, pregnant)",
)
def screen(patient_id: Id, body: s.ScreeningIn, ctx: Ctx, user: User) -> s.ScreeningOut:
    return s.ScreeningOut.model_validate(patients.record_screening(ctx, user, patient_id, body))


@router.get(
    "/patients/{patient_id}/lesions",
    response_model=Page[s.LesionOut],
    summary="List a patient's lesions",
)
def list_lesions(
    patient_id: Id, ctx: Ctx, user: User, limit: Limit = 50, offset: Offset = 0
) -> Page[s.LesionOut]:
    return paged(
        lesions.list_lesions(ctx, user, patient_id), limit, offset, s.LesionOut.model_validate
    )


@router.post(
    "/patients/{patient_id}/lesions",
    response_model=s.LesionOut,
    status_code=201,
    summary="Add a lesion",
)
def add_lesion(patient_id: Id, body: s.LesionIn, ctx: Ctx, user: User) -> s.LesionOut:
    return s.LesionOut.model_validate(lesions.add_lesion(ctx, user, patient_id, body))


@router.patch(
    "/lesions/{lesion_id}",
    response_model=s.LesionOut,
    summary="Correct a record (new version, with a reason)",
)
def correct_lesion(lesion_id: Id, body: s.LesionCorrection, ctx: Ctx, user: User) -> s.LesionOut:
    return s.LesionOut.model_validate(lesions.correct_lesion(ctx, user, lesion_id, body))


@router.get(
    "/patients/{patient_id}/measurements",
    response_model=Page[s.MeasurementOut],
    summary="List a patient's lesion measurements",
)
def measurements(
    patient_id: Id, ctx: Ctx, user: User, limit: Limit = 50, offset: Offset = 0
) -> Page[s.MeasurementOut]:
    return paged(
        lesions.list_measurements(ctx, user, patient_id),
        limit,
        offset,
        s.MeasurementOut.model_validate,
    )


@router.post(
    "/patients/{patient_id}/measurements",
    response_model=list[s.MeasurementOut],
    status_code=201,
    summary="Record a visit's lesion measurements",
)
def measure(patient_id: Id, body: s.MeasurementsIn, ctx: Ctx, user: User) -> list[s.MeasurementOut]:
    saved = lesions.record_measurements(ctx, user, patient_id, body)
    return [s.MeasurementOut.model_validate(m) for m in saved]


@router.patch(
    "/measurements/{measurement_id}",
    response_model=s.MeasurementOut,
    summary="Correct a measurement (new version, with a reason)",
)
def correct_measurement(
    measurement_id: Id, body: s.MeasurementCorrection, ctx: Ctx, user: User
) -> s.MeasurementOut:
    return s.MeasurementOut.model_validate(
        lesions.correct_measurement(ctx, user, measurement_id, body)
    )


@router.get(
    "/patients/{patient_id}/adverse-events",
    response_model=Page[s.AdverseEventOut],
    summary="List a patient's adverse events",
)
def list_events(
    patient_id: Id, ctx: Ctx, user: User, limit: Limit = 50, offset: Offset = 0
) -> Page[s.AdverseEventOut]:
    events = adverse_events.list_adverse_events(ctx, user, patient_id)
    return paged(events, limit, offset, s.AdverseEventOut.model_validate)


@router.post(
    "/patients/{patient_id}/adverse-events",
    response_model=s.AdverseEventOut,
    status_code=201,
    summary="Record an adverse event (CTCAE grade, serious, related)",
)
def record_event(patient_id: Id, body: s.AdverseEventIn, ctx: Ctx, user: User) -> s.AdverseEventOut:
    return s.AdverseEventOut.model_validate(
        adverse_events.record_adverse_event(ctx, user, patient_id, body)
    )


@router.patch(
    "/adverse-events/{event_id}",
    response_model=s.AdverseEventOut,
    summary="Update an adverse event: grade, resolution, action (new version)",
)
def update_event(
    event_id: Id, body: s.AdverseEventUpdate, ctx: Ctx, user: User
) -> s.AdverseEventOut:
    return s.AdverseEventOut.model_validate(
        adverse_events.update_adverse_event(ctx, user, event_id, body)
    )


@router.get(
    "/patients/{patient_id}/response",
    response_model=s.ResponseOut,
    summary="Tumour response of the latest course, from the measurements on record",
)
def response(
    patient_id: Id, ctx: Ctx, user: User, criteria: s.CriteriaName = "modified-who"
) -> s.ResponseOut:
    return s.ResponseOut.model_validate(outcomes.assess_patient(ctx, user, patient_id, criteria))
