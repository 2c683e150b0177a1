"""Course holds: put a course on hold (with a reason, optionally until a date), release it, list.

While a hold is in force, planning or giving a dose of the course answers 409 with
`code` "course-held" and the hold's reason. Placing and releasing are the oncologist's.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.schemas.holds import HoldIn, HoldOut, HoldRelease
from tvec.services import holds
from tvec.services.holds import HoldLine

router = APIRouter(tags=["courses and visits"])


def hold_out(line: HoldLine) -> HoldOut:
    return HoldOut.model_validate({**asdict(line.hold), "in_force": line.in_force})


@router.post(
    "/courses/{course_id}/holds",
    response_model=HoldOut,
    status_code=201,
    summary="Put the course on hold (oncologist): no dose can be planned or given from the "
    "first day held until it is released, or until its last day when one is given",
)
async def place(course_id: Id, body: HoldIn, act: Act) -> HoldOut:
    return hold_out(await act(holds.place_hold, course_id, body))


@router.post(
    "/courses/{course_id}/holds/{hold_id}/release",
    response_model=HoldOut,
    summary="Release a hold (oncologist), with the reason; the hold stays on record",
)
async def release(course_id: Id, hold_id: Id, body: HoldRelease, act: Act) -> HoldOut:
    return hold_out(await act(holds.release_hold, course_id, hold_id, body))


@router.get(
    "/courses/{course_id}/holds",
    response_model=Page[HoldOut],
    summary="The course's holds, released ones too, oldest first",
)
async def list_holds(
    course_id: Id, act: Act, limit: Limit = 50, offset: Offset = 0
) -> Page[HoldOut]:
    found = await act(holds.list_holds, course_id)
    return paged(found, limit, offset, hold_out)
