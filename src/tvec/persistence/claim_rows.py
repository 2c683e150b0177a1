"""The claims' tables (migration 0021): each centre's billing profile, each patient's member id,
and the exported batches with their claims and claim lines.

An exported batch is a record of what was sent: its rows, and the 837P and CSV files exactly as
they were downloaded, are never changed or deleted (triggers on both databases refuse it). A
visit is billed at most once (`claims.visit_id` is unique).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tvec.persistence.db import Base

MONEY = Numeric(12, 2)


class BillingProfileRow(Base):
    """What a centre's claims say about it: billing provider, submitter, payer, place of service,
    and its fee schedule (charge per unit of each code)."""

    __tablename__ = "billing_profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), unique=True)
    place_of_service: Mapped[str] = mapped_column(String(2))
    provider_name: Mapped[str] = mapped_column(String(60))
    npi: Mapped[str] = mapped_column(String(10))
    tax_id: Mapped[str] = mapped_column(String(9))
    address: Mapped[str] = mapped_column(String(55))
    city: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(2))
    postal_code: Mapped[str] = mapped_column(String(9))
    contact_name: Mapped[str] = mapped_column(String(60))
    contact_phone: Mapped[str] = mapped_column(String(10))
    submitter_id: Mapped[str] = mapped_column(String(15))
    receiver_id: Mapped[str] = mapped_column(String(15))
    receiver_name: Mapped[str] = mapped_column(String(60))
    payer_name: Mapped[str] = mapped_column(String(60))
    payer_id: Mapped[str] = mapped_column(String(80))
    fees: Mapped[dict[str, str]] = mapped_column(JSON)  # code -> charge per unit, as text
    policy_id: Mapped[str | None] = mapped_column(String(40))  # the payer's policy, for its caps
    version: Mapped[int] = mapped_column(Integer)


class ClaimSubscriberRow(Base):
    """The patient's member id with the centre's payer (the subscriber is the patient)."""

    __tablename__ = "claim_subscribers"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    member_id: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer)


class ClaimBatchRow(Base):
    __tablename__ = "claim_batches"
    __table_args__ = (UniqueConstraint("centre_id", "control_number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    control_number: Mapped[int] = mapped_column(Integer)  # ISA13, GS06 and ST02 of its 837P
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    claim_count: Mapped[int] = mapped_column(Integer)
    x12: Mapped[str] = mapped_column(Text)
    csv: Mapped[str] = mapped_column(Text)


class ClaimRow(Base):
    __tablename__ = "claims"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("claim_batches.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    control_number: Mapped[str] = mapped_column(String(38))  # CLM01, the patient control number
    service_date: Mapped[date] = mapped_column(Date)
    place_of_service: Mapped[str] = mapped_column(String(2))
    diagnosis_codes: Mapped[list[str]] = mapped_column(JSON)
    authorization_number: Mapped[str | None] = mapped_column(String(50))
    total_charge: Mapped[Decimal] = mapped_column(MONEY)


class ClaimLineRow(Base):
    __tablename__ = "claim_lines"
    __table_args__ = (UniqueConstraint("claim_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(10))
    modifiers: Mapped[list[str]] = mapped_column(JSON)
    units: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    charge: Mapped[Decimal] = mapped_column(MONEY)
    ndc11: Mapped[str | None] = mapped_column(String(11))
    ndc_unit: Mapped[str | None] = mapped_column(String(2))
    ndc_quantity: Mapped[Decimal | None] = mapped_column(Numeric(8, 3))


IMMUTABLE_TABLES = ("claim_batches", "claims", "claim_lines")
