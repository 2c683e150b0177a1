"""The demo's safety-programme records: trainings for the demo staff (the pharmacist's expiring
within the worklist's warning window, so the worklist shows it) and current attestations, so the
demo nurse can record doses. Made once: a centre with training records on file is left as is."""

from __future__ import annotations

from datetime import timedelta

from tvec.schemas.programme import AttestationIn, TrainingIn
from tvec.services import staff_safety
from tvec.services.context import Actor, Context

DEMO_TRAINING = "imlygic-handling"
DEMO_TRAINING_DAYS = 365  # how long the demo's trainings last (the demo's choice)
DEMO_EXPIRING_IN_DAYS = 12  # the pharmacist's: within the 30-day warning window


def seed_programme(ctx: Context, admin: Actor, staff: list[Actor]) -> None:
    """Trainings and attestations for `staff` (clinical roles), the last one's training about
    to expire. Trainings once (a centre with training records keeps them); an attestation
    whenever the last one no longer clears them, so the demo can always record doses."""
    for actor in staff:
        if not staff_safety.my_attestation(ctx, actor).current:
            staff_safety.attest(ctx, actor, AttestationIn(cleared=True))
    if staff_safety.list_trainings(ctx, admin):
        return
    today = ctx.today(admin)
    for n, actor in enumerate(staff):
        expiring = n == len(staff) - 1
        expires = today + timedelta(days=DEMO_EXPIRING_IN_DAYS if expiring else DEMO_TRAINING_DAYS)
        completed = expires - timedelta(days=DEMO_TRAINING_DAYS)
        training = TrainingIn(
            user_id=actor.user_id, course=DEMO_TRAINING, completed_on=completed, expires_on=expires
        )
        staff_safety.record_training(ctx, admin, training)
