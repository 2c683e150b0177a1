"""The login_attempts table: failed logins per account or client address, and lockouts.

Not a repository of records: these rows hold no clinical data and are not audited; they are
counters that every server worker shares (tvec.services.login_limits decides what they mean).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from tvec.persistence.models import LoginAttemptRow

TABLE = cast(Table, LoginAttemptRow.__table__)


@dataclass(frozen=True)
class Attempts:
    failures: int = 0
    first_failure_at: datetime | None = None
    lockouts: int = 0
    locked_until: datetime | None = None


def key_of(value: str) -> str:
    """What is stored for a username or an address: its SHA-256, never the text itself."""
    return hashlib.sha256(value.encode()).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every instant tvec stores is UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def latest_lock(
    connection: Connection, keys: Iterable[tuple[str, str]]
) -> tuple[datetime | None, bool]:
    """The latest end of a lockout among these (scope, key) pairs (None if none was ever set),
    and whether the first pair has counters at all."""
    ends: list[datetime] = []
    first_counted = False
    for i, (scope, key) in enumerate(keys):
        row = connection.execute(
            select(TABLE.c.locked_until).where(TABLE.c.scope == scope, TABLE.c.key == key)
        ).first()
        if row is None:
            continue
        first_counted = first_counted or i == 0
        if (end := _utc(row.locked_until)) is not None:
            ends.append(end)
    return (max(ends) if ends else None), first_counted


def for_update(connection: Connection, scope: str, key: str, now: datetime) -> Attempts:
    """The counters of (scope, key), locked for this transaction; a new row at zero if none.

    The row is made with INSERT … ON CONFLICT DO NOTHING, so two workers counting the first
    failure of the same key at once do not clash.
    """
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    values = {"scope": scope, "key": key, "failures": 0, "lockouts": 0, "updated_at": now}
    connection.execute(dialect.insert(TABLE).values(**values).on_conflict_do_nothing())
    row = connection.execute(
        select(TABLE.c.failures, TABLE.c.first_failure_at, TABLE.c.lockouts, TABLE.c.locked_until)
        .where(TABLE.c.scope == scope, TABLE.c.key == key)
        .with_for_update()
    ).one()
    return Attempts(row.failures, _utc(row.first_failure_at), row.lockouts, _utc(row.locked_until))


def save(connection: Connection, scope: str, key: str, attempts: Attempts, now: datetime) -> None:
    connection.execute(
        update(TABLE)
        .where(TABLE.c.scope == scope, TABLE.c.key == key)
        .values(
            failures=attempts.failures,
            first_failure_at=attempts.first_failure_at,
            lockouts=attempts.lockouts,
            locked_until=attempts.locked_until,
            updated_at=now,
        )
    )


def clear(connection: Connection, scope: str, key: str) -> None:
    connection.execute(delete(TABLE).where(TABLE.c.scope == scope, TABLE.c.key == key))


def forget_before(connection: Connection, before: datetime) -> None:
    """Drop counters untouched since `before` (their window and any lockout long over).

    Rows another transaction holds are skipped (PostgreSQL: SKIP LOCKED), so this never waits
    for a login being counted, and two of them cannot wait for each other.
    """
    stale = select(TABLE.c.id).where(TABLE.c.updated_at < before).with_for_update(skip_locked=True)
    connection.execute(delete(TABLE).where(TABLE.c.id.in_(stale.scalar_subquery())))
