"""A visit's record as JSON for `tvec claim` (and the claim lines it prints).

`{"service_date": "2026-12-06", "pfu_per_ml": 100000000, "vials_thawed": 2,
"administrations": [{"lesion_id": "L1", "volume_ml": 1.0, "ultrasound_guided": false}],
"diagnosis_codes": ["C43.71"]}`.
Strict: an unknown field, a wrong type (a volume must be a JSON number, read exactly), no
administration, or a diagnosis code not on tvec's list is refused in one line naming the field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
)

from tvec.domain import claims as c
from tvec.domain.errors import InvalidInput
from tvec.schemas.dose_plan import read_json
from tvec.schemas.refusals import rule_of


def _exact(value: Any) -> Any:
    return Decimal(value) if type(value) is int else value


def _day(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("must be a date as text, YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date as YYYY-MM-DD") from None


Volume = Annotated[Decimal, Strict(), BeforeValidator(_exact), Field(gt=0, le=100)]
Day = Annotated[date, BeforeValidator(_day)]


class AdministrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lesion_id: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    volume_ml: Volume
    ultrasound_guided: StrictBool = False

    def to_domain(self) -> c.Injection:
        return c.Injection(self.lesion_id, self.volume_ml, self.ultrasound_guided)


class ClaimRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service_date: Day
    pfu_per_ml: StrictInt
    vials_thawed: Annotated[StrictInt, Field(ge=1, le=100)]
    administrations: Annotated[list[AdministrationIn], Field(min_length=1)]
    diagnosis_codes: list[StrictStr]

    def to_domain(self) -> c.VisitForClaim:
        return c.VisitForClaim(
            service_date=self.service_date,
            pfu_per_ml=self.pfu_per_ml,
            vials_thawed=self.vials_thawed,
            injections=tuple(a.to_domain() for a in self.administrations),
            diagnosis_codes=tuple(self.diagnosis_codes),
        )


def parse_claim_request(text: str) -> ClaimRequest:
    """Parse JSON text; an error names the field (`administrations[1].volume_ml`)."""
    raw = read_json(text)
    try:
        return ClaimRequest.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        field = _place(error["loc"]) or "(top level)"
        rule = str(error["ctx"]["error"]) if error["type"] == "value_error" else rule_of(error)
        if error["type"] == "too_short" and field == "administrations":
            rule = "needs at least one administration"
        raise InvalidInput("Claim", field, rule, label=field) from None


def _place(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_json(line: c.ClaimLine) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": line.code,
        "modifiers": list(line.modifiers),
        "units": line.units,
    }
    if line.ndc11 is not None:
        out |= {
            "ndc11": line.ndc11,
            "ndc_qualifier": line.ndc_qualifier,
            "ndc_unit": line.ndc_unit,
            "ndc_quantity": line.ndc_quantity,
        }
    return out


# ---- the API's claims (GET /claims/ready, POST /claims/batches) --------------------------------


class ClaimLineOut(BaseModel):
    code: str
    modifiers: list[str]
    units: Decimal
    charge: Decimal
    ndc11: str | None = None
    ndc_qualifier: str | None = None
    ndc_unit: str | None = None
    ndc_quantity: Decimal | None = None


class EditFindingOut(BaseModel):
    edit: str
    field: str
    message: str


class ClaimPreviewOut(BaseModel):
    visit_id: int
    patient_id: int
    service_date: date
    place_of_service: str
    diagnosis_codes: list[str]
    authorization_number: str | None
    lines: list[ClaimLineOut]
    findings: list[EditFindingOut]
    ready: bool


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visit_ids: Annotated[
        list[Annotated[StrictInt, Field(ge=1)]], Field(min_length=1, max_length=500)
    ]


class BatchOut(BaseModel):
    id: int
    control_number: int
    created_at: datetime
    claim_count: int


def preview_out(p: Any) -> ClaimPreviewOut:
    """A service's `ClaimPreview` as the API shows it (no patient name: the id names them)."""
    return ClaimPreviewOut(
        visit_id=p.visit_id,
        patient_id=p.patient_id,
        service_date=p.service_date,
        place_of_service=p.place_of_service,
        diagnosis_codes=list(p.diagnosis_codes),
        authorization_number=p.authorization_number,
        lines=[
            ClaimLineOut(**{**line_json(ln), "charge": charge})
            for ln, charge in zip(p.lines, p.charges, strict=True)
        ],
        findings=[
            EditFindingOut(edit=f.edit, field=f.field, message=f.message) for f in p.findings
        ],
        ready=p.ready,
    )
