"""The base of every table's repository: reads return frozen records, writes are audited.

Written by hand rather than taken from a library because the auditing and versioning rules are
ours: every create and update appends an audit entry with the record before and after, in the same
transaction, and an update names the version it read (a stale one is a Conflict, never a lost
update). Nothing is ever deleted.

Reading a record by id and the three writes (add, add_many, update) are the same for every table
and live here; each table's queries are named methods of its own repository
(`tvec.persistence.repositories`), written as SQLAlchemy Core statements on the unit of work's
connection. Records are frozen copies, so there is nothing for an ORM session to track.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, Select, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement, Executable
from sqlalchemy.types import DateTime

from tvec.domain.errors import Conflict, NotFound
from tvec.jsonable import jsonable
from tvec.persistence.audit_chain import AuditTrail
from tvec.persistence.db import Base

R = TypeVar("R", bound=Base)
T = TypeVar("T")

# The values of one statement, or of the same statement for several rows (SQLAlchemy's types).
_Params = dict[str, Any] | list[dict[str, Any]]

# Ids are 32-bit integer columns on every supported database: a larger one names no record.
MAX_ROW_ID = 2**31 - 1

# Bound-parameter names for the WHERE of an UPDATE: they must differ from the column names,
# which name the SET values.
_ID, _VERSION = "where_id", "where_version"


class Shape(Generic[T]):
    """What a repository needs to know of one table and its record type, worked out once."""

    def __init__(self, row: type[Base], record: type[T]) -> None:
        self.table: Table = row.__table__  # type: ignore[assignment]
        self.record = record
        self.names = tuple(f.name for f in dataclasses.fields(record))  # type: ignore[arg-type]
        self.columns: tuple[Column[Any], ...] = tuple(self.table.c[n] for n in self.names)
        # SQLite hands back naive datetimes; every instant tvec stores is UTC.
        self.stamps = tuple(i for i, c in enumerate(self.columns) if isinstance(c.type, DateTime))
        self.versioned = "version" in self.names
        # The statements of get, add and update: the same for every call, built once.
        self.get = select(*self.columns).where(self.table.c.id == bindparam(_ID))
        # the same, holding the row until the transaction ends (SQLite, one writer, drops it)
        self.get_locked = self.get.with_for_update()
        self.add = insert(self.table).returning(*self.columns, sort_by_parameter_order=True)
        changed = update(self.table).where(self.table.c.id == bindparam(_ID))
        if self.versioned:
            # `WHERE version = :read`: a writer who committed in between makes this match nothing
            changed = changed.where(self.table.c.version == bindparam(_VERSION))
        self.update = changed.returning(*self.columns)

    def record_of(self, values: Sequence[Any]) -> T:
        """The frozen record of a row's values, in the order of `columns`."""
        if self.stamps:
            values = list(values)
            for i in self.stamps:
                value = values[i]
                if value is not None and value.tzinfo is None:
                    values[i] = value.replace(tzinfo=UTC)
        return self.record(*values)


_SHAPES: dict[tuple[type[Base], type[Any]], Shape[Any]] = {}


def shape_of(row: type[Base], record: type[T]) -> Shape[T]:
    """The shape of a table and record type, made once per process (two threads may both make
    it the first time: the same value)."""
    found = _SHAPES.get((row, record))
    if found is None:
        found = _SHAPES[(row, record)] = Shape(row, record)
    return found


_PREPARED: dict[tuple[type[Any], str], Executable] = {}


class Repository(Generic[R, T]):
    """One table's records. A subclass names the table (`row`), its record type and the entity
    name used in audit entries and refusals, and adds the table's named queries."""

    row: type[R]
    record: type[T]
    entity: str

    def __init__(
        self, connection: Connection, now: datetime, trail: AuditTrail | None = None
    ) -> None:
        self.connection, self.now = connection, now
        self._shape: Shape[T] = shape_of(self.row, self.record)
        # the unit of work's audit entries, chained and written when it commits
        self._trail = trail

    # ---- for the named queries of subclasses ------------------------------------------------

    def _prepared(self, name: str, build: Callable[[], Executable]) -> Executable:
        """The statement of a named query that is the same on every call but for its bound
        parameters (`bindparam`), built once per process: SQLAlchemy then finds its compiled
        form by the statement's memoised cache key instead of rebuilding both on every call.
        Two threads may both build it the first time: the same value."""
        key = (type(self), name)
        found = _PREPARED.get(key)
        if found is None:
            found = _PREPARED[key] = build()
        return found

    def _select(self) -> Select[Any]:
        """SELECT of this table's record columns; a named query adds its WHERE and ORDER BY."""
        return select(*self._shape.columns)

    def _all(self, statement: Executable, params: dict[str, Any] | None = None) -> list[T]:
        record_of = self._shape.record_of
        return [record_of(row) for row in self.connection.execute(statement, params)]

    def _first(self, statement: Select[Any]) -> T | None:
        row = self.connection.execute(statement.limit(1)).first()
        return None if row is None else self._shape.record_of(row)

    def _count(self, *where: ColumnElement[bool]) -> int:
        statement = select(func.count()).select_from(self._shape.table).where(*where)
        return int(self.connection.execute(statement).scalar() or 0)

    # ---- the same for every table -----------------------------------------------------------

    def get(self, record_id: int) -> T:
        """The record with this id; NotFound if there is none."""
        found = self.find(record_id)
        if found is None:
            raise NotFound(self.entity, record_id)
        return found

    def find(self, record_id: int, *, lock: bool = False) -> T | None:
        """The record with this id, or None (also for an id no id column can hold).

        `lock` holds the row until the transaction ends, so that what this transaction reads
        next (the record's other rows) cannot be newer than the record: a writer who read the
        same version waits, then finds the version changed."""
        if not 1 <= record_id <= MAX_ROW_ID:
            return None
        statement = self._shape.get_locked if lock else self._shape.get
        row = self.connection.execute(statement, {_ID: record_id}).first()
        return None if row is None else self._shape.record_of(row)

    def add(
        self, *, by: int | None, reason: str | None = None, audit: bool = True, **values: Any
    ) -> T:
        return self.add_many([values], by=by, reason=reason, audit=audit)[0]

    def add_many(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        by: int | None,
        reason: str | None = None,
        audit: bool = True,
    ) -> list[T]:
        """New records, audited, returned in the order given: on PostgreSQL one INSERT for all
        of them and one for their audit entries."""
        if not rows:
            return []
        shape = self._shape
        if shape.versioned:
            rows = [{"version": 1, **row} for row in rows]
        # SQLAlchemy matches the returned rows to the parameter sets (on SQLite by inserting
        # them one at a time, as it cannot otherwise tell which new id is whose).
        records = self._written(shape.add, list(rows))
        if len(records) != len(rows):  # pragma: no cover - INSERT … RETURNING returns every row
            raise Conflict(f"the {self.entity} was not saved")
        if audit:
            self._audit(by, "create", [(record, None) for record in records], reason)
        return records

    def update(
        self,
        record_id: int,
        *,
        expected_version: int | None,
        by: int | None,
        reason: str | None = None,
        action: str = "update",
        read: T | None = None,
        **changes: Any,
    ) -> T:
        """A new version of the record, audited with the record before and after.

        `read` is the record as this transaction already read it, if it did: it is then the
        "before" of the audit entry without reading it again. That is safe: the UPDATE only
        matches the version that was read, so a change committed in between is a Conflict.
        """
        shape = self._shape
        before = read if read is not None and shape.versioned else self.get(record_id)
        current = getattr(before, "version", None)
        if expected_version is not None and current != expected_version:
            raise Conflict(
                f"{self.entity} {record_id} has changed since it was read (version "
                f"{expected_version}, now {current}); reload it and try again",
                entity=self.entity,
                entity_id=record_id,
                field="version",
            )
        params = {**changes, _ID: record_id}
        if shape.versioned:
            params.update(version=current + 1, **{_VERSION: current})  # type: ignore[operator]
        found = self._written(shape.update, params)
        if not found:
            raise Conflict(
                f"the {self.entity} was changed by someone else meanwhile; reload it",
                field="version",
            )
        self._audit(by, action, [(found[0], before)], reason)
        return found[0]

    def _written(self, statement: Any, params: _Params) -> list[T]:
        """The rows a writing statement returns; a broken uniqueness or reference rule is a
        Conflict naming the rule only."""
        try:
            record_of = self._shape.record_of
            return [record_of(row) for row in self.connection.execute(statement, params)]
        except IntegrityError as exc:
            raise clash(exc, f"the {self.entity} clashes with an existing record") from None

    def _audit(
        self,
        by: int | None,
        action: str,
        changes: Sequence[tuple[T, T | None]],
        reason: str | None,
    ) -> None:
        """One audit entry per (after, before) pair, written with the unit of work's others when
        it commits (one statement), or at once without a unit of work's trail."""
        entries = [
            {
                "at": self.now,
                "user_id": by,
                "action": action,
                "entity": self.entity,
                "entity_id": after.id,  # type: ignore[attr-defined]
                "entity_version": getattr(after, "version", None),
                "reason": reason,
                "before": None if before is None else _snapshot(before),
                "after": _snapshot(after),
            }
            for after, before in changes
        ]
        if self._trail is not None:
            self._trail.record(entries)
        else:
            trail = AuditTrail(self.connection)
            trail.record(entries)
            trail.flush()


def _snapshot(record: Any) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(record)
    for secret in ("password_hash", "token_hash"):  # never copy a secret into the audit log
        data.pop(secret, None)
    return data


# What each "only one" rule means to the user, and the field it is about, by constraint name (the
# name PostgreSQL reports) and by "table.columns" (what SQLite reports for a unique index).
RULES: dict[str, tuple[str, str]] = {
    "uq_courses_one_open_per_patient": (
        "the patient already has an open course; end it first",
        "start_date",
    ),
    "uq_measurements_one_active_per_lesion_day": (
        "the lesion is already measured on that day; correct that measurement instead",
        "measured_on",
    ),
    "uq_patients_centre_id_mrn": ("a patient with this MRN is already registered", "mrn"),
    "uq_users_username": ("choose another username", "username"),
    "uq_lesions_patient_id_name": ("a lesion of this name already exists for the patient", "name"),
    "uq_vial_lots_centre_id_lot_key": (
        "the lot is already registered (lot numbers are the same whatever their letter case)",
        "lot",
    ),
    "uq_vials_gtin_serial": ("a carton with this serial number was already received", "scans"),
    "uq_storage_locations_centre_id_name": (
        "the centre already has a storage location of this name",
        "location_name",
    ),
    "uq_excursion_acknowledgements_excursion_id_user_id": (
        "you have already acknowledged this excursion",
        "excursion",
    ),
    "uq_temperature_readings_location_id_at": (
        "a reading at this time is already stored for this location",
        "readings",
    ),
    "uq_visits_course_id_number": (
        "the visit was planned meanwhile by someone else; reload it",
        "version",
    ),
    "uq_diagnoses_patient_id": ("the patient's diagnosis is already recorded", "diagnosis"),
    "uq_early_dose_authorisations_course_id_visit_number": (
        "an early dose of this visit was pre-authorised meanwhile; reload the course",
        "reason",
    ),
    "uq_course_reviews_course_id_review_point": (
        "this review point was reviewed meanwhile; reload the course",
        "note",
    ),
    "uq_patient_follow_up_patient_id": (
        "the patient's follow-up was recorded meanwhile by someone else; reload it",
        "version",
    ),
    "uq_alert_cards_course_id": (
        "an alert card was already issued for this course; print it again from the chart",
        "course_id",
    ),
}
_SQLITE_RULES = {
    "courses.patient_id": "uq_courses_one_open_per_patient",
    "measurements.lesion_id, measurements.measured_on": "uq_measurements_one_active_per_lesion_day",
    "patients.centre_id, patients.mrn": "uq_patients_centre_id_mrn",
    "users.username": "uq_users_username",
    "lesions.patient_id, lesions.name": "uq_lesions_patient_id_name",
    "vial_lots.centre_id, vial_lots.lot_key": "uq_vial_lots_centre_id_lot_key",
    "vials.gtin, vials.serial": "uq_vials_gtin_serial",
    "visits.course_id, visits.number": "uq_visits_course_id_number",
    "storage_locations.centre_id, storage_locations.name": "uq_storage_locations_centre_id_name",
    "excursion_acknowledgements.excursion_id, excursion_acknowledgements.user_id": (
        "uq_excursion_acknowledgements_excursion_id_user_id"
    ),
    "temperature_readings.location_id, temperature_readings.at": (
        "uq_temperature_readings_location_id_at"
    ),
    "diagnoses.patient_id": "uq_diagnoses_patient_id",
    "early_dose_authorisations.course_id, early_dose_authorisations.visit_number": (
        "uq_early_dose_authorisations_course_id_visit_number"
    ),
    "course_reviews.course_id, course_reviews.review_point": (
        "uq_course_reviews_course_id_review_point"
    ),
    "alert_cards.course_id": "uq_alert_cards_course_id",
    "patient_follow_up.patient_id": "uq_patient_follow_up_patient_id",
}


def clash(exc: IntegrityError, fallback: str) -> Conflict:
    """The Conflict a broken database rule means, in the clinic's words and naming the field."""
    name = constraint_name(exc)
    text = str(exc.orig)
    if "UNIQUE constraint failed: " in text:  # SQLite names the columns, not the index
        columns = text.split("UNIQUE constraint failed: ", 1)[1].splitlines()[0].strip()
        name = _SQLITE_RULES.get(columns, name)
    if name in RULES:
        message, field = RULES[name]
        return Conflict(message, field=field, rule=name)
    return Conflict(f"{fallback} ({name})")


def constraint_name(exc: IntegrityError) -> str:
    """The constraint name only: the values may identify a patient and must not be echoed."""
    text = str(exc.orig)
    for marker in ("uq_", "fk_", "ck_"):
        if marker in text:
            return marker + text.split(marker, 1)[1].split()[0].strip('"')
    return "a uniqueness or reference rule"
