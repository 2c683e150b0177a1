"""Pydantic's validation errors in the words a person writing JSON or CSV reads.

Pydantic speaks of Python ("Input should be an instance of Decimal"); a refusal names the rule as
the input's author knows it ("must be a JSON number"). Used by the command line's readers; the API
and the web app show their own 422 and form messages.
"""

from __future__ import annotations

import re
from typing import Any

# The error types whose own wording speaks of Python.
TYPE_RULES = {
    "missing": "is required",
    "extra_forbidden": "is not a known field",
    "is_instance_of": "must be a JSON number",  # the strict Decimal fields
    "bool_type": "must be true or false",
    "string_type": "must be a JSON string",
    "int_type": "must be a whole JSON number",
    "model_type": "must be a JSON object",
    "list_type": "must be a JSON list",
}


def rule_of(error: Any) -> str:
    """The rule one pydantic error (an item of `ValidationError.errors()`) says was broken."""
    if error["type"] == "enum":
        return f"must be one of: {error['ctx']['expected']}"
    if error["type"] in TYPE_RULES:
        return str(TYPE_RULES[error["type"]])
    message = re.sub(r"^(Decimal input|Input|String|List) should", "must", str(error["msg"]))
    return message[:1].lower() + message[1:]
