"""Pydantic shapes of the knowledge files: strict (unknown keys refused), every table sourced.

They only check shape and plausibility; `loader.py` turns them into the domain's frozen rules.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tvec.domain.rules import Container, CourseEndReason, Priority, Site, VisitKind

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
PositiveDecimal = Annotated[Decimal, Field(gt=0)]
PositiveInt = Annotated[int, Field(gt=0)]


class Sourced(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    source: Text


class StrengthModel(Sourced):
    pfu_per_ml: PositiveInt
    vial_volume_ml: PositiveDecimal
    cap_colour: Text
    ndc: Text
    ndc_billing: Text
    use: Text


class VisitModel(Sourced):
    kind: VisitKind
    interval_days: PositiveInt | None = None
    max_total_volume_ml: PositiveDecimal
    pfu_per_ml: PositiveInt
    priority: Priority


class BandModel(Sourced):
    above_cm: Annotated[Decimal, Field(ge=0)] | None = None
    up_to_cm: PositiveDecimal | None = None
    max_volume_ml: PositiveDecimal

    @model_validator(mode="after")
    def _bounded(self) -> BandModel:
        if self.above_cm is None and self.up_to_cm is None:
            raise ValueError("a band needs above_cm, up_to_cm or both")
        both = self.above_cm is not None and self.up_to_cm is not None
        if both and self.up_to_cm <= self.above_cm:  # type: ignore[operator]
            raise ValueError("up_to_cm must be greater than above_cm")
        return self


class DosingModel(Sourced):
    volume_step_ml: PositiveDecimal


class CourseModel(Sourced):
    min_months: PositiveInt
    early_end_reasons: tuple[CourseEndReason, ...]


class ContraindicationModel(Sourced):
    code: Text
    description: Text


class RouteModel(Sourced):
    route: Text
    reason: Text


class SiteRestrictionModel(Sourced):
    site: Site
    reason: Text


class StabilityModel(Sourced):
    pfu_per_ml: PositiveInt
    container: Container
    temperature_band: Text
    temperature_text: Text
    max_hours: PositiveDecimal


class LotOverrideModel(Sourced):
    lot: Text
    pfu_per_ml: PositiveInt
    container: Container
    temperature_band: Text
    max_hours: PositiveDecimal


class BillingModel(Sourced):
    hcpcs: Text
    pfu_per_unit: PositiveInt
    discarded_modifier: Text
    nothing_discarded_modifier: Text


class LabelModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    variant: Text
    title: Text
    revision: Text
    strengths: Annotated[tuple[StrengthModel, ...], Field(min_length=1)]
    visits: Annotated[tuple[VisitModel, ...], Field(min_length=1)]
    volume_bands: Annotated[tuple[BandModel, ...], Field(min_length=1)]
    dosing: DosingModel
    course: CourseModel
    contraindications: tuple[ContraindicationModel, ...]
    route_restrictions: tuple[RouteModel, ...]
    site_restrictions: tuple[SiteRestrictionModel, ...]
    stability: tuple[StabilityModel, ...]
    lot_overrides: tuple[LotOverrideModel, ...] = ()
    billing: BillingModel | None = None


class PartialResponseModel(Sourced):
    min_decrease_from_baseline_pct: Annotated[Decimal, Field(gt=0, le=100)]


class ProgressionModel(Sourced):
    min_increase_from_nadir_pct: PositiveDecimal
    new_lesion_is_progression: bool
    new_lesions_added_to_sum: bool


class ConfirmationModel(Sourced):
    min_days: Annotated[int, Field(ge=0)]
    response_after_progression_counts: bool


class DurableModel(Sourced):
    min_duration_months: PositiveInt
    onset_within_months: PositiveInt


class LesionLevelModel(Sourced):
    min_shrinkage_pct: Annotated[Decimal, Field(gt=0, le=100)]


class CriteriaModel(Sourced):
    name: Text
    title: Text
    partial_response: PartialResponseModel
    progression: ProgressionModel
    confirmation: ConfirmationModel
    durable_response: DurableModel
    lesion_level: LesionLevelModel
