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

from tvec.domain.errors import Conflict, NotAuthenticated
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


def authenticate(ctx: Context, token: str) -> Actor:
    """The actor behind a token, if the token is known, unexpired and not revoked."""
    with ctx.uow(readonly=True) as uow:
        found = uow.auth_sessions.with_user(_token_hash(token))
        now = uow.now
    if found is None or found[0].revoked_at is not None or found[0].expires_at <= now:
        raise NotAuthenticated("the session has expired or is not valid; log in again")
    user = found[1]
    if not user.active:
        raise NotAuthenticated("the account is disabled")
    return Actor(user.id, user.centre_id, Role(user.role), user.username)


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


def create_user(ctx: Context, actor: Actor, new: UserIn) -> r.User:
    actor.require(Action.MANAGE_USERS)
    password_hash = hash_password(ctx, new.password)  # slow by design: before the transaction
    with ctx.uow() as uow:
        if uow.users.by_username(new.username) is not None:
            raise Conflict(f"username {new.username!r} is taken", field="username")
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
    )


def list_users(ctx: Context, actor: Actor) -> list[r.User]:
    actor.require(Action.MANAGE_USERS)
    with ctx.uow(readonly=True) as uow:
        return uow.users.in_centre(actor.centre_id)


def bootstrap_centre(ctx: Context, centre_name: str, admin: UserIn) -> r.User:
    """First start: a centre and its first admin (used by `tvec db demo` and deployments)."""
    password_hash = hash_password(ctx, admin.password)
    with ctx.uow() as uow:
        centre = uow.centres.by_name(centre_name) or uow.centres.add(by=None, name=centre_name)
        existing = uow.users.by_username(admin.username)
        user = existing or _add_user(uow, None, centre.id, admin, password_hash)
        uow.commit()
    return user
