"""The safety programme: staff training records (admin), each staff member's own attestation,
and a course's programme status (which requirements are met, which missing, who must act).

A course start or a dose that a missing blocking requirement refuses answers 422 with `code`
"programme-requirement" and the reasons; warnings come back with the recorded dose.
"""

from __future__ import annotations

from fastapi import APIRouter

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.schemas.programme import (
    AttestationIn,
    AttestationOut,
    ProgrammeStatusOut,
    TrainingIn,
    TrainingOut,
)
from tvec.services import programme, staff_safety
from tvec.services.programme_views import attestation_out, status_out, training_out

router = APIRouter(tags=["safety programme"])


@router.post(
    "/staff/trainings",
    response_model=TrainingOut,
    status_code=201,
    summary="Record a staff member's completed programme training with its expiry date (admin)",
)
async def record_training(body: TrainingIn, act: Act) -> TrainingOut:
    saved = await act(staff_safety.record_training, body)
    rows = await act(staff_safety.list_trainings)
    return training_out(next(row for row in rows if row.record.id == saved.id))


@router.get(
    "/staff/trainings",
    response_model=Page[TrainingOut],
    summary="The centre's training records, soonest expiry first (admin)",
)
async def list_trainings(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[TrainingOut]:
    return paged(await act(staff_safety.list_trainings), limit, offset, training_out)


@router.post(
    "/staff/attestations",
    response_model=AttestationOut,
    status_code=201,
    summary="Attest, for yourself, whether you may prepare and give IMLYGIC (USPI §5.1, "
    "SmPC §4.4); renewed on the programme's schedule",
)
async def attest(body: AttestationIn, act: Act) -> AttestationOut:
    await act(staff_safety.attest, body)
    return attestation_out(await act(staff_safety.my_attestation))


@router.get(
    "/staff/attestations/me",
    response_model=AttestationOut,
    summary="Your latest attestation, when the next is due, and whether it clears you today",
)
async def my_attestation(act: Act) -> AttestationOut:
    return attestation_out(await act(staff_safety.my_attestation))


@router.get(
    "/courses/{course_id}/programme",
    response_model=ProgrammeStatusOut,
    summary="The course's safety-programme requirements: met, missing or not applicable, who "
    "must act, and whether a missing one blocks (the doses' for you as the one giving)",
)
async def course_programme(course_id: Id, act: Act) -> ProgrammeStatusOut:
    return status_out(*await act(programme.course_status, course_id))
