"""The researcher's de-identified mCODE resources (`tvec.interop.fhir.mcode.deidentify`), built
from hand-made records: no identifier survives, dates move back by the patient's shift, the
resources still parse with the R4B models and pass tvec's mCODE checks."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tvec.interop.fhir import mcode as m
from tvec.interop.fhir.mcode.deidentify import (
    MAX_SHIFT_DAYS,
    PatientKey,
    deidentified_resources,
    shift_days,
)
from tvec.knowledge.fhir_codes import load_fhir_codes

KEY = PatientKey("P-0123456789ab", 30)
TERMS = frozenset({"Injection site reaction", "Fatigue"})


def records() -> m.PatientRecords:
    return m.PatientRecords(
        patient=m.PatientRecord(
            7, 1, "MRN-448812", "Imogen", "Quarrington", date(1961, 4, 9), "female"
        ),
        diagnosis=m.DiagnosisRecord(3, "IIIC", date(2026, 1, 10)),
        lesions=(
            m.LesionRecord(21, "L2", "nodal", "right axilla", date(2026, 1, 20)),
            m.LesionRecord(
                20, "L1", "cutaneous", "left forearm, under the rose tattoo", date(2026, 1, 12)
            ),
        ),
        measurements=(
            m.MeasurementRecord(
                40, 20, date(2026, 2, 1), Decimal("2.5"), Decimal("1.5"), "caliper"
            ),
        ),
        courses=(m.CourseRecord(5, date(2026, 2, 1), None),),
        lots=(m.LotRecord(9, "LOT-77", 10**6, date(2027, 5, 31)),),
        staff=(m.StaffRecord(2, "Nia Nurse"),),
        administrations=(
            m.AdministrationRecord(
                60, 5, 20, "L1", Decimal("4"), 9, 2, datetime(2026, 2, 1, 10, 30, tzinfo=UTC)
            ),
            m.AdministrationRecord(
                61,
                5,
                None,
                "cluster by Mrs Quarrington's scar",
                Decimal("1"),
                9,
                2,
                datetime(2026, 2, 1, 10, 45, tzinfo=UTC),
            ),
        ),
        adverse_events=(
            m.AdverseEventRecord(80, "Fatigue", 1, False, date(2026, 2, 3)),
            m.AdverseEventRecord(
                81, "itchy rash near Quarrington farm", 1, False, date(2026, 2, 4)
            ),
        ),
        disease_status=(m.DiseaseStatusRecord(date(2026, 3, 1), "PR", "PR", "modified WHO"),),
    )


@pytest.fixture(scope="module")
def resources() -> list[dict[str, Any]]:
    return deidentified_resources(records(), KEY, load_fhir_codes(), TERMS)


def test_no_identifier_or_free_text_survives(resources: list[dict[str, Any]]) -> None:
    text = json.dumps(resources)
    for word in (
        "MRN-448812",
        "Imogen",
        "Quarrington",
        "1961-04-09",
        "Nia Nurse",
        "axilla",
        "forearm",
        "tattoo",
        "scar",
        "patient-7",
        "tumor-20",
        '"L1"',
    ):
        assert word not in text, word
    assert not any(r["resourceType"] == "Practitioner" for r in resources)


def test_the_patient_is_its_pseudonym_with_a_birth_year(resources: list[dict[str, Any]]) -> None:
    (patient,) = [r for r in resources if r["resourceType"] == "Patient"]
    assert patient["id"] == KEY.pseudonym
    assert patient["birthDate"] == "1961"  # 9 April moved back 30 days: still 1961
    assert "name" not in patient
    assert patient["identifier"] == [
        {
            "use": "secondary",
            "type": {"text": "research pseudonym"},
            "system": "urn:tvec:centre:1:pseudonym",
            "value": KEY.pseudonym,
        }
    ]


def test_dates_move_back_by_the_shift_and_references_still_resolve(
    resources: list[dict[str, Any]],
) -> None:
    by_id = {r["id"]: r for r in resources}
    assert by_id[f"{KEY.pseudonym}-condition-1"]["onsetDateTime"] == "2025-12-11"
    given = by_id[f"{KEY.pseudonym}-administration-1"]
    assert given["effectiveDateTime"] == "2026-01-02T10:30:00Z"
    assert "performer" not in given
    assert given["supportingInformation"] == [
        {"reference": f"BodyStructure/{KEY.pseudonym}-tumor-2"}
    ]
    assert by_id[f"{KEY.pseudonym}-course-1"]["period"] == {"start": "2026-01-02"}
    tumors = sorted(
        (r for r in resources if r["resourceType"] == "BodyStructure"), key=lambda r: r["id"]
    )
    # numbered in the order first seen: the forearm lesion (12 Jan) is lesion 1
    assert [t["description"] for t in tumors] == ["lesion 2", "lesion 1"]
    assert tumors[1]["location"]["text"] == "cutaneous"
    assert tumors[1]["identifier"][0]["value"] == tumors[1]["id"]
    events = [r["event"]["text"] for r in resources if r["resourceType"] == "AdverseEvent"]
    assert events == ["Fatigue", "Other, specify"]
    (lot,) = [r for r in resources if r["resourceType"] == "Medication"]
    assert lot["batch"] == {"lotNumber": "LOT-77"}
    assert m.validate_resources(resources, load_fhir_codes()) == []
    for r in resources:
        get_fhir_model_class(r["resourceType"]).model_validate(r)


def test_every_resource_is_marked_pseudonymized_and_redacted(
    resources: list[dict[str, Any]],
) -> None:
    system = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
    for r in resources:
        assert [(s["system"], s["code"]) for s in r["meta"]["security"]] == [
            (system, "PSEUDED"),
            (system, "REDACTED"),
        ]
        assert r["meta"]["profile"]


def test_the_shift_is_one_day_to_a_year_and_not_in_the_pseudonym() -> None:
    digests = [f"{n:064x}" for n in range(0, 10**6, 997)]
    shifts = [shift_days(d) for d in digests]
    assert min(shifts) >= 1
    assert max(shifts) <= MAX_SHIFT_DAYS
    # same first 12 digits (the pseudonym), different last 8: different shifts
    assert shift_days("a" * 56 + "00000001") != shift_days("a" * 56 + "00000002")
