"""administration corrections, second checks and the centre's time zone (owned by the record work)

- `centres.time_zone`: the centre's IANA time zone (default "UTC"); instants stay stored in UTC
  and are shown, and typed, in this zone (`tvec.domain.zones`).
- `centres.require_second_check`: whether every administration needs a second staff member's
  check (default off).
- `administrations.checked_by`: who made that check (NULL: none was made or required).
- Corrections: a recorded administration is never changed in place. A correction is a new row
  (`revision` one more, `supersedes_id` the row it replaces, `correction_reason`, `corrected_by`,
  `corrected_at`), and the replaced row's `status` becomes "superseded" (both stay; the audit log
  keeps each as written). Rows recorded before this are revision 1, "active".

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_ADMINISTRATION_COLUMNS = (
    "checked_by",
    "revision",
    "status",
    "supersedes_id",
    "correction_reason",
    "corrected_by",
    "corrected_at",
)


def upgrade() -> None:
    # Plain ADD COLUMNs on centres, which SQLite does itself: a batch would copy a table that
    # others refer to.
    op.add_column(
        "centres",
        sa.Column("time_zone", sa.String(64), nullable=False, server_default="UTC"),
    )
    op.add_column(
        "centres",
        sa.Column("require_second_check", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # No table refers to administrations, so a batch (a copy of the table on SQLite, needed for
    # the new references) is safe there.
    with op.batch_alter_table("administrations") as batch:
        batch.add_column(sa.Column("checked_by", sa.Integer()))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("status", sa.String(20), nullable=False, server_default="active")
        )
        batch.add_column(sa.Column("supersedes_id", sa.Integer()))
        batch.add_column(sa.Column("correction_reason", sa.Text()))
        batch.add_column(sa.Column("corrected_by", sa.Integer()))
        batch.add_column(sa.Column("corrected_at", sa.DateTime(timezone=True)))
        for column, target in (
            ("checked_by", "users"),
            ("supersedes_id", "administrations"),
            ("corrected_by", "users"),
        ):
            batch.create_foreign_key(
                op.f(f"fk_administrations_{column}_{target}"), target, [column], ["id"]
            )


def downgrade() -> None:
    # SQLite cannot drop a column that has a REFERENCES clause in place: the batch copies the
    # administrations table, which no other table refers to (but its own supersedes_id, dropped).
    with op.batch_alter_table("administrations") as batch:
        for column in reversed(_ADMINISTRATION_COLUMNS):
            batch.drop_column(column)
    op.drop_column("centres", "require_second_check")
    op.drop_column("centres", "time_zone")
