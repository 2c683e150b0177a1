"""Form handling: validate with the same Pydantic schemas as the API; keep what the user typed."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tvec.domain.errors import DomainError

M = TypeVar("M", bound=BaseModel)


class FormErrors(Exception):
    """Field-level messages for a form (`field -> message`), plus a general message if any."""

    def __init__(self, fields: dict[str, str], general: str | None = None) -> None:
        super().__init__(general or "; ".join(fields.values()))
        self.fields, self.general = fields, general


def validate(model: type[M], data: dict[str, Any], prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            name = prefix + ".".join(str(part) for part in error["loc"])
            fields.setdefault(name, str(error["msg"]).removeprefix("Value error, "))
        raise FormErrors(fields) from None


def from_domain(exc: DomainError, field_map: dict[str, str] | None = None) -> FormErrors:
    """A refusal from the rules, shown next to its field when the form has one."""
    field = exc.fields.get("field") or getattr(exc, "field", None)
    where = getattr(exc, "where", None)
    key = (field_map or {}).get(f"{where}:{field}") or (field_map or {}).get(str(field)) or ""
    return FormErrors({key: str(exc)} if key else {}, None if key else str(exc))


def blank_to_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
