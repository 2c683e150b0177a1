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


class StockLineOut(Out):
    lot: str
    expiry_date: date
    in_stock: int
    quarantined: int
    serials: list[str] = Field(description="The vials in stock, in picking order.")
    days_left: int = Field(description="Days from today to the expiry date (negative: expired).")
    expired: bool
    expiring_soon: bool = Field(
        description="Still usable and expires within TVEC_STOCK_EXPIRY_WINDOW_DAYS days."
    )
    pick: int | None = Field(
        description="Picking order, first expiry first out (1: pick first); null: not to be "
        "picked (expired, or every vial quarantined)."
    )


class StrengthStockOut(Out):
    pfu_per_ml: int
    in_stock: int
    quarantined: int
    usable: int = Field(description="Vials in stock that may be picked today.")
    earliest_expiry: date | None = Field(description="Expiry of the lot to pick first.")
    expiring_soon: int
    lots: list[StockLineOut] = Field(validation_alias="lines")


class StockOut(Out):
    today: date
    expiry_window_days: int = Field(validation_alias="window_days")
    strengths: list[StrengthStockOut]


class PositionOut(Out):
    in_stock: int
    quarantined: int
    thawed: int
    held: int = Field(description="In stock + quarantined + thawed.")


class ProblemOut(Out):
    vial_id: int
    serial: str
    lot: str
    day: date | None = Field(description="null: the vial's record as it stands now.")
    problem: str


class LedgerOut(Out):
    start: date
    end: date
    opening: PositionOut
    received: int
    quarantined: int
    released: int
    thawed: int
    given: int
    emptied: int = Field(description="Doses that left their vial empty.")
    discarded: int
    discarded_after_thaw: int
    closing: PositionOut
    stock_difference: int = Field(
        description="opening held + received − (closing held + discarded + emptied); 0 balances."
    )
    thaw_difference: int = Field(
        description="opening thawed + thawed − (closing thawed + emptied + discarded after "
        "thaw); 0 balances."
    )
    balanced: bool
    problems: list[ProblemOut]


class ReconciliationOut(Out):
    period: LedgerOut
    days: list[LedgerOut]
