"""The centre's vial lots (kept by the pharmacist): strength and expiry, checked when given."""

from __future__ import annotations

from tvec.domain.errors import Conflict, InvalidInput
from tvec.knowledge import available_labels, load_label
from tvec.persistence import records as r
from tvec.schemas.clinic import VialLotIn
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.services.plausible import lot_expiry


def add_lot(ctx: Context, actor: Actor, new: VialLotIn) -> r.VialLot:
    actor.require(Action.MANAGE_VIALS)
    strengths = {s.pfu_per_ml for v in available_labels() for s in load_label(v).strengths}
    if new.pfu_per_ml not in strengths:
        allowed = " or ".join(f"{s:,}" for s in sorted(strengths))
        raise InvalidInput(
            "vial lot",
            "pfu_per_ml",
            f"must be one of the label's strengths: {allowed}",
            new.pfu_per_ml,
        )
    lot_expiry(ctx, actor, "vial lot", "expiry_date", new.expiry_date)
    with ctx.uow() as uow:
        if uow.vial_lots.by_lot(actor.centre_id, new.lot) is not None:
            raise Conflict(f"lot {new.lot} is already registered", field="lot")
        lot = uow.vial_lots.add(
            by=actor.user_id,
            centre_id=actor.centre_id,
            created_by=actor.user_id,
            created_at=uow.now,
            **new.model_dump(),
        )
        uow.commit()
    return lot


def list_lots(ctx: Context, actor: Actor) -> list[r.VialLot]:
    actor.require(Action.READ_VIALS)
    with ctx.uow(readonly=True) as uow:
        return uow.vial_lots.in_centre(actor.centre_id)
