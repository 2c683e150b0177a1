"""A payer's coverage policy for IMLYGIC, as the rules read it (loaded from `tvec.knowledge`).

A policy is data: its effective dates, its criteria, the documents it asks for, how long it
authorizes, its per-visit unit caps and whether discarded units count against the units
authorized. Every value carries the location of the sentence it was read from (`source`), so the
billing office can show the payer its own words.

Each criterion is one of a closed set of checks (`Check`); the check decides which chart fact the
criterion reads (`CHECK_READS`) and how; the policy supplies the values (the stages, therapies or
specialties it names). `tvec.domain.coverage.evaluate` applies a policy to a patient's facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ReviewType(StrEnum):
    STANDARD = "standard"
    NON_FORMULARY_EXCEPTION = "non-formulary-exception"


class Check(StrEnum):
    """What a criterion checks; each reads one chart fact (`CHECK_READS`)."""

    CANCER = "cancer"  # the diagnosis is one of `values`
    UNRESECTABLE = "unresectable"
    RECURRENT_AFTER_SURGERY = "recurrent-after-surgery"
    LESION_SITES = "lesion-sites"  # an injectable lesion, and every one at a site in `values`
    STAGE = "stage"  # the stage is one of `values`
    PRIOR_THERAPY = "prior-therapy"  # at least one of `values` given before
    PRESCRIBER_SPECIALTY = "prescriber-specialty"  # the prescriber's specialty is in `values`
    CONTINUED_RESPONSE = "continued-response"  # re-authorization: tvec's reading of the response


CHECK_READS: Mapping[Check, str] = {
    Check.CANCER: "diagnosis.cancer",
    Check.UNRESECTABLE: "diagnosis.unresectable",
    Check.RECURRENT_AFTER_SURGERY: "diagnosis.recurrent_after_surgery",
    Check.LESION_SITES: "lesions",
    Check.STAGE: "diagnosis.stage",
    Check.PRIOR_THERAPY: "prior_therapies",
    Check.PRESCRIBER_SPECIALTY: "prescriber_specialty",
    Check.CONTINUED_RESPONSE: "response",
}

# Checks that compare the fact with the policy's list of values (the others take none).
CHECKS_WITH_VALUES = frozenset(
    {
        Check.CANCER,
        Check.LESION_SITES,
        Check.STAGE,
        Check.PRIOR_THERAPY,
        Check.PRESCRIBER_SPECIALTY,
    }
)


class AppliesTo(StrEnum):
    """Which requests a criterion (or a required document) is asked of."""

    ALL = "all"  # the initial request and every re-authorization
    INITIAL = "initial"
    REAUTHORIZATION = "reauthorization"

    def applies(self, reauthorization: bool) -> bool:
        if self is AppliesTo.ALL:
            return True
        return (self is AppliesTo.REAUTHORIZATION) == reauthorization


@dataclass(frozen=True)
class Criterion:
    id: str  # stable: requests and answers name it
    check: Check
    text: str  # the criterion in the policy's terms, for a person
    values: tuple[str, ...]  # what the check accepts (stages, therapies, ...); () for yes/no
    applies_to: AppliesTo
    source: str  # the section/paragraph of the policy it was read from

    @property
    def reads(self) -> str:
        """The chart fact the criterion reads."""
        return CHECK_READS[self.check]


@dataclass(frozen=True)
class RequiredDocument:
    id: str  # e.g. "office-notes"; a patient's facts list the documents on file by id
    text: str
    applies_to: AppliesTo
    source: str


@dataclass(frozen=True)
class AuthorizationTerms:
    initial_months: Mapping[ReviewType, int]  # by review type
    reauthorization_months: int
    source: str


@dataclass(frozen=True)
class DoseCap:
    """At most `max_units_per_visit` billing units of one strength at one visit."""

    pfu_per_ml: int
    max_units_per_visit: int
    source: str


@dataclass(frozen=True)
class PolicyNote:
    text: str
    source: str


@dataclass(frozen=True)
class Policy:
    id: str  # the payer's policy number, e.g. "5.01.562"
    version: str
    title: str
    payer: str
    effective_from: date
    effective_to: date | None  # None: until replaced
    last_revised: date
    source: str  # the document, named as the payer names it
    criteria: tuple[Criterion, ...]
    documents_required: tuple[RequiredDocument, ...]
    authorization: AuthorizationTerms
    dose_caps: tuple[DoseCap, ...]
    discarded_units_count: bool  # discarded (JW) units count against the units authorized
    discarded_units_source: str
    example: bool  # written by tvec to show what other payers ask: not a real payer's policy
    notes: tuple[PolicyNote, ...] = ()

    def in_effect(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    def cap_for(self, pfu_per_ml: int) -> DoseCap | None:
        return next((c for c in self.dose_caps if c.pfu_per_ml == pfu_per_ml), None)

    @property
    def shown_title(self) -> str:
        """The title as every page shows it: an example policy says so."""
        return f"{self.title} (example policy)" if self.example else self.title
