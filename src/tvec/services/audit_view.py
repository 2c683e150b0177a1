"""The audit log as the administrator reads it: filtered, newest first, each entry with who, when,
what was done to which record, why, and what changed.

Scope: the actor's centre's log only (each centre has its own chain,
tvec.persistence.audit_chain). Values: what a record held before and after a change is shown
only to those who may read that kind of record (`outcomes.HISTORY_READERS`, the same rule as the
API's `GET /audit/{entity}/{entity_id}`): an administrator sees the changes to users, sessions
and the centre, and for a clinical record only that it changed, who changed it, when and why.
Secrets (password and session-token hashes) are never in the log at all.

Dates filter on the instant of the entry in UTC, both days included.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tvec.domain.errors import InvalidInput
from tvec.domain.labels import label_of
from tvec.persistence import records as r
from tvec.services.context import Actor, Context
from tvec.services.outcomes import HISTORY_READERS
from tvec.services.permissions import Action, allowed

WHERE = "Audit log filter"
RECORD_KINDS = tuple(sorted(HISTORY_READERS))


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    entity: str | None = None
    entity_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Change:
    field: str  # the clinic's label
    before: str  # "" when the record was new
    after: str


@dataclass(frozen=True)
class AuditLine:
    entry: r.AuditEntry  # before/after left out
    who: str  # the username, or "system"
    changes: tuple[Change, ...]
    values_shown: bool  # False: the actor may not read this kind of record's values


def check_filter(f: AuditFilter) -> None:
    if f.entity is not None and f.entity not in HISTORY_READERS:
        raise InvalidInput(
            WHERE,
            "entity",
            f"must be one of {', '.join(RECORD_KINDS)}",
            f.entity,
            label="Record kind",
        )
    if f.entity_id is not None and f.entity is None:
        raise InvalidInput(WHERE, "entity", "is needed with a record number", label="Record kind")
    if f.since and f.until and f.until < f.since:
        raise InvalidInput(
            WHERE, "until", f"must not be before the From date ({f.since.isoformat()})", label="To"
        )


def audit_entries(
    ctx: Context, actor: Actor, f: AuditFilter, limit: int, offset: int
) -> tuple[list[AuditLine], int]:
    """One page of the actor's centre's log that matches `f`, newest first, and the count."""
    actor.require(Action.READ_AUDIT)
    check_filter(f)
    wanted = _wanted(f)
    with ctx.uow(readonly=True) as uow:
        page = uow.audit.search(actor.centre_id, wanted, limit, offset)
        total = uow.audit.count_search(actor.centre_id, wanted)
        names = {u.id: u.username for u in uow.users.in_centre(actor.centre_id)}
    return [_line(actor, e, names) for e in page], total


def _wanted(f: AuditFilter) -> dict[str, Any]:
    def start(day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=UTC)

    return {
        "user_id": f.user_id,
        "entity": f.entity,
        "entity_id": f.entity_id,
        "from_at": start(f.since) if f.since else None,
        "before_at": start(f.until + timedelta(days=1)) if f.until else None,
    }


def _line(actor: Actor, e: r.AuditEntry, names: dict[int, str]) -> AuditLine:
    reader = HISTORY_READERS.get(e.entity)
    shown = reader is not None and allowed(actor.role, reader)
    who = "system" if e.user_id is None else names.get(e.user_id, f"user {e.user_id}")
    changes = changed(e.before, e.after) if shown else ()
    return AuditLine(replace(e, before=None, after=None), who, changes, shown)


def changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> tuple[Change, ...]:
    """The fields whose values differ, labelled, before → after (a new record: every field)."""
    before, after = before or {}, after or {}
    skipped = {"id", "version", "centre_id", "created_at", "updated_at"}
    keys = [k for k in {**before, **after} if k not in skipped]
    return tuple(
        Change(label_of(k), _text(before.get(k)), _text(after.get(k)))
        for k in keys
        if before.get(k) != after.get(k)
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{label_of(k)}: {_text(v)}" for k, v in value.items())
    return str(value)
