"""Accidental exposure to the product (USPI §5.1): a needle stick, a splash-back to the eyes or
mucous membranes, contact with an injection site or a used dressing, of a staff member or a
close contact; what was done; and a follow-up task for the exposed person.

- A close contact is recorded by their relation to the patient, never by name; a staff member
  by their account (a user of the centre).
- The kind and the actions are codes from the knowledge data; the time is not in the future.
- The follow-up is due the knowledge data's number of days after the exposure: tvec's ruling
  (the label gives no interval; docs/clinical-choices.md). It shows on the worklist until it is
  closed with its outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

from tvec.domain.alert_card import check_code, check_codes, check_occurred_at, follow_up_due
from tvec.domain.errors import Conflict, InvalidInput, NotFound
from tvec.domain.roles import Role
from tvec.domain.zones import local_day
from tvec.knowledge.alert_card import load_alert_card
from tvec.persistence import safety_records as sr
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.safety import Exposed, ExposureIn, FollowUpCloseIn
from tvec.services.context import Actor, Context
from tvec.services.patients import patient_in_centre
from tvec.services.permissions import Action

# who handles the product or the patient's injection sites
CLINICAL_ROLES = frozenset({Role.ONCOLOGIST.value, Role.NURSE.value, Role.PHARMACIST.value})


@dataclass(frozen=True)
class ExposureLine:
    exposure: sr.Exposure
    kind: str  # the kind in words
    actions: tuple[str, ...]  # the actions in words
    who: str  # "staff: <name>" or "close contact (<relation>)"
    overdue: bool


def _check_who(uow: UnitOfWork, actor: Actor, new: ExposureIn) -> None:
    if new.exposed is Exposed.STAFF:
        if new.staff_user_id is None:
            raise InvalidInput("exposure", "staff_user_id", "must name the exposed staff member")
        user = uow.users.find(new.staff_user_id)
        if user is None or user.centre_id != actor.centre_id:
            raise InvalidInput("exposure", "staff_user_id", "is not a staff member of this centre")
        if new.contact_relation:
            raise InvalidInput("exposure", "contact_relation", "is only given for a close contact")
    else:
        if not new.contact_relation:
            raise InvalidInput(
                "exposure", "contact_relation", "must say who the close contact is to the patient"
            )
        if new.staff_user_id is not None:
            raise InvalidInput("exposure", "staff_user_id", "is only given for a staff member")


def record_exposure(ctx: Context, actor: Actor, new: ExposureIn) -> sr.Exposure:
    actor.require(Action.RECORD_EXPOSURE)
    data = load_alert_card()
    check_code("exposure", "kind", new.kind, [k.code for k in data.exposure_kinds])
    check_codes("exposure", "actions", new.actions, [a.code for a in data.exposure_actions])
    if new.occurred_at.tzinfo is None:
        raise InvalidInput("exposure", "occurred_at", "must give its time zone")
    earliest = ctx.settings.earliest_date
    if new.occurred_at.date() < earliest:
        raise InvalidInput("exposure", "occurred_at", f"must not be before {earliest.isoformat()}")
    with ctx.uow() as uow:
        check_occurred_at(new.occurred_at, uow.now)
        _check_who(uow, actor, new)
        if new.patient_id is not None:
            patient_in_centre(uow, actor, new.patient_id)
        zone = uow.centres.get(actor.centre_id).time_zone
        due = follow_up_due(local_day(new.occurred_at, zone), data.follow_up.days)
        exposure = uow.exposures.add(
            by=actor.user_id,
            centre_id=actor.centre_id,
            patient_id=new.patient_id,
            exposed=new.exposed.value,
            staff_user_id=new.staff_user_id,
            contact_relation=new.contact_relation,
            kind=new.kind,
            occurred_at=new.occurred_at,
            actions=list(new.actions),
            action_note=new.action_note or None,
            recorded_by=actor.user_id,
            recorded_at=uow.now,
            follow_up_due=due,
            follow_up_closed_at=None,
            follow_up_closed_by=None,
            follow_up_outcome=None,
        )
        uow.commit()
    return exposure


def close_follow_up(
    ctx: Context, actor: Actor, exposure_id: int, close: FollowUpCloseIn
) -> sr.Exposure:
    actor.require(Action.RECORD_EXPOSURE)
    with ctx.uow() as uow:
        exposure = uow.exposures.find(exposure_id)
        if exposure is None or exposure.centre_id != actor.centre_id:
            raise NotFound("exposure", exposure_id)
        if not exposure.open:
            raise Conflict("this follow-up was already closed", field="version")
        done = uow.exposures.update(
            exposure_id,
            expected_version=close.version,
            by=actor.user_id,
            action="close follow-up",
            read=exposure,
            follow_up_closed_at=uow.now,
            follow_up_closed_by=actor.user_id,
            follow_up_outcome=close.outcome,
        )
        uow.commit()
    return done


def _lines(
    ctx: Context, actor: Actor, found: list[sr.Exposure], names: dict[int, str]
) -> list[ExposureLine]:
    data = load_alert_card()
    today = ctx.today(actor)
    lines = []
    for x in found:
        kind = data.kind(x.kind)
        actions = tuple(a.description for c in x.actions if (a := data.action(c)) is not None)
        who = (
            f"staff: {names.get(x.staff_user_id or 0, '?')}"
            if x.exposed == Exposed.STAFF.value
            else f"close contact ({x.contact_relation})"
        )
        overdue = x.open and x.follow_up_due < today
        lines.append(ExposureLine(x, kind.description if kind else x.kind, actions, who, overdue))
    return lines


def list_exposures(ctx: Context, actor: Actor, *, open_only: bool = False) -> list[ExposureLine]:
    """The centre's exposures (newest first), or the open follow-ups (earliest due first)."""
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        repo = uow.exposures
        found = (
            repo.open_in_centre(actor.centre_id) if open_only else repo.in_centre(actor.centre_id)
        )
        names = {u.id: u.full_name for u in uow.users.in_centre(actor.centre_id)}
    return _lines(ctx, actor, found, names)


def get_exposure(ctx: Context, actor: Actor, exposure_id: int) -> ExposureLine:
    actor.require(Action.READ_CLINICAL)
    with ctx.uow(readonly=True) as uow:
        exposure = uow.exposures.find(exposure_id)
        if exposure is None or exposure.centre_id != actor.centre_id:
            raise NotFound("exposure", exposure_id)
        names = {u.id: u.full_name for u in uow.users.in_centre(actor.centre_id)}
    return _lines(ctx, actor, [exposure], names)[0]


def staff_members(ctx: Context, actor: Actor) -> list[tuple[int, str]]:
    """The centre's active staff who may be exposed (id, name), for the exposure form."""
    actor.require(Action.RECORD_EXPOSURE)
    with ctx.uow(readonly=True) as uow:
        users = uow.users.in_centre(actor.centre_id)
    return [(u.id, u.full_name) for u in users if u.active and u.role in CLINICAL_ROLES]
