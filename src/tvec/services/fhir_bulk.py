"""FHIR Bulk Data `$export` of the actor's centre: kick-off, status, files, deletion.

The HL7 Bulk Data Access flow, system level, for the actor's centre only. The files are built
during the kick-off request itself (`tvec.services.fhir_export.centre_export_for`) and kept in the
database (`bulk_export_jobs`, `bulk_export_files`), so every server worker can answer the status
and the downloads and no background thread is needed; the status is therefore complete at once.
A job belongs to its centre and to the user who asked: for anyone else it does not exist
(NotFound). It is deleted by its owner, or when it expires (`Settings.fhir_export_hours`; expired
jobs are removed at the next kick-off and are not found meanwhile).

Who: nurses and oncologists get the identified records; researchers the de-identified form
(`tvec.interop.fhir.mcode.deidentify`); every other role is refused.

The token in the URLs is 256 random bits; the database keeps only its SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from tvec.domain.errors import InvalidInput, NotFound
from tvec.persistence.bulk_export_repositories import BulkExportJob, FileSummary
from tvec.persistence.uow import UnitOfWork
from tvec.services import fhir_export
from tvec.services.context import Actor, Context

WHERE = "FHIR bulk export"
# Every resource type tvec's export writes (the researcher's form has no Practitioner).
EXPORT_TYPES = (
    "AdverseEvent",
    "BodyStructure",
    "Condition",
    "EpisodeOfCare",
    "Medication",
    "MedicationAdministration",
    "Observation",
    "Patient",
    "Practitioner",
)
# The NDJSON names the Bulk Data IG asks servers to accept for `_outputFormat`.
OUTPUT_FORMATS = ("application/fhir+ndjson", "application/ndjson", "ndjson")


@dataclass(frozen=True)
class ExportStatus:
    """A finished job: when it was asked, the request, the form and its files."""

    requested_at: datetime
    request: str
    deidentified: bool
    files: tuple[FileSummary, ...]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def requested_types(types: str | None) -> list[str]:
    """The `_type` list, checked ([]: every type)."""
    if types is None or not types.strip():
        return []
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in EXPORT_TYPES]
    if unknown:
        raise InvalidInput(
            WHERE,
            "_type",
            f"names a resource type tvec does not export: {', '.join(unknown)} "
            f"(tvec exports {', '.join(EXPORT_TYPES)})",
            label="_type",
        )
    return list(dict.fromkeys(wanted))


def check_output_format(output_format: str | None) -> None:
    if output_format is not None and output_format not in OUTPUT_FORMATS:
        raise InvalidInput(
            WHERE,
            "_outputFormat",
            f"must be one of {', '.join(OUTPUT_FORMATS)} (got {output_format!r})",
            label="_outputFormat",
        )


def kick_off(
    ctx: Context, actor: Actor, types: str | None, output_format: str | None, request: str
) -> str:
    """Build the centre's export now and keep it as a job; the job's token (for its URLs)."""
    fhir_export.exports_deidentified(actor)  # refuses a role that may export neither form
    wanted = requested_types(types)
    check_output_format(output_format)
    deidentified, by_type = fhir_export.centre_export_for(ctx, actor)
    files = [
        (kind, len(found), fhir_export.ndjson(found))
        for kind, found in by_type.items()
        if found and (not wanted or kind in wanted)
    ]
    token = secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        uow.bulk_exports.remove_expired(uow.now)
        job = uow.bulk_exports.add(
            by=actor.user_id,
            token_hash=token_hash(token),
            centre_id=actor.centre_id,
            requested_by=actor.user_id,
            requested_at=uow.now,
            expires_at=uow.now + timedelta(hours=ctx.settings.fhir_export_hours),
            deidentified=deidentified,
            types=wanted,
            request=request,
        )
        uow.bulk_exports.add_files(job.id, files)
        uow.commit()
    return token


def export_status(ctx: Context, actor: Actor, token: str) -> ExportStatus:
    """The finished job's manifest facts (the job is complete from its kick-off)."""
    with ctx.uow(readonly=True) as uow:
        job = _job(uow, actor, token)
        files = uow.bulk_exports.files(job.id)
    return ExportStatus(job.requested_at, job.request, job.deidentified, tuple(files))


def export_file(ctx: Context, actor: Actor, token: str, resource_type: str) -> str:
    """One NDJSON file of the job."""
    with ctx.uow(readonly=True) as uow:
        job = _job(uow, actor, token)
        found = uow.bulk_exports.file(job.id, resource_type)
    if found is None:
        raise NotFound(f"{WHERE} file", f"{resource_type}.ndjson")
    return found.content


def delete_export(ctx: Context, actor: Actor, token: str) -> None:
    """The job and its files, deleted."""
    with ctx.uow() as uow:
        job = _job(uow, actor, token)
        uow.bulk_exports.remove(job, by=actor.user_id, reason="deleted by the user who asked")
        uow.commit()


def _job(uow: UnitOfWork, actor: Actor, token: str) -> BulkExportJob:
    """The actor's own unexpired job; NotFound for anyone else's, as for none at all."""
    fhir_export.exports_deidentified(actor)
    job = uow.bulk_exports.by_token_hash(token_hash(token))
    if (
        job is None
        or job.centre_id != actor.centre_id
        or job.requested_by != actor.user_id
        or job.expires_at <= uow.now
    ):
        raise NotFound(WHERE, "job")
    return job
