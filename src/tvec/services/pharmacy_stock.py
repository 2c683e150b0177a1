"""The pharmacist's stock and reconciliation of the centre's vials (reads only).

The stock is `tvec.domain.stock` over the centre's vials (picking order first expiry first out,
lots expiring within `TVEC_STOCK_EXPIRY_WINDOW_DAYS`); the reconciliation is
`tvec.domain.reconciliation` over every vial received up to the period's end and its events, in
the centre's calendar days. The pharmacy page, its CSV and the API show the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from tvec.domain import reconciliation as rec
from tvec.domain.errors import InvalidInput
from tvec.domain.stock import StrengthStock, stock
from tvec.domain.zones import from_wall_time
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.services.plausible import not_in_future
from tvec.services.shipments import LABEL_VARIANT

WHERE = "reconciliation"
MAX_DAYS = 366  # one reconciliation covers at most a year (and a leap day)


@dataclass(frozen=True)
class StockReport:
    today: date
    window_days: int
    strengths: tuple[StrengthStock, ...]


@dataclass(frozen=True)
class StockVial:
    serial: str
    lot: str
    pfu_per_ml: int
    expiry_date: date
    status: str


def stock_report(ctx: Context, actor: Actor) -> StockReport:
    """The centre's stock by strength, lot and expiry, in picking order."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        lots = {lot.id: lot.lot for lot in uow.vial_lots.in_centre(actor.centre_id)}
        vials = uow.vials.in_centre(actor.centre_id)
    today, window = ctx.today(actor), ctx.settings.stock_expiry_window_days
    strengths = [s.pfu_per_ml for s in load_label(LABEL_VARIANT).strengths]
    shown = [
        StockVial(v.serial, lots[v.vial_lot_id], v.pfu_per_ml, v.expiry_date, v.status)
        for v in vials
    ]
    return StockReport(today, window, stock(shown, strengths, today, window))


def check_period(ctx: Context, actor: Actor, start: date, end: date) -> None:
    """Refuse a period that cannot be reconciled, naming its field (InvalidInput, 422): days
    that have happened (not before TVEC_EARLIEST_DATE), To not before From, at most a year."""
    not_in_future(ctx, actor, WHERE, "from", start)
    not_in_future(ctx, actor, WHERE, "to", end)
    if end < start:
        raise InvalidInput(
            WHERE, "to", f"must not be before the From date ({start.isoformat()})", label="To"
        )
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(
            WHERE, "to", f"must be within {MAX_DAYS} days of the From date", label="To"
        )


def reconcile(ctx: Context, actor: Actor, start: date, end: date) -> rec.Reconciliation:
    """The centre's reconciliation of `start`..`end` (its calendar days, both included)."""
    actor.require(Action.MANAGE_VIALS)
    check_period(ctx, actor, start, end)
    with ctx.uow(readonly=True) as uow:
        zone = uow.centres.get(actor.centre_id).time_zone
        records = _records(uow, actor, from_wall_time(_midnight(end), zone))
    return rec.reconcile(records, start, end, zone)


def _midnight(end: date) -> datetime:
    return datetime.combine(end + timedelta(days=1), time())


def _records(uow: UnitOfWork, actor: Actor, before: datetime) -> list[rec.VialRecord]:
    """Every vial the centre received before `before`, with its events."""
    shipments = {s.id: s for s in uow.shipments.in_centre(actor.centre_id)}
    lots = {lot.id: lot.lot for lot in uow.vial_lots.in_centre(actor.centre_id)}
    vials = [
        v
        for v in uow.vials.in_centre(actor.centre_id)
        if shipments[v.shipment_id].received_at < before
    ]
    events: dict[int, list[rec.Event]] = defaultdict(list)
    for e in uow.vial_events.for_vials([v.id for v in vials]):
        events[e.vial_id].append(rec.Event(e.kind, e.at, e.volume_ml))
    volumes = {s.pfu_per_ml: s.vial_volume_ml for s in load_label(LABEL_VARIANT).strengths}
    return [_record(v, shipments[v.shipment_id], lots, volumes, events[v.id]) for v in vials]


def _record(
    v: r.Vial,
    shipment: r.Shipment,
    lots: dict[int, str],
    volumes: dict[int, Decimal],
    events: Sequence[rec.Event],
) -> rec.VialRecord:
    return rec.VialRecord(
        id=v.id,
        serial=v.serial,
        lot=lots[v.vial_lot_id],
        pfu_per_ml=v.pfu_per_ml,
        volume_ml=volumes[v.pfu_per_ml],
        received_at=shipment.received_at,
        received_as=rec.QUARANTINED if shipment.quarantined else rec.IN_STOCK,
        status=v.status,
        events=tuple(events),
    )
