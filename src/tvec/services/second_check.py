"""The centre's settings for recording doses, and the second staff member's check of a dose.

When the centre requires it (`centres.require_second_check`), every recording and every
correction of a dose names a second nurse, oncologist or pharmacist of the same centre, not the
recorder, by their username and password. The password is verified as at login, behind the same
login limits (a wrong password counts toward that account's lockout, so this is no way round
them), and is never kept; who checked is (`administrations.checked_by`). A check may also be
given where none is required: it is verified and kept the same way.
"""

from __future__ import annotations

from tvec.domain.errors import InvalidInput, NotAuthenticated
from tvec.domain.roles import Role
from tvec.domain.zones import is_zone
from tvec.persistence import records as r
from tvec.schemas.clinic import SecondCheckIn
from tvec.services import auth, login_limits
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action

CHECKER_ROLES = frozenset({Role.NURSE, Role.ONCOLOGIST, Role.PHARMACIST})
SECOND_CHECK = "Second check"


def centre_settings(ctx: Context, actor: Actor) -> r.Centre:
    """The actor's centre, with its time zone and whether doses need a second check."""
    with ctx.uow(readonly=True) as uow:
        return uow.centres.get(actor.centre_id)


def set_centre_settings(
    ctx: Context, actor: Actor, *, time_zone: str, require_second_check: bool
) -> r.Centre:
    """An admin sets the centre's time zone (an IANA name) and the second-check rule; audited."""
    actor.require(Action.MANAGE_USERS)
    if not is_zone(time_zone):
        raise InvalidInput(
            "centre", "time_zone", "is not a known time zone (e.g. America/New_York)",
            time_zone, label="Time zone",
        )  # fmt: skip
    with ctx.uow() as uow:
        centre = uow.centres.update(
            actor.centre_id,
            expected_version=None,
            by=actor.user_id,
            action="settings",
            time_zone=time_zone,
            require_second_check=require_second_check,
        )
        uow.commit()
    return centre


def verify_checker(ctx: Context, actor: Actor, check: SecondCheckIn | None) -> int | None:
    """The user id of the second checker, verified; None when none was named and none is needed.

    Refused (nothing written): missing when the centre requires it, the recorder themself, a
    wrong username or password (counted toward that account's login lockout), another centre's
    account, or a role that does not check doses."""
    with ctx.uow(readonly=True) as uow:
        required = uow.centres.get(actor.centre_id).require_second_check
    if check is None:
        if required:
            raise _refused(
                "is required at this centre: a second nurse, oncologist or pharmacist enters "
                "their username and password"
            )
        return None
    if check.username == actor.username:
        raise _refused("must be made by someone other than the person recording the dose")
    counted = login_limits.check(ctx, check.username, None)  # locked out: TooManyAttempts
    try:
        user = auth.verify_password(ctx, check.username, check.password)
    except NotAuthenticated:
        login_limits.failed(ctx, check.username, None)
        raise _refused("was refused: the checker's username or password is wrong") from None
    if counted:
        login_limits.succeeded(ctx, check.username)
    if user.centre_id != actor.centre_id or user.id == actor.user_id:
        raise _refused("was refused: the checker's username or password is wrong")
    if Role(user.role) not in CHECKER_ROLES:
        raise _refused("must be made by a nurse, oncologist or pharmacist")
    return user.id


def _refused(rule: str) -> InvalidInput:
    return InvalidInput("administration", "second_check", rule, label=SECOND_CHECK)
