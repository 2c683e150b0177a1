"""Logins, sessions and tokens, and the users who hold them.

Passwords are stored as argon2 hashes. A login yields a random token; only its SHA-256 is stored, so
a copy of the database cannot be used to log in. Tokens and browser sessions expire.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tvec.domain.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PasswordChangeRequired,
)
from tvec.domain.passwords import check_password
from tvec.knowledge.accounts import common_passwords
from tvec.persistence import records as r
from tvec.persistence.uow import UnitOfWork
from tvec.schemas.clinic import UserIn
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action, Role


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hasher(ctx: Context) -> PasswordHasher:
    return _hasher(ctx.settings.argon2_time_cost, ctx.settings.argon2_memory_kib)


@cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    """A throwaway hash checked when the user does not exist, so the time a login takes does not
    tell whether a username exists."""
    return _hasher(time_cost, memory_kib).hash("tvec-no-such-user")


def hash_password(ctx: Context, password: str) -> str:
    return hasher(ctx).hash(password)


def new_password_hash(ctx: Context, username: str, password: str) -> str:
    """The hash of a password that keeps the rules (tvec.domain.passwords), else InvalidInput."""
    check_password(password, username, common_passwords())
    return hash_password(ctx, password)


# One answer for every clash of usernames, in this centre or another: it must not confirm that
# another centre has a user of that name.
USERNAME_CLASH = "choose another username"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(
    ctx: Context, username: str, password: str, kind: str = "bearer"
) -> tuple[str, r.AuthSession, r.User]:
    """A new session token for valid credentials; else NotAuthenticated (no hint which part).

    The password is checked between two units of work, not inside the writing one: argon2 takes
    tens of milliseconds by design, and on SQLite every other writer would wait for it.
    """
    with ctx.uow(readonly=True) as uow:
        user = uow.users.by_username(username)
    try:
        dummy = _dummy_hash(ctx.settings.argon2_time_cost, ctx.settings.argon2_memory_kib)
        hasher(ctx).verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise NotAuthenticated("wrong username or password")
    token = secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        # The account as it is now: disabled, or its password changed, while the hash was checked
        current = uow.users.find(user.id)
        if current is None or not current.active or current.password_hash != user.password_hash:
            raise NotAuthenticated("wrong username or password")
        expires = uow.now + timedelta(hours=ctx.settings.session_hours)
        session = uow.auth_sessions.add(
            by=user.id,
            audit=False,
            token_hash=_token_hash(token),
            user_id=user.id,
            kind=kind,
            created_at=uow.now,
            expires_at=expires,
            revoked_at=None,
        )
        uow.commit()
    return token, session, current


def verify_password(ctx: Context, username: str, password: str) -> r.User:
    """The active account with these credentials, without starting a session (a second staff
    member's check of a dose); else NotAuthenticated (no hint which part). As slow whether or not
    the account exists."""
    with ctx.uow(readonly=True) as uow:
        user = uow.users.by_username(username)
    try:
        dummy = _dummy_hash(ctx.settings.argon2_time_cost, ctx.settings.argon2_memory_kib)
        hasher(ctx).verify(user.password_hash if user else dummy, password)
    except (VerificationError, InvalidHashError):
        user = None
    if user is None or not user.active:
        raise NotAuthenticated("wrong username or password")
    return user


def authenticate(ctx: Context, token: str, *, password_change: bool = False) -> Actor:
    """The actor behind a token, if the token is known, unexpired and not revoked.

    A login whose password an admin reset may only change the password (`password_change`) or
    log out: anything else is PasswordChangeRequired.
    """
    with ctx.uow(readonly=True) as uow:
        found = uow.auth_sessions.with_user(_token_hash(token))
        now = uow.now
    if found is None or found[0].revoked_at is not None or found[0].expires_at <= now:
        raise NotAuthenticated("the session has expired or is not valid; log in again")
    user, time_zone = found[1], found[2]
    if not user.active:
        raise NotAuthenticated("the account is disabled")
    if user.must_change_password and not password_change:
        raise PasswordChangeRequired(
            "the password was reset by an admin: change it before going on "
            "(POST /auth/change-password)"
        )
    return Actor(user.id, user.centre_id, Role(user.role), user.username, time_zone)


def me(ctx: Context, actor: Actor) -> r.User:
    """The logged-in user's own record (any role may read it)."""
    with ctx.uow(readonly=True) as uow:
        return uow.users.get(actor.user_id)


def logout(ctx: Context, token: str) -> None:
    with ctx.uow() as uow:
        session = uow.auth_sessions.by_token_hash(_token_hash(token))
        if session is not None and session.revoked_at is None:
            uow.auth_sessions.update(
                session.id,
                expected_version=None,
                by=session.user_id,
                action="logout",
                revoked_at=uow.now,
            )
            uow.commit()


def create_user(ctx: Context, actor: Actor, new: UserIn, *, published: bool = False) -> r.User:
    """A new user of the actor's centre. `published` is only for the demo centre's accounts,
    whose passwords are printed in the README: the password rules could not make them secret."""
    actor.require(Action.MANAGE_USERS)
    # slow by design: before the transaction
    if published:
        password_hash = hash_password(ctx, new.password)
    else:
        password_hash = new_password_hash(ctx, new.username, new.password)
    with ctx.uow() as uow:
        if uow.users.by_username(new.username) is not None:
            raise Conflict(USERNAME_CLASH, field="username")
        user = _add_user(uow, actor.user_id, actor.centre_id, new, password_hash)
        uow.commit()
    return user


def _add_user(
    uow: UnitOfWork, by: int | None, centre_id: int, new: UserIn, password_hash: str
) -> r.User:
    return uow.users.add(
        by=by,
        centre_id=centre_id,
        username=new.username,
        full_name=new.full_name,
        role=new.role.value,
        password_hash=password_hash,
        active=True,
        created_at=uow.now,
        must_change_password=False,
    )


def list_users(ctx: Context, actor: Actor) -> list[r.User]:
    actor.require(Action.MANAGE_USERS)
    with ctx.uow(readonly=True) as uow:
        return uow.users.in_centre(actor.centre_id)


def bootstrap_centre(
    ctx: Context, centre_name: str, admin: UserIn, *, published: bool = False
) -> r.User:
    """First start: a centre and its first admin (used by `tvec db demo` and deployments);
    `published` as for `create_user`."""
    if published:
        password_hash = hash_password(ctx, admin.password)
    else:
        password_hash = new_password_hash(ctx, admin.username, admin.password)
    with ctx.uow() as uow:
        centre = uow.centres.by_name(centre_name) or uow.centres.add(by=None, name=centre_name)
        existing = uow.users.by_username(admin.username)
        user = existing or _add_user(uow, None, centre.id, admin, password_hash)
        uow.commit()
    return user


# ---- account control --------------------------------------------------------------------------


def _account(uow: UnitOfWork, actor: Actor, user_id: int) -> r.User:
    """A user of the actor's centre; a user of another centre does not exist for the actor."""
    user = uow.users.find(user_id)
    if user is None or user.centre_id != actor.centre_id:
        raise NotFound("user", user_id)
    return user


def _end_sessions(uow: UnitOfWork, by: int, user_id: int, keep: str | None = None) -> int:
    """Revoke every open session of the user (but the one whose token hash is `keep`)."""
    ended = 0
    for session in uow.auth_sessions.open_of_user(user_id):
        if session.token_hash != keep:
            uow.auth_sessions.update(
                session.id, expected_version=None, by=by, action="revoke", revoked_at=uow.now
            )
            ended += 1
    return ended


def _set_password(
    uow: UnitOfWork,
    by: int,
    user_id: int,
    password_hash: str,
    *,
    reset: bool = False,
    keep: str | None = None,
) -> r.User:
    """A new password for the account: its sessions end (but `keep`); a reset by an admin must be
    changed at the next login, a change by the owner clears that."""
    _end_sessions(uow, by, user_id, keep=keep)
    return uow.users.update(
        user_id,
        expected_version=None,
        by=by,
        action="reset-password" if reset else "change-password",
        password_hash=password_hash,
        must_change_password=reset,
    )


def disable_user(ctx: Context, actor: Actor, user_id: int) -> r.User:
    """Disable an account of the admin's centre: its sessions end at once, it cannot log in."""
    actor.require(Action.MANAGE_USERS)
    if user_id == actor.user_id:
        raise InvalidInput(
            "user", "id", "is your own account; another admin must disable it", label="This account"
        )
    with ctx.uow() as uow:
        user = _account(uow, actor, user_id)
        _end_sessions(uow, actor.user_id, user.id)
        user = uow.users.update(
            user.id, expected_version=None, by=actor.user_id, action="disable", active=False
        )
        uow.commit()
    return user


def enable_user(ctx: Context, actor: Actor, user_id: int) -> r.User:
    """Enable a disabled account again (its old sessions stay ended: it logs in anew)."""
    actor.require(Action.MANAGE_USERS)
    with ctx.uow() as uow:
        user = _account(uow, actor, user_id)
        user = uow.users.update(
            user.id, expected_version=None, by=actor.user_id, action="enable", active=True
        )
        uow.commit()
    return user


def reset_password(ctx: Context, actor: Actor, user_id: int, temporary: str) -> r.User:
    """Set a temporary password that its owner must change at the next login; the account's
    sessions end."""
    actor.require(Action.MANAGE_USERS)
    with ctx.uow(readonly=True) as uow:
        username = _account(uow, actor, user_id).username
    password_hash = new_password_hash(ctx, username, temporary)
    with ctx.uow() as uow:
        user = _account(uow, actor, user_id)
        user = _set_password(uow, actor.user_id, user.id, password_hash, reset=True)
        uow.commit()
    return user


def revoke_sessions(ctx: Context, actor: Actor, user_id: int) -> int:
    """End every session of a user: an admin for a user of their centre, or a user for
    themself. The number of sessions ended."""
    if user_id != actor.user_id:
        actor.require(Action.MANAGE_USERS)
    with ctx.uow() as uow:
        user = _account(uow, actor, user_id)
        ended = _end_sessions(uow, actor.user_id, user.id)
        uow.commit()
    return ended


def change_password(ctx: Context, token: str, current: str, new: str) -> r.User:
    """Change the logged-in user's own password (also the one an admin reset). The current
    password must be given; the user's other sessions end, this one goes on."""
    actor = authenticate(ctx, token, password_change=True)
    with ctx.uow(readonly=True) as uow:
        user = uow.users.get(actor.user_id)
    try:
        hasher(ctx).verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise InvalidInput("password", "current_password", "is not your current password") from None
    if new == current:
        raise InvalidInput("password", "new_password", "must differ from the current password")
    try:
        password_hash = new_password_hash(ctx, user.username, new)
    except InvalidInput as exc:
        raise InvalidInput("password", "new_password", exc.rule) from None
    with ctx.uow() as uow:
        current_user = uow.users.get(user.id)
        if current_user.password_hash != user.password_hash or not current_user.active:
            raise Conflict("the password was changed meanwhile; log in again", field="version")
        changed = _set_password(uow, user.id, user.id, password_hash, keep=_token_hash(token))
        uow.commit()
    return changed
