"""audit by centre append only

Every audit entry belongs to a centre and carries its number and hash in that centre's chain;
the log refuses UPDATE and DELETE (triggers on both databases; PostgreSQL also TRUNCATE). On
PostgreSQL the role `tvec_app` (made here when the migrating role may create roles) may read and
write every table but only read and add to the audit log: the application connects as a login
role that is a member of it, the migrations run as the tables' owner.

Existing entries are given the centre of the user who made them, or else of the record they are
about (a centre, a user, a patient, a course, a visit), then numbered and chained in id order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from tvec.persistence.audit_chain import (
    GENESIS,
    POSTGRESQL_APP_ROLE,
    POSTGRESQL_APP_ROLE_DROP,
    append_only_statements,
    entry_hash,
    execute_all,
)

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("user_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("entity_version", sa.Integer),
    sa.column("reason", sa.Text),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
    sa.column("centre_id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("centre_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _backfill(bind)
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("centre_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_foreign_key(
            op.f("fk_audit_log_centre_id_centres"), "centres", ["centre_id"], ["id"]
        )
        batch.create_unique_constraint(op.f("uq_audit_log_centre_id_seq"), ["centre_id", "seq"])
    execute_all(bind, append_only_statements(bind.dialect.name))
    if bind.dialect.name == "postgresql":
        execute_all(bind, POSTGRESQL_APP_ROLE)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        execute_all(bind, POSTGRESQL_APP_ROLE_DROP)  # the role itself is the cluster's: kept
    execute_all(bind, append_only_statements(bind.dialect.name, drop=True))
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(op.f("uq_audit_log_centre_id_seq"), type_="unique")
        batch.drop_constraint(op.f("fk_audit_log_centre_id_centres"), type_="foreignkey")
        batch.drop_column("hash")
        batch.drop_column("seq")
        batch.drop_column("centre_id")


def _backfill(bind: sa.engine.Connection) -> None:
    """Centre, number and hash of the entries written before this migration, in id order."""
    pairs = {
        "users": "SELECT id, centre_id FROM users",
        "patients": "SELECT id, centre_id FROM patients",
        "courses": "SELECT c.id, p.centre_id FROM courses c JOIN patients p ON p.id = c.patient_id",
        "visits": "SELECT v.id, p.centre_id FROM visits v JOIN courses c ON c.id = v.course_id "
        "JOIN patients p ON p.id = c.patient_id",
    }
    centre_of: dict[str, dict[int, int]] = {
        k: {int(a): int(b) for a, b in bind.execute(sa.text(q)).all()} for k, q in pairs.items()
    }
    fallback = int(bind.execute(sa.text("SELECT coalesce(min(id), 0) FROM centres")).scalar_one())
    heads: dict[int, tuple[int, str]] = {}
    rows = bind.execute(sa.select(_audit).order_by(_audit.c.id)).mappings().all()
    for row in rows:
        fields = dict(row)
        centre: int = _centre(fields, centre_of) or fallback
        seq, previous = heads.get(centre, (0, GENESIS))
        fields.update(centre_id=centre, seq=seq + 1)
        digest = entry_hash(fields, previous)
        heads[centre] = (seq + 1, digest)
        bind.execute(
            _audit.update()
            .where(_audit.c.id == fields["id"])
            .values(centre_id=centre, seq=seq + 1, hash=digest)
        )


def _centre(entry: dict[str, Any], centre_of: dict[str, dict[int, int]]) -> int | None:
    if entry["user_id"] is not None and entry["user_id"] in centre_of["users"]:
        return centre_of["users"][entry["user_id"]]
    if entry["entity"] == "centre":
        return int(entry["entity_id"])
    record = entry["after"] or entry["before"] or {}
    if record.get("centre_id") is not None:
        return int(record["centre_id"])
    for key, table in (
        ("user_id", "users"),
        ("patient_id", "patients"),
        ("course_id", "courses"),
        ("visit_id", "visits"),
    ):
        if record.get(key) in centre_of[table]:
            return centre_of[table][record[key]]
    return None
