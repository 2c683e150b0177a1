"""Follow-up: death, last known alive, baseline ECOG, and prior systemic therapies."""

from __future__ import annotations

from fastapi import APIRouter

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.schemas import follow_up as s
from tvec.services import follow_up

router = APIRouter(tags=["follow-up"])


@router.get(
    "/patients/{patient_id}/follow-up",
    response_model=s.FollowUpOut,
    summary="The patient's follow-up: death, last known alive, baseline ECOG",
)
async def get_follow_up(patient_id: Id, act: Act) -> s.FollowUpOut:
    return s.FollowUpOut.model_validate(await act(follow_up.get_follow_up_record, patient_id))


@router.put(
    "/patients/{patient_id}/follow-up",
    response_model=s.FollowUpOut,
    summary="Record or update the follow-up (new version; a correction needs a reason)",
)
async def put_follow_up(patient_id: Id, body: s.FollowUpIn, act: Act) -> s.FollowUpOut:
    return s.FollowUpOut.model_validate(await act(follow_up.record_follow_up, patient_id, body))


@router.get(
    "/patients/{patient_id}/prior-therapies",
    response_model=Page[s.PriorTherapyOut],
    summary="The patient's prior systemic therapies, by line (entered-in-error ones last)",
)
async def list_prior_therapies(
    patient_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.PriorTherapyOut]:
    found = await act(follow_up.list_prior_therapies, patient_id)
    return paged(found, limit, offset, s.PriorTherapyOut.model_validate)


@router.post(
    "/patients/{patient_id}/prior-therapies",
    response_model=s.PriorTherapyOut,
    status_code=201,
    summary="Record a prior systemic therapy with its line of therapy",
)
async def add_prior_therapy(patient_id: Id, body: s.PriorTherapyIn, act: Act) -> s.PriorTherapyOut:
    return s.PriorTherapyOut.model_validate(
        await act(follow_up.add_prior_therapy, patient_id, body)
    )


@router.patch(
    "/prior-therapies/{therapy_id}",
    response_model=s.PriorTherapyOut,
    summary="Correct a prior therapy or mark it entered in error (new version, with a reason)",
)
async def correct_prior_therapy(
    therapy_id: Id, body: s.PriorTherapyCorrection, act: Act
) -> s.PriorTherapyOut:
    return s.PriorTherapyOut.model_validate(
        await act(follow_up.correct_prior_therapy, therapy_id, body)
    )
