"""One patient's records as mCODE resources (FHIR R4), built as plain dicts.

Plain dicts, not fhir.resources objects: building them is cheap enough for a bulk export of a
whole registry (the tests parse every one with the R4B models; `benchmarks/fhir_export.py`
compares both). Resource ids are stable and tvec's own (`tumor-12`, `tumor-size-40`); codes,
systems and profiles come from `FhirCodes` (knowledge data), looked up once per `FhirCodes`
(`_Prepared`), not once per resource. Every resource is a new dict of its own: nothing is shared
between resources, so a caller may change one without touching another.
How an administration names the lesion it was injected into: docs/adr/0005-fhir-mcode-export.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from tvec.interop.fhir.mcode.records import (
    AdministrationRecord,
    AdverseEventRecord,
    CourseRecord,
    DiagnosisRecord,
    DiseaseStatusRecord,
    LesionRecord,
    LotRecord,
    MeasurementRecord,
    PatientRecord,
    PatientRecords,
)
from tvec.knowledge.fhir_codes import FhirCodes

Resource = dict[str, Any]

# tvec's own identifier systems and extension (no standard one carries them); see the ADR.
MRN_SYSTEM = "urn:tvec:centre:{centre}:mrn"
LESION_SYSTEM = "urn:tvec:centre:{centre}:lesion"
CTCAE_GRADE = "urn:tvec:fhir:StructureDefinition:ctcae-grade"
# Resources several patients share (a vial lot, a nurse): an export of many writes each once.
SHARED_TYPES = frozenset({"Medication", "Practitioner"})
TREND = {"CR": "improved", "PR": "improved", "SD": "stable", "PD": "worsened", "NE": "undetermined"}

CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
RESOURCE_TYPES = "http://hl7.org/fhir/resource-types"
SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"


def patient_resources(rec: PatientRecords, codes: FhirCodes) -> list[Resource]:
    """Every resource of one patient, referring to each other as `Type/id`."""
    return list(_resources(rec, _prepared(codes)))


def bundle(resources: list[Resource], bundle_id: str) -> Resource:
    """A searchset Bundle of the resources (the answer of Patient/$everything)."""
    return {
        "resourceType": "Bundle",
        "id": bundle_id,
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {
                "fullUrl": f"{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


class _Prepared:
    """What the resources need of one `FhirCodes`, looked up once: profile URLs, each code as
    (system URL, code, display), each unit as (code, system URL), tvec's words to code keys."""

    def __init__(self, codes: FhirCodes) -> None:
        self.codes = codes
        self.profile = dict(codes.profiles)
        self.coding = {
            key: (codes.systems[c.system], c.code, c.display) for key, c in codes.codes.items()
        }
        self.unit = {key: (c.code, codes.systems[c.system]) for key, c in codes.codes.items()}
        self.site = dict(codes.lesion_sites)
        self.method = dict(codes.measurement_methods)
        self.stage = dict(codes.stages)

    def meta(self, profile: str) -> Resource:
        return {"profile": [self.profile[profile]]}

    def concept(self, key: str | None, text: str) -> Resource:
        if key is None:
            return {"text": text}
        system, code, display = self.coding[key]
        return {"text": text, "coding": [{"system": system, "code": code, "display": display}]}

    def quantity(self, value: Decimal, unit: str) -> Resource:
        code, system = self.unit[unit]
        return {"value": _decimal(value), "unit": code, "system": system, "code": code}


_last: _Prepared | None = None


def _prepared(codes: FhirCodes) -> _Prepared:
    """The lookups of `codes`, kept for the next call with the same `FhirCodes`."""
    global _last
    last = _last
    if last is None or last.codes is not codes:
        last = _last = _Prepared(codes)
    return last


def _resources(rec: PatientRecords, k: _Prepared) -> Iterator[Resource]:
    p = rec.patient
    d = rec.diagnosis
    subject = f"Patient/patient-{p.id}"
    yield _patient(p, k)
    if d is not None:
        yield _condition(subject, d, k)
        yield _stage(subject, d, k)
    lesion_system = LESION_SYSTEM.format(centre=p.centre_id)
    for lesion in rec.lesions:
        yield _tumor(subject, lesion_system, lesion, d, k)
    for m in rec.measurements:
        yield _tumor_size(subject, m, k)
    for course in rec.courses:
        yield _episode(subject, course, k)
    for lot in rec.lots:
        yield _medication(lot, k)
    for person in rec.staff:
        yield {
            "resourceType": "Practitioner",
            "id": f"staff-{person.id}",
            "meta": k.meta("practitioner"),
            "name": [{"text": person.full_name}],
        }
    sites = {les.id: les for les in rec.lesions}
    for a in rec.administrations:
        yield _administration(subject, a, sites.get(a.lesion_id or 0), d, k)
    for ae in rec.adverse_events:
        yield _adverse_event(subject, ae, k)
    for i, status in enumerate(rec.disease_status):
        yield _disease_status(p, subject, i, status, d, k)


def _decimal(value: Decimal) -> float | int:
    """A JSON number of the value (cm and mL have at most a few decimals)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _date_time(at: datetime) -> str:
    """An ISO 8601 dateTime, UTC written `Z` (as the FHIR R4B models write it)."""
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _patient(p: PatientRecord, k: _Prepared) -> Resource:
    name: Resource = {"use": "official"}
    if p.family_name:
        name["family"] = p.family_name
    if p.given_name:
        name["given"] = [p.given_name]
    return {
        "resourceType": "Patient",
        "id": f"patient-{p.id}",
        "meta": k.meta("patient"),
        "identifier": [
            {
                "use": "usual",
                "type": {"text": "MRN"},
                "system": MRN_SYSTEM.format(centre=p.centre_id),
                "value": p.mrn,
            }
        ],
        "name": [name],
        "gender": p.sex,
        "birthDate": p.birth_date.isoformat(),
    }


def _condition(subject: str, d: DiagnosisRecord, k: _Prepared) -> Resource:
    melanoma, icd = k.coding["melanoma"], k.coding["melanoma_icd"]
    return {
        "resourceType": "Condition",
        "id": f"condition-{d.id}",
        "meta": k.meta("condition"),
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}],
        "code": {
            "coding": [
                {"system": melanoma[0], "code": melanoma[1], "display": melanoma[2]},
                {"system": icd[0], "code": icd[1], "display": icd[2]},
            ],
            "text": "Melanoma",
        },
        "subject": {"reference": subject},
        "onsetDateTime": d.diagnosed_on.isoformat(),
        "stage": [{"assessment": [{"reference": f"Observation/stage-{d.id}"}]}],
    }


def _stage(subject: str, d: DiagnosisRecord, k: _Prepared) -> Resource:
    return {
        "resourceType": "Observation",
        "id": f"stage-{d.id}",
        "meta": k.meta("stage"),
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "exam"}]}],
        "code": k.concept("stage_group", "Stage group"),
        "subject": {"reference": subject},
        "focus": [{"reference": f"Condition/condition-{d.id}"}],
        "effectiveDateTime": d.diagnosed_on.isoformat(),
        "valueCodeableConcept": k.concept(k.stage.get(d.stage), f"stage {d.stage}"),
    }


def _tumor(
    subject: str, system: str, les: LesionRecord, d: DiagnosisRecord | None, k: _Prepared
) -> Resource:
    tumor: Resource = {
        "resourceType": "BodyStructure",
        "id": f"tumor-{les.id}",
        "meta": k.meta("tumor"),
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": RESOURCE_TYPES, "code": "BodyStructure"}]},
                "system": system,
                "value": str(les.id),
            }
        ],
        "description": les.name,
        "location": k.concept(k.site.get(les.site), f"{les.site}: {les.location}"),
        "patient": {"reference": subject},
    }
    if d is not None:
        tumor["extension"] = [
            {
                "url": k.profile["related_condition"],
                "valueReference": {"reference": f"Condition/condition-{d.id}"},
            }
        ]
    return tumor


def _tumor_size(subject: str, m: MeasurementRecord, k: _Prepared) -> Resource:
    longest = max(m.longest_cm, m.perpendicular_cm)
    other = min(m.longest_cm, m.perpendicular_cm)
    return {
        "resourceType": "Observation",
        "id": f"tumor-size-{m.id}",
        "meta": k.meta("tumor_size"),
        "status": "final",
        "code": k.concept("tumor_size", "Tumor size"),
        "subject": {"reference": subject},
        "focus": [{"reference": f"BodyStructure/tumor-{m.lesion_id}"}],
        "effectiveDateTime": m.measured_on.isoformat(),
        "method": k.concept(k.method.get(m.method), m.method),
        "component": [
            {
                "code": k.concept("longest_dimension", "Longest diameter"),
                "valueQuantity": k.quantity(longest, "cm"),
            },
            {
                "code": k.concept("other_dimension", "Perpendicular diameter"),
                "valueQuantity": k.quantity(other, "cm"),
            },
        ],
    }


def _episode(subject: str, c: CourseRecord, k: _Prepared) -> Resource:
    period = {"start": c.start_date.isoformat()}
    if c.end_date is not None:
        period["end"] = c.end_date.isoformat()
    return {
        "resourceType": "EpisodeOfCare",
        "id": f"course-{c.id}",
        "meta": k.meta("episode"),
        "status": "finished" if c.end_date is not None else "active",
        "type": [{"text": "T-VEC treatment course"}],
        "patient": {"reference": subject},
        "period": period,
    }


def _medication(lot: LotRecord, k: _Prepared) -> Resource:
    ndc = {10**6: "ndc_1e6", 10**8: "ndc_1e8"}.get(lot.pfu_per_ml)
    return {
        "resourceType": "Medication",
        "id": f"lot-{lot.id}",
        "meta": k.meta("medication"),
        "code": k.concept(ndc, f"IMLYGIC (talimogene laherparepvec) {lot.pfu_per_ml:.0e} PFU/mL"),
        "ingredient": [
            {
                "itemCodeableConcept": {"text": "talimogene laherparepvec"},
                "isActive": True,
                "strength": {
                    "numerator": k.quantity(Decimal(lot.pfu_per_ml), "pfu"),
                    "denominator": k.quantity(Decimal(1), "ml"),
                },
            }
        ],
        "batch": {"lotNumber": lot.lot, "expirationDate": lot.expiry_date.isoformat()},
    }


def _administration(
    subject: str,
    a: AdministrationRecord,
    lesion: LesionRecord | None,
    d: DiagnosisRecord | None,
    k: _Prepared,
) -> Resource:
    if lesion is not None:
        site = k.concept(k.site.get(lesion.site), f"{lesion.site}: {lesion.location}")
    else:
        site = {"text": a.target}
    given: Resource = {
        "resourceType": "MedicationAdministration",
        "id": f"administration-{a.id}",
        "meta": k.meta("administration"),
        "status": "completed",
        "medicationReference": {"reference": f"Medication/lot-{a.lot_id}"},
        "subject": {"reference": subject},
        "context": {"reference": f"EpisodeOfCare/course-{a.course_id}"},
        "effectiveDateTime": _date_time(a.administered_at),
        "performer": [{"actor": {"reference": f"Practitioner/staff-{a.performer_id}"}}],
        "dosage": {
            "site": site,
            "route": {"text": "intralesional"},
            "dose": k.quantity(a.volume_ml, "ml"),
        },
    }
    if lesion is not None:
        given["supportingInformation"] = [{"reference": f"BodyStructure/tumor-{lesion.id}"}]
    if d is not None:
        given["reasonReference"] = [{"reference": f"Condition/condition-{d.id}"}]
    return given


def _adverse_event(subject: str, ae: AdverseEventRecord, k: _Prepared) -> Resource:
    return {
        "resourceType": "AdverseEvent",
        "id": f"adverse-event-{ae.id}",
        "meta": k.meta("adverse_event"),
        "extension": [{"url": CTCAE_GRADE, "valueInteger": ae.grade}],
        "actuality": "actual",
        "event": {"text": ae.term},
        "subject": {"reference": subject},
        "date": ae.onset.isoformat(),
        "seriousness": {
            "coding": [{"system": SERIOUSNESS, "code": "serious" if ae.serious else "non-serious"}]
        },
    }


def _disease_status(
    p: PatientRecord,
    subject: str,
    i: int,
    s: DiseaseStatusRecord,
    d: DiagnosisRecord | None,
    k: _Prepared,
) -> Resource:
    status: Resource = {
        "resourceType": "Observation",
        "id": f"disease-status-{p.id}-{i + 1}",
        "meta": k.meta("disease_status"),
        "extension": [
            {
                "url": k.profile["evidence_type"],
                "valueCodeableConcept": k.concept("clinical_examination", "lesion measurements"),
            }
        ],
        "status": "final",
        "code": k.concept("disease_status", "Cancer disease status"),
        "subject": {"reference": subject},
        "effectiveDateTime": s.assessed_on.isoformat(),
        "valueCodeableConcept": k.concept(TREND[s.category], s.label),
        "method": {"text": s.criteria},
    }
    if d is not None:
        status["focus"] = [{"reference": f"Condition/condition-{d.id}"}]
    return status
