"""The pure side of FHIR import (`tvec.interop.fhir.mcode.parse`): resources as the export shapes
them become plain records; every bad input is a problem naming the resource and the path, all of
them at once; a size in mm is converted to cm."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from tvec.interop.fhir import mcode as m
from tvec.interop.fhir.mcode.parse import describe, parse_resources, read_bundle
from tvec.knowledge.fhir_codes import load_fhir_codes
from tvec.services.fhir_import import ImportRefused, read_json

CODES = load_fhir_codes()


def records() -> m.PatientRecords:
    """One treated patient: a lesion measured twice, one dose from one lot, one adverse event."""
    return m.PatientRecords(
        patient=m.PatientRecord(3, 1, "MRN-0003", "Ada", "Lovelace", date(1960, 5, 1), "female"),
        diagnosis=m.DiagnosisRecord(7, "IIIB", date(2026, 1, 5)),
        lesions=(m.LesionRecord(12, "L1", "cutaneous", "left forearm", date(2026, 1, 5)),),
        measurements=(
            m.MeasurementRecord(
                40, 12, date(2026, 1, 6), Decimal("2.5"), Decimal("1.5"), "caliper"
            ),
            m.MeasurementRecord(41, 12, date(2026, 2, 3), Decimal("2"), Decimal("1"), "caliper"),
        ),
        courses=(m.CourseRecord(5, date(2026, 1, 6), None),),
        lots=(m.LotRecord(2, "UX8-C11", 10**6, date(2027, 1, 1)),),
        staff=(m.StaffRecord(9, "Nina Nurse"),),
        administrations=(
            m.AdministrationRecord(
                60, 5, 12, "L1", Decimal("2"), 2, 9, datetime(2026, 1, 6, 10, tzinfo=UTC)
            ),
        ),
        adverse_events=(m.AdverseEventRecord(4, "Fatigue", 1, False, date(2026, 1, 7)),),
        disease_status=(),
    )


def resources() -> list[dict[str, Any]]:
    return m.patient_resources(records(), CODES)


def by_key(found: list[dict[str, Any]], key: str) -> dict[str, Any]:
    return next(r for r in found if f"{r['resourceType']}/{r['id']}" == key)


def problems_of(found: list[dict[str, Any]]) -> list[str]:
    return [describe(p) for p in parse_resources(found, CODES).problems]


def test_the_exported_resources_parse_into_records_without_problems() -> None:
    parsed = parse_resources(resources(), CODES)
    assert parsed.problems == []
    (patient,) = parsed.patients
    assert (patient.mrn, patient.given_name, patient.family_name) == ("MRN-0003", "Ada", "Lovelace")
    assert patient.identifiers[0].system == "urn:tvec:centre:1:mrn"
    (dx,) = parsed.diagnoses
    assert (dx.stage, dx.diagnosed_on) == ("IIIB", date(2026, 1, 5))
    (lesion,) = parsed.lesions
    assert (lesion.name, lesion.site, lesion.location) == ("L1", "cutaneous", "left forearm")
    sizes = sorted((x.measured_on, x.longest_cm, x.perpendicular_cm) for x in parsed.measurements)
    assert sizes == [
        (date(2026, 1, 6), Decimal("2.5"), Decimal("1.5")),
        (date(2026, 2, 3), Decimal(2), Decimal(1)),
    ]
    (dose,) = parsed.administrations
    assert (dose.target, dose.volume_ml, dose.performer) == ("L1", Decimal(2), "Nina Nurse")
    assert (dose.lot, dose.course, dose.lesion) == (
        "Medication/lot-2",
        "EpisodeOfCare/course-5",
        "BodyStructure/tumor-12",
    )
    (lot,) = parsed.lots
    assert (lot.lot, lot.pfu_per_ml) == ("UX8-C11", 10**6)
    (event,) = parsed.adverse_events
    assert (event.term, event.grade, event.serious) == ("Fatigue", 1, False)


def test_a_size_in_mm_is_converted_to_cm() -> None:
    found = resources()
    size = by_key(found, "Observation/tumor-size-40")
    for component, mm in zip(size["component"], (25, 15), strict=True):
        component["valueQuantity"].update(value=mm, unit="mm", code="mm")
    parsed = parse_resources(found, CODES)
    assert parsed.problems == []
    first = next(x for x in parsed.measurements if x.key == "Observation/tumor-size-40")
    assert (first.longest_cm, first.perpendicular_cm) == (Decimal("2.5"), Decimal("1.5"))


def test_a_size_in_another_unit_names_the_resource_and_path() -> None:
    found = resources()
    size = by_key(found, "Observation/tumor-size-40")
    size["component"][0]["valueQuantity"].update(value=1, unit="[in_i]", code="[in_i]")
    problems = problems_of(found)
    assert problems == [
        "Observation/tumor-size-40.component[0].valueQuantity.unit: '[in_i]': a size must be "
        "in cm or mm"
    ]


def test_a_body_that_is_not_json_is_refused_naming_the_bundle() -> None:
    with pytest.raises(ImportRefused) as refused:
        read_json(b'{"resourceType": "Bundle", "entry": [')
    (line,) = refused.value.lines
    assert line.startswith("Bundle: not JSON")


def test_a_resource_of_an_unknown_type_is_named() -> None:
    found = [*resources(), {"resourceType": "Spaceship", "id": "x1"}]
    (problem,) = problems_of(found)
    assert problem.startswith("Spaceship/x1.resourceType: tvec does not import resources of type")


def test_a_reference_to_nothing_is_named_with_its_path() -> None:
    found = resources()
    by_key(found, "Observation/tumor-size-41")["focus"] = [{"reference": "BodyStructure/tumor-99"}]
    assert problems_of(found) == [
        "Observation/tumor-size-41.focus[0].reference: refers to BodyStructure/tumor-99, which "
        "is not in the import"
    ]


def test_a_dose_with_no_lot_is_refused() -> None:
    found = resources()
    del by_key(found, "MedicationAdministration/administration-60")["medicationReference"]
    problems = problems_of(found)
    assert (
        "MedicationAdministration/administration-60.medicationReference: a dose names the "
        "vial lot it was drawn from" in problems
    )


def test_a_lot_without_its_number_is_refused() -> None:
    found = resources()
    del by_key(found, "Medication/lot-2")["batch"]["lotNumber"]
    problems = problems_of(found)
    assert any(p.startswith("Medication/lot-2.batch.lotNumber:") for p in problems)


def test_a_patient_outside_the_import_is_left_to_the_service_to_check() -> None:
    found = [r for r in resources() if r["resourceType"] == "AdverseEvent"]
    found[0]["subject"] = {"reference": "Patient/77"}
    parsed = parse_resources(found, CODES)
    assert parsed.problems == []
    assert parsed.outside == [("AdverseEvent/adverse-event-4", "subject.reference", "Patient/77")]


def test_the_r4b_models_check_the_structure_with_the_path() -> None:
    found = resources()
    by_key(found, "Patient/patient-3")["birthDate"] = "the fifth of May"
    problems = problems_of(found)
    assert problems
    assert all(p.startswith("Patient/patient-3.birthDate") for p in problems)


def test_every_problem_is_reported_at_once() -> None:
    found = copy.deepcopy(resources())
    by_key(found, "Observation/tumor-size-40")["component"][1]["valueQuantity"].update(
        unit="km", code="km"
    )
    del by_key(found, "MedicationAdministration/administration-60")["medicationReference"]
    found.append({"resourceType": "Spaceship", "id": "x1"})
    where = {p.split(":")[0] for p in problems_of(found)}
    assert where == {
        "Observation/tumor-size-40.component[1].valueQuantity.unit",
        "MedicationAdministration/administration-60.medicationReference",
        "Spaceship/x1.resourceType",
    }


def test_a_bundle_entry_without_a_resource_is_named() -> None:
    resources_, problems = read_bundle(
        {"resourceType": "Bundle", "type": "transaction", "entry": [{"request": {}}]}
    )
    assert resources_ == []
    assert [describe(p) for p in problems] == [
        "Bundle.entry[0].resource: an entry holds no resource"
    ]


def test_something_that_is_not_a_bundle_is_named() -> None:
    _found, problems = read_bundle(["not", "resources"])
    assert problems  # each entry holds no resource
    _found, problems = read_bundle(42)
    assert [describe(p) for p in problems] == ["Bundle.resourceType: the body is not a FHIR Bundle"]


def test_a_dose_in_another_patients_course_is_named() -> None:
    found = resources()
    by_key(found, "EpisodeOfCare/course-5")["patient"] = {"reference": "Patient/patient-8"}
    found.append({**by_key(found, "Patient/patient-3"), "id": "patient-8"})
    problems = problems_of(found)
    assert (
        "MedicationAdministration/administration-60.context.reference: EpisodeOfCare/course-5 "
        "is another patient's (Patient/patient-8, not Patient/patient-3)"
    ) in problems
