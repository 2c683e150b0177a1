"""The billing office's claims: visits ready to bill with their lines and edits, and the export of
a batch as an ASC X12 837P file and a CSV.

A visit is ready to bill once given (administered) and not yet on an exported claim. Its lines are
`tvec.domain.claims.claim_lines` (the same function `tvec claim` runs), from what was given (the
current administrations, after corrections), the vials used and their discards, the diagnosis's
ICD-10-CM codes, the centre's place of service and the authorization on file covering the day.
The edits are `tvec.domain.claim_edits.run_edits`, plus the centre's own facts a claim needs (a
member id, a charge for each code).

An export names the visits; if any of them has a finding, or pyx12 finds an error in the file,
the export is refused and nothing is written. An exported batch, its claims, lines and files are
kept as sent and never change (`tvec.persistence.claim_rows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.domain import claim_edits as ed
from tvec.domain import claims as cl
from tvec.domain.errors import Conflict, DomainError, InvalidInput
from tvec.domain.identity import shown_name
from tvec.domain.rules import Strength
from tvec.knowledge import load_label, load_policy
from tvec.knowledge.claim_codes import load_claim_codes
from tvec.persistence import records as r
from tvec.persistence.claim_repositories import BillingProfile, ClaimBatch
from tvec.persistence.uow import UnitOfWork
from tvec.services import claim_files, vial_events
from tvec.services.authorization_windows import approved_for_course
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action

WHERE = "Claims"


class ClaimsRefused(DomainError):
    """An export refused: the findings of the visits named (nothing was written)."""

    code = "claim-edits"

    def __init__(self, findings: list[tuple[int, ed.EditFinding]]) -> None:
        shown = "; ".join(f"visit {v}: {f.message}" for v, f in findings[:5])
        more = f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""
        super().__init__(
            f"{WHERE}: the batch was not exported: {shown}{more}",
            field=findings[0][1].field if findings else None,
        )
        self.findings = findings


@dataclass(frozen=True)
class ClaimPreview:
    """One visit's claim as it would be exported, and what stops it."""

    visit_id: int
    patient_id: int
    patient_name: str
    service_date: date
    lines: tuple[cl.ClaimLine, ...]
    charges: tuple[Decimal, ...]  # per line, from the centre's fee schedule (0 when missing)
    diagnosis_codes: tuple[str, ...]
    place_of_service: str
    authorization_number: str | None
    member_id: str | None
    findings: tuple[ed.EditFinding, ...]

    @property
    def ready(self) -> bool:
        return not self.findings


def ready_to_bill(ctx: Context, actor: Actor) -> list[ClaimPreview]:
    """The centre's given visits not yet on an exported claim, oldest first, each with its lines
    and findings."""
    actor.require(Action.READ_BILLING)
    with ctx.uow(readonly=True) as uow:
        return _previews(uow, actor.centre_id, None)


def batches(ctx: Context, actor: Actor) -> list[ClaimBatch]:
    """The centre's exported batches, newest first."""
    actor.require(Action.READ_BILLING)
    with ctx.uow(readonly=True) as uow:
        return uow.claim_batches.in_centre(actor.centre_id)


def batch(ctx: Context, actor: Actor, batch_id: int) -> ClaimBatch:
    """One exported batch of the centre (its files as they were downloaded)."""
    actor.require(Action.READ_BILLING)
    with ctx.uow(readonly=True) as uow:
        found = uow.claim_batches.find(batch_id)
    if found is None or found.centre_id != actor.centre_id:
        raise InvalidInput(WHERE, "batch_id", "names no batch of the centre", batch_id)
    return found


def export_batch(ctx: Context, actor: Actor, visit_ids: list[int]) -> ClaimBatch:
    """Export the visits' claims as one batch, or refuse it whole (ClaimsRefused)."""
    actor.require(Action.EXPORT_CLAIMS)
    if not visit_ids:
        raise InvalidInput(WHERE, "visit_ids", "needs at least one visit", label="Visits")
    with ctx.uow() as uow:
        wanted = set(visit_ids)
        previews = _previews(uow, actor.centre_id, wanted)
        missing = wanted - {p.visit_id for p in previews}
        if missing:  # not given yet, already billed, or not of the centre
            raise Conflict(
                f"{WHERE}: visit {min(missing)} is not ready to bill (not given, or already "
                "on an exported claim)",
                field="visit_ids",
            )
        findings = [(p.visit_id, f) for p in previews for f in p.findings]
        if findings:
            raise ClaimsRefused(findings)
        profile = uow.billing_profiles.for_centre(actor.centre_id)
        assert profile is not None  # a preview without a profile has a finding
        exported = claim_files.write_batch(uow, actor, profile, previews, _patients(uow, actor))
        uow.commit()
    return exported


def _patients(uow: UnitOfWork, actor: Actor) -> dict[int, r.Patient]:
    return {p.id: p for p in uow.patients.in_centre(actor.centre_id)}


def _previews(uow: UnitOfWork, centre_id: int, only: set[int] | None) -> list[ClaimPreview]:
    patients = {p.id: p for p in uow.patients.in_centre(centre_id)}
    courses = {c.id: c for c in uow.courses.for_patients(list(patients))}
    given = [
        v
        for v in uow.visits.for_courses(list(courses))
        if v.administered_on is not None and (only is None or v.id in only)
    ]
    billed = uow.claims.billed_visits([v.id for v in given])
    visits = [v for v in given if v.id not in billed]
    diagnoses = {d.patient_id: d for d in uow.diagnoses.for_patients(list(patients))}
    members = {s.patient_id: s.member_id for s in uow.claim_subscribers.for_patients(patients)}
    profile = uow.billing_profiles.for_centre(centre_id)
    out = []
    for visit in sorted(visits, key=lambda v: (v.administered_on or v.planned_on, v.id)):
        patient = patients[courses[visit.course_id].patient_id]
        diagnosis = diagnoses.get(patient.id)
        codes = tuple(diagnosis.icd10_codes or ()) if diagnosis else ()
        facts = _Facts(visit, patient, codes, members.get(patient.id), profile)
        out.append(_preview(uow, facts))
    return out


@dataclass(frozen=True)
class _Facts:
    visit: r.Visit
    patient: r.Patient
    diagnosis_codes: tuple[str, ...]
    member_id: str | None
    profile: BillingProfile | None


def _preview(uow: UnitOfWork, f: _Facts) -> ClaimPreview:
    label, codes = load_label("us"), load_claim_codes("us")
    assert label.billing is not None
    day = f.visit.administered_on or f.visit.planned_on
    given = uow.administrations.for_visit(f.visit.id)
    planned = label.strength(f.visit.plan.concentration_pfu_per_ml)
    strength = label.strength(given[0].pfu_per_ml) if given else planned
    vials, discarded = vial_events.vials_used(uow, given, strength.vial_volume_ml)
    shots = tuple(cl.Injection(a.target, a.volume_ml, a.ultrasound_guided) for a in given)
    visit = cl.VisitForClaim(day, strength.pfu_per_ml, vials, shots, f.diagnosis_codes, discarded)
    findings: list[ed.EditFinding] = []
    try:
        lines = cl.claim_lines(label.billing, strength, codes, visit)
    except InvalidInput as exc:
        lines = ()
        if exc.field != "administrations":
            findings.append(ed.EditFinding("lines", exc.field, exc.rule))
    authorizations = authorizations_for(uow, f.visit.course_id)
    claim = ed.ClaimForEdit(
        day, cl.ndc11(planned), lines, f.diagnosis_codes, authorizations, payer_cap(f, planned)
    )
    findings += ed.run_edits(label.billing, codes, claim)
    findings += _centre_findings(f, lines)
    covering = ed.covering(day, authorizations)
    fees = f.profile.fees if f.profile else {}
    charges = tuple(Decimal(fees.get(ln.code, "0")) * ln.units for ln in lines)
    return ClaimPreview(
        f.visit.id,
        f.patient.id,
        shown_name(f.patient.given_name, f.patient.family_name, f.patient.preferred_name),
        day,
        lines,
        charges,
        f.diagnosis_codes,
        f.profile.place_of_service if f.profile else "",
        covering.number if covering else None,
        f.member_id,
        tuple(findings),
    )


def _centre_findings(f: _Facts, lines: tuple[cl.ClaimLine, ...]) -> list[ed.EditFinding]:
    """What the centre's own records must give a claim: its billing profile, a member id, fees."""
    if f.profile is None:
        return [ed.EditFinding("billing-profile", "centre", "the centre has no billing profile")]
    found = []
    if not f.member_id:
        found.append(ed.EditFinding("member-id", "member_id", "no member id with the payer"))
    for code in sorted({ln.code for ln in lines} - set(f.profile.fees)):
        found.append(ed.EditFinding("fee", "fees", f"no charge for {code} in the fee schedule"))
    return found


def authorizations_for(uow: UnitOfWork, course_id: int) -> tuple[ed.Authorization, ...]:
    """The course's approved authorizations (none on file: the claim carries no number)."""
    return tuple(
        ed.Authorization(a.number, a.window_start, a.window_end)
        for a in approved_for_course(uow, course_id)
    )


def payer_cap(f: _Facts, strength: Strength) -> ed.PayerCap | None:
    """The payer policy's most units per visit for the strength (None: the policy sets none).
    Discarded (JW) units count against it where the policy counts them against the units
    authorized (tvec's reading)."""
    if f.profile is None or f.profile.policy_id is None:
        return None
    policy = load_policy(f.profile.policy_id)
    cap = policy.cap_for(strength.pfu_per_ml)
    if cap is None:
        return None
    return ed.PayerCap(Decimal(cap.max_units_per_visit), policy.discarded_units_count, cap.source)
