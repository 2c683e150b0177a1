"""The pharmacy's freezers and fridges: their readings, excursions, and the vials they quarantine.

A location is a named freezer or fridge of the centre; its band and the excursion rule are the
label data's for its kind (`tvec.domain.cold_chain.excursion_rule`). Its readings are imported by
`tvec.services.readings_import`, which stores the excursions found and quarantines the vials
stored there during them; here a pharmacist releases such a vial with a reason or discards it
(one function each, `release_vial` and `discard_vial`), and acknowledges excursions.
An excursion stays on the list while it is under way, until at least one pharmacist has
acknowledged it, and while any of its vials is still quarantined.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tvec.domain import vial_life as life
from tvec.domain.cold_chain import ExcursionRule, excursion_rule
from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.domain.rules import StorageLocation
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.cold_chain_repositories import stored_vials
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.services.vial_events import vial_state

LABEL_VARIANT = "us"  # the product in the centre's freezers is the US product (see shipments)
IN_STOCK, QUARANTINED, DISCARDED = "in_stock", "quarantined", "discarded"


@dataclass(frozen=True)
class LocationView:
    id: int
    name: str
    kind: str
    rule: ExcursionRule
    last_reading_at: datetime | None
    last_temperature_c: float | None
    no_data: bool  # no reading for longer than the setting (or none yet)
    gap_minutes: float
    attention: int  # excursions still on the list


@dataclass(frozen=True)
class AcknowledgementView:
    user_id: int
    username: str
    at: datetime
    note: str | None


@dataclass(frozen=True)
class ExcursionView:
    id: int
    location_id: int
    location_name: str
    started_at: datetime
    ended_at: datetime | None  # the first reading back in band; None while it lasts
    duration_minutes: float  # to the reading back in band, or to the last reading
    min_c: float
    max_c: float
    readings: int
    band_min_c: float
    band_max_c: float
    band_source: str
    min_duration_minutes: int
    duration_source: str
    acknowledgements: list[AcknowledgementView]
    vials: int  # quarantined by it
    still_quarantined: list[int]  # those of its vials still quarantined

    @property
    def ongoing(self) -> bool:
        return self.ended_at is None

    @property
    def needs_attention(self) -> bool:
        return self.ongoing or not self.acknowledgements or bool(self.still_quarantined)


@dataclass(frozen=True)
class VialOutcome:
    id: int
    status: str
    reason: str


# ---- locations --------------------------------------------------------------------------------


def add_location(ctx: Context, actor: Actor, name: str, kind: str) -> LocationView:
    """A new freezer or fridge of the actor's centre (its band is the label data's)."""
    actor.require(Action.MANAGE_VIALS)
    rule = rule_for(kind)
    name = name.strip()
    if not name:
        raise InvalidInput("storage location", "location_name", "is required")
    with ctx.uow() as uow:
        location = uow.storage_locations.add(
            by=actor.user_id,
            centre_id=actor.centre_id,
            name=name,
            kind=rule.location.value,
            created_by=actor.user_id,
            created_at=uow.now,
        )
        uow.commit()
    return _location_view(ctx, location, rule, None, 0)


def list_locations(ctx: Context, actor: Actor) -> list[LocationView]:
    """The centre's locations with their band, last reading, "no data" alert and excursions."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        locations = uow.storage_locations.in_centre(actor.centre_id)
        last = uow.readings.last([loc.id for loc in locations])
        shown = _excursion_views(uow, locations, uow.excursions.in_centre(actor.centre_id))
    counts = {
        loc.id: sum(1 for x in shown if x.location_id == loc.id and x.needs_attention)
        for loc in locations
    }
    return [
        _location_view(ctx, loc, rule_for(loc.kind), last.get(loc.id), counts[loc.id])
        for loc in locations
    ]


def get_location(ctx: Context, actor: Actor, location_id: int) -> LocationView:
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        location = location_of(uow, actor, location_id)
        last = uow.readings.last([location.id]).get(location.id)
        shown = _excursion_views(uow, [location], uow.excursions.of_location(location.id))
    count = sum(1 for x in shown if x.needs_attention)
    return _location_view(ctx, location, rule_for(location.kind), last, count)


def location_readings(
    ctx: Context, actor: Actor, location_id: int
) -> tuple[list[datetime], list[float]]:
    """Every reading of the location, in time order (for its chart)."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        location = location_of(uow, actor, location_id)
        return uow.readings.series(location.id)


# ---- excursions -------------------------------------------------------------------------------


def list_excursions(
    ctx: Context, actor: Actor, location_id: int | None = None, attention_only: bool = False
) -> list[ExcursionView]:
    """The centre's excursions (or one location's), the latest first; `attention_only`: those
    still under way, not yet acknowledged, or with vials still quarantined."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        locations = uow.storage_locations.in_centre(actor.centre_id)
        if location_id is not None:
            locations = [location_of(uow, actor, location_id)]
            found = uow.excursions.of_location(location_id)
        else:
            found = uow.excursions.in_centre(actor.centre_id)
        views = _excursion_views(uow, locations, found)
    return [x for x in views if x.needs_attention] if attention_only else views


def acknowledge_excursion(
    ctx: Context, actor: Actor, excursion_id: int, note: str | None = None
) -> ExcursionView:
    """The pharmacist acknowledges the excursion (each pharmacist once; several may)."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow() as uow:
        excursion = _excursion(uow, actor, excursion_id)
        if any(
            a.user_id == actor.user_id for a in uow.acknowledgements.of_excursions([excursion.id])
        ):
            raise Conflict("you have already acknowledged this excursion", field="excursion")
        uow.acknowledgements.add(
            by=actor.user_id,
            excursion_id=excursion.id,
            user_id=actor.user_id,
            at=uow.now,
            note=(note or "").strip() or None,
        )
        location = uow.storage_locations.get(excursion.location_id)
        view = _excursion_views(uow, [location], [uow.excursions.get(excursion.id)])[0]
        uow.commit()
    return view


# ---- vials ------------------------------------------------------------------------------------


def quarantined_vials(ctx: Context, actor: Actor, location_id: int) -> list[r.Vial]:
    """The location's quarantined vials, by id."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        location = location_of(uow, actor, location_id)
        ids = stored_vials(uow.connection, location.id, [QUARANTINED], None)
        return [uow.vials.get(i) for i in ids]


def release_vial(ctx: Context, actor: Actor, vial_id: int, reason: str) -> VialOutcome:
    """A pharmacist releases a quarantined vial back into stock, saying why."""
    actor.require(Action.MANAGE_VIALS)
    reason = reason.strip()
    if not reason:
        raise InvalidInput(
            "release", "reason", "is required: say why the vial may be used", label="Reason"
        )
    return _settle(ctx, actor, vial_id, "released", reason)


def discard_vial(ctx: Context, actor: Actor, vial_id: int, note: str | None = None) -> VialOutcome:
    """A pharmacist discards a quarantined vial (reason `excursion`)."""
    actor.require(Action.MANAGE_VIALS)
    return _settle(ctx, actor, vial_id, "discarded", "excursion", note)


def _settle(
    ctx: Context,
    actor: Actor,
    vial_id: int,
    kind: str,
    reason: str,
    note: str | None = None,
) -> VialOutcome:
    with ctx.uow() as uow:
        vial = uow.vials.find(vial_id)
        if vial is None or not actor.sees(vial.centre_id):
            raise NotFound("vial", vial_id)
        if vial.status != QUARANTINED:
            raise Conflict(
                f"vial {vial_id} is not quarantined (it is {vial.status.replace('_', ' ')}); "
                "only a quarantined vial can be released or discarded here",
                field="vial",
            )
        audit_reason = reason if not note else f"{reason}: {note.strip()}"
        status = vial_step(uow, vial, kind, reason)
        uow.vials.update(
            vial.id,
            expected_version=vial.version,
            by=actor.user_id,
            reason=audit_reason,
            action=kind,
            read=vial,
            status=status,
        )
        record_event(uow, actor.user_id, vial, kind, reason)
        uow.commit()
    return VialOutcome(vial.id, status, reason)


def vial_step(uow: UnitOfWork, vial: r.Vial, kind: str, reason: str) -> str:
    """The vial's status once `kind` is recorded now, by the vial's own rule
    (`tvec.domain.vial_life`); refused, naming the field, when the rule refuses it."""
    label = load_label(LABEL_VARIANT)
    event = life.VialEvent(kind, uow.now, None, reason)
    return life.apply(vial_state(uow, vial, label), event, label, now=uow.now).status.value


def record_event(uow: UnitOfWork, by: int, vial: r.Vial, kind: str, reason: str) -> None:
    row = {
        "centre_id": vial.centre_id,
        "vial_id": vial.id,
        "kind": kind,
        "at": uow.now,
        "recorded_by": by,
        "recorded_at": uow.now,
        "reason": reason,
        "volume_ml": None,
    }
    # add_many: `add`'s own `reason` keyword is the audit entry's and would not reach the column
    uow.vial_events.add_many([row], by=by, reason=reason)


# ---- helpers ----------------------------------------------------------------------------------


def rule_for(kind: str) -> ExcursionRule:
    try:
        location = StorageLocation(kind)
    except ValueError:
        raise InvalidInput(
            "storage location", "kind", "must be freezer or fridge", kind, label="Kind"
        ) from None
    return excursion_rule(load_label(LABEL_VARIANT), location)


def location_of(uow: UnitOfWork, actor: Actor, location_id: int) -> r.StorageLocation:
    location = uow.storage_locations.find(location_id)
    if location is None or not actor.sees(location.centre_id):
        raise NotFound("storage location", location_id)
    return location


def _excursion(uow: UnitOfWork, actor: Actor, excursion_id: int) -> r.Excursion:
    excursion = uow.excursions.find(excursion_id)
    if excursion is None or not actor.sees(excursion.centre_id):
        raise NotFound("excursion", excursion_id)
    return excursion


def _location_view(
    ctx: Context,
    location: r.StorageLocation,
    rule: ExcursionRule,
    last: tuple[datetime, float] | None,
    attention: int,
) -> LocationView:
    gap = timedelta(minutes=ctx.settings.logger_gap_minutes)
    no_data = last is None or ctx.clock() - last[0] > gap
    return LocationView(
        id=location.id,
        name=location.name,
        kind=location.kind,
        rule=rule,
        last_reading_at=last[0] if last else None,
        last_temperature_c=last[1] if last else None,
        no_data=no_data,
        gap_minutes=ctx.settings.logger_gap_minutes,
        attention=attention,
    )


def _excursion_views(
    uow: UnitOfWork, locations: Sequence[r.StorageLocation], found: Sequence[r.Excursion]
) -> list[ExcursionView]:
    ids = [x.id for x in found]
    names = {loc.id: loc.name for loc in locations}
    acks = uow.acknowledgements.of_excursions(ids)
    users = {a.user_id: uow.users.get(a.user_id).username for a in acks}
    links = uow.excursion_vials.of_excursions(ids)
    status = {v: uow.vials.get(v).status for v in {link.vial_id for link in links}}
    views = []
    for x in found:
        mine = [link.vial_id for link in links if link.excursion_id == x.id]
        until = x.ended_at or x.last_out_at
        views.append(
            ExcursionView(
                id=x.id,
                location_id=x.location_id,
                location_name=names.get(x.location_id, ""),
                started_at=x.started_at,
                ended_at=x.ended_at,
                duration_minutes=round((until - x.started_at).total_seconds() / 60, 3),
                min_c=x.min_c,
                max_c=x.max_c,
                readings=x.readings,
                band_min_c=x.band_min_c,
                band_max_c=x.band_max_c,
                band_source=x.band_source,
                min_duration_minutes=x.min_duration_minutes,
                duration_source=x.duration_source,
                acknowledgements=[
                    AcknowledgementView(a.user_id, users[a.user_id], a.at, a.note)
                    for a in acks
                    if a.excursion_id == x.id
                ],
                vials=len(mine),
                still_quarantined=[v for v in mine if status[v] == QUARANTINED],
            )
        )
    return views
