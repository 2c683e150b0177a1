"""Request and response shapes of the pharmacy's receipt by barcode (API and web app)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from tvec.schemas.clinic import MAX_ID, Instant, Out, Strict

MAX_CARTONS = 200  # cartons in one shipment received at once

Scan = Annotated[
    str,
    StringConstraints(min_length=1, max_length=200),
    Field(description="One carton's GS1 DataMatrix text as the scanner gave it."),
]


class ShipmentIn(Strict):
    scans: list[Scan] = Field(
        min_length=1,
        max_length=MAX_CARTONS,
        description="One scan per carton: element strings with parentheses, or without with the "
        "group separator (ASCII 29, or printed `<GS>` / `{GS}`). All or nothing: one refused scan "
        "refuses the shipment (422, `field` `scans.N`).",
    )
    sealed_at: Instant = Field(
        description="When the shipping container was sealed (printed on it); without an offset, "
        "the centre's local time."
    )
    location_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="The centre's freezer the vials are put in (GET /storage-locations), if "
        "known; its temperature excursions quarantine them.",
    )


class CartonOut(Out):
    gtin: str
    ndc: str = Field(description="As labelled, 10 digits with hyphens.")
    ndc11: str = Field(description="The 11-digit 5-4-2 billing form.")
    strength_pfu_per_ml: int
    lot: str
    expiry: date
    serial: str


class ShipmentOut(Out):
    id: int
    received_at: datetime
    received_by: int
    sealed_at: datetime
    container_hours: int = Field(
        description="How long the container keeps temperature (label data)."
    )
    container_until: datetime
    quarantined: bool
    quarantine_reason: str | None
    vials: int


class VialOut(Out):
    id: int
    shipment_id: int
    lot: str
    gtin: str
    serial: str
    pfu_per_ml: int
    expiry_date: date
    status: str = Field(description="in_stock, quarantined, thawed, emptied or discarded.")
    location_id: int | None = Field(default=None, description="The storage location, if known.")
