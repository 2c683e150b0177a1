"""A visit's claim lines (IMLYGIC billing guide; CMS JW/JZ FAQ; Medicare "units of service"):
J9325 in whole units with JZ, or the administered line and a JW line for whole discarded units;
the 11-digit NDC with N4, ML and the mL given or discarded; CPT 96405 up to 7 lesions, 96406 for
more; 76942 when any injection was ultrasound-guided."""

from datetime import date
from decimal import Decimal

import pytest

from tvec.domain.claims import ClaimLine, Injection, VisitForClaim, check_diagnoses, claim_lines
from tvec.domain.errors import InvalidInput
from tvec.knowledge import load_label
from tvec.knowledge.claim_codes import load_claim_codes

US = load_label("us")
assert US.billing is not None
BILLING = US.billing
CODES = load_claim_codes("us")
D = Decimal
DAY = date(2026, 12, 6)


def lines_for(ml: list[str], pfu: int, vials: int, guided: bool = False) -> tuple[ClaimLine, ...]:
    shots = tuple(Injection(f"L{i + 1}", D(v), guided) for i, v in enumerate(ml))
    visit = VisitForClaim(DAY, pfu, vials, shots, ("C43.71",))
    return claim_lines(BILLING, US.strength(pfu), CODES, visit)


# The fact sheet's worked examples: mL given, PFU/mL, vials thawed -> drug lines as
# (units, modifiers, NDC quantity in mL)
WORKED = [
    pytest.param(["0.1"], 10**6, 1, [(1, ("JZ",), "0.1")], id="0.1 mL of one 10^6 vial: 1 JZ"),
    pytest.param(["3.6"], 10**6, 4, [(4, ("JZ",), "3.6")], id="3.6 mL of four 10^6 vials: 4 JZ"),
    pytest.param(["2.1"], 10**6, 3, [(3, ("JZ",), "2.1")], id="2.1 mL of three 10^6 vials: 3 JZ"),
    pytest.param(
        ["1.1"],
        10**8,
        2,
        [(110, (), "1.1"), (90, ("JW",), "0.9")],
        id="1.1 mL of two 10^8 vials: 110 and 90 JW",
    ),
    pytest.param(["2", "2"], 10**8, 4, [(400, ("JZ",), "4")], id="4 mL at 10^8: 400 JZ"),
]


@pytest.mark.parametrize(("ml", "pfu", "vials", "expected"), WORKED)
def test_worked_examples(
    ml: list[str], pfu: int, vials: int, expected: list[tuple[int, tuple[str, ...], str]]
) -> None:
    drug = [ln for ln in lines_for(ml, pfu, vials) if ln.code == "J9325"]
    assert [(ln.units, ln.modifiers, ln.ndc_quantity) for ln in drug] == [
        (D(u), m, D(q)) for u, m, q in expected
    ]


def test_drug_lines_carry_the_strengths_11_digit_ndc_with_n4_and_ml() -> None:
    first = lines_for(["0.5"], 10**6, 1)[0]
    later = lines_for(["0.5"], 10**8, 1)[0]
    assert (first.ndc11, first.ndc_qualifier, first.ndc_unit) == ("55513007801", "N4", "ML")
    assert later.ndc11 == "55513007901"


def test_jw_and_jz_never_on_one_line() -> None:
    for ml, pfu, vials in (("0.1", 10**8, 1), ("0.1", 10**6, 1), ("1.1", 10**8, 2)):
        for line in lines_for([ml], pfu, vials):
            assert not {"JW", "JZ"} <= set(line.modifiers)


@pytest.mark.parametrize(("lesions", "code"), [(1, "96405"), (7, "96405"), (8, "96406")])
def test_administration_code_by_lesions_injected(lesions: int, code: str) -> None:
    lines = lines_for(["0.1"] * lesions, 10**8, 1)
    assert [ln.code for ln in lines if ln.what == "administration"] == [code]


def test_the_same_lesion_twice_counts_once() -> None:
    shots = tuple(Injection(f"L{i % 7}", D("0.1")) for i in range(9))
    lines = claim_lines(BILLING, US.strength(10**8), CODES, VisitForClaim(DAY, 10**8, 1, shots, ()))
    assert [ln.code for ln in lines if ln.what == "administration"] == ["96405"]


def test_ultrasound_guidance_adds_76942_once() -> None:
    assert "76942" not in [ln.code for ln in lines_for(["1", "1"], 10**8, 2)]
    guided = [ln.code for ln in lines_for(["1", "1"], 10**8, 2, guided=True)]
    assert guided.count("76942") == 1


def test_a_visit_without_administration_has_no_claim() -> None:
    with pytest.raises(InvalidInput, match="administrations"):
        claim_lines(BILLING, US.strength(10**8), CODES, VisitForClaim(DAY, 10**8, 1, (), ()))


def test_more_given_than_thawed_is_refused() -> None:
    with pytest.raises(InvalidInput, match="vials_thawed"):
        lines_for(["1.5"], 10**8, 1)


def test_diagnosis_codes_come_from_the_list() -> None:
    check_diagnoses(CODES, ["C43.71", "C79.2", "C77.4"], "diagnosis_codes")
    with pytest.raises(InvalidInput, match=r"diagnosis_codes\[1\]"):
        check_diagnoses(CODES, ["C43.71", "C43.7"], "diagnosis_codes")
    with pytest.raises(InvalidInput, match="diagnosis_codes"):
        check_diagnoses(CODES, [], "diagnosis_codes")


def test_the_vials_own_discard_records_give_the_jw_quantity() -> None:
    shots = (Injection("L1", D("1.1")),)
    visit = VisitForClaim(DAY, 10**8, 2, shots, ("C43.71",), discarded_ml=D("0.5"))
    drug = claim_lines(BILLING, US.strength(10**8), CODES, visit)[:2]
    assert [(ln.units, ln.modifiers, ln.ndc_quantity) for ln in drug] == [
        (D(110), (), D("1.1")),
        (D(50), ("JW",), D("0.5")),
    ]


def test_a_record_names_the_code_in_clinic_words() -> None:
    with pytest.raises(InvalidInput, match=r"^diagnosis: Diagnosis codes \(ICD-10-CM\) needs") as e:
        check_diagnoses(CODES, [], "icd10_codes", "diagnosis")
    assert e.value.field == "icd10_codes"
    with pytest.raises(InvalidInput, match=r"^diagnosis: diagnosis code 2 is not") as e:
        check_diagnoses(CODES, ["C43.71", "C43.7"], "icd10_codes", "diagnosis")
    assert e.value.field == "icd10_codes[1]"
