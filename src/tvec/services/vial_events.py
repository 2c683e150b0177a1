"""What nurses and pharmacists do to a vial after receipt: thaw, move, draw, give, discard.

Each act is one `vial_events` row and a new version of the vial (its `status`), written in one
transaction and audited; the vial's version as the person read it must still be current, so two
people recording the same vial at once cannot both succeed (the second gets a Conflict). The
rules are the domain's (`tvec.domain.vial_life`); the thaw clock is `tvec.domain.stability`'s.

Nurses and pharmacists thaw, move, draw, give and discard thawed vials; only pharmacists
quarantine, release, or discard a vial that was never thawed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from tvec.domain import vial_life as life
from tvec.domain.cartons import CartonRefused
from tvec.domain.dose_plan import vials_for
from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.domain.receipt import lot_key
from tvec.domain.rules import LabelRules
from tvec.domain.stability import ThawClock, thaw_clock
from tvec.domain.zones import from_wall_time, local_day
from tvec.interop.gs1 import normalise_scan, read_carton
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action

LABEL_VARIANT = "us"  # the label the vials were received under (tvec.services.shipments)
_VIAL = "the vial"  # how a dose's vial is named in a refusal
_GTIN_FIRST = re.compile(r"01\d{14}.")  # a scan without parentheses starts with the GTIN
_PHARMACIST_ONLY = {life.VialEventKind.QUARANTINED, life.VialEventKind.RELEASED}


@dataclass(frozen=True)
class VialDetail:
    id: int
    lot: str
    serial: str
    pfu_per_ml: int
    expiry_date: date
    status: str
    version: int
    volume_ml: Decimal  # the vial's nominal volume (label data)
    volume_left_ml: Decimal
    in_syringe_ml: Decimal
    discarded_ml: Decimal
    where: str
    place: str  # freezer, room or fridge
    in_syringe: bool
    thawed_at: datetime | None
    last_at: datetime
    events: list[r.VialEvent]
    clock: ThawClock | None  # while thawed


@dataclass(frozen=True)
class Board:
    """The pharmacy board: every thawed vial with its clock, and the stock to thaw from (first
    expiry first: the first of a strength is the one to thaw)."""

    thawed: list[VialDetail]
    in_stock: list[VialDetail]
    warn_minutes: int
    now: datetime


def vial_detail(ctx: Context, actor: Actor, vial_id: int) -> VialDetail:
    actor.require(Action.READ_VIALS)
    with ctx.uow(readonly=True) as uow:
        vial = _vial(uow, actor, vial_id)
        return _details(uow, [vial], load_label(LABEL_VARIANT), uow.now)[0]


def pharmacy_board(ctx: Context, actor: Actor) -> Board:
    actor.require(Action.READ_VIALS)
    label = load_label(LABEL_VARIANT)
    with ctx.uow(readonly=True) as uow:
        thawed = uow.vials.with_status(actor.centre_id, life.VialStatus.THAWED)
        stock = uow.vials.with_status(actor.centre_id, life.VialStatus.IN_STOCK)
        shown = _details(uow, thawed, label, uow.now)
        shown.sort(key=lambda d: (d.clock.expires_at if d.clock else d.last_at, d.id))
        return Board(
            shown, _details(uow, stock, label, uow.now), ctx.settings.thaw_warn_minutes, uow.now
        )


def record_event(
    ctx: Context,
    actor: Actor,
    vial_id: int,
    *,
    kind: str,
    at: datetime,
    version: int,
    reason: str | None = None,
    volume_ml: Decimal | None = None,
) -> VialDetail:
    """Record one event of a vial (`VialEventRefused` naming the field; nothing written)."""
    actor.require(Action.HANDLE_VIALS)
    label = load_label(LABEL_VARIANT)
    earliest = ctx.settings.earliest_date
    if at.date() < earliest:  # before any plausible record (and beyond the zones' calendar)
        raise life.VialEventRefused("at", f"must not be before {earliest.isoformat()}", at)
    with ctx.uow() as uow:
        # locked: the events read below are then those of the version checked here
        vial = _vial(uow, actor, vial_id, lock=True)
        _check_version(vial, version)
        zone = uow.centres.get(actor.centre_id).time_zone
        event = life.VialEvent(kind, from_wall_time(at, zone), volume_ml, (reason or None))
        state = _state(uow, vial, label, uow.vial_events.for_vials([vial.id]))
        _require_for(actor, event, state)
        after = life.apply(
            state,
            event,
            label,
            now=uow.now,
            clock_ends_at=_ends_at(label, vial, uow, state),
            expiry_date=vial.expiry_date,
            day=local_day(event.at, zone),
        )
        _write(uow, actor, vial, [_stored(event, state)], version, after.status.value)
        uow.commit()
        return _details(uow, [uow.vials.get(vial.id)], label, uow.now)[0]


def _check_version(vial: r.Vial, version: int) -> None:
    """Someone who recorded the vial since it was read wins; the rules are not even asked."""
    if vial.version != version:
        raise Conflict(
            f"the vial was recorded by someone else meanwhile (version {version}, now "
            f"{vial.version}); reload it and check before recording again",
            entity="vial",
            entity_id=vial.id,
            field="version",
        )


def _stored(event: life.VialEvent, before: life.VialState) -> life.VialEvent:
    """The event as kept: a discard keeps the mL it took (all that was left)."""
    if event.kind == life.VialEventKind.DISCARDED:
        return replace(event, volume_ml=before.volume_left_ml)
    return event


def _require_for(actor: Actor, event: life.VialEvent, state: life.VialState) -> None:
    """Quarantine, release and discarding a vial never thawed are the pharmacist's."""
    never_thawed = state.status in (life.VialStatus.IN_STOCK, life.VialStatus.QUARANTINED)
    if event.kind in _PHARMACIST_ONLY or (
        event.kind == life.VialEventKind.DISCARDED and never_thawed
    ):
        actor.require(Action.MANAGE_VIALS)


def _write(
    uow: UnitOfWork,
    actor: Actor,
    vial: r.Vial,
    events: list[life.VialEvent],
    version: int,
    status: str,
) -> None:
    uow.vials.update(
        vial.id,
        expected_version=version,
        by=actor.user_id,
        reason=events[-1].reason,
        action=events[-1].kind if len(events) == 1 else "given at the bedside",
        read=vial,
        status=status,
    )
    rows = [
        {
            "centre_id": actor.centre_id,
            "vial_id": vial.id,
            "kind": event.kind,
            "at": event.at,
            "recorded_by": actor.user_id,
            "recorded_at": uow.now,
            "reason": event.reason,
            "volume_ml": event.volume_ml,
        }
        for event in events
    ]
    # add_many: `add`'s own `reason` keyword is the audit entry's, not the column
    uow.vial_events.add_many(rows, by=actor.user_id, reason=events[-1].reason)


@dataclass(frozen=True)
class BedsideUse:
    """A dose given from a vial at the bedside: which vial, the mL, the form's field for it."""

    vial_id: int
    volume_ml: Decimal
    field: str
    vial_lot_id: int  # the lot the dose was recorded with
    label: str = _VIAL  # how a refusal names it: "the vial", or the row's scanned vial


def give_from_vials(
    uow: UnitOfWork,
    actor: Actor,
    uses: list[BedsideUse],
    *,
    pfu_per_ml: int,
    at: datetime,
    day: date,
    leftover_reason: str,
) -> None:
    """Record the doses of an administration against their vials, in the administration's
    transaction: the draw (when none is on file, the mL given, at the dose's time: tvec's
    ruling), the dose given, and what is left discarded with `leftover_reason`. Refused, naming
    the field, for a vial of another centre, another lot or strength, past its expiry date, not
    thawed (in stock, quarantined, emptied, discarded) or past its thaw clock."""
    label = load_label(LABEL_VARIANT)
    per_vial: dict[int, list[BedsideUse]] = {}
    for use in uses:
        per_vial.setdefault(use.vial_id, []).append(use)
    for vial_id, its in per_vial.items():
        field, named = its[0].field, its[0].label
        vial = uow.vials.find(vial_id, lock=True)  # its events below are of this version
        if vial is None or not actor.sees(vial.centre_id):
            raise InvalidInput(
                "administration", field, "is not a vial of this centre", vial_id, label=named
            )
        _check_bedside(vial, field, its[0].vial_lot_id, pfu_per_ml, day, named)
        state = _state(uow, vial, label, uow.vial_events.for_vials([vial.id]))
        events = _bedside_events(state, sum((u.volume_ml for u in its), Decimal(0)), at)
        events.append(life.VialEvent(life.VialEventKind.DISCARDED, at, None, leftover_reason))
        ends = _ends_at(label, vial, uow, state)
        kept: list[life.VialEvent] = []
        for event in events:
            try:
                after = life.apply(state, event, label, now=uow.now, clock_ends_at=ends)
            except life.VialEventRefused as exc:
                rule = f"(vial {vial.serial}): {exc.rule}"
                raise InvalidInput("administration", field, rule, label=named) from None
            kept.append(_stored(event, state))
            state = after
            if state.status is life.VialStatus.EMPTIED:
                break
        _write(uow, actor, vial, kept, vial.version, state.status.value)


def vial_of_serial(
    uow: UnitOfWork, actor: Actor, text: str, field: str, pfu_per_ml: int, row: str = _VIAL
) -> int:
    """The centre's vial that a scanned carton (the scanner's GS1 text, read by
    `tvec.interop.gs1`) or a typed serial number names: its thawed vial of the dose's strength
    when there is one. Refused, naming the field, when the scan cannot be read or the centre has
    no vial of that serial; a vial that is not thawed or of another strength is refused by the
    bedside checks (`give_from_vials`)."""
    serial, gtin = _serial_of(text, field, row)
    found = [
        v for v in uow.vials.with_serial(actor.centre_id, serial) if gtin is None or v.gtin == gtin
    ]
    if not found:
        rule = f"(serial {serial[:40]}) is no vial received at this centre"
        raise InvalidInput("administration", field, rule, label=row)
    found.sort(key=lambda v: (v.status != life.VialStatus.THAWED, v.pfu_per_ml != pfu_per_ml))
    return found[0].id


def _serial_of(text: str, field: str, row: str) -> tuple[str, str | None]:
    """(serial, GTIN) of a carton scan; (serial, None) of a typed serial number. A scan is told
    from a typed serial by the form of its element strings: an AI in parentheses, a group
    separator, or a GTIN (AI 01 and 14 digits) followed by more."""
    scan = normalise_scan(text)
    if not (scan.startswith("(") or "\x1d" in scan or _GTIN_FIRST.match(scan)):
        return scan, None
    try:
        carton = read_carton(scan, load_label(LABEL_VARIANT))
    except CartonRefused as exc:
        rule = f"cannot be read from the scan: {exc.message}"
        raise InvalidInput("administration", field, rule, label=row) from None
    return carton.serial, carton.gtin


def _bedside_events(state: life.VialState, given: Decimal, at: datetime) -> list[life.VialEvent]:
    draw = life.VialEvent(life.VialEventKind.DRAWN_INTO_SYRINGE, at, given)
    gift = life.VialEvent(life.VialEventKind.GIVEN, at, given)
    return [gift] if state.drawn else [draw, gift]


def _check_bedside(
    vial: r.Vial, field: str, lot_id: int, pfu_per_ml: int, day: date, label: str
) -> None:
    if vial.pfu_per_ml != pfu_per_ml:
        rule = f"is a vial of {vial.pfu_per_ml:,} PFU/mL, not the dose's {pfu_per_ml:,} PFU/mL"
        raise InvalidInput("administration", field, rule, vial.serial, label=label)
    if vial.vial_lot_id != lot_id:
        raise InvalidInput(
            "administration", field, "is a vial of another lot", vial.serial, label=label
        )
    if vial.expiry_date < day:
        rule = f"expired on {vial.expiry_date.isoformat()}: discard it as expired"
        raise InvalidInput("administration", field, rule, vial.serial, label=label)
    if vial.status != life.VialStatus.THAWED:
        status = vial.status.replace("_", " ")
        rule = f"is {status}: only a thawed vial is given (thaw it on the pharmacy board)"
        raise InvalidInput("administration", field, rule, vial.serial, label=label)


def _vial(uow: UnitOfWork, actor: Actor, vial_id: int, *, lock: bool = False) -> r.Vial:
    vial = uow.vials.find(vial_id, lock=lock)
    if vial is None or not actor.sees(vial.centre_id):
        raise NotFound("vial", vial_id)
    return vial


def vial_state(uow: UnitOfWork, vial: r.Vial, label: LabelRules) -> life.VialState:
    """What the vial's recorded events say of it now."""
    return _state(uow, vial, label, uow.vial_events.for_vials([vial.id]))


def _state(
    uow: UnitOfWork, vial: r.Vial, label: LabelRules, events: list[r.VialEvent]
) -> life.VialState:
    shipment = uow.shipments.get(vial.shipment_id)
    received_as = life.VialStatus.QUARANTINED if shipment.quarantined else life.VialStatus.IN_STOCK
    nominal = life.nominal_volume_ml(label, vial.pfu_per_ml)
    start = life.received(received_as, shipment.received_at, nominal)
    return life.summarise(
        start, [life.VialEvent(e.kind, e.at, e.volume_ml, e.reason) for e in events], label
    )


def lot_limit_hours(label: LabelRules, lot: str, pfu_per_ml: int) -> Decimal | None:
    """The shortest regulator-set limit on file for this lot and strength (tvec ruling: a lot's
    overrides are one ceiling on the time since thawing, the shortest of them)."""
    hours = [
        o.max_hours
        for o in label.lot_overrides
        if lot_key(o.lot) == lot_key(lot) and o.pfu_per_ml == pfu_per_ml
    ]
    return min(hours) if hours else None


def _clock(
    label: LabelRules, vial: r.Vial, lot: str, state: life.VialState, now: datetime
) -> ThawClock | None:
    if state.status is not life.VialStatus.THAWED or not state.thaw_events:
        return None
    hours = lot_limit_hours(label, lot, vial.pfu_per_ml)
    return thaw_clock(label, vial.pfu_per_ml, state.thaw_events, max(now, state.last_at), hours)


def _ends_at(
    label: LabelRules, vial: r.Vial, uow: UnitOfWork, state: life.VialState
) -> datetime | None:
    lot = uow.vial_lots.get(vial.vial_lot_id).lot
    clock = _clock(label, vial, lot, state, state.last_at)
    return None if clock is None else clock.expires_at


def _details(
    uow: UnitOfWork, vials: list[r.Vial], label: LabelRules, now: datetime
) -> list[VialDetail]:
    if not vials:
        return []
    events: dict[int, list[r.VialEvent]] = {v.id: [] for v in vials}
    for event in uow.vial_events.for_vials(list(events)):
        events[event.vial_id].append(event)
    lots = {lot.id: lot.lot for lot in uow.vial_lots.in_centre(vials[0].centre_id)}
    shown = []
    for vial in vials:
        state = _state(uow, vial, label, events[vial.id])
        lot = lots[vial.vial_lot_id]
        shown.append(
            VialDetail(
                id=vial.id,
                lot=lot,
                serial=vial.serial,
                pfu_per_ml=vial.pfu_per_ml,
                expiry_date=vial.expiry_date,
                status=vial.status,
                version=vial.version,
                volume_ml=life.nominal_volume_ml(label, vial.pfu_per_ml),
                volume_left_ml=state.volume_left_ml,
                in_syringe_ml=state.in_syringe_ml,
                discarded_ml=state.discarded_ml,
                where=life.where(state),
                place=state.place,
                in_syringe=state.drawn,
                thawed_at=state.thawed_at,
                last_at=state.last_at,
                events=events[vial.id],
                clock=_clock(label, vial, lot, state, now),
            )
        )
    return shown


def vials_used(
    uow: UnitOfWork, given: list[r.Administration], vial_volume_ml: Decimal
) -> tuple[int, Decimal]:
    """The vials a visit's doses used and the mL discarded, for its billing (JW).

    When every dose names the vial it was drawn from, what those vials' discards actually took
    (tvec ruling); otherwise the whole vials the total needs and what is left of them, as planned.
    """
    total = sum((a.volume_ml for a in given), Decimal(0))
    if not total:
        return 0, Decimal(0)
    named = {a.vial_id for a in given if a.vial_id is not None}
    if len(named) == 0 or any(a.vial_id is None for a in given):
        return vials_for(total, vial_volume_ml)
    discarded = [
        e.volume_ml or Decimal(0)
        for e in uow.vial_events.for_vials(named)
        if e.kind == life.VialEventKind.DISCARDED
    ]
    return len(named), sum(discarded, Decimal(0))
