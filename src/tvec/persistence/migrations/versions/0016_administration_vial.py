"""the vial an administration was drawn from

`administrations.vial_id`: the vial (scanned or picked from the thawed vials) a dose was given
from, when the nurse recorded it; NULL for doses recorded by lot only (all before this revision).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vial_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_administrations_vial_id_vials", "vials", ["vial_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("administrations", schema=None) as batch_op:
        batch_op.drop_constraint("fk_administrations_vial_id_vials", type_="foreignkey")
        batch_op.drop_column("vial_id")
