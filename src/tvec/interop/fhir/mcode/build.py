"""One patient's records as mCODE resources (FHIR R4), built as plain dicts.

Plain dicts, not fhir.resources objects: building them is cheap enough for a whole centre (the
tests parse every one with the R4B models). Resource ids are stable and tvec's own
(`tumor-12`, `tumor-size-40`); codes, systems and profiles come from `FhirCodes` (knowledge data).
How an administration names the lesion it was injected into: docs/adr/0005-fhir-mcode-export.md.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    StaffRecord,
)
from tvec.knowledge.fhir_codes import FhirCodes

Resource = dict[str, Any]

# tvec's own identifier systems and extension (no standard one carries them); see the ADR.
MRN_SYSTEM = "urn:tvec:centre:{centre}:mrn"
LESION_SYSTEM = "urn:tvec:centre:{centre}:lesion"
CTCAE_GRADE = "urn:tvec:fhir:StructureDefinition:ctcae-grade"
TREND = {"CR": "improved", "PR": "improved", "SD": "stable", "PD": "worsened", "NE": "undetermined"}


def patient_resources(rec: PatientRecords, codes: FhirCodes) -> list[Resource]:
    """Every resource of one patient, referring to each other as `Type/id`."""
    return list(_resources(rec, codes))


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


def _resources(rec: PatientRecords, codes: FhirCodes) -> Iterator[Resource]:
    p = rec.patient
    yield _patient(p, codes)
    if rec.diagnosis is not None:
        yield _condition(p, rec.diagnosis, codes)
        yield _stage(p, rec.diagnosis, codes)
    for lesion in rec.lesions:
        yield _tumor(p, lesion, rec.diagnosis, codes)
    for m in rec.measurements:
        yield _tumor_size(p, m, codes)
    for course in rec.courses:
        yield _episode(p, course, codes)
    for lot in rec.lots:
        yield _medication(lot, codes)
    for person in rec.staff:
        yield _practitioner(person, codes)
    sites = {les.id: les for les in rec.lesions}
    for a in rec.administrations:
        yield _administration(p, a, sites.get(a.lesion_id or 0), rec.diagnosis, codes)
    for ae in rec.adverse_events:
        yield _adverse_event(p, ae, codes)
    for i, status in enumerate(rec.disease_status):
        yield _disease_status(p, i, status, rec.diagnosis, codes)


def _ref(kind: str, rid: str) -> dict[str, str]:
    return {"reference": f"{kind}/{rid}"}


def _meta(codes: FhirCodes, profile: str) -> dict[str, list[str]]:
    return {"profile": [codes.profiles[profile]]}


def _patient_ref(p: PatientRecord) -> dict[str, str]:
    return _ref("Patient", f"patient-{p.id}")


def _decimal(value: Decimal) -> float | int:
    """A JSON number of the value (cm and mL have at most a few decimals)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _concept(codes: FhirCodes, key: str | None, text: str) -> Resource:
    concept: Resource = {"text": text}
    if key is not None:
        concept["coding"] = [codes.coding(key)]
    return concept


def _quantity(codes: FhirCodes, value: Decimal, unit: str) -> Resource:
    c = codes.codes[unit]
    return {
        "value": _decimal(value),
        "unit": c.code,
        "system": codes.systems[c.system],
        "code": c.code,
    }


def _patient(p: PatientRecord, codes: FhirCodes) -> Resource:
    name: Resource = {"use": "official", "family": p.family_name or None}
    if p.given_name:
        name["given"] = [p.given_name]
    return {
        "resourceType": "Patient",
        "id": f"patient-{p.id}",
        "meta": _meta(codes, "patient"),
        "identifier": [
            {
                "use": "usual",
                "type": {"text": "MRN"},
                "system": MRN_SYSTEM.format(centre=p.centre_id),
                "value": p.mrn,
            }
        ],
        "name": [{k: v for k, v in name.items() if v}],
        "gender": p.sex,
        "birthDate": p.birth_date.isoformat(),
    }


def _condition(p: PatientRecord, d: DiagnosisRecord, codes: FhirCodes) -> Resource:
    return {
        "resourceType": "Condition",
        "id": f"condition-{d.id}",
        "meta": _meta(codes, "condition"),
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {
            "coding": [codes.coding("melanoma"), codes.coding("melanoma_icd")],
            "text": "Melanoma",
        },
        "subject": _patient_ref(p),
        "onsetDateTime": d.diagnosed_on.isoformat(),
        "stage": [{"assessment": [_ref("Observation", f"stage-{d.id}")]}],
    }


def _stage(p: PatientRecord, d: DiagnosisRecord, codes: FhirCodes) -> Resource:
    return {
        "resourceType": "Observation",
        "id": f"stage-{d.id}",
        "meta": _meta(codes, "stage"),
        "status": "final",
        "category": [_survey_category("exam")],
        "code": _concept(codes, "stage_group", "Stage group"),
        "subject": _patient_ref(p),
        "focus": [_ref("Condition", f"condition-{d.id}")],
        "effectiveDateTime": d.diagnosed_on.isoformat(),
        "valueCodeableConcept": _concept(codes, codes.stages.get(d.stage), f"stage {d.stage}"),
    }


def _survey_category(code: str) -> Resource:
    return {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": code,
            }
        ]
    }


def _tumor(
    p: PatientRecord, les: LesionRecord, d: DiagnosisRecord | None, codes: FhirCodes
) -> Resource:
    tumor: Resource = {
        "resourceType": "BodyStructure",
        "id": f"tumor-{les.id}",
        "meta": _meta(codes, "tumor"),
        "identifier": [
            {
                "use": "usual",
                "type": {
                    "coding": [
                        {"system": "http://hl7.org/fhir/resource-types", "code": "BodyStructure"}
                    ]
                },
                "system": LESION_SYSTEM.format(centre=p.centre_id),
                "value": str(les.id),
            }
        ],
        "description": les.name,
        "location": _concept(
            codes, codes.lesion_sites.get(les.site), f"{les.site}: {les.location}"
        ),
        "patient": _patient_ref(p),
    }
    if d is not None:
        tumor["extension"] = [
            {
                "url": codes.profiles["related_condition"],
                "valueReference": _ref("Condition", f"condition-{d.id}"),
            }
        ]
    return tumor


def _tumor_size(p: PatientRecord, m: MeasurementRecord, codes: FhirCodes) -> Resource:
    longest = max(m.longest_cm, m.perpendicular_cm)
    other = min(m.longest_cm, m.perpendicular_cm)
    return {
        "resourceType": "Observation",
        "id": f"tumor-size-{m.id}",
        "meta": _meta(codes, "tumor_size"),
        "status": "final",
        "code": _concept(codes, "tumor_size", "Tumor size"),
        "subject": _patient_ref(p),
        "focus": [_ref("BodyStructure", f"tumor-{m.lesion_id}")],
        "effectiveDateTime": m.measured_on.isoformat(),
        "method": _concept(codes, codes.measurement_methods.get(m.method), m.method),
        "component": [
            {
                "code": _concept(codes, "longest_dimension", "Longest diameter"),
                "valueQuantity": _quantity(codes, longest, "cm"),
            },
            {
                "code": _concept(codes, "other_dimension", "Perpendicular diameter"),
                "valueQuantity": _quantity(codes, other, "cm"),
            },
        ],
    }


def _episode(p: PatientRecord, c: CourseRecord, codes: FhirCodes) -> Resource:
    period = {"start": c.start_date.isoformat()}
    if c.end_date is not None:
        period["end"] = c.end_date.isoformat()
    return {
        "resourceType": "EpisodeOfCare",
        "id": f"course-{c.id}",
        "meta": _meta(codes, "episode"),
        "status": "finished" if c.end_date is not None else "active",
        "type": [{"text": "T-VEC treatment course"}],
        "patient": _patient_ref(p),
        "period": period,
    }


def _medication(lot: LotRecord, codes: FhirCodes) -> Resource:
    ndc = {10**6: "ndc_1e6", 10**8: "ndc_1e8"}.get(lot.pfu_per_ml)
    return {
        "resourceType": "Medication",
        "id": f"lot-{lot.id}",
        "meta": _meta(codes, "medication"),
        "code": _concept(
            codes, ndc, f"IMLYGIC (talimogene laherparepvec) {lot.pfu_per_ml:.0e} PFU/mL"
        ),
        "ingredient": [
            {
                "itemCodeableConcept": {"text": "talimogene laherparepvec"},
                "isActive": True,
                "strength": {
                    "numerator": _quantity(codes, Decimal(lot.pfu_per_ml), "pfu"),
                    "denominator": _quantity(codes, Decimal(1), "ml"),
                },
            }
        ],
        "batch": {"lotNumber": lot.lot, "expirationDate": lot.expiry_date.isoformat()},
    }


def _practitioner(person: StaffRecord, codes: FhirCodes) -> Resource:
    return {
        "resourceType": "Practitioner",
        "id": f"staff-{person.id}",
        "meta": _meta(codes, "practitioner"),
        "name": [{"text": person.full_name}],
    }


def _administration(
    p: PatientRecord,
    a: AdministrationRecord,
    lesion: LesionRecord | None,
    d: DiagnosisRecord | None,
    codes: FhirCodes,
) -> Resource:
    site = f"{lesion.site}: {lesion.location}" if lesion else a.target
    given: Resource = {
        "resourceType": "MedicationAdministration",
        "id": f"administration-{a.id}",
        "meta": _meta(codes, "administration"),
        "status": "completed",
        "medicationReference": _ref("Medication", f"lot-{a.lot_id}"),
        "subject": _patient_ref(p),
        "context": _ref("EpisodeOfCare", f"course-{a.course_id}"),
        "effectiveDateTime": a.administered_at.isoformat(),
        "performer": [{"actor": _ref("Practitioner", f"staff-{a.performer_id}")}],
        "dosage": {
            "site": _concept(codes, codes.lesion_sites.get(lesion.site) if lesion else None, site),
            "route": {"text": "intralesional"},
            "dose": _quantity(codes, a.volume_ml, "ml"),
        },
    }
    if lesion is not None:
        given["supportingInformation"] = [_ref("BodyStructure", f"tumor-{lesion.id}")]
    if d is not None:
        given["reasonReference"] = [_ref("Condition", f"condition-{d.id}")]
    return given


def _adverse_event(p: PatientRecord, ae: AdverseEventRecord, codes: FhirCodes) -> Resource:
    return {
        "resourceType": "AdverseEvent",
        "id": f"adverse-event-{ae.id}",
        "meta": _meta(codes, "adverse_event"),
        "extension": [{"url": CTCAE_GRADE, "valueInteger": ae.grade}],
        "actuality": "actual",
        "event": {"text": ae.term},
        "subject": _patient_ref(p),
        "date": ae.onset.isoformat(),
        "seriousness": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness",
                    "code": "serious" if ae.serious else "non-serious",
                }
            ]
        },
    }


def _disease_status(
    p: PatientRecord,
    i: int,
    s: DiseaseStatusRecord,
    d: DiagnosisRecord | None,
    codes: FhirCodes,
) -> Resource:
    status: Resource = {
        "resourceType": "Observation",
        "id": f"disease-status-{p.id}-{i + 1}",
        "meta": _meta(codes, "disease_status"),
        "extension": [
            {
                "url": codes.profiles["evidence_type"],
                "valueCodeableConcept": _concept(
                    codes, "clinical_examination", "lesion measurements"
                ),
            }
        ],
        "status": "final",
        "code": _concept(codes, "disease_status", "Cancer disease status"),
        "subject": _patient_ref(p),
        "effectiveDateTime": s.assessed_on.isoformat(),
        "valueCodeableConcept": _concept(codes, TREND[s.category], s.label),
        "method": {"text": s.criteria},
    }
    if d is not None:
        status["focus"] = [_ref("Condition", f"condition-{d.id}")]
    return status
