"""Frozen rule objects. Their values come from `tvec.knowledge` data files, never from code.

Every rule object carries `source`: where a clinician can check the value (label section, policy,
publication). The domain only reads these objects; it does not know where they were loaded from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class VisitKind(StrEnum):
    INITIAL = "initial"
    SECOND = "second"
    SUBSEQUENT = "subsequent"
    REINITIATION = "reinitiation"


class Site(StrEnum):
    CUTANEOUS = "cutaneous"
    SUBCUTANEOUS = "subcutaneous"
    NODAL = "nodal"
    VISCERAL = "visceral"


class Priority(StrEnum):
    """How lesions are ordered for injection at a visit kind."""

    LARGEST_FIRST = "largest-first"
    NEW_FIRST_THEN_LARGEST = "new-first-then-largest"


class Container(StrEnum):
    VIAL = "vial"
    SYRINGE = "syringe"


class StorageLocation(StrEnum):
    """A kind of place where product is kept cold: the band it must hold depends on it."""

    FREEZER = "freezer"
    FRIDGE = "fridge"


class CourseEndReason(StrEnum):
    NO_INJECTABLE_LESIONS = "no-injectable-lesions"
    OTHER_TREATMENT_REQUIRED = "other-treatment-required"
    COMPLETED = "completed"


@dataclass(frozen=True)
class Strength:
    pfu_per_ml: int
    vial_volume_ml: Decimal
    cap_colour: str
    ndc: str
    ndc_billing: str
    use: str
    source: str
    gtin: str | None = None  # GS1 GTIN-14 on the carton (carries the NDC); None: not on file
    gtin_source: str = ""


@dataclass(frozen=True)
class VisitRule:
    kind: VisitKind
    interval_days: int | None  # minimum days after the previous dose; None for the first dose
    max_total_volume_ml: Decimal
    pfu_per_ml: int
    priority: Priority
    source: str


@dataclass(frozen=True)
class VolumeBand:
    """Lesions with `above_cm < longest <= up_to_cm` may receive up to `max_volume_ml`."""

    above_cm: Decimal | None
    up_to_cm: Decimal | None
    max_volume_ml: Decimal
    source: str

    def contains(self, longest_cm: Decimal) -> bool:
        above_ok = self.above_cm is None or longest_cm > self.above_cm
        below_ok = self.up_to_cm is None or longest_cm <= self.up_to_cm
        return above_ok and below_ok


@dataclass(frozen=True)
class DosingRules:
    volume_step_ml: Decimal
    source: str


@dataclass(frozen=True)
class CourseRules:
    min_months: int
    early_end_reasons: tuple[
        CourseEndReason, ...
    ]  # reasons that may end a course before min_months
    source: str


@dataclass(frozen=True)
class ReinitiationRule:
    """When a new course may start as a re-initiation (at its own visit row's strength and
    interval)."""

    after_best_response: str  # the earlier course's best overall response, e.g. "CR"
    criteria: str  # the response criteria that decide it, e.g. "modified-who"
    new_lesions_required: bool  # lesions first seen after that response
    description: str
    source: str


class DistantSite(StrEnum):
    """Sites of distant disease that some indications exclude (bone, brain, lung, other organ)."""

    BONE = "bone"
    BRAIN = "brain"
    LUNG = "lung"
    OTHER_VISCERAL = "other-visceral"


@dataclass(frozen=True)
class IndicationRule:
    """The patients a label is indicated for; an empty tuple or None means 'not a condition'."""

    text: str  # the indication in the clinic's words
    source: str
    stages: tuple[str, ...] = ()  # stages within the indication
    unresectable: bool = False  # the melanoma must be unresectable
    recurrent_after_surgery: bool = False  # recurrent after initial surgery
    min_age_years: int | None = None  # adults only, for example
    min_age_source: str = ""
    excluded_distant_sites: tuple[DistantSite, ...] = ()  # disease there is outside it
    excluded_lesion_sites: tuple[Site, ...] = ()  # a lesion at such a site is outside it
    lesion_sites: tuple[Site, ...] = ()  # the lesions treated are at these sites


@dataclass(frozen=True)
class Contraindication:
    """One item of the label's contraindication list, answered yes or no at screening."""

    code: str
    description: str
    source: str
    group: str = ""  # the label's heading it falls under (e.g. "immunocompromised")
    impossible_for_sex: tuple[str, ...] = ()  # a "yes" is impossible for these sexes


@dataclass(frozen=True)
class RouteRestriction:
    route: str
    reason: str
    source: str


@dataclass(frozen=True)
class SiteRestriction:
    site: Site
    reason: str
    source: str


@dataclass(frozen=True)
class StabilityLimit:
    """How long thawed product may be kept, cumulatively, in a container at a temperature band."""

    pfu_per_ml: int
    container: Container
    temperature_band: str  # key, e.g. "refrigerated" or "room"
    temperature_text: str  # as the source states it, e.g. "2–8 °C"
    max_hours: Decimal
    source: str


@dataclass(frozen=True)
class LotStabilityOverride:
    lot: str
    pfu_per_ml: int
    container: Container
    temperature_band: str
    max_hours: Decimal
    source: str


@dataclass(frozen=True)
class AdministrationCode:
    """A procedure code billed for giving the drug (e.g. CPT 96405)."""

    code: str
    description: str
    source: str


@dataclass(frozen=True)
class BillingRules:
    hcpcs: str
    pfu_per_unit: int
    discarded_modifier: str
    nothing_discarded_modifier: str
    source: str
    # Units on a claim line are whole: the administered amount is rounded up to the next unit;
    # a discarded (JW) line needs at least `min_discarded_units` whole units, else JZ.
    min_discarded_units: int
    units_source: str
    modifier_required_from: date | None = None  # JW/JZ required on claims from this date
    claims_returned_from: date | None = None  # claims without JW/JZ may be returned from
    modifier_dates_source: str = ""
    administration_codes: tuple[AdministrationCode, ...] = ()


@dataclass(frozen=True)
class LabelNote:
    """A sourced label fact shown to the clinic: a warning, a handling duty, a definition."""

    code: str
    text: str
    source: str


@dataclass(frozen=True)
class StorageRules:
    """Frozen storage, the shipping container and thawing (°C, hours, minutes as published)."""

    frozen_min_c: int
    frozen_max_c: int
    frozen_text: str
    source: str
    shipping_container_hours: int
    shipping_source: str
    thaw_minutes: int
    thaw_text: str
    refreeze: bool
    thaw_source: str


@dataclass(frozen=True)
class StorageBand:
    """The temperature band (°C, both ends allowed) a kind of storage location must hold."""

    location: StorageLocation
    band: str  # "frozen" ([storage]'s range) or a stability temperature band, e.g. "refrigerated"
    min_c: Decimal
    max_c: Decimal
    source: str


@dataclass(frozen=True)
class ExcursionPolicy:
    """How long readings must stay out of band before they count as an excursion."""

    min_duration_minutes: int  # 0: any reading out of band counts
    source: str


@dataclass(frozen=True)
class LabelRules:
    """One product label (US prescribing information, EU SmPC, ...) as rule objects."""

    variant: str
    title: str
    revision: str
    strengths: tuple[Strength, ...]
    visits: tuple[VisitRule, ...]
    volume_bands: tuple[VolumeBand, ...]
    dosing: DosingRules
    course: CourseRules
    contraindications: tuple[Contraindication, ...]
    route_restrictions: tuple[RouteRestriction, ...]
    site_restrictions: tuple[SiteRestriction, ...]
    stability: tuple[StabilityLimit, ...]
    lot_overrides: tuple[LotStabilityOverride, ...]
    billing: BillingRules | None  # None where no billing code applies (outside the US)
    reinitiation: ReinitiationRule  # when a new course may re-initiate treatment
    injectable_lesion: LabelNote | None = None  # what counts as an injectable lesion
    warnings: tuple[LabelNote, ...] = ()  # label warnings and precautions
    handling: tuple[LabelNote, ...] = ()  # duties at each administration (traceability, ...)
    storage: StorageRules | None = None
    indication: IndicationRule | None = None  # who the label is indicated for
    storage_bands: tuple[StorageBand, ...] = ()  # cold chain: the band per storage location
    excursions: ExcursionPolicy | None = None  # cold chain: when out of band is an excursion

    def visit_rule(self, kind: VisitKind) -> VisitRule:
        return next(rule for rule in self.visits if rule.kind is kind)

    def strength(self, pfu_per_ml: int) -> Strength:
        return next(s for s in self.strengths if s.pfu_per_ml == pfu_per_ml)

    def band_for(self, longest_cm: Decimal) -> VolumeBand:
        return next(band for band in self.volume_bands if band.contains(longest_cm))

    def site_restriction(self, site: Site) -> SiteRestriction | None:
        return next((r for r in self.site_restrictions if r.site is site), None)

    def route_restriction(self, route: str) -> RouteRestriction | None:
        return next((r for r in self.route_restrictions if r.route == route), None)


@dataclass(frozen=True)
class PartialResponseRule:
    min_decrease_from_baseline_pct: Decimal
    source: str


@dataclass(frozen=True)
class ProgressionRule:
    min_increase_from_nadir_pct: Decimal
    new_lesion_is_progression: bool
    new_lesions_added_to_sum: bool
    source: str


@dataclass(frozen=True)
class ConfirmationRule:
    min_days: int  # 0: a single assessment is enough
    response_after_progression_counts: bool
    source: str


@dataclass(frozen=True)
class DurableResponseRule:
    min_duration_months: int
    onset_within_months: int
    # Whether an onset on the date exactly `onset_within_months` after the start still counts,
    # and the ruling that says so (tvec's own: the sources are silent on the boundary day).
    onset_on_boundary_date_counts: bool
    boundary_ruling: str
    source: str


@dataclass(frozen=True)
class LesionLevelRule:
    min_shrinkage_pct: Decimal
    source: str


@dataclass(frozen=True)
class ResponseCriteria:
    name: str
    title: str
    source: str
    partial_response: PartialResponseRule
    progression: ProgressionRule
    confirmation: ConfirmationRule
    durable_response: DurableResponseRule
    lesion_level: LesionLevelRule
