"""Carton identifiers: the NDC as labelled, its 5-4-2 billing form and the GTIN-14 that carries it.

The label file gives each US strength its GTIN with a source; a GTIN whose GS1 check digit fails,
or that carries another NDC than its strength's, is refused when the file is loaded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvec.domain import product_codes as codes
from tvec.knowledge import KnowledgeError, load_label, load_label_file

US_TEXT = (Path(__file__).parents[2] / "src/tvec/knowledge/data/labels/us.toml").read_text(
    encoding="utf-8"
)


def make_refusal(tmp_path: Path, old: str, new: str) -> KnowledgeError:
    assert US_TEXT.count(old) == 1, old
    path = tmp_path / "label.toml"
    path.write_text(US_TEXT.replace(old, new), encoding="utf-8")
    with pytest.raises(KnowledgeError) as refused:
        load_label_file(path)
    assert str(refused.value).startswith(f"{path}: {refused.value.field}: ")
    return refused.value


def test_each_us_strength_carries_the_gtin_of_its_ndc_with_a_source() -> None:
    label = load_label("us")
    by_strength = {s.pfu_per_ml: s for s in label.strengths}
    assert by_strength[1_000_000].gtin == "00355513078016"
    assert by_strength[100_000_000].gtin == "00355513079013"
    for strength in label.strengths:
        assert strength.gtin == codes.gtin_for_ndc(strength.ndc)
        assert "GS1" in strength.gtin_source


@pytest.mark.parametrize(
    ("ndc", "billing"),
    [("55513-078-01", "55513-0078-01"), ("1234-5678-90", "01234-5678-90")],
)
def test_the_billing_form_pads_the_short_part(ndc: str, billing: str) -> None:
    assert codes.ndc11(ndc) == billing


def test_the_billing_form_pads_a_one_digit_package() -> None:
    assert codes.ndc11("12345-6789-1") == "12345-6789-01"
    assert codes.ndc10_from_ndc11("12345-6789-01", (5, 4, 1)) == "12345-6789-1"


def test_the_labelled_form_comes_back_from_the_billing_form() -> None:
    assert codes.ndc10_from_ndc11("55513-0078-01", (5, 3, 2)) == "55513-078-01"
    assert codes.ndc10_from_ndc11("01234-5678-90", (4, 4, 2)) == "1234-5678-90"


@pytest.mark.parametrize(
    ("billing", "layout"),
    [("55513-078-01", (5, 3, 2)), ("55513-1078-01", (5, 3, 2)), ("55513-0078-01", (3, 3, 3))],
)
def test_a_billing_form_that_does_not_fit_is_refused(
    billing: str, layout: tuple[int, int, int]
) -> None:
    with pytest.raises(ValueError, match="NDC"):
        codes.ndc10_from_ndc11(billing, layout)


@pytest.mark.parametrize("ndc", ["5551307801", "55513-078", "55513-078-0x", "555-13078-01"])
def test_a_malformed_ndc_is_refused(ndc: str) -> None:
    with pytest.raises(ValueError, match="NDC"):
        codes.ndc11(ndc)


def test_the_gtin_check_digit() -> None:
    assert codes.gtin_for_ndc("55513-079-01") == "00355513079013"
    assert codes.gtin_check_digit_ok("00355513078016")
    assert not codes.gtin_check_digit_ok("00355513078017")
    assert not codes.gtin_check_digit_ok("12345")
    with pytest.raises(ValueError, match="digits"):
        codes.gs1_check_digit("12a")


@given(st.from_regex(r"[0-9]{13}", fullmatch=True), st.integers(1, 9))
def test_changing_any_one_digit_breaks_the_check(data: str, shift: int) -> None:
    gtin = data + str(codes.gs1_check_digit(data))
    assert codes.gtin_check_digit_ok(gtin)
    wrong = gtin[:-1] + str((int(gtin[-1]) + shift) % 10)
    assert not codes.gtin_check_digit_ok(wrong)


def test_the_ndc_inside_a_gtin_and_the_strength_it_names() -> None:
    label = load_label("us")
    assert codes.ndc_digits_in_gtin("00355513078016") == "5551307801"
    assert codes.ndc_digits_in_gtin("04006381333931") is None
    assert codes.strength_for_gtin(label, "00355513079013").pfu_per_ml == 100_000_000  # type: ignore[union-attr]
    assert codes.strength_for_gtin(label, "04006381333931") is None


def test_a_gtin_with_a_failing_check_digit_is_refused_at_load(tmp_path: Path) -> None:
    refused = make_refusal(tmp_path, 'gtin = "00355513078016"', 'gtin = "00355513078017"')
    assert (refused.field, refused.problem) == ("strengths.0.gtin", "fails the GS1 check digit")


def test_a_gtin_carrying_another_ndc_is_refused_at_load(tmp_path: Path) -> None:
    refused = make_refusal(tmp_path, 'gtin = "00355513078016"', 'gtin = "00355513079013"')
    assert refused.field == "strengths.0.gtin"
    assert "55513-078-01" in refused.problem


def test_a_gtin_without_its_source_is_refused_at_load(tmp_path: Path) -> None:
    old = US_TEXT.split('gtin_source = "', 1)[1].split("\n", 1)[0]
    refused = make_refusal(tmp_path, f'gtin_source = "{old}\n', "")
    assert refused.field == "strengths.0"
    assert "gtin_source" in refused.problem


def test_a_billing_ndc_that_is_not_the_labelled_one_is_refused_at_load(tmp_path: Path) -> None:
    refused = make_refusal(
        tmp_path, 'ndc_billing = "55513-0078-01"', 'ndc_billing = "55513-0079-01"'
    )
    assert refused.field == "strengths.0.ndc_billing"


def test_a_malformed_ndc_is_refused_at_load(tmp_path: Path) -> None:
    refused = make_refusal(tmp_path, 'ndc = "55513-078-01"', 'ndc = "5551307801"')
    assert refused.field == "strengths.0.ndc"


def test_a_strength_without_a_gtin_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "label.toml"
    start = US_TEXT.index('gtin = "00355513078016"')
    end = US_TEXT.index("use =", start)
    path.write_text(US_TEXT[:start] + US_TEXT[end:], encoding="utf-8")
    label = load_label_file(path)
    assert label.strengths[0].gtin is None
    assert codes.strength_for_gtin(label, "00355513078016") is None
