"""The pharmacy: receiving shipments by carton barcode, and the vials in stock."""

from __future__ import annotations

from fastapi import APIRouter

from tvec.api.deps import Act, Id, Limit, Offset, Page, paged
from tvec.schemas import pharmacy as p
from tvec.services import shipments, vial_events

router = APIRouter(tags=["pharmacy"])


@router.post(
    "/shipments",
    response_model=p.ShipmentOut,
    status_code=201,
    summary="Receive a shipment by its cartons' barcodes (pharmacists)",
    description=(
        "All or nothing: a scan that cannot be read (not GS1, a failing check digit, an unknown "
        "product code), a carton expired or expiring within TVEC_RECEIPT_MIN_DAYS_TO_EXPIRY days, "
        "a serial number received before, or a lot that is another strength's in another letter "
        "case refuses the whole shipment (422, `field` `scans.N`, N from 0) and nothing is "
        "written. A shipment received after the hours its container keeps temperature (label "
        "data, `tvec rules`: storage) is received quarantined, with the reason."
    ),
)
async def receive(body: p.ShipmentIn, act: Act) -> p.ShipmentOut:
    received = await act(shipments.receive_shipment, body.scans, body.sealed_at, body.location_id)
    return p.ShipmentOut.model_validate(received)


@router.get("/shipments", response_model=Page[p.ShipmentOut], summary="Shipments received")
async def shipment_list(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[p.ShipmentOut]:
    return paged(await act(shipments.list_shipments), limit, offset, p.ShipmentOut.model_validate)


@router.get(
    "/pharmacy/vials",
    response_model=Page[p.VialOut],
    summary="Vials received, first expiry first (pharmacists)",
)
async def vials(act: Act, limit: Limit = 50, offset: Offset = 0) -> Page[p.VialOut]:
    return paged(await act(shipments.list_vials), limit, offset, p.VialOut.model_validate)


@router.get(
    "/vials/{vial_id:int}",
    response_model=p.VialDetailOut,
    summary="One vial: lot, events, status, volume left and thaw clock",
    description=(
        "The thaw clock (`clock`, while the vial is thawed) follows the label's limits per "
        "strength, container and temperature, combined as fractions (tvec's rule; `tvec rules`)."
    ),
)
async def vial(vial_id: Id, act: Act) -> p.VialDetailOut:
    return p.VialDetailOut.model_validate(await act(vial_events.vial_detail, vial_id))


@router.post(
    "/vials/{vial_id:int}/events",
    response_model=p.VialDetailOut,
    status_code=201,
    summary="Record a vial's thaw, move, draw, dose given, discard, quarantine or release",
    description=(
        "Refused with 422 naming the field, nothing written: an event the vial's state forbids "
        "(`kind`: a thaw of a vial not in stock, any use of a vial not thawed, emptied or "
        "discarded, a move to where it already is, returning a thawed vial to the freezer, a use "
        "after its thaw clock ran out), a time in the future, before the receipt or before the "
        "vial's last event (`at`), more mL than is left (`volume_ml`), a discard without one of "
        "the reasons (`reason`). A stale `version` (someone recorded the vial meanwhile) is 409."
    ),
)
async def vial_event(vial_id: Id, body: p.VialEventIn, act: Act) -> p.VialDetailOut:
    done = await act(
        vial_events.record_event,
        vial_id,
        kind=body.kind,
        at=body.at,
        version=body.version,
        reason=body.reason,
        volume_ml=body.volume_ml,
    )
    return p.VialDetailOut.model_validate(done)


@router.get(
    "/pharmacy/board",
    response_model=p.BoardOut,
    summary="Every thawed vial of the centre with its thaw clock, first to expire first",
)
async def board(act: Act) -> p.BoardOut:
    return p.BoardOut.model_validate(await act(vial_events.pharmacy_board))
