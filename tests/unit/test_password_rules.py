"""The password rules (tvec.domain.passwords) as a table, with the list of common passwords
shipped in tvec.knowledge."""

from __future__ import annotations

import pytest

from tvec.domain.errors import InvalidInput
from tvec.domain.passwords import (
    BLANK,
    COMMON,
    FROM_USERNAME,
    MIN_LENGTH,
    TOO_SHORT,
    check_password,
    password_problem,
)
from tvec.knowledge.accounts import common_passwords

COMMON_LIST = common_passwords()

# password, username, the rule it breaks (None: accepted)
CASES = [
    ("aaaaaaaaaa", "nurse", TOO_SHORT),
    (" " * 10, "nurse", BLANK),
    ("\t \n" * 5, "nurse", BLANK),
    ("", "nurse", BLANK),
    ("password12", "nurse", TOO_SHORT),
    ("x" * (MIN_LENGTH - 1) + "!", "nurse", None),
    ("Kq7-rivers-lantern", "nurse", None),
    ("my-NURSE-secret-9", "nurse", FROM_USERNAME),
    ("nurse.jones.2026", "Nurse.Jones", FROM_USERNAME),
    ("eno-esrun-wen", "new-nurse-one", FROM_USERNAME),
    ("x-eno-esrun-wen-x", "new-nurse-one", FROM_USERNAME),
    ("aaaaaaaaaaaa", "nurse", COMMON),
    ("Password1234", "nurse", COMMON),
    ("qwerty123456", "nurse", COMMON),
    ("  iloveyou123456  ", "nurse", COMMON),
    ("long enough text", "   ", None),
]


@pytest.mark.parametrize(("password", "username", "rule"), CASES)
def test_password_rules(password: str, username: str, rule: str | None) -> None:
    assert password_problem(password, username, COMMON_LIST) == rule


def test_a_broken_rule_is_refused_naming_the_password_field() -> None:
    with pytest.raises(InvalidInput, match="user: Password must have at least 12") as refused:
        check_password("password12", "nurse", COMMON_LIST)
    assert refused.value.field == "password"
    check_password("Kq7-rivers-lantern", "nurse", COMMON_LIST)  # accepted: no error


def test_the_common_list_is_shipped_in_lower_case_without_comments() -> None:
    assert len(COMMON_LIST) > 5000
    assert {"password", "qwerty123456", "letmein"} <= COMMON_LIST
    assert all(entry == entry.casefold() and not entry.startswith("#") for entry in COMMON_LIST)
