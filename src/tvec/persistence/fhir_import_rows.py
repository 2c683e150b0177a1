"""The rows of FHIR import (migration 0025): which tvec record each imported resource became.

One row per centre and source identity: a resource's identifier (`system`, `value`) for a Patient
or a Tumor, or its id within the source patient for the records that carry no identifier
(measurements, administrations, adverse events, courses). A second import of the same data finds
its records here and writes nothing new. `note` keeps what the source said that tvec's record
has no place for (the performer of an administration, who is not a user of this centre).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tvec.persistence.db import Base


class FhirLinkRow(Base):
    __tablename__ = "fhir_links"
    __table_args__ = (UniqueConstraint("centre_id", "resource_type", "system", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    resource_type: Mapped[str] = mapped_column(String(40))
    system: Mapped[str] = mapped_column(String(400))
    value: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(40))  # patient, lesion, measurement, ...
    entity_id: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    imported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
