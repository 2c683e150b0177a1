"""The rules a new password must keep (OWASP ASVS 2.1): long enough, not blank, not made from
the username and not a commonly used password. The list of common passwords is data
(`tvec.knowledge.common_passwords`); the rules are applied here, in one place, to every password
that is set: when a user is created, when an admin resets it, and when its owner changes it.
"""

from __future__ import annotations

from collections.abc import Collection

from tvec.domain.errors import InvalidInput

MIN_LENGTH = 12

# Each rule as the user reads it after "password ...".
TOO_SHORT = f"must have at least {MIN_LENGTH} characters"
BLANK = "must not be blank"
FROM_USERNAME = "must not contain the username, forwards or backwards"
COMMON = "is a commonly used password; choose a less common one"


def password_problem(password: str, username: str, common: Collection[str]) -> str | None:
    """The first rule the password breaks, or None."""
    if not password.strip():
        return BLANK
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    folded, name = password.casefold(), username.strip().casefold()
    if name and (name in folded or name[::-1] in folded):
        return FROM_USERNAME
    if folded in common or folded.strip() in common:
        return COMMON
    return None


def check_password(password: str, username: str, common: Collection[str]) -> None:
    """Refuse a password that breaks a rule, naming the field and the rule."""
    problem = password_problem(password, username, common)
    if problem is not None:
        raise InvalidInput("user", "password", problem)
