"""One generic repository for every table: reads return frozen records, writes are audited.

Written by hand rather than taken from a library because the auditing and versioning rules are
ours: every create and update appends an audit entry with the record before and after, in the same
transaction, and an update names the version it read (a stale one is a Conflict, never a lost
update). Nothing is ever deleted.

The statements are SQLAlchemy Core on the unit of work's connection, not ORM queries: records
are frozen copies anyway, so the ORM's identity map and change tracking would only cost time
(about half of a request's, measured with `benchmarks/api_load.py`). Each statement shape is
built once per process and reused with bound parameters.
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, Table, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Executable
from sqlalchemy.types import DateTime

from tvec.domain.errors import Conflict, NotFound
from tvec.jsonable import jsonable
from tvec.persistence.db import Base
from tvec.persistence.models import AuditRow

R = TypeVar("R", bound=Base)
T = TypeVar("T")
U = TypeVar("U")

# The values of one statement, or of the same statement for several rows.
_Params = dict[str, Any] | list[dict[str, Any]]

# Bound-parameter names for the WHERE of an UPDATE: they must differ from the column names,
# which name the SET values.
_ID, _VERSION = "where_id", "where_version"


class _Shape:
    """What a repository needs to know of one table and its record type, worked out once."""

    def __init__(self, row: type[Base], record: type[Any]) -> None:
        self.table: Table = row.__table__  # type: ignore[assignment]
        self.names = tuple(f.name for f in dataclasses.fields(record))
        self.columns: tuple[Column[Any], ...] = tuple(self.table.c[n] for n in self.names)
        # SQLite hands back naive datetimes; every instant tvec stores is UTC.
        self.stamps = tuple(i for i, c in enumerate(self.columns) if isinstance(c.type, DateTime))
        self.versioned = "version" in self.names
        self.statements: dict[tuple[Any, ...], Executable] = {}

    def statement(self, key: tuple[Any, ...], build: Any) -> Any:
        found = self.statements.get(key)
        if found is None:
            found = self.statements[key] = build()
        return found

    def where(self, equal: dict[str, Any], prefix: str = "eq_") -> list[Any]:
        """`column = :<prefix><name>` for each filter, `IS NULL` for a None (see `_params`)."""
        return [
            self.table.c[name].is_(None)
            if equal[name] is None
            else self.table.c[name] == bindparam(f"{prefix}{name}")
            for name in sorted(equal)
        ]

    def order(self, order_by: Sequence[str]) -> list[Any]:
        return [self.table.c[name] for name in order_by]


@cache
def _shape(row: type[Base], record: type[Any]) -> _Shape:
    return _Shape(row, record)


def _filter_key(equal: dict[str, Any]) -> tuple[tuple[str, bool], ...]:
    return tuple((name, equal[name] is None) for name in sorted(equal))


def _params(equal: dict[str, Any], prefix: str = "eq_") -> dict[str, Any]:
    """The bound values of `_Shape.where` (a None is `IS NULL` and binds nothing)."""
    return {f"{prefix}{name}": value for name, value in equal.items() if value is not None}


class Repository(Generic[R, T]):
    def __init__(
        self, connection: Connection, row: type[R], record: type[T], entity: str, now: datetime
    ) -> None:
        self.connection, self.row, self.record, self.entity, self.now = (
            connection,
            row,
            record,
            entity,
            now,
        )
        self._shape = _shape(row, record)  # type: ignore[arg-type]

    def _to_record(self, values: Sequence[Any]) -> T:
        if self._shape.stamps:
            values = list(values)
            for i in self._shape.stamps:
                value = values[i]
                if value is not None and value.tzinfo is None:
                    values[i] = value.replace(tzinfo=UTC)
        return self.record(*values)

    def _rows(self, statement: Any, params: _Params) -> builtins.list[T]:
        return [self._to_record(row) for row in self.connection.execute(statement, params)]

    def get(self, record_id: int) -> T:
        shape = self._shape
        statement = shape.statement(
            ("get",),
            lambda: select(*shape.columns).where(shape.table.c.id == bindparam(_ID)),
        )
        found = self._rows(statement, {_ID: record_id})
        if not found:
            raise NotFound(self.entity, record_id)
        return found[0]

    def find(self, **equal: Any) -> T | None:
        found = self.list(limit=1, **equal)
        return found[0] if found else None

    def find_with(self, other: Repository[Any, U], via: str, **equal: Any) -> tuple[T, U] | None:
        """A record and the `other` record its column `via` refers to, in one query."""
        shape, theirs = self._shape, other._shape
        key = ("with", theirs.table.name, via, _filter_key(equal))
        statement = shape.statement(
            key,
            lambda: (
                select(*shape.columns, *theirs.columns)
                .join_from(shape.table, theirs.table, shape.table.c[via] == theirs.table.c.id)
                .where(*shape.where(equal))
                .limit(1)
            ),
        )
        row = self.connection.execute(statement, _params(equal)).first()
        if row is None:
            return None
        mine = len(shape.columns)
        return self._to_record(row[:mine]), other._to_record(row[mine:])

    def list_with_latest(
        self,
        other: Repository[Any, U],
        via: str,
        *,
        latest_by: Sequence[str],
        other_equal: dict[str, Any],
        **equal: Any,
    ) -> builtins.list[tuple[T, U | None]]:
        """The records matching `equal`, by id, each with the `other` record that refers to it
        (through its column `via`), matches `other_equal` and sorts last by `latest_by`; None if
        there is none. One query: a window function over the other table, joined outer."""
        mine, theirs = self._shape, other._shape

        def build() -> Any:
            ids = select(mine.table.c.id).where(*mine.where(equal)).scalar_subquery()
            rank = (
                func.row_number()
                .over(
                    partition_by=theirs.table.c[via],
                    order_by=[column.desc() for column in theirs.order(latest_by)],
                )
                .label("rank")
            )
            inner = (
                select(*theirs.columns, rank)
                .where(theirs.table.c[via].in_(ids))
                .where(*theirs.where(other_equal, prefix="other_"))
                .subquery()
            )
            joined = mine.table.outerjoin(
                inner, (inner.c[via] == mine.table.c.id) & (inner.c.rank == 1)
            )
            return (
                select(*mine.columns, *(inner.c[name] for name in theirs.names))
                .select_from(joined)
                .where(*mine.where(equal))
                .order_by(mine.table.c.id)
            )

        key = (
            "latest-of",
            theirs.table.name,
            via,
            tuple(latest_by),
            _filter_key(equal),
            _filter_key(other_equal),
        )
        params = {**_params(equal), **_params(other_equal, prefix="other_")}
        count = len(mine.columns)
        pairs: builtins.list[tuple[T, U | None]] = []
        for row in self.connection.execute(mine.statement(key, build), params):
            found = None if row[count] is None else other._to_record(row[count:])
            pairs.append((self._to_record(row[:count]), found))
        return pairs

    def list(
        self,
        *,
        order_by: Sequence[str] = ("id",),
        limit: int | None = None,
        offset: int = 0,
        **equal: Any,
    ) -> builtins.list[T]:
        shape = self._shape
        params = _params(equal)

        def build() -> Any:
            query = select(*shape.columns).where(*shape.where(equal))
            query = query.order_by(*shape.order(order_by))
            if limit is not None:
                query = query.limit(bindparam("page_limit"))
            if offset:
                query = query.offset(bindparam("page_offset"))
            return query

        key = ("list", _filter_key(equal), tuple(order_by), limit is not None, bool(offset))
        if limit is not None:
            params["page_limit"] = limit
        if offset:
            params["page_offset"] = offset
        return self._rows(shape.statement(key, build), params)

    def list_in(
        self, column: str, values: Iterable[Any], *, order_by: Sequence[str] = ("id",)
    ) -> builtins.list[T]:
        wanted = builtins.list(values)
        if not wanted:
            return []
        shape = self._shape
        statement = shape.statement(
            ("in", column, tuple(order_by)),
            lambda: (
                select(*shape.columns)
                .where(shape.table.c[column].in_(bindparam("wanted", expanding=True)))
                .order_by(*shape.order(order_by))
            ),
        )
        return self._rows(statement, {"wanted": wanted})

    def count(self, **equal: Any) -> int:
        shape = self._shape
        params = _params(equal)
        statement = shape.statement(
            ("count", _filter_key(equal)),
            lambda: select(func.count()).select_from(shape.table).where(*shape.where(equal)),
        )
        return int(self.connection.execute(statement, params).scalar() or 0)

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
    ) -> builtins.list[T]:
        """New records, audited, returned in the order given: on PostgreSQL one INSERT for all
        of them and one for their audit entries."""
        if not rows:
            return []
        shape = self._shape
        if shape.versioned:
            rows = [{"version": 1, **row} for row in rows]
        statement = shape.statement(
            ("add",),
            # SQLAlchemy matches the returned rows to the parameter sets (on SQLite by inserting
            # them one at a time, as it cannot otherwise tell which new id is whose).
            lambda: insert(shape.table).returning(*shape.columns, sort_by_parameter_order=True),
        )
        records = self._written(statement, list(rows))
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
            # `WHERE version = :read`: a writer who committed in between makes this match nothing
            params.update(version=current + 1, **{_VERSION: current})  # type: ignore[operator]

        def build() -> Any:
            query = update(shape.table).where(shape.table.c.id == bindparam(_ID))
            if shape.versioned:
                query = query.where(shape.table.c.version == bindparam(_VERSION))
            return query.returning(*shape.columns)

        after = self._write(shape.statement(("update",), build), params)
        if after is None:
            raise Conflict(
                f"the {self.entity} was changed by someone else meanwhile; reload it",
                field="version",
            )
        self._audit(by, action, [(after, before)], reason)
        return after

    def _write(self, statement: Any, params: dict[str, Any]) -> T | None:
        found = self._written(statement, params)
        return found[0] if found else None

    def _written(self, statement: Any, params: _Params) -> builtins.list[T]:
        """The rows a writing statement returns; a broken uniqueness or reference rule is a
        Conflict naming the rule only."""
        try:
            return self._rows(statement, params)
        except IntegrityError as exc:
            raise Conflict(
                f"the {self.entity} clashes with an existing record ({constraint_name(exc)})"
            ) from None

    def _audit(
        self,
        by: int | None,
        action: str,
        changes: Sequence[tuple[T, T | None]],
        reason: str | None,
    ) -> None:
        """One audit entry per (after, before) pair, in one statement."""
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
        self.connection.execute(_audit_insert(), entries)


@cache
def _audit_insert() -> Any:
    return insert(AuditRow)


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
