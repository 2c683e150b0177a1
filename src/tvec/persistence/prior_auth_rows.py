"""The rows of prior authorization (migration 0022): payers, requests and dose overrides.

A payer is an organisation whose reviewers use tvec through an office of their own:
`office_centre_id` is the centre row their accounts belong to, so a reviewer's centre-scoped lists
hold nothing of any clinic (docs/adr/0006-payer-reviewers.md). A request names the clinic's
centre and the payer it is addressed to; the payer's reviewers see the requests addressed to their
payer only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Numeric,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from tvec.persistence.db import Base
from tvec.persistence.models import Versioned

UNITS = Numeric(10, 2)
STATUSES = "'submitted', 'pended', 'approved', 'denied', 'appealed'"


class PayerRow(Base):
    __tablename__ = "payers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # the centre row of the payer's own review office: its reviewers' accounts belong to it
    office_centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"), unique=True)


class PriorAuthRequestRow(Versioned, Base):
    __tablename__ = "prior_auth_requests"
    __table_args__ = (
        CheckConstraint(f"status IN ({STATUSES})", name="status_known"),
        CheckConstraint(
            "window_end IS NULL OR window_start IS NULL OR window_end >= window_start",
            name="window_end_after_start",
        ),
        CheckConstraint(
            "status <> 'approved' OR (authorization_number IS NOT NULL AND window_start IS NOT "
            "NULL AND window_end IS NOT NULL AND units_authorized > 0)",
            name="approval_complete",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), index=True)
    policy_id: Mapped[str] = mapped_column(String(40))
    policy_version: Mapped[str] = mapped_column(String(120))
    service_date: Mapped[date] = mapped_column(Date)  # the first service date requested
    review_type: Mapped[str] = mapped_column(String(40))
    units_requested: Mapped[Decimal] = mapped_column(UNITS)
    status: Mapped[str] = mapped_column(String(20))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)  # the chart's facts, as evaluated
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON)  # the PAS Bundle sent
    note: Mapped[str | None] = mapped_column(Text)  # what was asked / why denied / appeal
    authorization_number: Mapped[str | None] = mapped_column(String(60))
    window_start: Mapped[date | None] = mapped_column(Date)
    window_end: Mapped[date | None] = mapped_column(Date)
    units_authorized: Mapped[Decimal | None] = mapped_column(UNITS)
    decided_automatically: Mapped[bool] = mapped_column(
        Boolean, server_default=false(), default=False
    )
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthorizationOverrideRow(Base):
    """A dose recorded outside every approved authorization window, with the reason given."""

    __tablename__ = "authorization_overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    override_reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
