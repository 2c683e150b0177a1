"""The pharmacist receives a shipment by scanning its cartons; receipt is all or nothing.

Each carton's barcode is read (`tvec.interop.gs1`), the shipment is checked by the domain's
receipt rules (`tvec.domain.receipt`) against the centre's lots and every serial received before,
and then the shipment, its lots (new ones) and one vial per carton are written in one transaction,
each audited. A shipment received after its container's hours (label data) is quarantined, and so
are its vials.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from tvec.domain.cartons import Carton, CartonRefused
from tvec.domain.errors import InvalidInput
from tvec.domain.receipt import (
    KnownLot,
    ShipmentRefused,
    check_shipment,
    container_deadline,
    lot_key,
    quarantine_reason,
)
from tvec.domain.rules import LabelRules, StorageRules
from tvec.domain.zones import from_wall_time
from tvec.interop.gs1 import read_carton
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action

LABEL_VARIANT = "us"  # the cartons' barcodes carry the US product identifier (DSCSA)
IN_STOCK, QUARANTINED = "in_stock", "quarantined"
FREEZER = "freezer"


@dataclass(frozen=True)
class ShipmentView:
    id: int
    received_at: datetime
    received_by: int
    sealed_at: datetime
    container_hours: int
    container_until: datetime
    quarantined: bool
    quarantine_reason: str | None
    vials: int


@dataclass(frozen=True)
class VialView:
    id: int
    shipment_id: int
    lot: str
    gtin: str
    serial: str
    pfu_per_ml: int
    expiry_date: date
    status: str
    location_id: int | None = None


@dataclass(frozen=True)
class Preview:
    """What receiving would do: the cartons as read, and whether the shipment is quarantined."""

    cartons: list[Carton]
    sealed_at: datetime  # the instant (a wall time is read in the centre's zone)
    container_hours: int
    container_until: datetime
    quarantine_reason: str | None


def preview_shipment(
    ctx: Context, actor: Actor, scans: Sequence[str], sealed_at: datetime
) -> Preview:
    """The pharmacist's review step: every check of receipt, nothing written."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        return _checked(ctx, actor, uow, scans, sealed_at)


def receive_shipment(
    ctx: Context,
    actor: Actor,
    scans: Sequence[str],
    sealed_at: datetime,
    location_id: int | None = None,
) -> ShipmentView:
    """Receive the shipment whole (`ShipmentRefused` at its first bad scan: nothing written),
    its vials put in the centre's freezer `location_id` when one is chosen."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow() as uow:
        _check_freezer(uow, actor, location_id)
        preview = _checked(ctx, actor, uow, scans, sealed_at)
        shipment = _add_shipment(uow, actor, preview)
        lots = _lots_for(uow, actor, preview.cartons)
        status = QUARANTINED if shipment.quarantined else IN_STOCK
        uow.vials.add_many(
            [
                {
                    **_vial_row(actor, shipment, lots[lot_key(c.lot)], c, status),
                    "location_id": location_id,
                }
                for c in preview.cartons
            ],
            by=actor.user_id,
        )
        uow.commit()
    return _view(shipment, len(preview.cartons))


def list_shipments(ctx: Context, actor: Actor) -> list[ShipmentView]:
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        counts = Counter(vial.shipment_id for vial in uow.vials.in_centre(actor.centre_id))
        shipments = uow.shipments.in_centre(actor.centre_id)
    return [_view(s, counts.get(s.id, 0)) for s in shipments]


def list_vials(ctx: Context, actor: Actor) -> list[VialView]:
    """The centre's vials, first expiry first."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        lots = {lot.id: lot.lot for lot in uow.vial_lots.in_centre(actor.centre_id)}
        vials = uow.vials.in_centre(actor.centre_id)
    return [
        VialView(
            v.id,
            v.shipment_id,
            lots[v.vial_lot_id],
            v.gtin,
            v.serial,
            v.pfu_per_ml,
            v.expiry_date,
            v.status,
            v.location_id,
        )
        for v in vials
    ]


def _check_freezer(uow: UnitOfWork, actor: Actor, location_id: int | None) -> None:
    """A chosen location must be one of the centre's freezers (frozen vials go nowhere else)."""
    if location_id is None:
        return
    location = uow.storage_locations.find(location_id)
    if location is None or not actor.sees(location.centre_id):
        raise InvalidInput(
            "receipt",
            "location_id",
            "is not a storage location of this centre",
            location_id,
            label="Freezer",
        )
    if location.kind != FREEZER:
        raise InvalidInput(
            "receipt",
            "location_id",
            f"{location.name} is not a freezer: frozen vials are received into a freezer",
            label="Freezer",
        )


def _storage(label: LabelRules) -> StorageRules:
    if label.storage is None:  # pragma: no cover - the US label data has its storage table
        raise ValueError(f"the {label.title} has no storage rules")
    return label.storage


def _checked(
    ctx: Context, actor: Actor, uow: UnitOfWork, scans: Sequence[str], sealed_at: datetime
) -> Preview:
    label = load_label(LABEL_VARIANT)
    storage = _storage(label)
    sealed = from_wall_time(sealed_at, uow.centres.get(actor.centre_id).time_zone)
    reason = quarantine_reason(
        sealed, uow.now, storage.shipping_container_hours, storage.shipping_source
    )
    cartons = [_read(i, scan, label) for i, scan in enumerate(scans)]
    known = {
        lot_key(lot.lot): KnownLot(lot.lot, lot.pfu_per_ml, lot.expiry_date)
        for lot in uow.vial_lots.in_centre(actor.centre_id)
    }
    check_shipment(
        label,
        cartons,
        today=ctx.today(actor),
        min_days_to_expiry=ctx.settings.receipt_min_days_to_expiry,
        known_lots=known,
        known_serials=uow.vials.received_serials({(c.gtin, c.serial) for c in cartons}),
    )
    hours = storage.shipping_container_hours
    return Preview(cartons, sealed, hours, container_deadline(sealed, hours), reason)


def _read(index: int, scan: str, label: LabelRules) -> Carton:
    try:
        return read_carton(scan, label)
    except CartonRefused as exc:
        raise ShipmentRefused(index, exc.reason, exc.message) from None


def _add_shipment(uow: UnitOfWork, actor: Actor, preview: Preview) -> r.Shipment:
    return uow.shipments.add(
        by=actor.user_id,
        centre_id=actor.centre_id,
        received_at=uow.now,
        received_by=actor.user_id,
        sealed_at=preview.sealed_at,
        container_hours=preview.container_hours,
        quarantined=preview.quarantine_reason is not None,
        quarantine_reason=preview.quarantine_reason,
    )


def _lots_for(uow: UnitOfWork, actor: Actor, cartons: Sequence[Carton]) -> dict[str, r.VialLot]:
    """The centre's lot of each carton by `lot_key`, new lots added as first printed."""
    lots = {lot_key(lot.lot): lot for lot in uow.vial_lots.in_centre(actor.centre_id)}
    for carton in cartons:
        key = lot_key(carton.lot)
        if key not in lots:
            lots[key] = uow.vial_lots.add(
                by=actor.user_id,
                centre_id=actor.centre_id,
                lot=carton.lot.strip(),
                pfu_per_ml=carton.strength_pfu_per_ml,
                expiry_date=carton.expiry,
                created_by=actor.user_id,
                created_at=uow.now,
            )
    return lots


def _vial_row(
    actor: Actor, shipment: r.Shipment, lot: r.VialLot, carton: Carton, status: str
) -> dict[str, object]:
    return {
        "centre_id": actor.centre_id,
        "shipment_id": shipment.id,
        "vial_lot_id": lot.id,
        "gtin": carton.gtin,
        "serial": carton.serial,
        "pfu_per_ml": carton.strength_pfu_per_ml,
        "expiry_date": carton.expiry,
        "status": status,
    }


def _view(s: r.Shipment, vials: int) -> ShipmentView:
    return ShipmentView(
        id=s.id,
        received_at=s.received_at,
        received_by=s.received_by,
        sealed_at=s.sealed_at,
        container_hours=s.container_hours,
        container_until=container_deadline(s.sealed_at, s.container_hours),
        quarantined=s.quarantined,
        quarantine_reason=s.quarantine_reason,
        vials=vials,
    )
