"""The per-lesion dose plan for one visit: which lesions, in what order, how many mL each.

The label's rules (strength per visit kind, the 4 mL visit maximum, volume bands by longest
dimension, the order lesions are injected in) come in as a `LabelRules` object; this module only
applies them. A clinician reviews the plan; it does not replace their judgement.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_FLOOR, Decimal

from tvec.domain.billing import DoseBilling, bill_dose
from tvec.domain.errors import InvalidInput, RouteNotPermitted
from tvec.domain.indication import Indication, PatientFacts, evaluate_indication
from tvec.domain.lesions import check_cluster_ids, check_diameters, check_unique_ids
from tvec.domain.rules import LabelRules, Priority, Site, VisitKind, VisitRule
from tvec.domain.thaw_list import ThawItem, thaw_list

INTRALESIONAL = "intralesional"


@dataclass(frozen=True)
class PlanLesion:
    """A lesion as measured before the visit's injections."""

    lesion_id: str
    longest_cm: Decimal
    site: Site
    new: bool = False
    injectable: bool = True
    perpendicular_cm: Decimal | None = None
    cluster: str | None = None
    route: str = INTRALESIONAL


@dataclass(frozen=True)
class Injection:
    lesion_id: str  # the lesion, or the cluster id for lesions injected as one
    lesion_ids: tuple[str, ...]  # the lesions this injection covers
    longest_cm: Decimal
    new: bool
    band_max_ml: Decimal
    volume_ml: Decimal
    partial: bool


@dataclass(frozen=True)
class NotInjected:
    lesion_id: str
    reason: str
    source: str


@dataclass(frozen=True)
class DosePlan:
    visit: VisitKind
    concentration_pfu_per_ml: int
    cap_colour: str
    max_total_volume_ml: Decimal
    injections: tuple[Injection, ...]
    not_injected: tuple[NotInjected, ...]
    total_volume_ml: Decimal
    vials: int
    waste_ml: Decimal
    total_pfu: int
    billing: DoseBilling | None
    label: str
    sources: tuple[str, ...]
    warnings: tuple[str, ...] = field(default=())
    indication: Indication | None = None  # the patient against the label's indication
    thaw_list: tuple[ThawItem, ...] = field(default=())  # the vials to thaw, relative times


@dataclass(frozen=True)
class _Unit:
    """A dosing unit: one lesion, or a cluster of lesions injected as one."""

    lesion_id: str
    lesion_ids: tuple[str, ...]
    longest_cm: Decimal
    new: bool


def plan_visit(
    label: LabelRules,
    visit: VisitKind,
    lesions: Sequence[PlanLesion],
    facts: PatientFacts | None = None,
) -> DosePlan:
    """Plan one visit's injections under `label`. Raises on invalid or refused input.

    With the patient's `facts` the plan carries the label's indication evaluated for them (the
    visit's lesions count among the lesions on record).
    """
    _validate(label, lesions)
    rule = label.visit_rule(visit)
    excluded = [_exclusion(label, lesion) for lesion in lesions]
    eligible = [les for les, why in zip(lesions, excluded, strict=True) if why is None]
    order = _priority_order(rule.priority, _dosing_units(eligible))
    injections, out_of_volume = _allocate(label, rule, order)
    total = sum((i.volume_ml for i in injections), Decimal(0))
    vials, waste = vials_for(total, label.strength(rule.pfu_per_ml).vial_volume_ml)
    billing = bill_dose(label.billing, rule.pfu_per_ml, total, waste) if label.billing else None
    skipped = tuple(why for why in excluded if why is not None) + out_of_volume
    plan = DosePlan(
        visit=visit,
        concentration_pfu_per_ml=rule.pfu_per_ml,
        cap_colour=label.strength(rule.pfu_per_ml).cap_colour,
        max_total_volume_ml=rule.max_total_volume_ml,
        injections=injections,
        not_injected=skipped,
        total_volume_ml=total,
        vials=vials,
        waste_ml=waste,
        total_pfu=int(total * rule.pfu_per_ml),
        billing=billing,
        label=label.variant,
        sources=(rule.source, label.volume_bands[0].source),
        warnings=_warnings(injections, lesions),
        indication=_indication(label, lesions, facts),
    )
    return replace(plan, thaw_list=thaw_list(label, plan))


def _indication(
    label: LabelRules, lesions: Sequence[PlanLesion], facts: PatientFacts | None
) -> Indication | None:
    if facts is None or label.indication is None:
        return None
    sites = facts.lesion_sites + tuple(lesion.site for lesion in lesions)
    return evaluate_indication(label.indication, replace(facts, lesion_sites=sites))


def vials_for(total_ml: Decimal, vial_volume_ml: Decimal) -> tuple[int, Decimal]:
    """Whole single-dose vials to thaw for `total_ml`, and the mL left in them to discard."""
    vials = math.ceil(total_ml / vial_volume_ml)
    return vials, vials * vial_volume_ml - total_ml


def _validate(label: LabelRules, lesions: Sequence[PlanLesion]) -> None:
    check_unique_ids("dose plan", (lesion.lesion_id for lesion in lesions))
    check_cluster_ids("dose plan", ((lesion.lesion_id, lesion.cluster) for lesion in lesions))
    for lesion in lesions:
        where = f"lesion {lesion.lesion_id}"
        check_diameters(where, lesion.longest_cm, lesion.perpendicular_cm, may_be_gone=False)
        if lesion.route == INTRALESIONAL:
            continue
        restriction = label.route_restriction(lesion.route)
        if restriction is not None:
            raise RouteNotPermitted(
                lesion.lesion_id, lesion.route, restriction.reason, restriction.source
            )
        raise InvalidInput(where, "route", f"must be {INTRALESIONAL!r}", lesion.route)


def _exclusion(label: LabelRules, lesion: PlanLesion) -> NotInjected | None:
    restriction = label.site_restriction(lesion.site)
    if restriction is not None:
        return NotInjected(lesion.lesion_id, restriction.reason, restriction.source)
    if not lesion.injectable:
        return NotInjected(lesion.lesion_id, "marked not injectable by the clinician", "clinician")
    return None


def _dosing_units(lesions: Sequence[PlanLesion]) -> list[_Unit]:
    """Lesions sharing a cluster id are dosed as one, sized by the largest longest dimension."""
    groups: dict[str, list[PlanLesion]] = {}
    for lesion in lesions:
        groups.setdefault(lesion.cluster or f"\0{lesion.lesion_id}", []).append(lesion)
    return [
        _Unit(
            lesion_id=members[0].cluster or members[0].lesion_id,
            lesion_ids=tuple(m.lesion_id for m in members),
            longest_cm=max(m.longest_cm for m in members),
            new=any(m.new for m in members),
        )
        for members in groups.values()
    ]


def _priority_order(priority: Priority, units: list[_Unit]) -> list[_Unit]:
    """Largest first; later visits put new lesions first. Stable sort: ties keep input order."""
    if priority is Priority.LARGEST_FIRST:
        return sorted(units, key=lambda u: -u.longest_cm)
    return sorted(units, key=lambda u: (not u.new, -u.longest_cm))


def _allocate(
    label: LabelRules, rule: VisitRule, order: list[_Unit]
) -> tuple[tuple[Injection, ...], tuple[NotInjected, ...]]:
    """Walk the order giving each unit min(its band, what is left), in whole volume steps."""
    step = label.dosing.volume_step_ml
    left = rule.max_total_volume_ml
    given: list[Injection] = []
    skipped: list[NotInjected] = []
    for unit in order:
        band = label.band_for(unit.longest_cm)
        volume = (min(band.max_volume_ml, left) / step).to_integral_value(ROUND_FLOOR) * step
        if volume <= 0:
            reason = f"visit maximum of {rule.max_total_volume_ml} mL already planned"
            skipped.append(NotInjected(unit.lesion_id, reason, rule.source))
            continue
        partial = volume < band.max_volume_ml
        given.append(
            Injection(
                unit.lesion_id,
                unit.lesion_ids,
                unit.longest_cm,
                unit.new,
                band.max_volume_ml,
                volume,
                partial,
            )
        )
        left -= volume
    return tuple(given), tuple(skipped)


def _warnings(injections: tuple[Injection, ...], lesions: Sequence[PlanLesion]) -> tuple[str, ...]:
    if lesions and not injections:
        return ("no injectable lesion: the course may end for lack of injectable lesions",)
    if not lesions:
        return ("no lesions given",)
    return ()
