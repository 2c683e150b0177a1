"""Thawed-product stability: how long a thawed vial or a filled syringe may wait before discard."""

from __future__ import annotations

from datetime import datetime, timedelta

from tvec.domain.errors import InvalidInput
from tvec.domain.rules import Container, LabelRules, LotStabilityOverride, StabilityLimit


def stability_limit(
    label: LabelRules,
    pfu_per_ml: int,
    container: Container,
    temperature_band: str,
    lot: str | None = None,
) -> StabilityLimit | LotStabilityOverride:
    """The limit that applies; a lot-specific override (regulator-shortened) wins over the label."""
    wanted = (pfu_per_ml, container, temperature_band)
    for override in label.lot_overrides:
        if override.lot == lot and wanted == _key(override):
            return override
    for limit in label.stability:
        if wanted == _key(limit):
            return limit
    bands = sorted({s.temperature_band for s in label.stability})
    raise InvalidInput(
        f"{container.value} of {pfu_per_ml} PFU/mL",
        "temperature_band",
        f"has no stability limit on file; known bands: {', '.join(bands)}",
        temperature_band,
    )


def discard_at(thawed_at: datetime, limit: StabilityLimit | LotStabilityOverride) -> datetime:
    """When thawed product kept under `limit` must be discarded (instants are timezone-aware)."""
    if thawed_at.tzinfo is None:
        raise InvalidInput("thaw", "thawed_at", "must carry a timezone", thawed_at.isoformat())
    return thawed_at + timedelta(hours=float(limit.max_hours))


def _key(limit: StabilityLimit | LotStabilityOverride) -> tuple[int, Container, str]:
    return (limit.pfu_per_ml, limit.container, limit.temperature_band)
