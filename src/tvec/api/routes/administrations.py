"""Recorded doses after the fact: corrections as new versions, the history of a visit's doses,
and the centre's settings for recording (time zone, second check)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.schemas import clinic as s
from tvec.schemas.clinic import ErrorOut
from tvec.services import administrations, second_check

router = APIRouter(tags=["courses and visits"])

# Where a second check's password is verified (recording and correcting a dose), the checker's
# account is behind the login limits too.
SECOND_CHECK_LOCKED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many wrong passwords for the second checker's account: its check "
        "(and its login) is refused for the seconds in `Retry-After`",
        "model": ErrorOut,
        "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
    }
}


@router.post(
    "/administrations/{administration_id}/corrections",
    response_model=s.AdministrationOut,
    status_code=201,
    responses=SECOND_CHECK_LOCKED,
    summary="Correct a recorded dose: a new version with a reason (the old one is kept)",
    description="The corrected dose (same lesion, same day) must keep the recording rules (the "
    "lesion's and the visit's maximum volume, the lot's strength and expiry); the version it "
    "replaces is kept, marked `superseded`, and both are in the audit log. Where the centre "
    "requires a second check, `second_check` names the second staff member, as for recording. "
    "409 when the dose was already corrected (correct its latest version).",
)
async def correct(
    administration_id: Id, body: s.AdministrationCorrectionIn, act: Act
) -> s.AdministrationOut:
    fixed = await act(administrations.correct_administration, administration_id, body)
    return s.AdministrationOut.model_validate(fixed)


@router.get(
    "/visits/{visit_id}/administrations/history",
    response_model=Page[s.AdministrationOut],
    summary="Every version of a visit's doses, superseded ones too, in the order recorded",
)
async def history(
    visit_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[s.AdministrationOut]:
    return paged(
        await act(administrations.administration_history, visit_id),
        limit,
        offset,
        s.AdministrationOut.model_validate,
    )


@router.get(
    "/centre/settings",
    response_model=s.CentreSettingsOut,
    summary="The centre's time zone and whether every dose needs a second check",
)
async def settings(act: Act) -> s.CentreSettingsOut:
    return s.CentreSettingsOut.model_validate(await act(second_check.centre_settings))


@router.put(
    "/centre/settings",
    response_model=s.CentreSettingsOut,
    summary="Set the centre's time zone and second-check rule (admin)",
)
async def set_settings(body: s.CentreSettingsIn, act: Act) -> s.CentreSettingsOut:
    centre = await act(
        second_check.set_centre_settings,
        time_zone=body.time_zone,
        require_second_check=body.require_second_check,
    )
    return s.CentreSettingsOut.model_validate(centre)
