"""Adverse events: the CTCAE term and grade, seriousness, relatedness and expectedness.

Conventions:
- A term is a CTCAE v5.0 term, named as CTCAE names it ("Fever", "Skin infection"); free text is
  allowed only as "Other, specify": the term `other` with its `other_specify` text. A term stored
  before tvec knew CTCAE (free text) is read as "Other, specify" with every grade allowed.
- A grade is one the term has (CTCAE marks the others "–").
- Seriousness follows ICH E2A: an event is serious when it meets at least one seriousness
  criterion. CTCAE grade 5 is death related to the event, so grade 5 always carries the criterion
  "results in death" and an event with that criterion is grade 5. `is_serious` is the only place
  that decides; the database holds the same rule as a CHECK.
- Relatedness to the product is answered "yes", "no" or "unknown"; "yes" and "unknown" make the
  event a suspected adverse reaction (ICH E2A counts a reaction whose causality cannot be ruled
  out as suspected).
- An event is expected when its term is among the label's adverse reactions; every other term,
  and every "Other, specify", is unexpected.

Term rules come in as `CtcaeTerm` and `Ctcae` values built by `tvec.knowledge.ctcae`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tvec.domain.errors import InvalidInput

OTHER = "other"  # the CTCAE "Other, specify" term: its text goes in `other_specify`
WHERE = "adverse event"


class Relatedness(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"

    @property
    def suspected(self) -> bool:
        """Causality not ruled out (ICH E2A): "yes" and "unknown"."""
        return self is not Relatedness.NO


class Criterion(StrEnum):
    """The ICH E2A seriousness criteria (stored one column each, named by `column`)."""

    DEATH = "results-in-death"
    LIFE_THREATENING = "life-threatening"
    HOSPITALISATION = "hospitalisation"
    DISABILITY = "disability"
    CONGENITAL_ANOMALY = "congenital-anomaly"
    IMPORTANT_MEDICAL_EVENT = "important-medical-event"

    @property
    def column(self) -> str:
        return self.value.replace("-", "_")


CRITERIA_WORDS = {
    Criterion.DEATH: "results in death",
    Criterion.LIFE_THREATENING: "is life-threatening",
    Criterion.HOSPITALISATION: "requires or prolongs hospitalisation",
    Criterion.DISABILITY: "results in persistent or significant disability",
    Criterion.CONGENITAL_ANOMALY: "is a congenital anomaly or birth defect",
    Criterion.IMPORTANT_MEDICAL_EVENT: "is another important medical event",
}


@dataclass(frozen=True)
class CtcaeTerm:
    """One CTCAE term: its grades (grade → description; "" when tvec does not reproduce it)."""

    name: str
    soc: str  # MedDRA system organ class
    meddra_code: int | None
    grades: Mapping[int, str]
    herpetic: bool
    label_words: tuple[str, ...]  # the label's own words for this reaction, if any
    source: str


@dataclass(frozen=True)
class Ctcae:
    version: str
    source: str
    terms: tuple[CtcaeTerm, ...]
    other: CtcaeTerm  # "Other, specify": the general grade definitions

    def find(self, name: str) -> CtcaeTerm | None:
        """The term named `name` (letter case ignored), `other` for "Other, specify", or None."""
        wanted = name.strip().casefold()
        if wanted == OTHER:
            return self.other
        return next((t for t in self.terms if t.name.casefold() == wanted), None)

    def term_of(self, stored: str) -> CtcaeTerm:
        """The term of a stored event: a legacy free-text term reads as "Other, specify"."""
        return self.find(stored) or self.other


def chosen_term(ctcae: Ctcae, term: str, other_specify: str | None) -> CtcaeTerm:
    """The CTCAE term typed or picked; "Other, specify" needs its text, and only it has one."""
    found = ctcae.find(term)
    if found is None:
        raise InvalidInput(
            WHERE,
            "term",
            f"is not a CTCAE {ctcae.version} term: pick one, or Other, specify",
            label="Term",
        )
    specified = (other_specify or "").strip()
    if found is ctcae.other and not specified:
        raise InvalidInput(WHERE, "other_specify", "is required for Other, specify")
    if found is not ctcae.other and specified:
        raise InvalidInput(WHERE, "other_specify", "is only given with the term Other, specify")
    return found


def check_grade(term: CtcaeTerm, grade: int) -> None:
    """The grade is one the term has in CTCAE."""
    if grade not in term.grades:
        allowed = ", ".join(str(g) for g in sorted(term.grades))
        raise InvalidInput(
            WHERE, "grade", f"{grade} is not a grade of {term.name} (CTCAE grades: {allowed})"
        )


def criteria_for(grade: int, ticked: Iterable[Criterion]) -> frozenset[Criterion]:
    """The event's seriousness criteria: grade 5 adds "results in death"; death needs grade 5."""
    criteria = frozenset(ticked)
    if grade == 5:
        return criteria | {Criterion.DEATH}
    if Criterion.DEATH in criteria:
        raise InvalidInput(
            WHERE, "grade", "must be 5 (death, CTCAE) when the event results in death"
        )
    return criteria


def is_serious(grade: int, criteria: Iterable[Criterion]) -> bool:
    """ICH E2A: serious when it meets any seriousness criterion; CTCAE grade 5 is death."""
    return grade == 5 or any(True for _ in criteria)


def is_expected(term: CtcaeTerm, expected_terms: frozenset[str]) -> bool:
    """Listed among the label's adverse reactions (by CTCAE term); Other, specify never is."""
    return term.name in expected_terms


def check_dates(onset: date, aware_on: date, resolved_on: date | None) -> None:
    """Awareness and resolution come on or after the onset (future dates: the service)."""
    if aware_on < onset:
        raise InvalidInput(WHERE, "aware_on", f"must not be before the onset {onset.isoformat()}")
    if resolved_on is not None and resolved_on < onset:
        raise InvalidInput(
            WHERE, "resolved_on", f"must not be before the onset {onset.isoformat()}"
        )


def check_lot(related: Relatedness, vial_lot_id: int | None) -> None:
    """A lot is linked to an event suspected of being caused by it, not to an unrelated one."""
    if vial_lot_id is not None and not related.suspected:
        raise InvalidInput(WHERE, "vial_lot_id", "is only linked when the event may be related")
