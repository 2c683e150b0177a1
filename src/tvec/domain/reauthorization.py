"""Re-authorization evidence: is the patient's response a "continued positive clinical response"?

Payer policies re-authorize IMLYGIC when chart notes show that the patient continues to respond,
without saying what counts. tvec's reading (docs/clinical-choices.md, "Coverage"):

- met when the latest assessment after baseline is CR, PR or SD (disease control, no progression
  at the latest assessment), by the response criteria the clinic uses (modified WHO);
- not met when the latest assessment is PD (progression): the evidence does not support
  continuation, and the draft says so;
- not known when there is no assessment after baseline yet, or no evidence was given.

SD counts because responses to intralesional T-VEC are often late (OPTiM's median time to
response was 4.1 months, range 1.2 to 16.7), so stable disease at a 6-month review is a usual
road to a later response. New lesions and adverse events are evidence to show, not criteria:
under modified WHO a new lesion joins the sum of products and only counts through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.domain.response import Category

READING = (
    "tvec's reading: disease control (CR, PR or SD) at the latest assessment, "
    "with no progression there"
)
CONTROLLED = frozenset({Category.CR, Category.PR, Category.SD})


@dataclass(frozen=True)
class SpdPoint:
    """One assessment: its date, sum of products of diameters and category (None at baseline)."""

    date: date
    spd_cm2: Decimal
    category: Category | None


@dataclass(frozen=True)
class AdverseEventFact:
    term: str
    grade: int  # CTCAE
    serious: bool
    onset: date


@dataclass(frozen=True)
class ResponseEvidence:
    """The response so far, as the response engine computes it from the chart."""

    best_response: Category
    spd_trend: tuple[SpdPoint, ...]  # baseline first, by date
    confirmed_responses: int  # CR/PR assessments that are confirmed
    new_lesions: tuple[str, ...]  # lesions that appeared after baseline
    adverse_events: tuple[AdverseEventFact, ...]

    @property
    def latest(self) -> SpdPoint | None:
        """The latest assessment after baseline (None: none yet)."""
        after = [p for p in self.spd_trend if p.category is not None]
        return after[-1] if after else None


def cm2_text(value: Decimal) -> str:
    """A sum of products as shown: to the hundredth of a cm² (the engine keeps it exact)."""
    return f"{value.quantize(Decimal('0.01')):f} cm²"


def continued_response(evidence: ResponseEvidence | None) -> tuple[bool | None, str]:
    """tvec's reading of "continued positive clinical response" (see the module docstring)."""
    if evidence is None:
        return None, "the response evidence is not given"
    latest = evidence.latest
    if latest is None:
        return None, "no response assessment after baseline yet"
    shown = f"{latest.category} on {latest.date.isoformat()} (SPD {cm2_text(latest.spd_cm2)})"
    best = f"best overall response {evidence.best_response}"
    if latest.category in CONTROLLED:
        return True, f"latest assessment {shown}, {best}; {READING}"
    if latest.category is not Category.PD:
        return None, f"the latest assessment is not evaluable ({shown})"
    return False, (
        f"progression at the latest assessment, {shown}; {best}: "
        "the evidence does not support continuation"
    )
