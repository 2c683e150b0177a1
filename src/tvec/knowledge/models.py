"""Pydantic shapes of the knowledge files: strict (unknown keys refused), every table sourced.

They only check shape and plausibility; `loader.py` turns them into the domain's frozen rules.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from tvec.domain.rules import (
    Container,
    CourseEndReason,
    DistantSite,
    Priority,
    Site,
    StorageLocation,
    VisitKind,
)

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
    gtin: Annotated[str, StringConstraints(pattern=r"^[0-9]{14}$")] | None = None
    gtin_source: Text | None = None

    @model_validator(mode="after")
    def _gtin_sourced(self) -> StrengthModel:
        if self.gtin is not None and self.gtin_source is None:
            raise ValueError("a gtin needs its gtin_source")
        return self


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


class ReinitiationModel(Sourced):
    after_best_response: Literal["CR"]
    criteria: Text
    new_lesions_required: bool
    description: Text


class ContraindicationModel(Sourced):
    code: Text
    description: Text
    group: Text
    impossible_for_sex: tuple[Literal["female", "male"], ...] = ()


class IndicationModel(Sourced):
    text: Text
    stages: tuple[Text, ...] = ()
    unresectable: bool = False
    recurrent_after_surgery: bool = False
    min_age_years: PositiveInt | None = None
    min_age_source: Text | None = None
    excluded_distant_sites: tuple[DistantSite, ...] = ()
    excluded_lesion_sites: tuple[Site, ...] = ()
    lesion_sites: tuple[Site, ...] = ()

    @model_validator(mode="after")
    def _age_sourced(self) -> IndicationModel:
        if self.min_age_years is not None and self.min_age_source is None:
            raise ValueError("min_age_years needs min_age_source")
        return self


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


class AdministrationCodeModel(Sourced):
    code: Text
    description: Text


class BillingModel(Sourced):
    hcpcs: Text
    pfu_per_unit: PositiveInt
    discarded_modifier: Text
    nothing_discarded_modifier: Text
    # Units on a claim line are whole; "up" (round a part unit up) is the only rule tvec applies.
    unit_rounding: Literal["up"]
    min_discarded_units: PositiveInt
    units_source: Text
    modifier_required_from: date | None = None
    claims_returned_from: date | None = None
    modifier_dates_source: Text | None = None
    administration_codes: tuple[AdministrationCodeModel, ...] = ()


class NoteModel(Sourced):
    code: Text
    text: Text


class StorageModel(Sourced):
    frozen_min_c: int
    frozen_max_c: int
    frozen_text: Text
    shipping_container_hours: PositiveInt
    shipping_source: Text
    thaw_minutes: PositiveInt
    thaw_text: Text
    refreeze: bool
    thaw_source: Text

    @model_validator(mode="after")
    def _range(self) -> StorageModel:
        if self.frozen_max_c <= self.frozen_min_c:
            raise ValueError("frozen_max_c must be above frozen_min_c")
        return self


class StorageLocationModel(BaseModel):
    """A storage location's band: "frozen" is [storage]'s range (no numbers or source here);
    any other band names a stability temperature band and gives its °C and source."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    location: StorageLocation
    band: Text
    min_c: Decimal | None = None
    max_c: Decimal | None = None
    source: Text | None = None

    @model_validator(mode="after")
    def _band(self) -> StorageLocationModel:
        given = (self.min_c, self.max_c, self.source)
        if self.band == "frozen":
            if any(value is not None for value in given):
                raise ValueError("the frozen band's °C and source are [storage]'s; give none here")
            return self
        if self.min_c is None or self.max_c is None or self.source is None:
            raise ValueError(f"band {self.band!r} needs min_c, max_c and source")
        if self.max_c <= self.min_c:
            raise ValueError("max_c must be above min_c")
        return self


class ExcursionModel(Sourced):
    min_duration_minutes: Annotated[int, Field(ge=0)]


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
    injectable_lesion: NoteModel | None = None
    warnings: tuple[NoteModel, ...] = ()
    handling: tuple[NoteModel, ...] = ()
    storage: StorageModel | None = None
    storage_locations: tuple[StorageLocationModel, ...] = ()
    excursions: ExcursionModel | None = None
    reinitiation: ReinitiationModel
    indication: IndicationModel


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
    onset_on_boundary_date_counts: bool
    boundary_ruling: Text


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
