"""Records and repository of the FHIR Bulk Data export's jobs and files (migration 0024).

A job's creation and deletion are audited (who exported which centre's records, when, in which
form); its files are not (they hold the records themselves, which the audit log must not copy).
Unlike clinical records, a job and its files are deleted: when the user deletes the job or when
it has expired.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, delete, select

from tvec.persistence.bulk_export_rows import BulkExportFileRow, BulkExportJobRow
from tvec.persistence.repository import Repository

FILES = cast(Table, BulkExportFileRow.__table__)
JOBS = cast(Table, BulkExportJobRow.__table__)


@dataclass(frozen=True)
class BulkExportJob:
    id: int
    token_hash: str
    centre_id: int
    requested_by: int
    requested_at: datetime
    expires_at: datetime
    deidentified: bool
    types: list[str]
    request: str


@dataclass(frozen=True)
class BulkExportFile:
    id: int
    job_id: int
    resource_type: str
    count: int
    content: str


@dataclass(frozen=True)
class FileSummary:
    resource_type: str
    count: int


class BulkExportJobRepository(Repository[BulkExportJobRow, BulkExportJob]):
    row, record, entity = BulkExportJobRow, BulkExportJob, "fhir-bulk-export"

    def by_token_hash(self, token_hash: str) -> BulkExportJob | None:
        return self._first(self._select().where(BulkExportJobRow.token_hash == token_hash))

    def files(self, job_id: int) -> list[FileSummary]:
        """The job's files without their content, by resource type."""
        f = BulkExportFileRow
        rows = self.connection.execute(
            select(f.resource_type, f.count).where(f.job_id == job_id).order_by(f.resource_type)
        )
        return [FileSummary(str(kind), int(count)) for kind, count in rows]

    def file(self, job_id: int, resource_type: str) -> BulkExportFile | None:
        f = BulkExportFileRow
        row = self.connection.execute(
            select(f.id, f.job_id, f.resource_type, f.count, f.content).where(
                f.job_id == job_id, f.resource_type == resource_type
            )
        ).first()
        return None if row is None else BulkExportFile(*row)

    def add_files(self, job_id: int, files: Sequence[tuple[str, int, str]]) -> None:
        """The job's NDJSON files, (resource type, count, content) each; not audited."""
        if files:
            self.connection.execute(
                FILES.insert(),
                [
                    {"job_id": job_id, "resource_type": kind, "count": n, "content": text}
                    for kind, n, text in files
                ],
            )

    def remove(self, job: BulkExportJob, *, by: int | None, reason: str) -> None:
        """The job and its files, gone; the deletion audited."""
        self.connection.execute(delete(FILES).where(FILES.c.job_id == job.id))
        self.connection.execute(delete(JOBS).where(JOBS.c.id == job.id))
        self._audit(by, "delete", [(job, None)], reason)

    def expired(self, now: datetime) -> list[BulkExportJob]:
        return self._all(self._select().where(BulkExportJobRow.expires_at <= now))

    def remove_expired(self, now: datetime) -> int:
        """Every job expired by `now`, and its files, deleted; how many jobs."""
        gone = self.expired(now)
        for job in gone:
            self.remove(job, by=None, reason="expired")
        return len(gone)
