"""An administrator's password reset with a temporary password that tvec makes.

The password is shown to the admin once, on the page that answers the reset (never stored in
clear, never logged, never in a URL); its owner must change it at the next login
(`auth.reset_password`). It is 4 groups of 4 characters from an alphabet without look-alikes
(no 0/O, 1/l/I), about 78 bits from `secrets`, easy to read out over the phone.

A reset is confirmed with the mark of the password it replaces (`reset_mark`, on the confirm
page): a browser that sends the same form again (a reload of the answer) finds the mark changed
and is refused (Conflict), so the password shown stays the one that works.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from tvec.domain.errors import Conflict
from tvec.persistence import records as r
from tvec.services import auth
from tvec.services.context import Actor, Context

ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(4))


def reset_mark(user: r.User) -> str:
    """A mark of the account's current password: a digest of its salted hash (not reversible)."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def reset_to_temporary(ctx: Context, actor: Actor, user_id: int, mark: str) -> tuple[r.User, str]:
    """Reset `user_id`'s password to a new temporary one, if it is still the password that
    `mark` was made from; the account and the temporary password."""
    current = next((u for u in auth.list_users(ctx, actor) if u.id == user_id), None)
    if current is not None and not hmac.compare_digest(reset_mark(current), mark):
        raise Conflict(
            f"the password of {current.username} was reset or changed since this page was "
            "opened, so nothing was changed; to reset it again, use the admin page",
            field="password",
        )
    password = temporary_password()
    return auth.reset_password(ctx, actor, user_id, password), password
