"""The pharmacy's freezers and fridges: their readings, excursions, and the vials they quarantine.

A location is a named freezer or fridge of the centre; its band and the excursion rule are the
label data's for its kind (`tvec.domain.cold_chain.excursion_rule`). Readings arrive as a data
logger's CSV export (`tvec.analytics.logger_csv`) or as a JSON list; an import is all or nothing:
readings out of order or twice, a reading at or before the location's last stored one, a reading
in the future, or a file tvec cannot read is refused naming its row and field, and nothing is
written.

After an import the readings are checked with the domain's rule (computed on arrays by
`tvec.analytics.excursions`), continuing the location's excursion still under way, if any: it
ends at the first reading back in band. Each excursion is stored with the rule in force when it
was found. Every vial stored there during it that is in stock is quarantined (a `quarantined`
vial event naming the excursion); a pharmacist releases it with a reason or discards it.
An excursion stays on the list until every pharmacist who needs to has acknowledged it (at least
one) and none of its vials is still quarantined.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tvec.analytics.excursions import detect_excursions, to_report
from tvec.analytics.logger_csv import LoggerFileError, read_logger_csv
from tvec.domain.cold_chain import Excursion, ExcursionRule, excursion_rule
from tvec.domain.errors import (
    Conflict,
    DomainError,
    DuplicateReading,
    InvalidInput,
    NotFound,
    ReadingsOutOfOrder,
)
from tvec.domain.rules import StorageLocation
from tvec.knowledge import load_label
from tvec.persistence import records as r
from tvec.persistence.cold_chain_repositories import stored_vials
from tvec.persistence.uow import UnitOfWork
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action

LABEL_VARIANT = "us"  # the product in the centre's freezers is the US product (see shipments)
IN_STOCK, QUARANTINED, DISCARDED = "in_stock", "quarantined", "discarded"
MAX_READINGS = 1_000_000  # one import: about two years of one-minute readings


class ReadingsRefused(DomainError):
    """An import of readings that is refused whole: names the row and the field."""

    code = "readings-refused"

    def __init__(self, message: str, field: str, row: int | None) -> None:
        super().__init__(message, field=field, row=row)
        self.row = row


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
class ImportResult:
    location_id: int
    readings: int
    first_at: datetime
    last_at: datetime
    excursions: list[int]  # new or continued by this import
    quarantined_vials: list[int]


@dataclass(frozen=True)
class VialOutcome:
    id: int
    status: str
    reason: str


# ---- locations --------------------------------------------------------------------------------


def add_location(ctx: Context, actor: Actor, name: str, kind: str) -> LocationView:
    """A new freezer or fridge of the actor's centre (its band is the label data's)."""
    actor.require(Action.MANAGE_VIALS)
    rule = _rule(kind)
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
    counts = {loc.id: sum(1 for x in shown if x.location_id == loc.id) for loc in locations}
    return [
        _location_view(ctx, loc, _rule(loc.kind), last.get(loc.id), counts[loc.id])
        for loc in locations
    ]


def get_location(ctx: Context, actor: Actor, location_id: int) -> LocationView:
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        location = _location(uow, actor, location_id)
        last = uow.readings.last([location.id]).get(location.id)
        shown = _excursion_views(uow, [location], uow.excursions.of_location(location.id))
    count = sum(1 for x in shown if x.needs_attention)
    return _location_view(ctx, location, _rule(location.kind), last, count)


def location_readings(
    ctx: Context, actor: Actor, location_id: int
) -> tuple[list[datetime], list[float]]:
    """Every reading of the location, in time order (for its chart)."""
    actor.require(Action.MANAGE_VIALS)
    with ctx.uow(readonly=True) as uow:
        location = _location(uow, actor, location_id)
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
            locations = [_location(uow, actor, location_id)]
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
        location = _location(uow, actor, location_id)
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
    return _settle(ctx, actor, vial_id, "released", IN_STOCK, reason)


def discard_vial(ctx: Context, actor: Actor, vial_id: int, note: str | None = None) -> VialOutcome:
    """A pharmacist discards a quarantined vial (reason `excursion`)."""
    actor.require(Action.MANAGE_VIALS)
    return _settle(ctx, actor, vial_id, "discarded", DISCARDED, "excursion", note)


def _settle(
    ctx: Context,
    actor: Actor,
    vial_id: int,
    kind: str,
    status: str,
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
        uow.vials.update(
            vial.id,
            expected_version=vial.version,
            by=actor.user_id,
            reason=audit_reason,
            action=kind,
            read=vial,
            status=status,
        )
        _event(uow, actor.user_id, vial, kind, reason)
        uow.commit()
    return VialOutcome(vial.id, status, reason)


def _event(uow: UnitOfWork, by: int, vial: r.Vial, kind: str, reason: str) -> None:
    uow.vial_events.add(
        by=by,
        centre_id=vial.centre_id,
        vial_id=vial.id,
        kind=kind,
        at=uow.now,
        recorded_by=by,
        recorded_at=uow.now,
        reason=reason,
        volume_ml=None,
    )


# ---- import -----------------------------------------------------------------------------------


def import_readings(
    ctx: Context, actor: Actor, location_id: int, readings: Sequence[tuple[datetime, float]]
) -> ImportResult:
    """Import readings given as (time with zone, °C); rows are counted from 1, fields named
    `readings.N` (N from 0)."""
    actor.require(Action.MANAGE_VIALS)
    if not readings:
        raise ReadingsRefused("give at least one reading", "readings", None)
    if len(readings) > MAX_READINGS:
        raise ReadingsRefused(f"at most {MAX_READINGS:,} readings at once", "readings", None)
    for i, (at, _c) in enumerate(readings):
        if at.tzinfo is None or at.utcoffset() is None:
            raise ReadingsRefused(
                f"row {i + 1}: the time {at.isoformat()} has no UTC offset (such as +01:00 or Z)",
                f"readings.{i}.at",
                i + 1,
            )
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    times = np.array([(at - epoch) // timedelta(milliseconds=1) for at, _ in readings], np.int64)
    temperatures = np.array([c for _, c in readings], np.float64)
    return _import(ctx, actor, location_id, times, temperatures, 1, _json_field, "")


def import_logger_file(
    ctx: Context, actor: Actor, location_id: int, content: bytes, filename: str
) -> ImportResult:
    """Import a data logger's CSV export (layout: `tvec.analytics.logger_csv`); rows are the
    file's (the header is row 1), fields name the file's column."""
    actor.require(Action.MANAGE_VIALS)
    name = Path(filename or "readings.csv").name[:100] or "readings.csv"
    with tempfile.TemporaryDirectory(prefix="tvec-logger-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            found = read_logger_csv(path)
        except LoggerFileError as exc:
            raise ReadingsRefused(str(exc), exc.column or "file", exc.row) from None
    if not len(found.times_ms):
        raise ReadingsRefused(f"{name}: the file has no readings", "file", None)
    return _import(
        ctx,
        actor,
        location_id,
        found.times_ms,
        found.temperatures_c,
        found.first_row,
        _csv_field,
        f"{name}, ",
    )


FieldOf = Callable[[int, str], str]  # the field named for a row and column ("at", "temperature_c")


def _json_field(row: int, column: str) -> str:
    return f"readings.{row - 1}.{column}"


def _csv_field(row: int, column: str) -> str:
    return {"at": "Timestamp", "temperature_c": "Temperature (°C)"}[column]


def _import(
    ctx: Context,
    actor: Actor,
    location_id: int,
    times: np.ndarray,
    temperatures: np.ndarray,
    first_row: int,
    name: FieldOf,
    source: str,
) -> ImportResult:
    """`source` starts every refusal: the file's name, or nothing for readings sent as JSON."""
    gap = timedelta(minutes=ctx.settings.logger_gap_minutes)
    with ctx.uow() as uow:
        location = _location(uow, actor, location_id)
        rule = _rule(location.kind)
        try:
            _check_against_stored(uow, location, times, first_row, name)
            detect_excursions(times, temperatures, rule, gap, first_row)
        except ReadingsRefused as exc:
            raise ReadingsRefused(source + str(exc), exc.fields["field"], exc.row) from None
        except (DuplicateReading, ReadingsOutOfOrder) as exc:
            raise ReadingsRefused(source + str(exc), name(exc.row, "at"), exc.row) from None
        except InvalidInput as exc:
            row = int(exc.where.split()[-1])
            raise ReadingsRefused(source + str(exc), name(row, exc.field), row) from None
        stamps = [_instant(t) for t in times]
        uow.readings.add_series(location.id, list(zip(stamps, temperatures.tolist(), strict=True)))
        touched = _excursions_from(uow, actor, location, rule, gap, times, temperatures, first_row)
        quarantined = _quarantine(uow, actor, location, touched)
        _audit_import(uow, actor, location, stamps, touched)
        uow.commit()
    return ImportResult(
        location.id, len(stamps), stamps[0], stamps[-1], [x.id for x in touched], quarantined
    )


def _check_against_stored(
    uow: UnitOfWork,
    location: r.StorageLocation,
    times: np.ndarray,
    first_row: int,
    field: FieldOf,
) -> None:
    """Refuse a reading at or before the location's last stored one, or in the future."""
    last = uow.readings.last([location.id]).get(location.id)
    if last is not None and _instant(times[0]) <= last[0]:
        at = _instant(times[0])
        if uow.readings.stored_at(location.id, at):
            problem = f"a reading at {at.isoformat()} is already stored for {location.name}"
        else:
            problem = (
                f"the reading at {at.isoformat()} is earlier than the last reading stored for "
                f"{location.name} ({last[0].isoformat()}); import only readings after it"
            )
        raise ReadingsRefused(f"row {first_row}: {problem}", field(first_row, "at"), first_row)
    now_ms = (uow.now - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    future = np.flatnonzero(times > now_ms)
    if len(future):
        row = first_row + int(future[0])
        when = _instant(times[future[0]]).isoformat()
        raise ReadingsRefused(
            f"row {row}: the reading at {when} is in the future (now {uow.now.isoformat()})",
            field(row, "at"),
            row,
        )


def _excursions_from(
    uow: UnitOfWork,
    actor: Actor,
    location: r.StorageLocation,
    rule: ExcursionRule,
    gap: timedelta,
    times: np.ndarray,
    temperatures: np.ndarray,
    first_row: int,
) -> list[r.Excursion]:
    """Store the excursions of the new readings: the one under way continues or ends; new ones
    are added with the rule in force."""
    touched: list[r.Excursion] = []
    start = 0
    ongoing = uow.excursions.ongoing_at(location.id)
    if ongoing is not None:
        out = (temperatures < ongoing.band_min_c) | (temperatures > ongoing.band_max_c)
        back = int(np.argmin(out)) if not out.all() else len(out)
        touched.append(_continue(uow, actor, ongoing, times, temperatures, back))
        start = back
    if start < len(times):
        found = detect_excursions(times[start:], temperatures[start:], rule, gap, first_row + start)
        for excursion in to_report(found, rule, gap).excursions:
            touched.append(_add_excursion(uow, actor, location, excursion))
    return touched


def _continue(
    uow: UnitOfWork,
    actor: Actor,
    ongoing: r.Excursion,
    times: np.ndarray,
    temperatures: np.ndarray,
    back: int,
) -> r.Excursion:
    """The excursion under way, with the new readings out of band before `back` (the first
    reading back in band, if any)."""
    changes: dict[str, Any] = {}
    if back:
        part = temperatures[:back]
        changes.update(
            min_c=min(ongoing.min_c, float(part.min())),
            max_c=max(ongoing.max_c, float(part.max())),
            readings=ongoing.readings + back,
            last_out_at=_instant(times[back - 1]),
        )
    if back < len(times):
        changes["ended_at"] = _instant(times[back])
    return uow.excursions.update(
        ongoing.id,
        expected_version=ongoing.version,
        by=actor.user_id,
        action="continue" if "ended_at" not in changes else "end",
        read=ongoing,
        **changes,
    )


def _add_excursion(
    uow: UnitOfWork, actor: Actor, location: r.StorageLocation, found: Excursion
) -> r.Excursion:
    rule = found.rule
    return uow.excursions.add(
        by=actor.user_id,
        centre_id=location.centre_id,
        location_id=location.id,
        started_at=found.start,
        ended_at=found.end,
        last_out_at=found.start + found.duration if found.end is None else found.end,
        min_c=found.min_c,
        max_c=found.max_c,
        readings=found.readings,
        band_min_c=rule.min_c,
        band_max_c=rule.max_c,
        band_source=rule.band_source,
        min_duration_minutes=rule.min_duration_minutes,
        duration_source=rule.duration_source,
        found_at=uow.now,
    )


def _quarantine(
    uow: UnitOfWork, actor: Actor, location: r.StorageLocation, touched: list[r.Excursion]
) -> list[int]:
    """Quarantine the in-stock vials stored at the location during each excursion (received no
    later than its end)."""
    done: list[int] = []
    for excursion in touched:
        for vial_id in stored_vials(uow.connection, location.id, [IN_STOCK], excursion.ended_at):
            vial = uow.vials.get(vial_id)
            reason = _quarantine_reason(location, excursion)
            uow.vials.update(
                vial.id,
                expected_version=vial.version,
                by=actor.user_id,
                reason=reason,
                action="quarantine",
                read=vial,
                status=QUARANTINED,
            )
            _event(uow, actor.user_id, vial, "quarantined", reason)
            uow.excursion_vials.add(by=actor.user_id, excursion_id=excursion.id, vial_id=vial.id)
            done.append(vial.id)
    return done


def _quarantine_reason(location: r.StorageLocation, x: r.Excursion) -> str:
    return (
        f"temperature excursion {x.id} in {location.name} from {x.started_at.isoformat()}: "
        f"{x.min_c:g} to {x.max_c:g} °C, outside {x.band_min_c:g} to {x.band_max_c:g} °C"
    )


def _audit_import(
    uow: UnitOfWork,
    actor: Actor,
    location: r.StorageLocation,
    stamps: list[datetime],
    touched: list[r.Excursion],
) -> None:
    uow.trail.record(
        [
            {
                "at": uow.now,
                "user_id": actor.user_id,
                "action": "import-readings",
                "entity": "storage-location",
                "entity_id": location.id,
                "entity_version": None,
                "reason": None,
                "before": None,
                "after": {
                    "readings": len(stamps),
                    "first_at": stamps[0].isoformat(),
                    "last_at": stamps[-1].isoformat(),
                    "excursions": [x.id for x in touched],
                },
            }
        ]
    )


# ---- helpers ----------------------------------------------------------------------------------


def _rule(kind: str) -> ExcursionRule:
    try:
        location = StorageLocation(kind)
    except ValueError:
        raise InvalidInput(
            "storage location", "kind", "must be freezer or fridge", kind, label="Kind"
        ) from None
    return excursion_rule(load_label(LABEL_VARIANT), location)


def _location(uow: UnitOfWork, actor: Actor, location_id: int) -> r.StorageLocation:
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


def _instant(ms: np.int64 | int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(ms))
