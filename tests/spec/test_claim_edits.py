"""Edits run before a claim is exported: a finding per broken rule, naming the field."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from tvec.domain.claim_edits import Authorization, ClaimForEdit, PayerCap, run_edits
from tvec.domain.claims import ClaimLine, Injection, VisitForClaim, claim_lines
from tvec.knowledge import load_label
from tvec.knowledge.claim_codes import load_claim_codes

US = load_label("us")
assert US.billing is not None
BILLING = US.billing
CODES = load_claim_codes("us")
D = Decimal
DAY = date(2026, 12, 6)
NDC_10_8 = "55513007901"


def claim(ml: str = "1.1", vials: int = 2, **changes: object) -> ClaimForEdit:
    visit = VisitForClaim(DAY, 10**8, vials, (Injection("L1", D(ml)),), ("C43.71",))
    lines = claim_lines(BILLING, US.strength(10**8), CODES, visit)
    return replace(ClaimForEdit(DAY, NDC_10_8, lines, ("C43.71",)), **changes)


def edits(c: ClaimForEdit) -> list[str]:
    return [f.edit for f in run_edits(BILLING, CODES, c)]


def test_a_clean_claim_has_no_finding() -> None:
    assert edits(claim()) == []


def test_no_drug_line_is_a_claim_without_administration() -> None:
    assert edits(claim(lines=())) == ["no-administration"]


def test_diagnosis_missing_or_off_the_list() -> None:
    assert edits(claim(diagnosis_codes=())) == ["diagnosis"]
    assert edits(claim(diagnosis_codes=("C43.71", "C99.9"))) == ["diagnosis"]


def test_jw_and_jz_together_and_jw_under_one_unit() -> None:
    bad = ClaimLine("J9325", ("JW", "JZ"), D("0.5"), "discarded", NDC_10_8, "N4", "ML", D("0.005"))
    assert edits(claim(lines=(bad,))) == ["jw-and-jz", "jw-under-one-unit"]


def test_ndc_of_another_strength() -> None:
    assert edits(claim(ndc11="55513007801")) == ["ndc-strength", "ndc-strength"]


def test_units_over_the_payers_cap_count_discarded_units_only_where_the_policy_says() -> None:
    # 110 administered + 90 discarded
    assert edits(claim(cap=PayerCap(D(110), False, "example policy"))) == []
    assert edits(claim(cap=PayerCap(D(110), True, "example policy"))) == ["units-over-cap"]
    assert edits(claim(cap=PayerCap(D(100), False, "example policy"))) == ["units-over-cap"]


def test_a_visit_outside_its_authorization() -> None:
    inside = Authorization("PA-1", date(2026, 6, 1), DAY)
    outside = Authorization("PA-0", date(2025, 6, 1), date(2026, 5, 31))
    assert edits(claim(authorizations=(inside,))) == []
    assert edits(claim(authorizations=(outside,))) == ["outside-authorization"]
    found = run_edits(BILLING, CODES, claim(authorizations=(outside,)))
    assert found[0].field == "service_date"
    assert "PA-0" in found[0].message
