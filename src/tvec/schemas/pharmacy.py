"""Request and response shapes of the pharmacy's receipt by barcode (API and web app)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from tvec.schemas.clinic import MAX_ID, Instant, Line40, Ml, Out, Strict, Text, Version

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


class VialEventIn(Strict):
    kind: Line40 = Field(
        description="thawed, to_fridge, to_room, drawn_into_syringe, given or discarded (nurses "
        "and pharmacists); quarantined or released (pharmacists). A thawed vial is never "
        "returned to the freezer: `to_freezer` is refused."
    )
    at: Instant = Field(
        description="When it happened; without an offset, the centre's local time. Not in the "
        "future, not before the vial's receipt or its last event."
    )
    reason: Text | None = Field(
        default=None,
        description="A discard's reason: unused, expired, excursion, breakage or contamination "
        "(a vial whose thaw clock ran out: expired); a release's reason in words.",
    )
    volume_ml: Ml | None = Field(
        default=None,
        description="mL drawn into the syringe or given (required for those); a discard takes "
        "all that is left.",
    )
    version: Version


class VialEventOut(Out):
    id: int
    kind: str
    at: datetime
    recorded_by: int
    recorded_at: datetime
    reason: str | None
    volume_ml: Decimal | None


class ThawClockOut(Out):
    expired: bool
    expires_at: datetime = Field(description="The latest use of the thawed product.")
    remaining_minutes: int
    limit_sources: list[str] = Field(description="Every limit that applied, the binding first.")


class VialDetailOut(Out):
    id: int
    lot: str
    serial: str
    pfu_per_ml: int
    expiry_date: date
    status: str = Field(description="in_stock, quarantined, thawed, emptied or discarded.")
    version: int
    volume_ml: Decimal = Field(description="The vial's volume for its strength (label data).")
    volume_left_ml: Decimal
    in_syringe_ml: Decimal
    discarded_ml: Decimal
    where: str
    place: str = Field(description="freezer, room or fridge.")
    in_syringe: bool
    thawed_at: datetime | None
    events: list[VialEventOut]
    clock: ThawClockOut | None = Field(description="The thaw clock, while the vial is thawed.")


class BoardOut(Out):
    thawed: list[VialDetailOut]
    warn_minutes: int = Field(
        description="Under this many minutes left the board shows a vial in red (tvec's rule)."
    )


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
