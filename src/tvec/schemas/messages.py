"""Pydantic's validation errors in the clinic's words, for the web forms and the API's `detail`.

Pydantic names a field by its location (`items.0.volume_ml`) and speaks of Python ("Input should
be greater than 0", "String should have at least 3 characters", "Field required"). A nurse reads
the field's label, the rule with its unit, and what to do: "Volume (mL), row 1: enter more
than 0 mL". Labels come from the one table in `tvec.domain.labels`, which the domain's own
refusals use too. The API keeps the location in its `field` key, for programs.

`where` names the field, `rule` the rule, `message` both. Our own validators' texts
("Value error, must be a valid date ...") are already written for people and are kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from itertools import pairwise
from typing import Any

from tvec.domain.labels import ITEM_NAMES, label_of, unit_of

# The fixed wording of the error types whose rule needs no number from the error.
PLAIN: dict[str, str] = {
    "missing": "is required: fill it in",
    "extra_forbidden": "is not a field of this form: leave it out",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number, such as 3",
    "int_from_float": "must be a whole number, without decimals",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number, such as 1.5",
    "is_instance_of": "must be a number",
    "float_type": "must be a number",
    "float_parsing": "must be a number, such as 1.5",
    "finite_number": "must be an ordinary number",
    "bool_type": "must be yes or no",
    "bool_parsing": "must be yes or no",
    "date_type": "must be a date written YYYY-MM-DD, such as 2026-03-01",
    "date_parsing": "must be a date written YYYY-MM-DD, such as 2026-03-01",
    "date_from_datetime_parsing": "must be a real date written YYYY-MM-DD, such as 2026-03-01",
    "date_from_datetime_inexact": "must be a date without a time",
    "datetime_type": "must be a date and time, such as 2026-03-01 14:30",
    "datetime_parsing": "must be a date and time, such as 2026-03-01 14:30",
    "datetime_from_date_parsing": "must be a date and time, such as 2026-03-01 14:30",
    "timezone_aware": "must include the time zone",
    "list_type": "must be a list",
    "model_type": "must be a group of fields",
    "model_attributes_type": "must be a group of fields",
    "dict_type": "must be a group of fields",
    "json_type": "must be valid JSON",
    "string_unicode": "must be text",
}


def where(loc: Sequence[int | str]) -> str:
    """The field a location names, in words: ("body", "items", 0, "volume_ml") →
    "Volume (mL), row 1"."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    names = [p for p in parts if not p.isdigit()]
    if not names:
        return "The request"
    positions = []
    for before, part in pairwise(parts):
        if part.isdigit():
            positions.append(f"{ITEM_NAMES.get(before, 'entry')} {int(part) + 1}")
    field = names[-1]
    if len(names) > 1 and names[-2] == "answers":
        field = f"answers.{field}"
    return ", ".join([label_of(field), *positions])


def rule(error: Mapping[str, Any]) -> str:
    """The rule one pydantic error (an item of `ValidationError.errors()`) says was broken,
    with its unit, in the words of what to do."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    field = next((str(p) for p in reversed(error.get("loc", ())) if not str(p).isdigit()), "")
    unit = unit_of(field)
    if kind == "value_error":
        return str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    if kind in PLAIN:
        return PLAIN[kind]
    if kind in ("enum", "literal_error"):
        return f"must be one of: {_choices(str(ctx.get('expected', '')))}"
    if kind in ("string_too_short", "too_short", "string_too_long", "too_long"):
        return _length(kind, ctx, isinstance(error.get("input"), str))
    if kind == "string_pattern_mismatch":
        return _pattern(str(ctx.get("pattern", "")))
    if kind in BOUNDS:
        bound = next(iter(ctx.values()), "")
        return BOUNDS[kind].format(n=_number(bound, unit))
    if kind == "decimal_max_places":
        return f"use at most {ctx.get('decimal_places')} decimal places"
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return "is too long a number: use fewer digits"
    return _fallback(str(error.get("msg", "is not valid")))


def message(error: Mapping[str, Any]) -> str:
    """The field and its rule: "Reason for the early dose: write at least 3 characters"."""
    return f"{where(error.get('loc', ()))}: {rule(error)}"


BOUNDS = {
    "greater_than": "enter more than {n}",
    "greater_than_equal": "enter {n} or more",
    "less_than": "enter less than {n}",
    "less_than_equal": "enter {n} or less",
}


def _number(bound: object, unit: str) -> str:
    text = f"{bound:,}" if isinstance(bound, int) and bound >= 10_000 else str(bound)
    if isinstance(bound, Decimal):
        text = format(bound.normalize(), "f")
    return f"{text} {unit}".strip()


def _length(kind: str, ctx: Mapping[str, Any], text: bool) -> str:
    """A text's length in characters, a list's in entries."""
    text = text or kind.startswith("string")
    if kind.endswith("too_short"):
        least = int(ctx.get("min_length", 1))
        if least <= 1:
            return "is required: fill it in"
        return f"write at least {least} characters" if text else f"give at least {least} entries"
    most = int(ctx.get("max_length", 0))
    return f"write at most {most} characters" if text else f"give at most {most} entries"


def _choices(expected: str) -> str:
    # a choice written with an underscore (the role payer_reviewer) reads as words
    return expected.replace("'", "").replace("_", " ")


def _pattern(pattern: str) -> str:
    found = re.fullmatch(r"\^\(([\w|-]+)\)\$", pattern)
    if found:
        return f"must be one of: {', '.join(found.group(1).split('|'))}"
    return "is not in the expected form"


def _fallback(text: str) -> str:
    """Pydantic's own words, for an error type not in the tables, made to read as a rule."""
    text = re.sub(r"^(Decimal input|Input|String|List|Value|Dictionary) should", "must", text)
    return text[:1].lower() + text[1:]
