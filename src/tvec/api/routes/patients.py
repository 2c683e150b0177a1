"""Patients, diagnosis, screening, lesions, measurements and adverse events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tvec.api.deps import Act, CriteriaName, Id, Limit, Offset, Page, paged
from tvec.schemas import clinic as s
from tvec.services import adverse_events, lesions, outcomes, patients

router = APIRouter(tags=["patients"])


SEARCH_HELP = (
    "Words found in the given, family or preferred name or the MRN (case and accents ignored, "
    "every word must match), and/or a date of birth: YYYY-MM-DD, or DD/MM/YYYY (also read as "
    "MM/DD/YYYY when that is a date too)."
)
Search = Annotated[s.Line | None, Query(max_length=200, description=SEARCH_HELP)]
ExactMrn = Annotated[s.Line | None, Query(max_length=40, description="Exactly this MRN.")]


@router.get(
    "/patients",
    response_model=s.Page[s.PatientOut],
    summary="List or search the centre's patients, by family and given name",
)
async def list_patients(
    act: Act, q: Search = None, mrn: ExactMrn = None, limit: Limit = 50, offset: Offset = 0
) -> s.Page[s.PatientOut]:
    items, total = await act(patients.list_patients, limit, offset, q, mrn)
    return s.Page(
        items=[s.PatientOut.model_validate(p) for p in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post(
    "/patients", response_model=s.PatientOut, status_code=201, summary="Register a patient"
)
async def register(body: s.PatientIn, act: Act) -> s.PatientOut:
    return s.PatientOut.model_validate(await act(patients.register_patient, body))


@router.get("/patients/{patient_id}", response_model=s.PatientOut, summary="One patient")
async def get_patient(patient_id: Id, act: Act) -> s.PatientOut:
    return s.PatientOut.model_validate(await act(patients.get_patient, patient_id))


@router.patch(
    "/patients/{patient_id}",
    response_model=s.PatientOut,
    summary="Correct a record (new version, with a reason)",
)
async def correct(patient_id: Id, body: s.PatientCorrection, act: Act) -> s.PatientOut:
    return s.PatientOut.model_validate(await act(patients.correct_patient, patient_id, body))


@router.get(
    "/patients/{patient_id}/history",
    response_model=Page[s.AuditOut],
    summary="A patient's audit history (every version of their records)",
)
async def history(
    patient_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.AuditOut]:
    return paged(
        await act(patients.patient_history, patient_id), limit, offset, s.AuditOut.model_validate
    )


@router.get(
    "/patients/{patient_id}/diagnosis",
    response_model=s.DiagnosisOut,
    summary="The patient's melanoma diagnosis",
)
async def get_diagnosis(patient_id: Id, act: Act) -> s.DiagnosisOut:
    return s.DiagnosisOut.model_validate(await act(patients.get_diagnosis, patient_id))


@router.put(
    "/patients/{patient_id}/diagnosis",
    response_model=s.DiagnosisOut,
    summary="Record or correct the melanoma diagnosis",
)
async def put_diagnosis(patient_id: Id, body: s.DiagnosisIn, act: Act) -> s.DiagnosisOut:
    return s.DiagnosisOut.model_validate(await act(patients.record_diagnosis, patient_id, body))


@router.get(
    "/patients/{patient_id}/screenings",
    response_model=Page[s.ScreeningOut],
    summary="List contraindication screenings",
)
async def screenings(
    patient_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.ScreeningOut]:
    return paged(
        await act(patients.list_screenings, patient_id),
        limit,
        offset,
        s.ScreeningOut.model_validate,
    )


@router.post(
    "/patients/{patient_id}/screenings",
    response_model=s.ScreeningOut,
    status_code=201,
    summary="Record a contraindication screening, the label's list item by item",
)
async def screen(patient_id: Id, body: s.ScreeningIn, act: Act) -> s.ScreeningOut:
    return s.ScreeningOut.model_validate(await act(patients.record_screening, patient_id, body))


@router.get(
    "/patients/{patient_id}/lesions",
    response_model=Page[s.LesionOut],
    summary="List a patient's lesions",
)
async def list_lesions(
    patient_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.LesionOut]:
    return paged(
        await act(lesions.list_lesions, patient_id), limit, offset, s.LesionOut.model_validate
    )


@router.post(
    "/patients/{patient_id}/lesions",
    response_model=s.LesionOut,
    status_code=201,
    summary="Add a lesion",
)
async def add_lesion(patient_id: Id, body: s.LesionIn, act: Act) -> s.LesionOut:
    return s.LesionOut.model_validate(await act(lesions.add_lesion, patient_id, body))


@router.patch(
    "/lesions/{lesion_id}",
    response_model=s.LesionOut,
    summary="Correct a record (new version, with a reason)",
)
async def correct_lesion(lesion_id: Id, body: s.LesionCorrection, act: Act) -> s.LesionOut:
    return s.LesionOut.model_validate(await act(lesions.correct_lesion, lesion_id, body))


@router.get(
    "/patients/{patient_id}/measurements",
    response_model=Page[s.MeasurementOut],
    summary="List a patient's lesion measurements",
)
async def measurements(
    patient_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.MeasurementOut]:
    return paged(
        await act(lesions.list_measurements, patient_id),
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
async def measure(patient_id: Id, body: s.MeasurementsIn, act: Act) -> list[s.MeasurementOut]:
    saved = await act(lesions.record_measurements, patient_id, body)
    return [s.MeasurementOut.model_validate(m) for m in saved]


@router.patch(
    "/measurements/{measurement_id}",
    response_model=s.MeasurementOut,
    summary="Correct a measurement (new version, with a reason)",
)
async def correct_measurement(
    measurement_id: Id, body: s.MeasurementCorrection, act: Act
) -> s.MeasurementOut:
    return s.MeasurementOut.model_validate(
        await act(lesions.correct_measurement, measurement_id, body)
    )


@router.get(
    "/patients/{patient_id}/adverse-events",
    response_model=Page[s.AdverseEventOut],
    summary="List a patient's adverse events",
)
async def list_events(
    patient_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.AdverseEventOut]:
    events = await act(adverse_events.list_adverse_events, patient_id)
    return paged(events, limit, offset, s.AdverseEventOut.model_validate)


@router.post(
    "/patients/{patient_id}/adverse-events",
    response_model=s.AdverseEventOut,
    status_code=201,
    summary="Record an adverse event (CTCAE grade, serious, related)",
)
async def record_event(patient_id: Id, body: s.AdverseEventIn, act: Act) -> s.AdverseEventOut:
    return s.AdverseEventOut.model_validate(
        await act(adverse_events.record_adverse_event, patient_id, body)
    )


@router.patch(
    "/adverse-events/{event_id}",
    response_model=s.AdverseEventOut,
    summary="Update an adverse event: grade, resolution, action (new version)",
)
async def update_event(event_id: Id, body: s.AdverseEventUpdate, act: Act) -> s.AdverseEventOut:
    return s.AdverseEventOut.model_validate(
        await act(adverse_events.update_adverse_event, event_id, body)
    )


@router.get(
    "/patients/{patient_id}/response",
    response_model=s.ResponseOut,
    summary="Tumour response of the latest course, from the measurements on record",
)
async def response(
    patient_id: Id, act: Act, criteria: CriteriaName = "modified-who"
) -> s.ResponseOut:
    return s.ResponseOut.model_validate(await act(outcomes.assess_patient, patient_id, criteria))
