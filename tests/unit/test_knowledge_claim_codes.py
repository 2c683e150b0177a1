"""Claim codes as data: every value sourced, malformed files refused naming the file and field."""

from pathlib import Path

import pytest

from tvec.knowledge import KnowledgeError
from tvec.knowledge.claim_codes import (
    available_claim_codes,
    load_claim_codes,
    load_claim_codes_file,
)

US = Path(__file__).parents[2] / "src" / "tvec" / "knowledge" / "data" / "claims" / "us.toml"


def test_the_us_codes_hold_melanoma_by_site_and_secondary_skin_and_nodes() -> None:
    codes = load_claim_codes("us")
    assert available_claim_codes() == ["us"]
    found = {d.code: d.group for d in codes.diagnoses}
    assert found["C43.71"] == "melanoma of skin"
    assert found["C79.2"] == "secondary, skin"
    assert found["C77.4"] == "secondary, lymph nodes"
    assert all(d.source.startswith("ICD-10-CM") for d in codes.diagnoses)
    assert [p.code for p in codes.places_of_service] == ["11", "19", "22"]
    place = codes.place("11")
    assert place is not None
    assert place.name == "Office"
    assert codes.place("99") is None
    assert (codes.few_lesions_code, codes.most_lesions_for_few) == ("96405", 7)


def test_a_code_listed_twice_is_refused(tmp_path: Path) -> None:
    text = US.read_text()
    twice = text + '\n[[places_of_service]]\ncode = "11"\nname = "Office"\nsource = "x"\n'
    path = tmp_path / "us.toml"
    path.write_text(twice)
    with pytest.raises(KnowledgeError, match="places_of_service: a code is listed twice"):
        load_claim_codes_file(path)


def test_a_malformed_diagnosis_code_names_its_field(tmp_path: Path) -> None:
    path = tmp_path / "us.toml"
    path.write_text(US.read_text().replace('code = "C43.0"', 'code = "melanoma"'))
    with pytest.raises(KnowledgeError, match=r"us.toml: diagnoses.0.code"):
        load_claim_codes_file(path)
