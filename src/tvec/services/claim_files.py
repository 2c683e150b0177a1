"""Writing an exported batch: the 837P and CSV files from the claims, checked by pyx12, and the
batch, its claims and lines added in the caller's unit of work (so a refusal writes nothing)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from tvec.domain.errors import DomainError
from tvec.interop.x12 import claim_837p as x12
from tvec.interop.x12.validate import x12_errors
from tvec.persistence import records as r
from tvec.persistence.claim_repositories import BillingProfile, ClaimBatch
from tvec.persistence.uow import UnitOfWork
from tvec.reports.claims_csv import claims_csv
from tvec.services.context import Actor

if TYPE_CHECKING:
    from tvec.services.claims import ClaimPreview

SEX = {"female": "F", "male": "M"}


class FileNotValid(DomainError):
    """The 837P file pyx12 found errors in (a fault of tvec's writer or the centre's profile)."""

    code = "x12-not-valid"

    def __init__(self, errors: list[str]) -> None:
        super().__init__(f"Claims: the 837P file did not pass validation: {'; '.join(errors[:3])}")
        self.errors = errors


def patient_control_number(visit_id: int) -> str:
    """CLM01: the visit's number on tvec's side, echoed back on the payer's remittance."""
    return f"TVEC{visit_id}"


def write_batch(
    uow: UnitOfWork,
    actor: Actor,
    profile: BillingProfile,
    previews: Sequence[ClaimPreview],
    patients: dict[int, r.Patient],
) -> ClaimBatch:
    number = uow.claim_batches.next_control_number(actor.centre_id)
    batch = as_x12_batch(profile, number, uow.now, previews, patients)
    text = x12.write_837p(batch)
    errors = x12_errors(text)
    if errors:
        raise FileNotValid(errors)
    saved = uow.claim_batches.add(
        by=actor.user_id,
        centre_id=actor.centre_id,
        control_number=number,
        created_at=uow.now,
        created_by=actor.user_id,
        claim_count=len(previews),
        x12=text,
        csv=claims_csv(batch),
    )
    for preview, claim in zip(previews, batch.claims, strict=True):
        _save_claim(uow, actor, saved.id, preview, claim)
    return saved


def _save_claim(
    uow: UnitOfWork, actor: Actor, batch_id: int, p: ClaimPreview, claim: x12.Claim
) -> None:
    row = uow.claims.add(
        by=actor.user_id,
        batch_id=batch_id,
        visit_id=p.visit_id,
        patient_id=p.patient_id,
        control_number=claim.patient_control_number,
        service_date=p.service_date,
        place_of_service=p.place_of_service,
        diagnosis_codes=list(p.diagnosis_codes),
        authorization_number=p.authorization_number,
        total_charge=sum(p.charges),
    )
    uow.claim_lines.add_many(
        [
            {
                "claim_id": row.id,
                "number": n,
                "code": ln.code,
                "modifiers": list(ln.modifiers),
                "units": ln.units,
                "charge": charge,
                "ndc11": ln.ndc11,
                "ndc_unit": ln.ndc_unit,
                "ndc_quantity": ln.ndc_quantity,
            }
            for n, (ln, charge) in enumerate(zip(p.lines, p.charges, strict=True), start=1)
        ],
        by=actor.user_id,
        audit=False,  # the claim's own entry records the export; its lines are in the batch's files
    )


def as_x12_batch(
    profile: BillingProfile,
    number: int,
    now: datetime,
    previews: Sequence[ClaimPreview],
    patients: dict[int, r.Patient],
) -> x12.Batch:
    provider = x12.Provider(
        profile.provider_name, profile.npi, profile.tax_id, profile.address, profile.city,
        profile.state, profile.postal_code, profile.contact_name, profile.contact_phone,
    )  # fmt: skip
    payer = x12.Payer(profile.payer_name, profile.payer_id)
    claims = tuple(_claim(p, patients[p.patient_id], payer) for p in previews)
    return x12.Batch(
        number, now, profile.submitter_id, profile.receiver_id, profile.receiver_name, provider,
        claims,
    )  # fmt: skip


def _claim(p: ClaimPreview, patient: r.Patient, payer: x12.Payer) -> x12.Claim:
    subscriber = x12.Subscriber(
        p.member_id or "",
        patient.family_name,
        patient.given_name,
        patient.birth_date,
        SEX.get(patient.sex, "U"),
    )
    lines = tuple(
        x12.Line(
            ln.code,
            ln.modifiers,
            ln.units,
            charge,
            ln.ndc11,
            ln.ndc_qualifier,
            ln.ndc_unit,
            ln.ndc_quantity,
        )
        for ln, charge in zip(p.lines, p.charges, strict=True)
    )
    return x12.Claim(
        patient_control_number(p.visit_id),
        subscriber,
        payer,
        p.service_date,
        p.place_of_service,
        p.diagnosis_codes,
        p.authorization_number,
        lines,
    )
