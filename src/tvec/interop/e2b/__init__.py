"""An ICH E2B(R3)-shaped individual case safety report (simplified XML; see docs/adr/0007).

`SafetyCase` holds the de-identified values; `case_xml` writes them as XML whose element names
follow the E2B(R3) data elements. It is not the HL7 ICSR message and has not been validated
against the ICH schemas.
"""

from tvec.interop.e2b.case import Dose, SafetyCase, Seriousness
from tvec.interop.e2b.writer import FORMAT, NAMESPACE, case_xml

__all__ = ["FORMAT", "NAMESPACE", "Dose", "SafetyCase", "Seriousness", "case_xml"]
