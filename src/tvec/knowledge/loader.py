"""Load knowledge files (TOML) into frozen domain rule objects, failing loudly and precisely.

A malformed or incomplete file raises `KnowledgeError` naming the file and the field, at load time,
so a bad edit to the rules can never reach a patient's dose plan.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tvec.domain import product_codes as codes
from tvec.domain import rules as r
from tvec.knowledge.models import (
    BillingModel,
    CriteriaModel,
    IndicationModel,
    LabelModel,
    NoteModel,
    StrengthModel,
)

DATA = resources.files("tvec.knowledge") / "data"
M = TypeVar("M", bound=BaseModel)


class KnowledgeError(Exception):
    """A knowledge file that cannot be trusted: names the file, the field and what is wrong."""

    def __init__(self, path: str, field: str, problem: str) -> None:
        super().__init__(f"{path}: {field}: {problem}")
        self.path, self.field, self.problem = path, field, problem


def bundled_names(folder: str) -> list[str]:
    """The names of the bundled data files in `folder` (`knowledge/data/<folder>/<name>.toml`)."""
    return sorted(p.name.removesuffix(".toml") for p in (DATA / folder).iterdir() if _toml(p))


def available_labels() -> list[str]:
    return bundled_names("labels")


def available_criteria() -> list[str]:
    return bundled_names("criteria")


@cache
def load_label(variant: str = "us") -> r.LabelRules:
    """The bundled label `variant` (see `available_labels()`)."""
    return load_label_file(bundled_file("labels", variant, available_labels()))


@cache
def load_criteria(name: str = "modified-who") -> r.ResponseCriteria:
    """The bundled response criteria `name` (see `available_criteria()`)."""
    return load_criteria_file(bundled_file("criteria", name, available_criteria()))


def load_label_file(path: Path | str) -> r.LabelRules:
    model = parse_file(Path(path), LabelModel)
    label = _label_rules(model, str(path))
    _check_label(str(path), label)
    return label


def load_criteria_file(path: Path | str) -> r.ResponseCriteria:
    m = parse_file(Path(path), CriteriaModel)
    return r.ResponseCriteria(
        name=m.name,
        title=m.title,
        source=m.source,
        partial_response=r.PartialResponseRule(**m.partial_response.model_dump()),
        progression=r.ProgressionRule(**m.progression.model_dump()),
        confirmation=r.ConfirmationRule(**m.confirmation.model_dump()),
        durable_response=r.DurableResponseRule(**m.durable_response.model_dump()),
        lesion_level=r.LesionLevelRule(**m.lesion_level.model_dump()),
    )


def _toml(p: Any) -> bool:
    return str(p.name).endswith(".toml")


def bundled_file(folder: str, name: str, known: list[str]) -> Path:
    """The bundled data file `name` in `folder`; a name not in `known` is refused with the list."""
    if name not in known:
        raise KnowledgeError(
            f"knowledge/data/{folder}", "name", f"unknown {name!r}; known: {known}"
        )
    return Path(str(DATA / folder / f"{name}.toml"))


def parse_file(path: Path, model: type[M]) -> M:
    """A TOML data file validated as `model`; any fault is a `KnowledgeError` naming the field."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KnowledgeError(str(path), "(file)", "not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(str(path), "(syntax)", str(exc)) from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise KnowledgeError(str(path), field, first["msg"]) from None


def _label_rules(m: LabelModel, path: str) -> r.LabelRules:
    return r.LabelRules(
        variant=m.variant,
        title=m.title,
        revision=m.revision,
        strengths=tuple(_strength(s) for s in m.strengths),
        visits=tuple(r.VisitRule(**v.model_dump()) for v in m.visits),
        volume_bands=tuple(r.VolumeBand(**b.model_dump()) for b in m.volume_bands),
        dosing=r.DosingRules(**m.dosing.model_dump()),
        course=r.CourseRules(**m.course.model_dump()),
        contraindications=tuple(r.Contraindication(**c.model_dump()) for c in m.contraindications),
        route_restrictions=tuple(
            r.RouteRestriction(**x.model_dump()) for x in m.route_restrictions
        ),
        site_restrictions=tuple(r.SiteRestriction(**x.model_dump()) for x in m.site_restrictions),
        stability=tuple(r.StabilityLimit(**s.model_dump()) for s in m.stability),
        lot_overrides=tuple(r.LotStabilityOverride(**o.model_dump()) for o in m.lot_overrides),
        billing=_billing(m.billing) if m.billing else None,
        injectable_lesion=_note(m.injectable_lesion) if m.injectable_lesion else None,
        warnings=tuple(_note(n) for n in m.warnings),
        handling=tuple(_note(n) for n in m.handling),
        storage=r.StorageRules(**m.storage.model_dump()) if m.storage else None,
        storage_bands=tuple(_storage_band(m, i, path) for i in range(len(m.storage_locations))),
        excursions=r.ExcursionPolicy(**m.excursions.model_dump()) if m.excursions else None,
        reinitiation=r.ReinitiationRule(**m.reinitiation.model_dump()),
        indication=_indication(m.indication),
    )


def _strength(m: StrengthModel) -> r.Strength:
    return r.Strength(**{**m.model_dump(), "gtin_source": m.gtin_source or ""})


def _storage_band(m: LabelModel, i: int, path: str) -> r.StorageBand:
    """Location `i`'s band; the frozen band is read from [storage], never written twice."""
    loc = m.storage_locations[i]
    if loc.band != "frozen":
        # the model's validator requires all three for a band other than "frozen"
        assert loc.min_c is not None
        assert loc.max_c is not None
        assert loc.source is not None
        return r.StorageBand(loc.location, loc.band, loc.min_c, loc.max_c, loc.source)
    if m.storage is None:
        raise KnowledgeError(
            path, f"storage_locations.{i}.band", "'frozen' needs a [storage] table"
        )
    st = m.storage
    return r.StorageBand(
        loc.location, "frozen", Decimal(st.frozen_min_c), Decimal(st.frozen_max_c), st.source
    )


def _indication(m: IndicationModel) -> r.IndicationRule:
    return r.IndicationRule(**{**m.model_dump(), "min_age_source": m.min_age_source or ""})


def _note(m: NoteModel) -> r.LabelNote:
    return r.LabelNote(**m.model_dump())


def _billing(m: BillingModel) -> r.BillingRules:
    fields = m.model_dump(exclude={"unit_rounding", "administration_codes"})
    codes = tuple(r.AdministrationCode(**c.model_dump()) for c in m.administration_codes)
    return r.BillingRules(
        **{**fields, "modifier_dates_source": m.modifier_dates_source or ""},
        administration_codes=codes,
    )


def _check_label(path: str, label: r.LabelRules) -> None:
    """Cross-table checks a schema cannot express."""
    kinds = [v.kind for v in label.visits]
    for kind in r.VisitKind:
        if kinds.count(kind) != 1:
            raise KnowledgeError(path, "visits", f"needs exactly one row for kind {kind.value!r}")
    if label.visit_rule(r.VisitKind.INITIAL).interval_days is not None:
        raise KnowledgeError(path, "visits.initial.interval_days", "the first dose has no interval")
    for kind in (r.VisitKind.SECOND, r.VisitKind.SUBSEQUENT, r.VisitKind.REINITIATION):
        if label.visit_rule(kind).interval_days is None:
            raise KnowledgeError(path, f"visits.{kind.value}.interval_days", "is required")
    if label.reinitiation.criteria not in available_criteria():
        raise KnowledgeError(
            path,
            "reinitiation.criteria",
            f"names no response criteria on file (known: {available_criteria()})",
        )
    strengths = {s.pfu_per_ml for s in label.strengths}
    for i, visit in enumerate(label.visits):
        if visit.pfu_per_ml not in strengths:
            raise KnowledgeError(path, f"visits.{i}.pfu_per_ml", "names no strength in strengths")
    for i, limit in enumerate(label.stability):
        if limit.pfu_per_ml not in strengths:
            raise KnowledgeError(path, f"stability.{i}.pfu_per_ml", "names no strength")
    for i, strength in enumerate(label.strengths):
        _check_product_codes(path, f"strengths.{i}", strength)
    _check_lot_overrides(path, label, strengths)
    _check_bands(path, label.volume_bands)
    _check_storage_bands(path, label)


def _check_storage_bands(path: str, label: r.LabelRules) -> None:
    """One band per location; a non-frozen band names a stability band; bands need a policy."""
    bands = {s.temperature_band for s in label.stability} | {"frozen"}
    seen: set[r.StorageLocation] = set()
    for i, band in enumerate(label.storage_bands):
        if band.location in seen:
            raise KnowledgeError(path, f"storage_locations.{i}.location", "is given twice")
        seen.add(band.location)
        if band.band not in bands:
            raise KnowledgeError(
                path, f"storage_locations.{i}.band", f"names no band (known: {sorted(bands)})"
            )
    if label.storage_bands and label.excursions is None:
        raise KnowledgeError(path, "excursions", "is required with storage_locations")


def _check_product_codes(path: str, where: str, strength: r.Strength) -> None:
    """The NDC's billing form, and the carton's GTIN: its GS1 check digit and the NDC inside it."""
    try:
        billing = codes.ndc11(strength.ndc)
    except ValueError as exc:
        raise KnowledgeError(path, f"{where}.ndc", str(exc)) from None
    if strength.ndc_billing != billing:
        raise KnowledgeError(
            path, f"{where}.ndc_billing", f"is not the 5-4-2 form of {strength.ndc} ({billing})"
        )
    if strength.gtin is None:
        return
    if not codes.gtin_check_digit_ok(strength.gtin):
        raise KnowledgeError(path, f"{where}.gtin", "fails the GS1 check digit")
    inside = codes.ndc_digits_in_gtin(strength.gtin)
    if inside != strength.ndc.replace("-", ""):
        raise KnowledgeError(
            path, f"{where}.gtin", f"does not carry the strength's NDC {strength.ndc}"
        )


def _check_lot_overrides(path: str, label: r.LabelRules, strengths: set[int]) -> None:
    """A lot override may only shorten the label's limit for the same strength, container, band."""
    label_limits = {(s.pfu_per_ml, s.container, s.temperature_band): s for s in label.stability}
    for i, override in enumerate(label.lot_overrides):
        where = f"lot_overrides.{i}"
        if override.pfu_per_ml not in strengths:
            raise KnowledgeError(path, f"{where}.pfu_per_ml", "names no strength in strengths")
        key = (override.pfu_per_ml, override.container, override.temperature_band)
        limit = label_limits.get(key)
        if limit is None:
            raise KnowledgeError(
                path,
                f"{where}.temperature_band",
                f"the label has no {override.container.value} limit at "
                f"{override.temperature_band!r} for this strength to shorten",
            )
        if override.max_hours > limit.max_hours:
            raise KnowledgeError(
                path,
                f"{where}.max_hours",
                f"{override.max_hours} h is longer than the label's {limit.max_hours} h "
                f"({limit.source}); a lot override may only shorten the label's limit",
            )


def _check_bands(path: str, bands: tuple[r.VolumeBand, ...]) -> None:
    """Bands must tile (0, ∞) exactly: no gap, no overlap, one open-ended top band."""
    ordered = sorted(bands, key=lambda b: b.above_cm if b.above_cm is not None else Decimal(-1))
    if ordered[0].above_cm not in (None, Decimal(0)):
        raise KnowledgeError(path, "volume_bands", "the lowest band must start at 0 cm")
    for lower, upper in pairwise(ordered):
        if lower.up_to_cm is None or lower.up_to_cm != upper.above_cm:
            raise KnowledgeError(path, "volume_bands", f"gap or overlap at {lower.up_to_cm} cm")
    if ordered[-1].up_to_cm is not None:
        raise KnowledgeError(path, "volume_bands", "the top band must have no upper limit")
