"""Importing a storage location's readings, and what follows: excursions and quarantine.

Readings arrive as a data logger's CSV export (`tvec.analytics.logger_csv`) or as a JSON list. An
import is all or nothing: readings out of order or twice, a reading at or before the location's
last stored one, a reading in the future, or a file tvec cannot read is refused naming its row and
field (`ReadingsRefused`), and nothing is written.

The new readings are then checked with the domain's rule (`tvec.domain.cold_chain`, computed on
arrays by `tvec.analytics.excursions`), continuing the location's excursion still under way, if
any: it ends at the first reading back in band. Each new excursion is stored with the rule in
force. Every vial in stock stored there and received no later than an excursion's end is
quarantined, with a `quarantined` vial event naming the excursion.
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
from tvec.domain.cold_chain import Excursion, ExcursionRule
from tvec.domain.errors import DomainError, DuplicateReading, InvalidInput, ReadingsOutOfOrder
from tvec.persistence import records as r
from tvec.persistence.cold_chain_repositories import stored_vials
from tvec.persistence.uow import UnitOfWork
from tvec.services.cold_chain import (
    IN_STOCK,
    location_of,
    record_event,
    rule_for,
    vial_step,
)
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action

MAX_READINGS = 1_000_000  # one import: about two years of one-minute readings


class ReadingsRefused(DomainError):
    """An import of readings that is refused whole: names the row and the field."""

    code = "readings-refused"

    def __init__(self, message: str, field: str, row: int | None) -> None:
        super().__init__(message, field=field, row=row)
        self.row = row


@dataclass(frozen=True)
class ImportResult:
    location_id: int
    readings: int
    first_at: datetime
    last_at: datetime
    excursions: list[int]  # new or continued by this import
    quarantined_vials: list[int]


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
        if at.year < 2 or at.year > 9998:  # a UTC time that a calendar year may not hold
            raise ReadingsRefused(
                f"row {i + 1}: the time {at.isoformat()} is not a plausible reading time",
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
        location = location_of(uow, actor, location_id)
        rule = rule_for(location.kind)
        refusals = [_against_stored(uow, location, times, first_row, name)]
        refusals.append(_in_itself(times, temperatures, rule, gap, first_row, name))
        refusals.append(_in_the_future(uow, times, first_row, name))
        found = [refusal for refusal in refusals if refusal is not None]
        if found:  # the first row with a problem, whatever the problem
            first = min(found, key=lambda refusal: refusal.row or 0)
            raise ReadingsRefused(source + str(first), first.fields["field"], first.row)
        stamps = [_instant(t) for t in times]
        uow.readings.add_series(location.id, list(zip(stamps, temperatures.tolist(), strict=True)))
        touched = _excursions_from(uow, actor, location, rule, gap, times, temperatures, first_row)
        quarantined = _quarantine(uow, actor, location, touched)
        _audit_import(uow, actor, location, stamps, touched)
        uow.commit()
    return ImportResult(
        location.id, len(stamps), stamps[0], stamps[-1], [x.id for x in touched], quarantined
    )


def _against_stored(
    uow: UnitOfWork,
    location: r.StorageLocation,
    times: np.ndarray,
    first_row: int,
    field: FieldOf,
) -> ReadingsRefused | None:
    """The refusal of a first reading at or before the location's last stored one, if so."""
    last = uow.readings.last([location.id]).get(location.id)
    if last is None or _instant(times[0]) > last[0]:
        return None
    at = _instant(times[0])
    if uow.readings.stored_at(location.id, at):
        problem = f"a reading at {at.isoformat()} is already stored for {location.name}"
    else:
        problem = (
            f"the reading at {at.isoformat()} is earlier than the last reading stored for "
            f"{location.name} ({last[0].isoformat()}); import only readings after it"
        )
    return ReadingsRefused(f"row {first_row}: {problem}", field(first_row, "at"), first_row)


def _in_itself(
    times: np.ndarray,
    temperatures: np.ndarray,
    rule: ExcursionRule,
    gap: timedelta,
    first_row: int,
    field: FieldOf,
) -> ReadingsRefused | None:
    """The domain's refusal of the readings themselves (out of order, twice, not a number)."""
    try:
        detect_excursions(times, temperatures, rule, gap, first_row)
    except (DuplicateReading, ReadingsOutOfOrder) as exc:
        return ReadingsRefused(str(exc), field(exc.row, "at"), exc.row)
    except InvalidInput as exc:
        row = int(exc.where.split()[-1])
        return ReadingsRefused(str(exc), field(row, exc.field), row)
    return None


def _in_the_future(
    uow: UnitOfWork, times: np.ndarray, first_row: int, field: FieldOf
) -> ReadingsRefused | None:
    """The refusal of the first reading later than now, if any."""
    now_ms = (uow.now - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    future = np.flatnonzero(times > now_ms)
    if not len(future):
        return None
    row = first_row + int(future[0])
    when = _instant(times[future[0]]).isoformat()
    return ReadingsRefused(
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
            status = vial_step(uow, vial, "quarantined", reason)
            uow.vials.update(
                vial.id,
                expected_version=vial.version,
                by=actor.user_id,
                reason=reason,
                action="quarantine",
                read=vial,
                status=status,
            )
            record_event(uow, actor.user_id, vial, "quarantined", reason)
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


def _instant(ms: np.int64 | int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(ms))
