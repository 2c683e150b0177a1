"""The list of common passwords tvec refuses (data/accounts/common-passwords.txt), read once."""

from __future__ import annotations

from functools import cache
from importlib import resources

COMMON_PASSWORDS = resources.files("tvec.knowledge") / "data" / "accounts" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The common passwords, in lower case (comment lines and blank lines left out)."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().casefold() for line in lines if line.strip() and not line.startswith("#")
    )
