"""The rows of the FHIR Bulk Data export (migration 0024): a job and its NDJSON files.

A job is found by the SHA-256 of its token (the token itself is only in the URLs given to the user
who asked), and belongs to a centre and to that user. Its files are built when it is asked for and
kept whole, one row per resource type, until the job is deleted or expires.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tvec.persistence.db import Base


class BulkExportJobRow(Base):
    __tablename__ = "bulk_export_jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    deidentified: Mapped[bool] = mapped_column(Boolean)
    types: Mapped[list[str]] = mapped_column(JSON)  # the resource types asked for ([]: all)
    request: Mapped[str] = mapped_column(Text)  # the kick-off request's URL, for the manifest


class BulkExportFileRow(Base):
    __tablename__ = "bulk_export_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("bulk_export_jobs.id", ondelete="CASCADE"), index=True
    )
    resource_type: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)  # NDJSON: one resource per line
