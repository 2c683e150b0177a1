"""Request and response shapes of the pharmacy's receipt by barcode (API and web app)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from tvec.schemas.clinic import Instant, Line40, Ml, Out, Strict, Text, Version

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
    status: str = Field(description="in_stock or quarantined.")


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
