"""The demo's claims set-up: the centre's billing profile (example values, marked as such), each
patient's member id and ICD-10-CM codes, and the older visits already exported in one batch, so
the billing office page shows a few visits ready to bill next to a batch sent."""

from __future__ import annotations

from typing import Any

from tvec.persistence.uow import UnitOfWork
from tvec.services import claims
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role

# Example values only: a test NPI (valid check digit), an example payer and example charges.
EXAMPLE_PROFILE: dict[str, Any] = {
    "place_of_service": "11",
    "npi": "1234567893",
    "tax_id": "123456789",
    "address": "100 Example Street",
    "city": "Seattle",
    "state": "WA",
    "postal_code": "98101",
    "contact_name": "Billing office",
    "contact_phone": "2065550100",
    "submitter_id": "TVECDEMO",
    "receiver_id": "EXAMPLEHP",
    "receiver_name": "Example Health Plan (example)",
    "payer_name": "Example Health Plan (example)",
    "payer_id": "EXAMPLEHP",
    "fees": {"J9325": "10.00", "96405": "150.00", "96406": "250.00", "76942": "120.00"},
    "policy_id": "5.01.562",  # the payer policy of the seed documents
}
# Melanoma by site, with secondary skin or node codes, turn by turn.
DEMO_CODES = (["C43.71", "C79.2"], ["C43.59"], ["C43.61", "C77.3"], ["C43.4", "C77.0"])
LEFT_TO_BILL = 5  # the newest visits the demo leaves ready to bill; the older ones were exported


def seed_claims(ctx: Context, centre_id: int) -> None:
    """Profile, member ids and diagnosis codes where missing; a first batch if none was sent."""
    with ctx.uow() as uow:
        billing = _billing_actor(uow, centre_id)
        if billing is None:
            return
        if uow.billing_profiles.for_centre(centre_id) is None:
            name = uow.centres.get(centre_id).name[:60]
            uow.billing_profiles.add(
                by=billing.user_id, centre_id=centre_id, provider_name=name, **EXAMPLE_PROFILE
            )
        _patients(uow, billing, centre_id)
        uow.commit()
    if not claims.batches(ctx, billing):
        ready = [p.visit_id for p in claims.ready_to_bill(ctx, billing) if p.ready]
        if len(ready) > LEFT_TO_BILL:
            claims.export_batch(ctx, billing, ready[:-LEFT_TO_BILL])


def _billing_actor(uow: UnitOfWork, centre_id: int) -> Actor | None:
    user = next(
        (u for u in uow.users.in_centre(centre_id) if u.role == Role.BILLING and u.active), None
    )
    return None if user is None else Actor(user.id, centre_id, Role.BILLING, user.username)


def _patients(uow: UnitOfWork, billing: Actor, centre_id: int) -> None:
    patients = uow.patients.in_centre(centre_id)
    members = {s.patient_id for s in uow.claim_subscribers.for_patients([p.id for p in patients])}
    uow.claim_subscribers.add_many(
        [
            {"patient_id": p.id, "member_id": f"EXM{p.id:08d}"}
            for p in patients
            if p.id not in members
        ],
        by=billing.user_id,
    )
    for i, dx in enumerate(uow.diagnoses.for_patients([p.id for p in patients])):
        if dx.icd10_codes is None:
            uow.diagnoses.update(
                dx.id,
                expected_version=dx.version,
                by=billing.user_id,
                reason="demo: ICD-10-CM codes for claims",
                action="correct",
                read=dx,
                icd10_codes=DEMO_CODES[i % len(DEMO_CODES)],
            )
