"""One generic repository for every table: reads return frozen records, writes are audited.

Written by hand rather than taken from a library because the auditing and versioning rules are
ours: every create and update appends an audit entry with the record before and after, in the same
transaction, and an update names the version it read (a stale one is a Conflict, never a lost
update). Nothing is ever deleted.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tvec.domain.errors import Conflict, NotFound
from tvec.jsonable import jsonable
from tvec.persistence.db import Base
from tvec.persistence.models import AuditRow

R = TypeVar("R", bound=Base)
T = TypeVar("T")


def _aware(value: Any) -> Any:
    """SQLite returns naive datetimes; every instant tvec stores is UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Repository(Generic[R, T]):
    def __init__(
        self, session: Session, row: type[R], record: type[T], entity: str, now: datetime
    ) -> None:
        self.session, self.row, self.record, self.entity, self.now = (
            session,
            row,
            record,
            entity,
            now,
        )
        self._fields = [f.name for f in dataclasses.fields(record)]  # type: ignore[arg-type]

    def to_record(self, row: R) -> T:
        return self.record(**{name: _aware(getattr(row, name)) for name in self._fields})

    def _row(self, record_id: int) -> R:
        row = self.session.get(self.row, record_id)
        if row is None:
            raise NotFound(self.entity, record_id)
        return row

    def get(self, record_id: int) -> T:
        return self.to_record(self._row(record_id))

    def find(self, **equal: Any) -> T | None:
        row = self.session.scalars(select(self.row).filter_by(**equal).limit(1)).first()
        return None if row is None else self.to_record(row)

    def list(
        self,
        *,
        order_by: Sequence[str] = ("id",),
        limit: int | None = None,
        offset: int = 0,
        **equal: Any,
    ) -> builtins.list[T]:
        query = select(self.row).filter_by(**equal)
        query = query.order_by(*(getattr(self.row, name) for name in order_by))
        query = query.offset(offset).limit(limit)
        return [self.to_record(row) for row in self.session.scalars(query)]

    def list_in(
        self, column: str, values: Iterable[Any], *, order_by: Sequence[str] = ("id",)
    ) -> builtins.list[T]:
        wanted = list(values)
        if not wanted:
            return []
        query = select(self.row).where(getattr(self.row, column).in_(wanted))
        query = query.order_by(*(getattr(self.row, name) for name in order_by))
        return [self.to_record(row) for row in self.session.scalars(query)]

    def latest_per(
        self, group: str, values: Iterable[Any], *, order_by: Sequence[str], **equal: Any
    ) -> builtins.list[T]:
        """For each value of `group` in `values`, the one row that sorts last by `order_by`.

        One query with a window function (SQLite 3.25+ and PostgreSQL), instead of loading every
        row of the history to keep the last.
        """
        wanted = list(values)
        if not wanted:
            return []
        rank = (
            func.row_number()
            .over(
                partition_by=getattr(self.row, group),
                order_by=[getattr(self.row, name).desc() for name in order_by],
            )
            .label("rank")
        )
        inner = (
            select(self.row.id, rank)  # type: ignore[attr-defined]
            .where(getattr(self.row, group).in_(wanted))
            .where(*(getattr(self.row, name) == value for name, value in equal.items()))
            .subquery()
        )
        query = (
            select(self.row)
            .join(inner, inner.c.id == self.row.id)  # type: ignore[attr-defined]
            .where(inner.c.rank == 1)
            .order_by(getattr(self.row, group))
        )
        return [self.to_record(row) for row in self.session.scalars(query)]

    def count(self, **equal: Any) -> int:
        query = select(func.count()).select_from(self.row).filter_by(**equal)
        return int(self.session.scalar(query) or 0)

    def add(
        self, *, by: int | None, reason: str | None = None, audit: bool = True, **values: Any
    ) -> T:
        if "version" in self._fields:
            values.setdefault("version", 1)
        row = self.row(**values)
        self.session.add(row)
        self._flush()
        record = self.to_record(row)
        if audit:
            self._audit(by, "create", record, None, reason)
        return record

    def update(
        self,
        record_id: int,
        *,
        expected_version: int | None,
        by: int | None,
        reason: str | None = None,
        action: str = "update",
        **changes: Any,
    ) -> T:
        row = self._row(record_id)
        current = getattr(row, "version", None)
        if expected_version is not None and current != expected_version:
            raise Conflict(
                f"{self.entity} {record_id} has changed since it was read (version "
                f"{expected_version}, now {current}); reload it and try again",
                entity=self.entity,
                entity_id=record_id,
                field="version",
            )
        before = self.to_record(row)
        for name, value in changes.items():
            setattr(row, name, value)
        self._flush()
        after = self.to_record(row)
        self._audit(by, action, after, before, reason)
        return after

    def _flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError:
            raise Conflict(
                f"the {self.entity} was changed by someone else meanwhile; reload it",
                field="version",
            ) from None
        except IntegrityError as exc:
            raise Conflict(
                f"the {self.entity} clashes with an existing record ({constraint_name(exc)})"
            ) from None

    def _audit(
        self, by: int | None, action: str, after: T, before: T | None, reason: str | None
    ) -> None:
        self.session.add(
            AuditRow(
                at=self.now,
                user_id=by,
                action=action,
                entity=self.entity,
                entity_id=after.id,  # type: ignore[attr-defined]
                entity_version=getattr(after, "version", None),
                reason=reason,
                before=None if before is None else _snapshot(before),
                after=_snapshot(after),
            )
        )


def _snapshot(record: Any) -> dict[str, Any]:
    data: dict[str, Any] = jsonable(record)
    data.pop("password_hash", None)  # never copy a secret into the audit log
    return data


def constraint_name(exc: IntegrityError) -> str:
    """The constraint name only: the values may identify a patient and must not be echoed."""
    text = str(exc.orig)
    for marker in ("uq_", "fk_", "ck_"):
        if marker in text:
            return marker + text.split(marker, 1)[1].split()[0].strip('"')
    return "a uniqueness or reference rule"
