"""adverse events graded by CTCAE, serious by ICH E2A, with their reporting clocks

`adverse_events`:
- `related` becomes "yes" / "no" / "unknown" (NULL: not answered yet). An event recorded before
  this revision as related keeps "yes"; one recorded as not related becomes NULL (to be
  answered), since the old form preselected "no" and a "no" could not be told from no answer.
- `other_specify`: the text of a CTCAE "Other, specify" term (`term` = 'other').
- the six ICH E2A seriousness criteria, one boolean each; `serious` must equal "grade 5 or any
  criterion" (CHECK `serious_derived`). Existing grade-5 events get "results in death"; existing
  serious events without it get "other important medical event" (the recorder judged them
  serious; the criterion was not asked).
- `expected` (the term is among the label's adverse reactions; existing events: unexpected),
  `suspected_herpetic`, `aware_on` (the day the centre learnt of it; existing events: the onset),
  `visit_id`, `vial_lot_id`.

`safety_reports`: each report an event needs (expedited 7-day, 15-day, follow-up, the
manufacturer's herpetic report), its due date (none for the herpetic one), and its submission
(day, who, when) or its withdrawal when an update makes it unnecessary.

Revision ID: 0019
Revises: 0020 (chained after main's 0020 coverage answers when merging main)
Create Date: 2026-12-06 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0020"
branch_labels = None
depends_on = None

CRITERIA = (
    "results_in_death",
    "life_threatening",
    "hospitalisation",
    "disability",
    "congenital_anomaly",
    "important_medical_event",
)
SERIOUS_DERIVED = "serious = (grade = 5 OR " + " OR ".join(CRITERIA) + ")"


def upgrade() -> None:
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("relatedness", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("other_specify", sa.String(length=200), nullable=True))
        for name in CRITERIA:
            batch_op.add_column(
                sa.Column(name, sa.Boolean(), server_default=sa.false(), nullable=False)
            )
        batch_op.add_column(
            sa.Column("expected", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("suspected_herpetic", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("aware_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("visit_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("vial_lot_id", sa.Integer(), nullable=True))
    events = sa.table(
        "adverse_events",
        sa.column("related", sa.Boolean()),
        sa.column("relatedness", sa.String()),
        sa.column("grade", sa.Integer()),
        sa.column("serious", sa.Boolean()),
        sa.column("results_in_death", sa.Boolean()),
        sa.column("important_medical_event", sa.Boolean()),
        sa.column("aware_on", sa.Date()),
        sa.column("onset", sa.Date()),
    )
    op.execute(events.update().where(events.c.related.is_(True)).values(relatedness="yes"))
    op.execute(events.update().values(aware_on=events.c.onset))
    op.execute(
        events.update().where(events.c.grade == 5).values(results_in_death=True, serious=True)
    )
    op.execute(
        events.update()
        .where(events.c.serious.is_(True), events.c.grade != 5)
        .values(important_medical_event=True)
    )
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.drop_column("related")
        batch_op.alter_column("relatedness", new_column_name="related")
        batch_op.alter_column("aware_on", existing_type=sa.Date(), nullable=False)
        batch_op.create_foreign_key(
            "fk_adverse_events_visit_id_visits", "visits", ["visit_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_adverse_events_vial_lot_id_vial_lots", "vial_lots", ["vial_lot_id"], ["id"]
        )
        batch_op.create_check_constraint("serious_derived", SERIOUS_DERIVED)
        batch_op.create_check_constraint(
            "related_answer", "related IS NULL OR related IN ('yes', 'no', 'unknown')"
        )
        batch_op.create_check_constraint("aware_after_onset", "aware_on >= onset")
        batch_op.create_check_constraint(
            "resolved_after_onset", "resolved_on IS NULL OR resolved_on >= onset"
        )
        batch_op.create_check_constraint(
            "other_specified", "(term = 'other') = (other_specify IS NOT NULL)"
        )
    op.create_table(
        "safety_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("adverse_event_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('expedited-7-day', 'expedited-15-day', 'follow-up', 'manufacturer-herpetic')",
            name=op.f("ck_safety_reports_report_kind"),
        ),
        sa.CheckConstraint(
            "(submitted_on IS NULL) = (submitted_by IS NULL)",
            name=op.f("ck_safety_reports_submitted_by_someone"),
        ),
        sa.ForeignKeyConstraint(
            ["adverse_event_id"],
            ["adverse_events.id"],
            name=op.f("fk_safety_reports_adverse_event_id_adverse_events"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_safety_reports_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_reports")),
    )
    with op.batch_alter_table("safety_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safety_reports_adverse_event_id"), ["adverse_event_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("safety_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safety_reports_adverse_event_id"))
    op.drop_table("safety_reports")
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        for name in (
            "other_specified",
            "resolved_after_onset",
            "aware_after_onset",
            "related_answer",
            "serious_derived",
        ):
            batch_op.drop_constraint(op.f(f"ck_adverse_events_{name}"), type_="check")
        batch_op.drop_constraint("fk_adverse_events_vial_lot_id_vial_lots", type_="foreignkey")
        batch_op.drop_constraint("fk_adverse_events_visit_id_visits", type_="foreignkey")
        batch_op.add_column(
            sa.Column("related_flag", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    events = sa.table(
        "adverse_events", sa.column("related", sa.String()), sa.column("related_flag", sa.Boolean())
    )
    op.execute(events.update().where(events.c.related == "yes").values(related_flag=True))
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        for name in (
            "related",
            "other_specify",
            *CRITERIA,
            "expected",
            "suspected_herpetic",
            "aware_on",
            "visit_id",
            "vial_lot_id",
        ):
            batch_op.drop_column(name)
        batch_op.alter_column("related_flag", new_column_name="related", server_default=None)
