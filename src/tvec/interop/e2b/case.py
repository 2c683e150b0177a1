"""A de-identified individual case safety report: the plain values the E2B-shaped XML is built from.

A service (`tvec.services.safety_report`) fills it from the clinic records; nothing here holds a
name, a medical record number or a birth date, and free text has already been redacted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Seriousness:
    """The ICH E2A seriousness criteria (E2B(R3) E.i.3.2a-f); all False: not serious."""

    death: bool = False
    life_threatening: bool = False
    hospitalisation: bool = False
    disability: bool = False
    congenital_anomaly: bool = False
    other_important: bool = False

    @property
    def serious(self) -> bool:
        return any(
            (
                self.death,
                self.life_threatening,
                self.hospitalisation,
                self.disability,
                self.congenital_anomaly,
                self.other_important,
            )
        )


@dataclass(frozen=True)
class Dose:
    """One administration of the suspect product (E2B(R3) G.k.4.r)."""

    given_on: date
    volume_ml: Decimal
    pfu_per_ml: int
    lot: str


@dataclass(frozen=True)
class SafetyCase:
    """One adverse event, de-identified, with the product given before it."""

    report_id: str  # C.1.1, the sender's unique identifier of the report
    created_on: date  # C.1.2
    first_received_on: date | None  # C.1.4, the day the centre became aware (None: not known)
    most_recent_on: date  # C.1.5
    expedited: bool  # C.1.7, fulfils the criteria for an expedited report (ICH E2A)
    sender_organisation: str  # C.3.3.1
    reporter_qualification: str  # C.2.r.4: "physician", "pharmacist", "other health professional"
    age_at_onset_years: int | None  # D.2.2a (unit D.2.2b: years)
    sex: str  # D.5: "female", "male", "other", "unknown"
    term: str  # E.i.1.1a, the reaction as recorded (a CTCAE v5.0 term, or "Other: ...")
    meddra_code: int | None  # E.i.2.1b, the code CTCAE v5.0 gives its term (None: not known)
    ctcae_grade: int
    seriousness: Seriousness
    serious: bool  # as recorded (derived from the criteria and the grade)
    expected: bool | None  # listed among the label's adverse reactions (None: not known)
    onset: date  # E.i.4
    resolved_on: date | None  # E.i.5
    outcome: str  # E.i.7: "recovered/resolved", "not recovered/not resolved/ongoing", "fatal"
    related: str  # G.k.9.i.2.r.3: "related", "not related", "unknown", "not yet assessed"
    doses: tuple[Dose, ...]  # before or on the onset
    action_taken: str  # free text, redacted
    narrative: str  # H.1, redacted


__all__ = ["Dose", "SafetyCase", "Seriousness"]
