"""login attempts

Failed logins per account and per client address, with the lockout they earned, in the database
so that every server worker counts the same failures (tvec.services.login_limits).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_login_attempts_scope_key")),
    )
    op.create_index(
        op.f("ix_login_attempts_updated_at"), "login_attempts", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_login_attempts_updated_at"), table_name="login_attempts")
    op.drop_table("login_attempts")
