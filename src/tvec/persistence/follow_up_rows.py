"""The rows of follow-up (migration 0023): one follow-up record per patient (death, last known
alive, baseline ECOG) and the patient's prior systemic therapies.

Both are corrected by new versions (the audit trail keeps every earlier one); a prior therapy
recorded in error is marked so and stays on file.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from tvec.persistence.db import Base
from tvec.persistence.models import Versioned


class FollowUpRow(Versioned, Base):
    __tablename__ = "patient_follow_up"
    __table_args__ = (
        CheckConstraint("ecog IS NULL OR (ecog >= 0 AND ecog <= 4)", name="ecog_grade"),
        CheckConstraint("(died_on IS NULL) = (death_cause IS NULL)", name="death_complete"),
        CheckConstraint("(ecog IS NULL) = (ecog_assessed_on IS NULL)", name="ecog_complete"),
        CheckConstraint(
            "died_on IS NULL OR last_known_alive_on IS NULL OR last_known_alive_on <= died_on",
            name="alive_not_after_death",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), unique=True)
    died_on: Mapped[date | None] = mapped_column(Date)
    death_cause: Mapped[str | None] = mapped_column(String(40))
    last_known_alive_on: Mapped[date | None] = mapped_column(Date)
    ecog: Mapped[int | None] = mapped_column(Integer)
    ecog_assessed_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PriorTherapyRow(Versioned, Base):
    __tablename__ = "prior_therapies"
    __table_args__ = (
        CheckConstraint("line >= 1", name="line_positive"),
        CheckConstraint(
            "ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on",
            name="end_after_start",
        ),
        CheckConstraint("status IN ('active', 'entered-in-error')", name="status_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    agent: Mapped[str | None] = mapped_column(String(200))
    line: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
