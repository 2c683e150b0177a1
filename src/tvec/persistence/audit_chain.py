"""The audit log's chain: each centre's entries are numbered 1, 2, 3, … and each carries a SHA-256
hash over its own fields and the hash of the entry before it (the first chains to `GENESIS`), so
an entry changed, removed or slipped in after the fact breaks the chain from there on.

The log is append-only in the database too (triggers refuse UPDATE and DELETE, migration 0004);
the chain is what shows a change made by someone who could drop those triggers.

A unit of work collects its audit entries in an `AuditTrail` and writes them when it commits: it
takes its centre's turn (PostgreSQL: a transaction-scoped advisory lock per centre, so two writers
never chain to the same entry; SQLite: the writer's turn the unit of work already holds), reads
the centre's last entry, and inserts every entry of the unit of work in one statement.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Integer, and_, bindparam, cast, func, insert, literal, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import aliased

from tvec.persistence.models import AuditRow, PatientRow, UserRow

# What the first entry of every centre chains to: 64 zeros, like an empty previous hash.
GENESIS = "0" * 64
# The advisory-lock namespace of audit-chain turns (PostgreSQL's two-key form: this, centre id);
# a fixed number no other lock of tvec uses.
LOCK_SPACE = 0x7A0D17
_LOCK = text("SELECT pg_advisory_xact_lock(CAST(:space AS integer), CAST(:centre AS integer))")

# The fields an entry's hash covers (the canonical JSON sorts them, and adds the previous hash).
HASHED = (
    "centre_id",
    "seq",
    "at",
    "user_id",
    "action",
    "entity",
    "entity_id",
    "entity_version",
    "reason",
    "before",
    "after",
)


def instant(at: datetime) -> str:
    """An instant as the hash sees it: UTC, ISO 8601 (SQLite hands back naive UTC datetimes)."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return at.isoformat()


def entry_hash(fields: dict[str, Any], previous: str) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, ASCII) of the entry's hashed
    fields and the previous entry's hash."""
    content = {name: fields[name] for name in HASHED}
    content["at"] = instant(content["at"])
    content["previous"] = previous
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


# A centre's last entry: its number and hash (built once, with a bound parameter).
_HEAD_OF_CENTRE = (
    select(AuditRow.seq, AuditRow.hash)
    .where(AuditRow.centre_id == bindparam("centre"))
    .order_by(AuditRow.seq.desc())
    .limit(1)
)


class AuditTrail:
    """The audit entries of one unit of work, written together when it commits."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.pending: list[dict[str, Any]] = []

    def record(self, entries: Sequence[dict[str, Any]]) -> None:
        self.pending.extend(entries)

    def flush(self) -> None:
        """Number, chain and insert the pending entries.

        The statements, for the usual unit of work (one acting user): SQLite, one SELECT of the
        user's centre and that centre's last entry, then one INSERT of every entry; PostgreSQL,
        one SELECT of the user's centre that also takes the centre's turn, one SELECT of the last
        entry (a new statement: it sees what the previous holder of the turn committed), then
        the INSERT.
        """
        if not self.pending:
            return
        entries, self.pending = self.pending, []
        postgres = self.connection.dialect.name == "postgresql"
        users = {e["user_id"] for e in entries if e["user_id"] is not None}
        centre_of_user: dict[int, int] = {}
        heads: dict[int, tuple[int, str]] = {}
        u = UserRow
        if users and postgres:
            turn = func.pg_advisory_xact_lock(cast(literal(LOCK_SPACE), Integer), u.centre_id)
            rows = self.connection.execute(
                select(u.id, u.centre_id, turn).where(u.id.in_(sorted(users)))
            )
            centre_of_user = {int(user): int(centre) for user, centre, _ in rows}
        elif users:  # SQLite: the writer's turn is held already; the head comes along
            a, last = AuditRow, aliased(AuditRow)
            # the centre's newest number, read backwards off the (centre_id, seq) index
            newest = (
                select(last.seq)
                .where(last.centre_id == u.centre_id)
                .order_by(last.seq.desc())
                .limit(1)
            )
            joined = u.__table__.outerjoin(
                a.__table__, and_(a.centre_id == u.centre_id, a.seq == newest.scalar_subquery())
            )
            rows = self.connection.execute(
                select(u.id, u.centre_id, a.seq, a.hash)
                .select_from(joined)
                .where(u.id.in_(sorted(users)))
            )
            for user, centre, seq, digest in rows:
                centre_of_user[int(user)] = int(centre)
                heads[int(centre)] = (0, GENESIS) if seq is None else (int(seq), str(digest))
        centres = [self._centre_of(e, centre_of_user) for e in entries]
        others = sorted(set(centres) - set(heads))
        if postgres:  # the centres no acting user named (a centre being set up): their turns
            for centre in others:
                if centre not in centre_of_user.values():
                    self.connection.execute(_LOCK, {"space": LOCK_SPACE, "centre": centre})
        heads.update(self._heads(others))
        for entry, centre in zip(entries, centres, strict=True):
            seq, previous = heads[centre]
            entry.update(centre_id=centre, seq=seq + 1)
            entry["hash"] = entry_hash(entry, previous)
            heads[centre] = (seq + 1, entry["hash"])
        self.connection.execute(insert(AuditRow), entries)

    def _heads(self, centres: Sequence[int]) -> dict[int, tuple[int, str]]:
        """Each centre's last entry (number and hash); GENESIS for a centre with none."""
        if not centres:
            return {}
        heads: dict[int, tuple[int, str]] = {}
        for centre in centres:  # one index lookup each, read backwards off (centre_id, seq)
            row = self.connection.execute(_HEAD_OF_CENTRE, {"centre": centre}).first()
            heads[centre] = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
        return heads

    def _centre_of(self, entry: dict[str, Any], centre_of_user: dict[int, int]) -> int:
        """The centre of an entry: the acting user's; without one (a centre and its first admin
        being set up), the centre the record itself names."""
        if entry["user_id"] is not None:
            return centre_of_user[entry["user_id"]]
        record = entry["after"] or {}
        if entry["entity"] == "centre":
            return int(entry["entity_id"])
        if "centre_id" in record:
            return int(record["centre_id"])
        for key, row in (("user_id", UserRow), ("patient_id", PatientRow)):
            if key in record:
                found = self.connection.execute(
                    select(row.centre_id).where(row.id == record[key])
                ).scalar_one()
                return int(found)
        raise LookupError(f"no centre for an audit entry of a {entry['entity']}")


# ---- checking the chain ----------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first entry of a centre's chain that does not hold."""

    entry_id: int
    centre_id: int
    seq: int
    problem: str

    def __str__(self) -> str:
        where = f"centre {self.centre_id}, number {self.seq}"
        return f"audit entry {self.entry_id} ({where}): {self.problem}"


@dataclass(frozen=True)
class Verdict:
    centres: int
    entries: int
    breaks: tuple[Break, ...]
    # each centre's last entry: (number, hash). The chain cannot show that its newest entries
    # were removed, nor a chain rebuilt whole by someone who recomputed every hash; a head kept
    # elsewhere (printed by `tvec audit verify`) can: the chain must still pass through it.
    heads: dict[int, tuple[int, str]]
    # recorded heads the log now ends before: its newest entries were removed
    shortfalls: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return not self.breaks and not self.shortfalls


def verify(connection: Connection, anchors: dict[int, tuple[int, str]] | None = None) -> Verdict:
    """Walk every centre's chain in order; the first broken entry of each centre is named.

    `anchors` are heads recorded earlier (centre: (number, hash)): the chain must pass through
    each, which shows what it cannot show alone: newest entries removed, or the chain rebuilt
    whole with recomputed hashes.
    """
    anchors = anchors or {}
    a = AuditRow
    columns = [a.id, *(a.__table__.c[name] for name in HASHED), a.hash]
    rows = connection.execute(select(*columns).order_by(a.centre_id, a.seq, a.id))
    breaks: list[Break] = []
    heads: dict[int, tuple[int, str]] = {}
    centre: int | None = None
    expected_seq, previous, broken, entries, centres = 1, GENESIS, False, 0, 0
    for row in rows:
        fields = dict(row._mapping)
        entries += 1
        if fields["centre_id"] != centre:
            centre, expected_seq, previous, broken = fields["centre_id"], 1, GENESIS, False
            centres += 1
        if broken:
            continue
        problem = None
        if fields["seq"] != expected_seq:
            problem = (
                f"numbered {fields['seq']} where {expected_seq} was expected: an entry was "
                "removed or added after the fact"
            )
        elif entry_hash(fields, previous) != fields["hash"]:
            problem = (
                "its hash does not match its contents and the entry before it: the entry was "
                "changed after it was written"
            )
        elif anchors.get(fields["centre_id"], (0, ""))[0] == fields["seq"] and (
            anchors[fields["centre_id"]][1] != fields["hash"]
        ):
            problem = (
                "its hash is not the one recorded for it: the log up to here was rewritten "
                "and its hashes recomputed"
            )
        if problem is not None:
            breaks.append(Break(fields["id"], fields["centre_id"], fields["seq"], problem))
            broken = True
            continue
        expected_seq, previous = expected_seq + 1, fields["hash"]
        heads[fields["centre_id"]] = (fields["seq"], fields["hash"])
    named = {b.centre_id for b in breaks}
    shortfalls = tuple(
        f"centre {c}: the log ends at entry number {heads.get(c, (0, ''))[0]}, but number "
        f"{seq} was recorded: its newest entries were removed"
        for c, (seq, _) in sorted(anchors.items())
        if c not in named and heads.get(c, (0, ""))[0] < seq
    )
    return Verdict(centres, entries, tuple(breaks), heads, shortfalls)


def verify_database(engine: Engine, anchors: dict[int, tuple[int, str]] | None = None) -> Verdict:
    with engine.connect() as connection:
        return verify(connection, anchors)


# ---- append-only in the database (migration 0004 creates these; tests drop them to tamper) ---

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
)
POSTGRESQL_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP "
    "USING ERRCODE = 'insufficient_privilege'; END $$",
    "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
)
POSTGRESQL_DROP = (
    "DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log",
    "DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
)


# PostgreSQL: the role the application should connect as (through a login role that is a member
# of it): it reads and writes every table, but may only read and add to the audit log, and, not
# owning the tables, may not drop the triggers. Made by migration 0004 when the migrating role may
# create roles (otherwise a database administrator makes it; the grants follow it there).
APP_ROLE = "tvec_app"
POSTGRESQL_APP_ROLE = (
    f"""DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}')
       AND (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        CREATE ROLE {APP_ROLE} NOLOGIN;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP_ROLE}', current_schema());
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I '
                       'TO {APP_ROLE}', current_schema());
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO {APP_ROLE}',
                       current_schema());
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {APP_ROLE};
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, '
                       'DELETE ON TABLES TO {APP_ROLE}', current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON '
                       'SEQUENCES TO {APP_ROLE}', current_schema());
    END IF;
END $$""",
)
POSTGRESQL_APP_ROLE_DROP = (
    f"""DO $$ BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM '
                       '{APP_ROLE}', current_schema());
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM '
                       '{APP_ROLE}', current_schema());
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM {APP_ROLE}', current_schema());
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM {APP_ROLE}',
                       current_schema());
        EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM {APP_ROLE}', current_schema());
    END IF;
END $$""",
)


def append_only_statements(dialect: str, *, drop: bool = False) -> tuple[str, ...]:
    if dialect == "postgresql":
        return POSTGRESQL_DROP if drop else POSTGRESQL_TRIGGERS
    return SQLITE_DROP if drop else SQLITE_TRIGGERS


def execute_all(connection: Connection, statements: Sequence[str]) -> None:
    for statement in statements:
        connection.execute(text(statement))
