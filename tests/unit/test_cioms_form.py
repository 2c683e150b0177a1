"""The CIOMS I-style form of a case: the form's sections filled from the de-identified case, a
real PDF from WeasyPrint, and the patient's initials and birth date left out."""

from __future__ import annotations

from dataclasses import replace

from tests.support.safety_case import CASE

from tvec.interop.e2b import Seriousness
from tvec.reports.cioms import cioms_html, cioms_pdf


def test_the_form_has_the_cioms_sections_filled_from_the_case() -> None:
    html = cioms_html(CASE)
    for heading in (
        "I. Reaction information",
        "II. Suspect drug information",
        "III. Concomitant drug(s) and history",
        "IV. Manufacturer information",
    ):
        assert heading in html
    assert "71 years at onset" in html
    assert "<strong>Skin infection</strong>, CTCAE v5.0 grade 3 (MedDRA 10040872)" in html
    assert "2026-05-22: 2.5 mL at 10^8 PFU/mL, lot LOT-B" in html
    assert "IMLYGIC (talimogene laherparepvec)" in html
    assert "not the official form" in html


def test_the_ticked_boxes_are_the_cases_seriousness_criteria() -> None:
    html = cioms_html(replace(CASE, seriousness=Seriousness(life_threatening=True)))
    assert '<span class="box">X</span>life threatening' in html
    assert '<span class="box"></span>involved or prolonged inpatient hospitalisation' in html


def test_the_patients_initials_and_birth_date_are_not_given() -> None:
    html = cioms_html(CASE)
    assert '1. Patient initials</span><span class="masked">masked' in html
    assert '2. Date of birth</span><span class="masked">not given' in html


def test_the_form_is_a_pdf() -> None:
    assert cioms_pdf(CASE).startswith(b"%PDF")
