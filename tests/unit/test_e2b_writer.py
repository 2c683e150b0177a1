"""The E2B(R3)-shaped XML of a case, from plain values: well-formed, every required data element,
codes from the ICH E2B(R3) implementation guide, and nothing the case does not hold."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from tests.support.safety_case import CASE

from tvec.interop.e2b import SafetyCase, Seriousness, case_xml
from tvec.interop.e2b.writer import OUTCOME, strength


def parsed(case: SafetyCase) -> dict[str, list[ET.Element]]:
    root = ET.fromstring(case_xml(case))
    found: dict[str, list[ET.Element]] = {}
    for e in root.iter():
        if e.get("e2b"):
            found.setdefault(e.get("e2b", ""), []).append(e)
    return found


def test_the_case_reads_back_element_by_element() -> None:
    e = parsed(CASE)
    assert e["C.1.1"][0].text == "TVEC-1-AE-7-V1"
    assert e["C.1.4"][0].get("nullFlavor") == "UNK"
    assert e["C.1.7"][0].text == "true"
    assert (e["D.5"][0].text, e["D.5"][0].get("code")) == ("male", "1")
    assert [x.text for x in e["E.i.3.2c"]] == ["true"]
    assert e["E.i.5"][0].text == "2026-05-31"
    assert e["E.i.7"][0].get("code") == OUTCOME["recovered/resolved"] == "1"
    assert [x.text for x in e["G.k.4.r.7"]] == ["LOT-A", "LOT-B"]
    assert [x.text for x in e["G.k.4.r.1a"]] == ["4.0", "2.5"]
    assert e["G.k.9.i.2.r.3"][0].text == "not yet assessed"
    assert e["E.i.2.1b"][0].text == "10040872"


def test_an_unknown_age_and_sex_are_sent_as_unknown() -> None:
    e = parsed(
        replace(
            CASE,
            age_at_onset_years=None,
            sex="other",
            resolved_on=None,
            meddra_code=None,
            expected=None,
        )
    )
    assert e["D.2.2a"][0].get("nullFlavor") == "UNK"
    assert e["D.5"][0].get("nullFlavor") == "UNK"
    assert e["D.5"][0].text is None
    assert "E.i.5" not in e
    assert "E.i.2.1b" not in e


def test_text_that_looks_like_markup_stays_text() -> None:
    raw = case_xml(replace(CASE, action_taken="<script>&</script>"))
    assert b"<script>" not in raw
    root = ET.fromstring(raw)
    assert any(el.text == "<script>&</script>" for el in root.iter())


@pytest.mark.parametrize(
    ("pfu", "text"),
    [(10**6, "10^6 PFU/mL"), (10**8, "10^8 PFU/mL"), (3 * 10**7, "30000000 PFU/mL")],
)
def test_strength_reads_as_on_the_label(pfu: int, text: str) -> None:
    assert strength(pfu) == text


def test_no_seriousness_criterion_means_not_serious() -> None:
    assert Seriousness().serious is False
    assert Seriousness(other_important=True).serious is True
