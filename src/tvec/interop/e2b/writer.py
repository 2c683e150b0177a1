"""The E2B(R3)-shaped XML of one `SafetyCase` (the stdlib's `xml.etree`; see docs/adr/0007).

Each element is named after an E2B(R3) data element (ICH E2B(R3) implementation guide, 12 April
2013) in lower camel case, and its ``e2b`` attribute gives the element's number ("E.i.7");
coded values carry the guide's code in ``code`` and its meaning as text. Elements without an
``e2b`` attribute (the CTCAE grade, the product's strength, whether the label lists the reaction)
are tvec's additions. Dates are ISO
8601 (YYYY-MM-DD). This is a simplified document, not the HL7 ICSR message (PORR_IN049016UV), and
it has not been validated against the ICH schemas.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # builds only; nothing is parsed here
from datetime import date

from tvec.interop.e2b.case import Dose, SafetyCase

NAMESPACE = "urn:tvec:icsr:e2b-r3-shaped:1"
FORMAT = "tvec simplified ICH E2B(R3)-shaped individual case safety report"
CONFORMANCE = "element names follow ICH E2B(R3); not an HL7 ICSR message; not schema-validated"

OUTCOME = {  # E.i.7
    "recovered/resolved": "1",
    "recovering/resolving": "2",
    "not recovered/not resolved/ongoing": "3",
    "recovered/resolved with sequelae": "4",
    "fatal": "5",
    "unknown": "0",
}
QUALIFICATION = {"physician": "1", "pharmacist": "2", "other health professional": "3"}  # C.2.r.4
SEX = {"male": "1", "female": "2"}  # D.5; anything else is sent as unknown (nullFlavor UNK)
SERIOUSNESS = (  # E.i.3.2a-f
    ("resultsInDeath", "E.i.3.2a", "death"),
    ("lifeThreatening", "E.i.3.2b", "life_threatening"),
    ("causedProlongedHospitalisation", "E.i.3.2c", "hospitalisation"),
    ("disablingIncapacitating", "E.i.3.2d", "disability"),
    ("congenitalAnomalyBirthDefect", "E.i.3.2e", "congenital_anomaly"),
    ("otherMedicallyImportantCondition", "E.i.3.2f", "other_important"),
)


def _el(
    parent: ET.Element, tag: str, e2b: str | None, text: str | None = None, **attrs: str
) -> ET.Element:
    element = ET.SubElement(parent, tag, {"e2b": e2b, **attrs} if e2b else attrs)
    if text is not None:
        element.text = text
    return element


def _day(parent: ET.Element, tag: str, e2b: str, day: date | None) -> None:
    if day is None:
        _el(parent, tag, e2b, nullFlavor="UNK")
    else:
        _el(parent, tag, e2b, day.isoformat())


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _identification(root: ET.Element, case: SafetyCase) -> None:
    c1 = _el(root, "caseSafetyReportIdentification", "C.1")
    _el(c1, "sendersSafetyReportUniqueIdentifier", "C.1.1", case.report_id)
    _day(c1, "dateOfCreation", "C.1.2", case.created_on)
    _el(c1, "typeOfReport", "C.1.3", "spontaneous report", code="1")
    _day(c1, "dateReportWasFirstReceivedFromSource", "C.1.4", case.first_received_on)
    _day(c1, "dateOfMostRecentInformation", "C.1.5", case.most_recent_on)
    _el(c1, "fulfilLocalCriteriaForExpeditedReport", "C.1.7", _flag(case.expedited))
    c2 = _el(root, "primarySource", "C.2.r")
    qualification = QUALIFICATION.get(case.reporter_qualification, "3")
    _el(c2, "qualification", "C.2.r.4", case.reporter_qualification, code=qualification)
    c3 = _el(root, "sender", "C.3")
    _el(c3, "senderType", "C.3.1", "health professional", code="3")
    _el(c3, "sendersOrganisation", "C.3.3.1", case.sender_organisation)


def _patient(root: ET.Element, case: SafetyCase) -> None:
    d = _el(root, "patient", "D")
    _el(d, "patientName", "D.1", nullFlavor="MSK")  # masked: de-identified
    if case.age_at_onset_years is None:
        _el(d, "ageAtTimeOfOnsetOfReaction", "D.2.2a", nullFlavor="UNK")
    else:
        age = str(case.age_at_onset_years)
        _el(d, "ageAtTimeOfOnsetOfReaction", "D.2.2a", age, unit="a")
    if case.sex in SEX:
        _el(d, "sex", "D.5", case.sex, code=SEX[case.sex])
    else:
        _el(d, "sex", "D.5", nullFlavor="UNK")


def _reaction(root: ET.Element, case: SafetyCase) -> None:
    e = _el(root, "reaction", "E.i")
    _el(e, "reactionAsReportedByPrimarySource", "E.i.1.1a", case.term)
    if case.meddra_code is not None:
        terminology = "MedDRA, the code CTCAE v5.0 gives the term"
        _el(e, "reactionMeddraCode", "E.i.2.1b", str(case.meddra_code), terminology=terminology)
    _el(e, "ctcaeGrade", None, str(case.ctcae_grade), terminology="CTCAE v5.0")
    _el(e, "serious", None, _flag(case.serious or case.seriousness.serious))
    if case.expected is not None:
        _el(e, "listedInTheLabel", None, _flag(case.expected))
    criteria = _el(e, "seriousnessCriteria", "E.i.3.2")
    for tag, number, attribute in SERIOUSNESS:
        _el(criteria, tag, number, _flag(getattr(case.seriousness, attribute)))
    _day(e, "dateOfStartOfReaction", "E.i.4", case.onset)
    if case.resolved_on is not None:
        _day(e, "dateOfEndOfReaction", "E.i.5", case.resolved_on)
    _el(e, "outcomeOfReaction", "E.i.7", case.outcome, code=OUTCOME[case.outcome])


def strength(pfu_per_ml: int) -> str:
    """'10^8 PFU/mL' for a power of ten, else the number."""
    exponent = len(str(pfu_per_ml)) - 1
    if pfu_per_ml > 0 and 10**exponent == pfu_per_ml:
        return f"10^{exponent} PFU/mL"
    return f"{pfu_per_ml} PFU/mL"


def _dosage(drug: ET.Element, dose: Dose) -> None:
    g = _el(drug, "dosageInformation", "G.k.4.r")
    _el(g, "dose", "G.k.4.r.1a", f"{dose.volume_ml}")
    _el(g, "doseUnit", "G.k.4.r.1b", "mL")
    _el(g, "strength", None, strength(dose.pfu_per_ml))
    _day(g, "dateOfStartOfDrug", "G.k.4.r.4", dose.given_on)
    _el(g, "batchLotNumber", "G.k.4.r.7", dose.lot)
    _el(g, "routeOfAdministration", "G.k.4.r.10.1", "intralesional")


def _drug(root: ET.Element, case: SafetyCase) -> None:
    g = _el(root, "drug", "G.k")
    _el(g, "characterisationOfDrugRole", "G.k.1", "suspect", code="1")
    _el(g, "medicinalProductName", "G.k.2.2", "IMLYGIC")
    _el(g, "substanceName", "G.k.2.3.r.1", "talimogene laherparepvec")
    for dose in case.doses:
        _dosage(g, dose)
    assessment = _el(g, "relatednessOfDrugToReaction", "G.k.9.i.2.r")
    _el(assessment, "sourceOfAssessment", "G.k.9.i.2.r.1", "treating centre")
    _el(assessment, "methodOfAssessment", "G.k.9.i.2.r.2", "clinical judgement")
    _el(assessment, "resultOfAssessment", "G.k.9.i.2.r.3", case.related)


def case_xml(case: SafetyCase) -> bytes:
    """The case as an XML document (UTF-8, with its declaration)."""
    root = ET.Element(
        "individualCaseSafetyReport",
        {"xmlns": NAMESPACE, "format": FORMAT, "conformance": CONFORMANCE},
    )
    _identification(root, case)
    _patient(root, case)
    _reaction(root, case)
    _drug(root, case)
    h = _el(root, "narrativeCaseSummary", "H")
    _el(h, "caseNarrative", "H.1", case.narrative)
    _el(h, "actionTaken", None, case.action_taken)
    ET.indent(root)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


__all__ = ["CONFORMANCE", "FORMAT", "NAMESPACE", "case_xml"]
