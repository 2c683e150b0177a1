"""Login rate limits: per account and per client address, with lockouts that grow.

After `login_failures_before_lock` failed logins for an account within `login_window_minutes`
(or `login_address_failures_before_lock` from one client address), every login for that account
(or from that address) is refused with TooManyAttempts for `login_lockout_minutes`, whatever the
password; each further lockout of the same account or address doubles, up to
`login_lockout_max_minutes`, until a whole window passes without one. A successful login clears
the account's count. Unknown usernames are counted exactly like known ones, so the answers never
tell whether an account exists.

Hand-written rather than a library (slowapi, limits): those count per process or need a Redis;
these counters live in the database (tvec.persistence.login_attempts), so every server worker
shares them. A locked account or address is refused before its password is hashed, so a flood
of logins costs one indexed read each.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta

from tvec.config import Settings
from tvec.domain.errors import NotAuthenticated, TooManyAttempts
from tvec.persistence import login_attempts as store
from tvec.persistence import records as r
from tvec.persistence.login_attempts import Attempts
from tvec.services import auth
from tvec.services.context import Context

ACCOUNT, ADDRESS = "account", "address"


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [(ACCOUNT, store.key_of(username))]
    if address:
        keys.append((ADDRESS, store.key_of(address)))
    return keys


def login(
    ctx: Context, username: str, password: str, address: str | None, kind: str = "bearer"
) -> tuple[str, r.AuthSession, r.User]:
    """auth.login behind the limits: refused while locked out, failures counted, and a success
    clearing the account's count. `address` is the client's (None if unknown: then only the
    account is counted)."""
    counted = check(ctx, username, address)
    try:
        found = auth.login(ctx, username, password, kind)
    except NotAuthenticated:
        failed(ctx, username, address)
        raise
    if counted:
        succeeded(ctx, username)
    return found


def check(ctx: Context, username: str, address: str | None) -> bool:
    """TooManyAttempts if the account or the address is locked out now; else whether the
    account has failures counted."""
    with ctx.uow(readonly=True) as uow:
        until, counted = store.latest_lock(uow.connection, _keys(username, address))
        now = uow.now
    if until is not None and until > now:
        raise TooManyAttempts(max(1, math.ceil((until - now).total_seconds())))
    return counted


def after_failure(attempts: Attempts, now: datetime, limit: int, settings: Settings) -> Attempts:
    """One more failed login: counted in its window, and a lockout once `limit` is reached."""
    window = timedelta(minutes=settings.login_window_minutes)
    if attempts.locked_until is not None and now - attempts.locked_until > window:
        attempts = replace(attempts, lockouts=0)  # a whole window without a lockout
    if attempts.first_failure_at is None or now - attempts.first_failure_at > window:
        attempts = replace(attempts, failures=0, first_failure_at=now)
    failures = attempts.failures + 1
    if failures < limit:
        return replace(attempts, failures=failures)
    lockouts = attempts.lockouts + 1
    minutes = min(
        settings.login_lockout_minutes * 2 ** min(lockouts - 1, 30),
        settings.login_lockout_max_minutes,
    )
    return Attempts(0, None, lockouts, now + timedelta(minutes=minutes))


def failed(ctx: Context, username: str, address: str | None) -> None:
    """Count a failed login against the account and the address."""
    settings = ctx.settings
    limits = {ACCOUNT: settings.login_failures_before_lock}
    limits[ADDRESS] = settings.login_address_failures_before_lock
    with ctx.uow() as uow:
        for scope, key in _keys(username, address):
            attempts = store.for_update(uow.connection, scope, key, uow.now)
            counted = after_failure(attempts, uow.now, limits[scope], settings)
            store.save(uow.connection, scope, key, counted, uow.now)
        unused = settings.login_window_minutes + settings.login_lockout_max_minutes
        store.forget_before(uow.connection, uow.now - timedelta(minutes=unused))
        uow.commit()


def succeeded(ctx: Context, username: str) -> None:
    """A successful login clears the account's failures (not the address's)."""
    with ctx.uow() as uow:
        store.clear(uow.connection, ACCOUNT, store.key_of(username))
        uow.commit()
