"""account control

A user's password can be reset by an admin to a temporary one that must be changed at the next
login: `users.must_change_password` says so (false for every existing account). Disabling an
account uses the existing `users.active`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, which SQLite does itself: a batch would copy the users table and drop
    # the old one, which the users' sessions and audit entries refer to.
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("users", "must_change_password")  # SQLite 3.35 and later drop it in place
