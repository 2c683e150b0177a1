"""What a message shown to a person must not contain: a field's internal name or Pydantic's
English. Used by the tests of refusals (API `detail`, web form errors, error pages)."""

from __future__ import annotations

import re

# a snake_case identifier (vial_lot, items.0.volume_ml's volume_ml), as code names a field
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
PYDANTIC_ENGLISH = (
    "String should",
    "Input should",
    "Decimal input should",
    "List should",
    "Value should",
    "Field required",
    "Value error",
    "Extra inputs are not permitted",
    "should be a valid",
    "Assertion failed",
)


def plain_problems(message: str) -> list[str]:
    """The parts of `message` a clinic user should not read: internal names, Pydantic's words."""
    found = [f"field name {name!r}" for name in SNAKE_CASE.findall(message)]
    found += [f"Pydantic's {words!r}" for words in PYDANTIC_ENGLISH if words in message]
    return found


def assert_plain(message: str) -> None:
    problems = plain_problems(message)
    assert not problems, f"{message!r}: {', '.join(problems)}"
