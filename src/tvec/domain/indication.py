"""Is the patient within the label's indication? Evaluated from what the chart holds.

The indication (stages, resectability, recurrence after surgery, age, excluded sites of disease)
comes in as the label's `IndicationRule`; this module only applies it. A fact the chart does not
hold is a reason too ("... not recorded"): a patient is within the indication only when every fact
it depends on is recorded and fits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from tvec.domain.rules import DistantSite, IndicationRule, Site


@dataclass(frozen=True)
class PatientFacts:
    """What the chart holds about the patient's disease; None = not recorded."""

    stage: str | None = None
    unresectable: bool | None = None
    recurrent_after_surgery: bool | None = None
    distant_sites: tuple[DistantSite, ...] | None = None  # () = no such disease
    age_years: int | None = None
    lesion_sites: tuple[Site, ...] = ()  # sites of the lesions on record (or in the visit)


@dataclass(frozen=True)
class Indication:
    """The verdict: `within`, and every reason it is not (empty when within)."""

    within: bool
    reasons: tuple[str, ...]
    missing: tuple[str, ...]  # the facts not recorded (also named in `reasons`)
    source: str


def age_on(birth_date: date | None, day: date) -> int | None:
    """Whole years of age on `day` (None when the birth date is not recorded)."""
    if birth_date is None:
        return None
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def evaluate_indication(rule: IndicationRule, facts: PatientFacts) -> Indication:
    """The patient against the label's indication; unknown facts are reasons ("not recorded")."""
    reasons: list[str] = []
    missing: list[str] = []

    def unknown(fact: str) -> None:
        missing.append(fact)
        reasons.append(f"{fact} not recorded")

    if rule.min_age_years is not None:
        if facts.age_years is None:
            unknown("age")
        elif facts.age_years < rule.min_age_years:
            reasons.append(
                f"age {facts.age_years}: the indication is for adults "
                f"({rule.min_age_years} years and over: {rule.min_age_source})"
            )
    if rule.stages:
        if facts.stage is None:
            unknown("stage")
        elif facts.stage not in rule.stages:
            reasons.append(f"stage {facts.stage}: the indication is stage {_or(rule.stages)}")
    if rule.unresectable:
        if facts.unresectable is None:
            unknown("resectability")
        elif not facts.unresectable:
            reasons.append("resectable melanoma: the indication is unresectable disease")
    if rule.recurrent_after_surgery:
        if facts.recurrent_after_surgery is None:
            unknown("recurrence after initial surgery")
        elif not facts.recurrent_after_surgery:
            reasons.append(
                "melanoma not recurrent after initial surgery: the indication is melanoma "
                "recurrent after initial surgery"
            )
    reasons.extend(_sites(rule, facts, unknown))
    return Indication(not reasons, tuple(reasons), tuple(missing), rule.source)


def _sites(rule: IndicationRule, facts: PatientFacts, unknown: Callable[[str], None]) -> list[str]:
    reasons: list[str] = []
    excluded = _or([_words(s.value) for s in rule.excluded_distant_sites])
    if rule.excluded_distant_sites:
        if facts.distant_sites is None:
            unknown(f"sites of distant disease ({excluded})")
        else:
            found = [
                _words(s.value) for s in facts.distant_sites if s in rule.excluded_distant_sites
            ]
            if found:
                reasons.append(f"{_and(found)} disease: the indication excludes {excluded} disease")
    found_sites = sorted({s.value for s in facts.lesion_sites if s in rule.excluded_lesion_sites})
    if found_sites:
        what = f"{excluded} disease" if excluded else f"{_or(found_sites)} lesions"
        reasons.append(f"{_and(found_sites)} lesion on record: the indication excludes {what}")
    treated = rule.lesion_sites
    if treated and facts.lesion_sites and not any(s in treated for s in facts.lesion_sites):
        reasons.append(f"no {_or([s.value for s in treated])} lesion on record")
    return reasons


def _words(code: str) -> str:
    return code.replace("-", " ")


def _or(items: Sequence[str]) -> str:
    return _joined(items, "or")


def _and(items: Sequence[str]) -> str:
    return _joined(items, "and")


def _joined(items: Sequence[str], word: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]
