"""The patient alert card, education, and accidental exposures with their follow-up tasks.

The card is issued (nurse or oncologist) for an EU-label course once its first dose was given
(SmPC §4.2), printed as a PDF (wallet card or A4 page) and acknowledged by the patient. An
exposure's follow-up is due the knowledge data's number of days after it (tvec's ruling).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.http.files import file_response
from tvec.reports.alert_card import card_pdf
from tvec.schemas.safety import (
    AcknowledgementIn,
    AlertCardOut,
    CardSize,
    CentreContactIn,
    CentreContactOut,
    EducationIn,
    EducationOut,
    ExposureIn,
    ExposureOut,
    FollowUpCloseIn,
)
from tvec.services import alert_cards, education, exposures
from tvec.services.exposures import ExposureLine

router = APIRouter(tags=["safety programme"])


@router.post(
    "/courses/{course_id}/alert-card",
    response_model=AlertCardOut,
    status_code=201,
    summary="Issue the patient alert card of an EU-label course whose first dose was given",
)
async def issue(course_id: Id, act: Act) -> AlertCardOut:
    return AlertCardOut.model_validate(await act(alert_cards.issue_card, course_id))


@router.get(
    "/courses/{course_id}/alert-card",
    response_model=AlertCardOut,
    summary="The course's issued alert card (404 when none was issued)",
)
async def get_card(course_id: Id, act: Act) -> AlertCardOut:
    return AlertCardOut.model_validate(await act(alert_cards.card_for_course, course_id))


@router.get(
    "/courses/{course_id}/alert-card.pdf",
    response_class=Response,
    summary="The issued alert card as a PDF: a wallet card (85.6 × 54 mm, front and back) or "
    "an A4 print page",
    responses={200: {"content": {"application/pdf": {"schema": {"type": "string"}}}}},
)
async def card_file(
    course_id: Id, act: Act, size: Annotated[CardSize, Query()] = CardSize.WALLET
) -> Response:
    content = await act(alert_cards.card_content, course_id)
    name = f"alert-card-{course_id}-{size.value}.pdf"
    return file_response(card_pdf(content, size.value), "application/pdf", name, inline=True)


@router.post(
    "/alert-cards/{card_id}/acknowledgement",
    response_model=AlertCardOut,
    summary="Record the patient's acknowledgement of the card (not before its issue)",
)
async def acknowledge(card_id: Id, body: AcknowledgementIn, act: Act) -> AlertCardOut:
    return AlertCardOut.model_validate(await act(alert_cards.acknowledge_card, card_id, body))


@router.post(
    "/patients/{patient_id}/education",
    response_model=EducationOut,
    status_code=201,
    summary="Record education given to the patient or a named caregiver (topics: tvec rules)",
)
async def educate(patient_id: Id, body: EducationIn, act: Act) -> EducationOut:
    return EducationOut.model_validate(await act(education.record_education, patient_id, body))


@router.get(
    "/patients/{patient_id}/education",
    response_model=Page[EducationOut],
    summary="The patient's education records, oldest first",
)
async def list_education(
    patient_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[EducationOut]:
    found = await act(education.list_education, patient_id)
    return paged(found, limit, offset, lambda line: EducationOut.model_validate(line.record))


def _exposure_out(line: ExposureLine) -> ExposureOut:
    return ExposureOut.model_validate(line.exposure)


@router.post(
    "/exposures",
    response_model=ExposureOut,
    status_code=201,
    summary="Record an accidental exposure (USPI §5.1) and create its follow-up task",
)
async def record_exposure(body: ExposureIn, act: Act) -> ExposureOut:
    return ExposureOut.model_validate(await act(exposures.record_exposure, body))


@router.get(
    "/exposures",
    response_model=Page[ExposureOut],
    summary="The centre's exposures, newest first; open=true: the open follow-ups, earliest due",
)
async def list_exposures(
    act: Act, open: bool = False, limit: Limit = 50, offset: Offset = 0
) -> Page[ExposureOut]:
    found = await act(exposures.list_exposures, open_only=open)
    return paged(found, limit, offset, _exposure_out)


@router.post(
    "/exposures/{exposure_id}/follow-up/close",
    response_model=ExposureOut,
    summary="Close the exposure's follow-up task with its outcome",
)
async def close_follow_up(exposure_id: Id, body: FollowUpCloseIn, act: Act) -> ExposureOut:
    return ExposureOut.model_validate(await act(exposures.close_follow_up, exposure_id, body))


@router.put(
    "/centre/contact",
    response_model=CentreContactOut,
    summary="Set the centre's phone and address printed on the patient alert card (admin)",
)
async def set_contact(body: CentreContactIn, act: Act) -> CentreContactOut:
    return CentreContactOut.model_validate(await act(alert_cards.set_centre_contact, body))
