"""Form handling: validate with the same Pydantic schemas as the API; keep what the user typed.

Messages speak the clinic's words: a refused field is named by its label and the rule says what
to do ("Volume (mL), row 1: enter 2 mL or less"), from the same table and translation as the
API's `detail` (`tvec.schemas.messages`, `tvec.domain.labels`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tvec.domain.errors import DomainError
from tvec.schemas import messages

M = TypeVar("M", bound=BaseModel)

EXPIRED = (
    "The form expired (the session changed since the page was opened), so nothing was saved. "
    "Please check the values below and submit again."
)


class FormErrors(Exception):
    """Field-level messages for a form (`field -> message`), plus a general message if any."""

    status = 422

    def __init__(self, fields: dict[str, str], general: str | None = None) -> None:
        super().__init__(general or "; ".join(fields.values()))
        self.fields, self.general = fields, general

    def placed(self, names: Iterable[str]) -> FormErrors:
        """The same errors for a page whose fields are `names`.

        A message for a field the page has no place for (a hidden field, a part of the request
        the user cannot see) moves to the general message, named in plain words, so that no
        refusal is ever silent.
        """
        names = set(names)
        fields = {k: v for k, v in self.fields.items() if k in names}
        stray = [_named(k, v) for k, v in self.fields.items() if k not in names]
        if stray and fields:
            stray.append("please also correct the fields marked below")
        general = "; ".join(part for part in (self.general, *stray) if part) or None
        placed = FormErrors(fields, general)
        placed.status = self.status
        return placed


class FormExpired(FormErrors):
    """The form's CSRF value does not match the session: shown again, with what was typed."""

    status = 403

    def __init__(self) -> None:
        super().__init__({}, EXPIRED)


def human_field(name: str) -> str:
    """'body.items.0.longest_cm' → 'Longest diameter (cm), row 1': a field by its label."""
    return messages.where([p for p in re.split(r"[.\[\]]+", name) if p])


def _named(name: str, message: str) -> str:
    """A message that names its field: as it is when it starts with the field's label."""
    label = human_field(name)
    return message if message.startswith(label.split(",")[0]) else f"{label}: {message}"


def validate(
    model: type[M],
    data: dict[str, Any],
    prefix: str = "",
    rename: Callable[[str], str] | None = None,
) -> M:
    """`model` from form data; a refusal is `FormErrors` keyed by form field names.

    Pydantic names a field by its location (`items.0.longest_cm`); `rename` turns that into the
    name of the form control that holds it, where the two differ.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            name = rename(name) if rename else prefix + name
            fields.setdefault(name, messages.message(error))
        raise FormErrors(fields) from None


def from_domain(exc: DomainError, field_map: dict[str, str] | None = None) -> FormErrors:
    """A refusal from the rules, shown next to its field when the form has one."""
    field = exc.fields.get("field") or getattr(exc, "field", None)
    where = getattr(exc, "where", None)
    key = (field_map or {}).get(f"{where}:{field}") or (field_map or {}).get(str(field)) or ""
    return FormErrors({key: str(exc)} if key else {}, None if key else str(exc))


def blank_to_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
