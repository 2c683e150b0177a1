"""The prior-authorization request as a Da Vinci PAS-shaped FHIR R4 Bundle, validated by the
fhir.resources R4B models, and read back on the payer's side."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim

from tvec.interop.fhir import pas

FACTS = {
    "service_date": "2026-06-01",
    "review_type": "standard",
    "diagnosis": {"cancer": "melanoma", "stage": "IIIC", "unresectable": True},
    "lesions": [{"id": "L1", "site": "cutaneous", "longest_cm": 3.2, "injectable": True}],
    "documents": ["office-notes"],
}
REQUEST = pas.PasRequest(
    request_id=7,
    created=datetime(2026, 6, 1, 9, 0, tzinfo=UTC),
    service_start=date(2026, 6, 1),
    service_end=date(2027, 5, 31),
    patient_id=3,
    given_name="Maren",
    family_name="Hollowmere",
    birth_date=date(1961, 4, 12),
    sex="female",
    mrn="MRN-0001",
    clinic_id=1,
    clinic_name="Test centre",
    prescriber_id=2,
    prescriber_name="Dr Test",
    prescriber_specialty="oncology",
    payer_name="Premera Blue Cross",
    policy_id="5.01.562",
    policy_title="Imlygic (talimogene laherparepvec)",
    lines=(
        pas.ServiceLine(
            "J9325", pas.HCPCS, "talimogene laherparepvec per 1 million PFU", Decimal(10004)
        ),
        pas.ServiceLine("96405", pas.CPT, "intralesional injection", Decimal(26)),
    ),
    lesions=(pas.LesionEvidence("L1", "cutaneous", Decimal("3.2"), date(2026, 5, 2)),),
    facts=FACTS,
)


def resources(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def test_the_bundle_validates_and_holds_a_preauthorization_claim_and_its_parties() -> None:
    bundle = pas.build_bundle(REQUEST)
    Bundle.model_validate(bundle)  # the R4B models accept it as it is sent
    found = resources(bundle)
    assert bundle["type"] == "collection"
    assert bundle["entry"][0]["resource"]["resourceType"] == "Claim"
    claim = Claim.model_validate(found["Claim"][0])
    assert claim.use == "preauthorization"
    assert {k: len(v) for k, v in found.items()} == {
        "Claim": 1,
        "Patient": 1,
        "Coverage": 1,
        "Practitioner": 1,
        "Organization": 2,
        "Observation": 1,
    }
    lines = [(i.productOrService.coding[0].code, i.quantity.value) for i in claim.item]
    assert lines == [("J9325", Decimal(10004)), ("96405", Decimal(26))]
    assert claim.item[0].productOrService.coding[0].system == pas.HCPCS
    assert claim.item[1].productOrService.coding[0].system == pas.CPT
    assert found["Coverage"][0]["class"][0]["value"] == "5.01.562"
    assert found["Observation"][0]["valueQuantity"]["value"] == 3.2
    assert found["Observation"][0]["effectiveDateTime"] == "2026-05-02"


def test_the_payer_reads_back_the_request_its_policy_and_the_facts() -> None:
    received = pas.read_request(pas.build_bundle(REQUEST))
    assert received.request_id == 7
    assert received.policy_id == "5.01.562"
    assert received.facts == FACTS
    assert [(line.code, line.quantity) for line in received.lines] == [
        ("J9325", 10004),
        ("96405", 26),
    ]


def change(path: list[Any], value: Any) -> dict[str, Any]:
    bundle = copy.deepcopy(pas.build_bundle(REQUEST))
    here: Any = bundle
    for step in path[:-1]:
        here = here[step]
    if value is None:
        del here[path[-1]]
    else:
        here[path[-1]] = value
    return bundle


CLAIM = ["entry", 0, "resource"]


@pytest.mark.parametrize(
    ("bundle", "path"),
    [
        ([], "resourceType"),
        ({"resourceType": "Patient"}, "resourceType"),
        (change([*CLAIM, "use"], "claim"), "entry.0.resource.use"),
        (
            change([*CLAIM, "item", 0, "quantity", "value"], "many"),
            "entry.0.resource.item.0.quantity.value",
        ),
        (change(["entry", 0, "resource"], {"resourceType": "Patient"}), "entry.0.resource"),
        (change([*CLAIM, "identifier"], None), "entry.0.resource.identifier"),
        (
            change([*CLAIM, "supportingInfo", 0], {"sequence": 1, "category": {"text": "x"}}),
            "entry.0.resource.supportingInfo",
        ),
        (
            change([*CLAIM, "supportingInfo", 1, "valueAttachment", "data"], "bm90IGpzb24="),
            "entry.0.resource.supportingInfo.1.valueAttachment.data",
        ),
        (
            change([*CLAIM, "supportingInfo", 1, "valueAttachment", "data"], "WzFd"),
            "entry.0.resource.supportingInfo.1.valueAttachment.data",
        ),
        (change([*CLAIM, "supportingInfo"], None), "entry.0.resource.supportingInfo"),
        (change(["entry"], []), "entry.0.resource"),
    ],
)
def test_a_bundle_that_cannot_be_read_is_refused_naming_the_path(bundle: Any, path: str) -> None:
    with pytest.raises(pas.BundleRefused) as refused:
        pas.read_request(json.loads(json.dumps(bundle)))
    assert refused.value.path == path
