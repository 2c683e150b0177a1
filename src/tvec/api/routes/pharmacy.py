"""The pharmacy: receiving shipments by carton barcode, and the vials in stock."""

from __future__ import annotations

from fastapi import APIRouter

from tvec.api.deps import Act, Limit, Offset, Page, paged
from tvec.schemas import pharmacy as p
from tvec.services import shipments

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
