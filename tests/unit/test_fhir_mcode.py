"""mCODE resources built from one patient's records: every one parses with the FHIR R4B models,
and tvec's own checks find what the models cannot (missing components, codes outside the
profile's value sets, references to nothing), each named by resource and path."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from tvec.interop.fhir import mcode as m
from tvec.knowledge.fhir_codes import FILE, load_fhir_codes, load_fhir_codes_file
from tvec.knowledge.loader import KnowledgeError

CODES = load_fhir_codes()
Resource = dict[str, Any]


def make_records(**changes: Any) -> m.PatientRecords:
    values: dict[str, Any] = {
        "patient": m.PatientRecord(7, 1, "MRN-0007", "Ada", "Example", date(1960, 5, 1), "female"),
        "diagnosis": m.DiagnosisRecord(3, "IIIC", date(2026, 1, 5)),
        "lesions": (
            m.LesionRecord(11, "L1", "cutaneous", "left forearm", date(2026, 1, 5)),
            m.LesionRecord(12, "L2", "subcutaneous", "right thigh", date(2026, 2, 2)),
        ),
        "measurements": (
            m.MeasurementRecord(
                40, 11, date(2026, 1, 5), Decimal("2.4"), Decimal("1.5"), "caliper"
            ),
            m.MeasurementRecord(41, 12, date(2026, 2, 2), Decimal("1"), Decimal("1.2"), "photo"),
        ),
        "courses": (m.CourseRecord(5, date(2026, 1, 5), None),),
        "lots": (m.LotRecord(2, "LOT-8A", 10**8, date(2027, 1, 31)),),
        "staff": (m.StaffRecord(9, "Nora Nurse"),),
        "administrations": (
            m.AdministrationRecord(
                60, 5, 11, "L1", Decimal("1.0"), 2, 9, datetime(2026, 1, 26, 9, 30, tzinfo=UTC)
            ),
            m.AdministrationRecord(
                61,
                5,
                None,
                "cluster A",
                Decimal("0.5"),
                2,
                9,
                datetime(2026, 1, 26, 9, 40, tzinfo=UTC),
            ),
        ),
        "adverse_events": (m.AdverseEventRecord(70, "Fatigue", 2, False, date(2026, 1, 27)),),
        "disease_status": (
            m.DiseaseStatusRecord(date(2026, 3, 2), "PR", "PR (unconfirmed)", "Modified WHO"),
        ),
    }
    return m.PatientRecords(**(values | changes))


def resources(**changes: Any) -> list[Resource]:
    return m.patient_resources(make_records(**changes), CODES)


def by_id(found: list[Resource], rid: str) -> Resource:
    return next(r for r in found if r["id"] == rid)


def test_every_resource_parses_with_the_r4b_models_and_declares_its_profile() -> None:
    found = resources()
    for res in found:
        get_fhir_model_class(res["resourceType"]).model_validate(res)
        assert res["meta"]["profile"]
    bundle = m.bundle(found, "everything-7")
    get_fhir_model_class("Bundle").model_validate(bundle)
    assert bundle["total"] == len(found) == 14
    assert m.validate_resources(found, CODES) == []


def test_a_tumor_size_has_both_diameters_in_cm_and_points_at_its_tumor() -> None:
    size = by_id(resources(), "tumor-size-41")
    assert size["focus"] == [{"reference": "BodyStructure/tumor-12"}]
    longest, other = size["component"]
    assert longest["code"]["coding"][0]["code"] == "33728-7"
    assert (longest["valueQuantity"]["value"], longest["valueQuantity"]["code"]) == (1.2, "cm")
    assert other["code"]["coding"][0]["code"] == "33729-5"
    assert (other["valueQuantity"]["value"], other["valueQuantity"]["code"]) == (1, "cm")
    assert size["method"] == {"text": "photo"}  # no code in the method value set fits a photo


def test_an_injection_names_its_tumor_lot_dose_performer_and_course() -> None:
    found = resources()
    given = by_id(found, "administration-60")
    assert given["supportingInformation"] == [{"reference": "BodyStructure/tumor-11"}]
    assert given["dosage"]["dose"]["value"] == 1
    assert given["dosage"]["dose"]["code"] == "mL"
    assert given["performer"] == [{"actor": {"reference": "Practitioner/staff-9"}}]
    assert given["context"] == {"reference": "EpisodeOfCare/course-5"}
    lot = by_id(found, "lot-2")
    assert lot["batch"]["lotNumber"] == "LOT-8A"
    assert lot["code"]["coding"][0]["code"] == "55513-0079-01"
    assert lot["ingredient"][0]["strength"]["numerator"]["value"] == 10**8
    cluster = by_id(found, "administration-61")
    assert "supportingInformation" not in cluster
    assert cluster["dosage"]["site"] == {"text": "cluster A"}


def test_the_tumor_carries_the_lesion_id_and_location() -> None:
    tumor = by_id(resources(), "tumor-11")
    assert tumor["identifier"][0]["value"] == "11"
    assert tumor["location"]["text"] == "cutaneous: left forearm"
    assert tumor["location"]["coding"][0]["code"] == "39937001"
    assert by_id(resources(), "tumor-12")["location"] == {"text": "subcutaneous: right thigh"}


def test_a_response_becomes_an_improving_disease_status() -> None:
    status = by_id(resources(), "disease-status-7-1")
    assert status["valueCodeableConcept"]["coding"][0]["code"] == "268910001"
    assert status["valueCodeableConcept"]["text"] == "PR (unconfirmed)"
    assert status["method"] == {"text": "Modified WHO"}


def test_without_a_diagnosis_nothing_refers_to_a_condition() -> None:
    found = resources(diagnosis=None)
    assert not [r for r in found if r["resourceType"] == "Condition"]
    assert m.validate_resources(found, CODES) == []
    assert "extension" not in by_id(found, "tumor-11")


def test_an_ended_course_is_a_finished_episode() -> None:
    found = resources(courses=(m.CourseRecord(5, date(2026, 1, 5), date(2026, 7, 1)),))
    episode = by_id(found, "course-5")
    assert episode["status"] == "finished"
    assert episode["period"]["end"] == "2026-07-01"


def _set(rid: str, change: Callable[[Resource], None]) -> Callable[[list[Resource]], None]:
    def apply(found: list[Resource]) -> None:
        change(by_id(found, rid))

    return apply


BROKEN: dict[str, tuple[Callable[[list[Resource]], None], str, str]] = {
    "no longest dimension": (
        _set("tumor-size-40", lambda r: r["component"].pop(0)),
        "Observation/tumor-size-40 component",
        "exactly one longest dimension",
    ),
    "three other dimensions": (
        _set("tumor-size-40", lambda r: r["component"].extend([r["component"][1]] * 2)),
        "Observation/tumor-size-40 component",
        "at most two other dimensions",
    ),
    "a size in inches": (
        _set("tumor-size-40", lambda r: r["component"][0]["valueQuantity"].update(code="[in_i]")),
        "Observation/tumor-size-40 component[0].valueQuantity",
        "cm or mm",
    ),
    "a size without its tumor": (
        _set("tumor-size-40", lambda r: r.pop("focus")),
        "Observation/tumor-size-40 focus",
        "names the tumor",
    ),
    "a size with another code": (
        _set("tumor-size-40", lambda r: r.update(code={"text": "size"})),
        "Observation/tumor-size-40 code",
        "21889-1",
    ),
    "a method outside the value set": (
        _set("tumor-size-40", lambda r: r["method"]["coding"][0].update(code="363679005")),
        "Observation/tumor-size-40 method",
        "method value set",
    ),
    "a reference to nothing": (
        _set("tumor-size-40", lambda r: r.update(focus=[{"reference": "BodyStructure/tumor-99"}])),
        "Observation/tumor-size-40 focus[0].reference",
        "not in the bundle",
    ),
    "a status outside the value set": (
        _set("disease-status-7-1", lambda r: r.update(valueCodeableConcept={"text": "better"})),
        "Observation/disease-status-7-1 valueCodeableConcept",
        "condition status trend",
    ),
    "a status with another code": (
        _set("disease-status-7-1", lambda r: r.update(code={"text": "status"})),
        "Observation/disease-status-7-1 code",
        "97509-4",
    ),
    "a tumor without identifier": (
        _set("tumor-11", lambda r: r.update(identifier=[])),
        "BodyStructure/tumor-11 identifier",
        "identifier",
    ),
    "a tumor without location": (
        _set("tumor-11", lambda r: r.pop("location")),
        "BodyStructure/tumor-11 location",
        "location",
    ),
    "a dose not in mL": (
        _set("administration-60", lambda r: r["dosage"]["dose"].update(code="[PFU]")),
        "MedicationAdministration/administration-60 dosage.dose",
        "mL",
    ),
    "no profile": (
        _set("lot-2", lambda r: r.pop("meta")),
        "Medication/lot-2 meta.profile",
        "no profile",
    ),
}


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_a_broken_resource_is_reported_by_resource_and_path(case: str) -> None:
    breaks, where, words = BROKEN[case]
    found = copy.deepcopy(resources())
    breaks(found)
    problems = m.validate_resources(found, CODES)
    assert len(problems) == 1, problems
    assert str(problems[0]).startswith(where + ": ")
    assert words in problems[0].message


def test_every_code_names_a_known_system_and_a_source() -> None:
    assert CODES.coding("tumor_size") == {
        "system": "http://loinc.org",
        "code": "21889-1",
        "display": "Size Tumor",
    }
    assert all(code.source for code in CODES.codes.values())
    assert ("http://unitsofmeasure.org", "cm") in CODES.in_value_set("tumor_size_units")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            'system = "loinc"\ncode = "21889-1"',
            'system = "lonic"\ncode = "21889-1"',
            "unknown system",
        ),
        ('IIIC = "stage_IIIC"', 'IIIC = "stage_3c"', "'stage_3c' is not a code"),
    ],
    ids=["unknown system", "mapping to no code"],
)
def test_a_codes_file_naming_nothing_is_refused(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    text = FILE.read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "codes.toml"
    broken.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=field):
        load_fhir_codes_file(broken)
