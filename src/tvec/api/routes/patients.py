"""Patients, diagnosis, screening, lesions, measurements and adverse events."""

from __future__ import annotations

from fastapi import APIRouter

from tvec.api.deps import Ctx, Limit, Offset, User
from tvec.schemas import clinic as s
from tvec.services import adverse_events, lesions, outcomes, patients

router = APIRouter(tags=["patients"])


@router.get("/patients", response_model=s.Page[s.PatientOut])
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


@router.post("/patients", response_model=s.PatientOut, status_code=201)
def register(body: s.PatientIn, ctx: Ctx, user: User) -> s.PatientOut:
    return s.PatientOut.model_validate(patients.register_patient(ctx, user, body))


@router.get("/patients/{patient_id}", response_model=s.PatientOut)
def get_patient(patient_id: int, ctx: Ctx, user: User) -> s.PatientOut:
    return s.PatientOut.model_validate(patients.get_patient(ctx, user, patient_id))


@router.patch(
    "/patients/{patient_id}", response_model=s.PatientOut, summary="Correct (new version)"
)
def correct(patient_id: int, body: s.PatientCorrection, ctx: Ctx, user: User) -> s.PatientOut:
    return s.PatientOut.model_validate(patients.correct_patient(ctx, user, patient_id, body))


@router.get("/patients/{patient_id}/history", response_model=list[s.AuditOut])
def history(patient_id: int, ctx: Ctx, user: User) -> list[s.AuditOut]:
    return [s.AuditOut.model_validate(a) for a in patients.patient_history(ctx, user, patient_id)]


@router.get("/patients/{patient_id}/diagnosis", response_model=s.DiagnosisOut)
def get_diagnosis(patient_id: int, ctx: Ctx, user: User) -> s.DiagnosisOut:
    return s.DiagnosisOut.model_validate(patients.get_diagnosis(ctx, user, patient_id))


@router.put("/patients/{patient_id}/diagnosis", response_model=s.DiagnosisOut)
def put_diagnosis(patient_id: int, body: s.DiagnosisIn, ctx: Ctx, user: User) -> s.DiagnosisOut:
    return s.DiagnosisOut.model_validate(patients.record_diagnosis(ctx, user, patient_id, body))


@router.get("/patients/{patient_id}/screenings", response_model=list[s.ScreeningOut])
def screenings(patient_id: int, ctx: Ctx, user: User) -> list[s.ScreeningOut]:
    return [
        s.ScreeningOut.model_validate(x) for x in patients.list_screenings(ctx, user, patient_id)
    ]


@router.post("/patients/{patient_id}/screenings", response_model=s.ScreeningOut, status_code=201)
def screen(patient_id: int, body: s.ScreeningIn, ctx: Ctx, user: User) -> s.ScreeningOut:
    return s.ScreeningOut.model_validate(patients.record_screening(ctx, user, patient_id, body))


@router.get("/patients/{patient_id}/lesions", response_model=list[s.LesionOut])
def list_lesions(patient_id: int, ctx: Ctx, user: User) -> list[s.LesionOut]:
    return [s.LesionOut.model_validate(x) for x in lesions.list_lesions(ctx, user, patient_id)]


@router.post("/patients/{patient_id}/lesions", response_model=s.LesionOut, status_code=201)
def add_lesion(patient_id: int, body: s.LesionIn, ctx: Ctx, user: User) -> s.LesionOut:
    return s.LesionOut.model_validate(lesions.add_lesion(ctx, user, patient_id, body))


@router.patch("/lesions/{lesion_id}", response_model=s.LesionOut, summary="Correct (new version)")
def correct_lesion(lesion_id: int, body: s.LesionCorrection, ctx: Ctx, user: User) -> s.LesionOut:
    return s.LesionOut.model_validate(lesions.correct_lesion(ctx, user, lesion_id, body))


@router.get("/patients/{patient_id}/measurements", response_model=list[s.MeasurementOut])
def measurements(patient_id: int, ctx: Ctx, user: User) -> list[s.MeasurementOut]:
    return [
        s.MeasurementOut.model_validate(m) for m in lesions.list_measurements(ctx, user, patient_id)
    ]


@router.post(
    "/patients/{patient_id}/measurements",
    response_model=list[s.MeasurementOut],
    status_code=201,
    summary="Record a visit's lesion measurements",
)
def measure(
    patient_id: int, body: s.MeasurementsIn, ctx: Ctx, user: User
) -> list[s.MeasurementOut]:
    saved = lesions.record_measurements(ctx, user, patient_id, body)
    return [s.MeasurementOut.model_validate(m) for m in saved]


@router.patch("/measurements/{measurement_id}", response_model=s.MeasurementOut)
def correct_measurement(
    measurement_id: int, body: s.MeasurementCorrection, ctx: Ctx, user: User
) -> s.MeasurementOut:
    return s.MeasurementOut.model_validate(
        lesions.correct_measurement(ctx, user, measurement_id, body)
    )


@router.get("/patients/{patient_id}/adverse-events", response_model=list[s.AdverseEventOut])
def list_events(patient_id: int, ctx: Ctx, user: User) -> list[s.AdverseEventOut]:
    events = adverse_events.list_adverse_events(ctx, user, patient_id)
    return [s.AdverseEventOut.model_validate(e) for e in events]


@router.post(
    "/patients/{patient_id}/adverse-events", response_model=s.AdverseEventOut, status_code=201
)
def record_event(
    patient_id: int, body: s.AdverseEventIn, ctx: Ctx, user: User
) -> s.AdverseEventOut:
    return s.AdverseEventOut.model_validate(
        adverse_events.record_adverse_event(ctx, user, patient_id, body)
    )


@router.patch("/adverse-events/{event_id}", response_model=s.AdverseEventOut)
def update_event(
    event_id: int, body: s.AdverseEventUpdate, ctx: Ctx, user: User
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
    patient_id: int, ctx: Ctx, user: User, criteria: s.CriteriaName = "modified-who"
) -> s.ResponseOut:
    return s.ResponseOut.model_validate(outcomes.assess_patient(ctx, user, patient_id, criteria))
