"""A prior-authorization request as a FHIR R4 Bundle shaped like Da Vinci PAS, and reading one.

The Bundle (type `collection`) holds the Claim first (`use = preauthorization`), then the patient,
the coverage, the prescriber, the clinic and the payer, and one Observation per lesion (its
longest diameter and the day it was measured). The Claim's service lines are the drug (HCPCS
J9325, quantity in billing units) and its administration (CPT 96405); its supporting information
names the payer's policy and carries the chart's coverage facts as a JSON attachment, which is
what the payer's side evaluates (`read_request`).

Everything is built and read with `fhir.resources` (R4B models, the only place it is imported),
so a Bundle that does not validate is refused with the path of the first wrong element.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

REQUEST_SYSTEM = "urn:tvec:prior-authorization-request"
FACT_SYSTEM = "urn:tvec:coverage-facts"
POLICY_SYSTEM = "urn:tvec:payer-policy"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
SUPPORTING = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"


@dataclass(frozen=True)
class ServiceLine:
    code: str  # "J9325" or "96405"
    system: str  # HCPCS or CPT
    display: str
    quantity: Decimal  # billing units (J9325) or services (96405)


@dataclass(frozen=True)
class LesionEvidence:
    id: str
    site: str
    longest_cm: Decimal | None
    measured_on: date | None


@dataclass(frozen=True)
class PasRequest:
    request_id: int
    created: datetime
    service_start: date
    service_end: date
    patient_id: int
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    mrn: str
    clinic_id: int
    clinic_name: str
    prescriber_id: int
    prescriber_name: str
    prescriber_specialty: str | None
    payer_name: str
    policy_id: str
    policy_title: str
    lines: tuple[ServiceLine, ...]
    lesions: tuple[LesionEvidence, ...]
    facts: dict[str, Any]  # the coverage facts, as the policy evaluation reads them


@dataclass(frozen=True)
class ReceivedRequest:
    """What the payer's side reads from a PAS Bundle."""

    request_id: int
    policy_id: str
    facts: dict[str, Any]
    lines: tuple[ServiceLine, ...]


class BundleRefused(ValueError):
    """A Bundle that is not a PAS request tvec can read; `path` names the element."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


def _ref(kind: str, rid: Any) -> dict[str, str]:
    return {"reference": f"{kind}/{rid}"}


def _code(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _claim(req: PasRequest) -> dict[str, Any]:
    period = {"start": req.service_start.isoformat(), "end": req.service_end.isoformat()}
    facts = base64.b64encode(json.dumps(req.facts, sort_keys=True).encode()).decode()
    return {
        "resourceType": "Claim",
        "id": f"request-{req.request_id}",
        "identifier": [{"system": REQUEST_SYSTEM, "value": str(req.request_id)}],
        "status": "active",
        "type": _code(CLAIM_TYPE, "professional"),
        "use": "preauthorization",
        "patient": _ref("Patient", f"patient-{req.patient_id}"),
        "created": req.created.isoformat(),
        "insurer": _ref("Organization", "payer"),
        "provider": _ref("Organization", f"clinic-{req.clinic_id}"),
        "priority": _code("http://terminology.hl7.org/CodeSystem/processpriority", "normal"),
        "careTeam": [
            {"sequence": 1, "provider": _ref("Practitioner", f"prescriber-{req.prescriber_id}")}
        ],
        "supportingInfo": [
            {
                "sequence": 1,
                "category": _code(SUPPORTING, "info"),
                "code": _code(POLICY_SYSTEM, req.policy_id, req.policy_title),
            },
            {
                "sequence": 2,
                "category": _code(SUPPORTING, "info"),
                "code": _code(FACT_SYSTEM, "coverage-facts"),
                "valueAttachment": {"contentType": "application/json", "data": facts},
            },
            *(
                {
                    "sequence": 3 + i,
                    "category": _code(SUPPORTING, "info"),
                    "valueReference": _ref("Observation", f"lesion-{i + 1}"),
                }
                for i in range(len(req.lesions))
            ),
        ],
        "insurance": [{"sequence": 1, "focal": True, "coverage": _ref("Coverage", "coverage")}],
        "item": [
            {
                "sequence": n,
                "productOrService": _code(line.system, line.code, line.display),
                "quantity": {"value": float(line.quantity)},
                "servicedPeriod": period,
                "careTeamSequence": [1],
            }
            for n, line in enumerate(req.lines, start=1)
        ],
    }


def _lesion(req: PasRequest, i: int, lesion: LesionEvidence) -> dict[str, Any]:
    found: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"lesion-{i}",
        "status": "final",
        "code": _code(LOINC, "21889-1", "Size Tumor"),
        "subject": _ref("Patient", f"patient-{req.patient_id}"),
        "bodySite": {"text": f"{lesion.id}: {lesion.site}"},
    }
    if lesion.longest_cm is not None:
        found["valueQuantity"] = {
            "value": float(lesion.longest_cm),
            "unit": "cm",
            "system": UCUM,
            "code": "cm",
        }
    else:
        found["dataAbsentReason"] = {"text": "not measured"}
    if lesion.measured_on is not None:
        found["effectiveDateTime"] = lesion.measured_on.isoformat()
    return found


def _resources(req: PasRequest) -> list[dict[str, Any]]:
    gender = {"F": "female", "M": "male"}.get(req.sex.upper()[:1], "unknown")
    specialty = [{"code": {"text": req.prescriber_specialty}}] if req.prescriber_specialty else []
    return [
        _claim(req),
        {
            "resourceType": "Patient",
            "id": f"patient-{req.patient_id}",
            "identifier": [{"type": {"text": "MRN"}, "value": req.mrn}],
            "name": [{"family": req.family_name or "-", "given": [req.given_name or "-"]}],
            "birthDate": req.birth_date.isoformat(),
            "gender": gender,
        },
        {
            "resourceType": "Coverage",
            "id": "coverage",
            "status": "active",
            "beneficiary": _ref("Patient", f"patient-{req.patient_id}"),
            "payor": [_ref("Organization", "payer")],
            "class": [
                {"type": {"text": "policy"}, "value": req.policy_id, "name": req.policy_title}
            ],
        },
        {
            "resourceType": "Practitioner",
            "id": f"prescriber-{req.prescriber_id}",
            "name": [{"text": req.prescriber_name}],
            "qualification": specialty,
        },
        {"resourceType": "Organization", "id": f"clinic-{req.clinic_id}", "name": req.clinic_name},
        {"resourceType": "Organization", "id": "payer", "name": req.payer_name},
        *(_lesion(req, i, les) for i, les in enumerate(req.lesions, start=1)),
    ]


def build_bundle(req: PasRequest) -> dict[str, Any]:
    """The PAS request Bundle as JSON, validated by the R4B models."""
    data = {
        "resourceType": "Bundle",
        "id": f"pas-request-{req.request_id}",
        "type": "collection",
        "timestamp": req.created.isoformat(),
        "entry": [
            {"fullUrl": f"urn:tvec:{r['resourceType']}/{r['id']}", "resource": r}
            for r in _resources(req)
        ],
    }
    validated = Bundle.model_validate(data)
    sent: dict[str, Any] = json.loads(validated.model_dump_json(exclude_none=True))
    return sent


def read_request(data: Any) -> ReceivedRequest:
    """The request a PAS Bundle carries; a Bundle the models refuse, or one without a
    preauthorization Claim, tvec's request identifier, a policy or the facts: BundleRefused."""
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        raise BundleRefused("resourceType", "must be Bundle")
    try:
        bundle = Bundle.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"] if not str(p).startswith("function-"))
        raise BundleRefused(path or "Bundle", first["msg"]) from None
    entries = bundle.entry or []
    claim: Any = entries[0].resource if entries else None
    if claim is None or claim.get_resource_type() != "Claim":
        raise BundleRefused("entry.0.resource", "must be the Claim")
    if claim.use != "preauthorization":
        raise BundleRefused("entry.0.resource.use", "must be preauthorization")
    return ReceivedRequest(_request_id(claim), _policy_id(claim), _facts(claim), _lines(claim))


def _request_id(claim: Any) -> int:
    for ident in claim.identifier or []:
        if ident.system == REQUEST_SYSTEM and (ident.value or "").isdigit():
            return int(ident.value)
    raise BundleRefused(
        "entry.0.resource.identifier", f"needs tvec's request number ({REQUEST_SYSTEM})"
    )


def _info_code(info: Any, system: str) -> str | None:
    codings = info.code.coding if info.code is not None else None
    return next((c.code for c in codings or [] if c.system == system), None)


def _policy_id(claim: Any) -> str:
    for info in claim.supportingInfo or []:
        found = _info_code(info, POLICY_SYSTEM)
        if found:
            return str(found)
    raise BundleRefused("entry.0.resource.supportingInfo", "names no payer policy")


def _facts(claim: Any) -> dict[str, Any]:
    for n, info in enumerate(claim.supportingInfo or []):
        if _info_code(info, FACT_SYSTEM) and info.valueAttachment is not None:
            path = f"entry.0.resource.supportingInfo.{n}.valueAttachment.data"
            try:
                # the models hand back the attachment's data decoded from base64
                facts = json.loads(info.valueAttachment.data)
            except ValueError:
                raise BundleRefused(path, "is not the coverage facts as JSON") from None
            if not isinstance(facts, dict):
                raise BundleRefused(path, "is not the coverage facts as a JSON object")
            return facts
    raise BundleRefused("entry.0.resource.supportingInfo", "carries no coverage facts")


def _lines(claim: Any) -> tuple[ServiceLine, ...]:
    lines = []
    for item in claim.item or []:
        coding = item.productOrService.coding[0] if item.productOrService.coding else None
        if coding is None:
            continue
        quantity = Decimal(str(item.quantity.value)) if item.quantity else Decimal(0)
        if quantity == quantity.to_integral_value():
            quantity = quantity.to_integral_value()
        lines.append(ServiceLine(coding.code, coding.system, coding.display or "", quantity))
    return tuple(lines)
