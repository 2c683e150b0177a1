"""Published trial figures (OPTiM) as data, for reports that compare a cohort with the trial.

Values stay as published (text such as "<1" is kept verbatim); these are reference figures for
display and comparison, never inputs to a treatment decision.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tvec.knowledge.loader import KnowledgeError, bundled_file, bundled_names, parse_file


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrialArm(_Strict):
    name: str
    n: int
    durable_responders: int
    objective_response_pct: str
    complete_response_pct: str
    partial_response_pct: str
    median_os_months: str
    source: str


class TrialComparison(_Strict):
    drr_relative_risk: str
    drr_relative_risk_ci: tuple[str, str]
    drr_p: str
    os_p: str
    median_time_to_response_months: str
    time_to_response_range_months: tuple[str, str]
    source: str


class TrialFinalAnalysis(_Strict):
    """The trial's final analysis: responders per arm and the published risk differences.

    ``rd_method`` names the interval method of the differences (one of the methods of
    ``tvec.analytics.risk_difference``), ``rd_method_source`` where that comes from.
    """

    source: str
    tvec_durable_responders: int = Field(ge=0)
    gmcsf_durable_responders: int = Field(ge=0)
    tvec_objective_responders: int = Field(ge=0)
    gmcsf_objective_responders: int = Field(ge=0)
    drr_difference: str
    drr_difference_ci: tuple[str, str]
    orr_difference: str
    orr_difference_ci: tuple[str, str]
    rd_method: str
    rd_method_source: str


class TrialSubgroup(_Strict):
    """A published subgroup of the trial, defined by its disease stages (as registry codes)."""

    description: str
    stages: tuple[str, ...] = Field(min_length=1)
    stages_source: str
    tvec_durable_responders: int
    tvec_n: int
    gmcsf_durable_responders: int
    gmcsf_n: int
    source: str


class AdverseReactionRate(_Strict):
    """One of the trial's most common adverse reactions: share of each arm, as published."""

    term: str
    ctcae_terms: tuple[str, ...] = Field(min_length=1)  # the CTCAE v5.0 terms it is recorded as
    tvec_pct: str
    gmcsf_pct: str


class AdverseReactions(_Strict):
    rates: tuple[AdverseReactionRate, ...] = Field(min_length=1)
    source: str
    ctcae_terms_source: str
    most_common_serious: str
    most_common_serious_source: str


class Trial(_Strict):
    name: str
    title: str
    source: str
    criteria: str
    patients: int = Field(gt=0)  # randomised in all arms
    patients_source: str
    arms: tuple[TrialArm, ...]
    comparison: TrialComparison
    final_analysis: TrialFinalAnalysis | None = None
    eu_subgroup: TrialSubgroup
    adverse_reactions: AdverseReactions

    @model_validator(mode="after")
    def _arms_add_up(self) -> Trial:
        if sum(arm.n for arm in self.arms) != self.patients:
            raise ValueError("the arms' n must add up to patients")
        final = self.final_analysis
        if final is not None and len(self.arms) == 2:
            first, second = self.arms[0].n, self.arms[1].n
            counts = (
                (final.tvec_durable_responders, first),
                (final.tvec_objective_responders, first),
                (final.gmcsf_durable_responders, second),
                (final.gmcsf_objective_responders, second),
            )
            if any(events > n for events, n in counts):
                raise ValueError("final_analysis: responders cannot outnumber the arm's n")
        return self

    def arm(self, name: str) -> TrialArm:
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise KnowledgeError(f"trials/{self.name}", "arms", f"no arm named {name!r}")


def available_trials() -> list[str]:
    return bundled_names("trials")


@cache
def load_trial(name: str = "optim") -> Trial:
    """The bundled published figures of trial `name` (see `available_trials()`)."""
    return load_trial_file(bundled_file("trials", name, available_trials()))


def load_trial_file(path: Path | str) -> Trial:
    return parse_file(Path(path), Trial)
