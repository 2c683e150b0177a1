"""shipments and vials received by barcode; one lot per centre whatever its letter case

`shipments`: a shipment received by the pharmacy, who and when, its shipping container's sealing
time and the hours the container keeps temperature (from the label data at the time), and
whether it is quarantined (received after that) with the reason.

`vials`: one row per carton scanned (its GTIN and serial number, unique per GTIN), with its
centre, shipment, lot, strength, expiry and status (`in_stock`, `quarantined`).

`vial_lots.lot_key`: the lot number as compared (surrounding spaces dropped, upper case;
tvec.domain.receipt.lot_key), unique per centre instead of the lot as printed, so `ux8-c11` and
`UX8-C11` are one lot. Lots that already differ only in letter case stop the upgrade, naming
their ids, for the pharmacist to correct first (nothing is merged behind anyone's back).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 18:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _key_lots()
    op.create_table(
        "shipments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by", sa.Integer(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("container_hours", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Boolean(), nullable=False),
        sa.Column("quarantine_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["centres.id"], name="fk_shipments_centre_id_centres"
        ),
        sa.ForeignKeyConstraint(
            ["received_by"], ["users.id"], name="fk_shipments_received_by_users"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_shipments"),
    )
    op.create_index("ix_shipments_centre_id", "shipments", ["centre_id"])
    op.create_table(
        "vials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("vial_lot_id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(20), nullable=False),
        sa.Column("pfu_per_ml", sa.Integer(), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["centres.id"], name="fk_vials_centre_id_centres"),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name="fk_vials_shipment_id_shipments"
        ),
        sa.ForeignKeyConstraint(
            ["vial_lot_id"], ["vial_lots.id"], name="fk_vials_vial_lot_id_vial_lots"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_vials"),
        sa.UniqueConstraint("gtin", "serial", name="uq_vials_gtin_serial"),
    )
    op.create_index("ix_vials_centre_id", "vials", ["centre_id"])
    op.create_index("ix_vials_shipment_id", "vials", ["shipment_id"])


def _key_lots() -> None:
    op.add_column("vial_lots", sa.Column("lot_key", sa.String(40), nullable=True))
    bind = op.get_bind()
    clashes = bind.execute(
        sa.text(
            "SELECT centre_id, upper(trim(lot)) AS k, min(id) AS a, max(id) AS b FROM vial_lots "
            "GROUP BY centre_id, upper(trim(lot)) HAVING count(*) > 1"
        )
    ).all()
    if clashes:
        ids = "; ".join(f"centre {c.centre_id}: lots {c.a} and {c.b}" for c in clashes)
        raise RuntimeError(
            f"vial lots that differ only in letter case must be corrected first ({ids})"
        )
    bind.execute(sa.text("UPDATE vial_lots SET lot_key = upper(trim(lot))"))
    with op.batch_alter_table("vial_lots") as batch:
        batch.alter_column("lot_key", existing_type=sa.String(40), nullable=False)
        batch.drop_constraint("uq_vial_lots_centre_id_lot", type_="unique")
        batch.create_unique_constraint("uq_vial_lots_centre_id_lot_key", ["centre_id", "lot_key"])


def downgrade() -> None:
    op.drop_index("ix_vials_shipment_id", table_name="vials")
    op.drop_index("ix_vials_centre_id", table_name="vials")
    op.drop_table("vials")
    op.drop_index("ix_shipments_centre_id", table_name="shipments")
    op.drop_table("shipments")
    with op.batch_alter_table("vial_lots") as batch:
        batch.drop_constraint("uq_vial_lots_centre_id_lot_key", type_="unique")
        batch.create_unique_constraint("uq_vial_lots_centre_id_lot", ["centre_id", "lot"])
        batch.drop_column("lot_key")
