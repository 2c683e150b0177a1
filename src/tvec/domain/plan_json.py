"""The dose plan as plain JSON values, and back: the one mapping of a stored plan.

A visit stores its plan exactly as it was shown (`plan_to_json`), and whoever reads it back gets
the typed `DosePlan` (`plan_from_json`), never a dict indexed by key. The JSON form is the one the
API has always returned: fields in declaration order, `Decimal` quantities as numbers (an integer
when whole, else a float), enums as their values, tuples as lists. `plan_from_json` reads numbers
through their shortest text, so plan → JSON → plan → JSON gives the same JSON, byte for byte.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from tvec.domain.billing import BillingLine, DoseBilling
from tvec.domain.dose_plan import DosePlan, Injection, NotInjected
from tvec.domain.indication import Indication
from tvec.domain.rules import VisitKind
from tvec.domain.thaw_list import ThawItem


def plan_to_json(plan: DosePlan) -> dict[str, Any]:
    """The plan as JSON values (what a visit stores and the API returns)."""
    plain: dict[str, Any] = _plain(plan)
    if plan.indication is None:  # plans made without the patient's facts: as always stored
        del plain["indication"]
    if not plan.thaw_list:  # no vials to thaw (and plans stored before thaw lists): as stored
        del plain["thaw_list"]
    return plain


def plan_from_json(data: Mapping[str, Any]) -> DosePlan:
    """The typed plan from its JSON values (as `plan_to_json` wrote them)."""
    billing = data["billing"]
    return DosePlan(
        visit=VisitKind(data["visit"]),
        concentration_pfu_per_ml=int(data["concentration_pfu_per_ml"]),
        cap_colour=data["cap_colour"],
        max_total_volume_ml=_decimal(data["max_total_volume_ml"]),
        injections=tuple(_injection(i) for i in data["injections"]),
        not_injected=tuple(_not_injected(n) for n in data["not_injected"]),
        total_volume_ml=_decimal(data["total_volume_ml"]),
        vials=int(data["vials"]),
        waste_ml=_decimal(data["waste_ml"]),
        total_pfu=int(data["total_pfu"]),
        billing=None if billing is None else _billing(billing),
        label=data["label"],
        sources=tuple(data["sources"]),
        warnings=tuple(data["warnings"]),
        indication=_indication(data.get("indication")),
        thaw_list=tuple(_thaw_item(item) for item in data.get("thaw_list", ())),
    )


def _thaw_item(data: Mapping[str, Any]) -> ThawItem:
    return ThawItem(
        pfu_per_ml=int(data["pfu_per_ml"]),
        cap_colour=data["cap_colour"],
        vials=int(data["vials"]),
        thaw_minutes=int(data["thaw_minutes"]),
        start_minutes_before=int(data["start_minutes_before"]),
        use_within_minutes=int(data["use_within_minutes"]),
        latest_use_minutes_after=int(data["latest_use_minutes_after"]),
        sources=tuple(data["sources"]),
        start_at=_instant(data["start_at"]),
        latest_use_at=_instant(data["latest_use_at"]),
    )


def _instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _indication(data: Mapping[str, Any] | None) -> Indication | None:
    if data is None:
        return None
    return Indication(
        within=bool(data["within"]),
        reasons=tuple(data["reasons"]),
        missing=tuple(data["missing"]),
        source=data["source"],
    )


def _injection(data: Mapping[str, Any]) -> Injection:
    return Injection(
        lesion_id=data["lesion_id"],
        lesion_ids=tuple(data["lesion_ids"]),
        longest_cm=_decimal(data["longest_cm"]),
        new=bool(data["new"]),
        band_max_ml=_decimal(data["band_max_ml"]),
        volume_ml=_decimal(data["volume_ml"]),
        partial=bool(data["partial"]),
    )


def _not_injected(data: Mapping[str, Any]) -> NotInjected:
    return NotInjected(lesion_id=data["lesion_id"], reason=data["reason"], source=data["source"])


def _billing(data: Mapping[str, Any]) -> DoseBilling:
    return DoseBilling(
        hcpcs=data["hcpcs"],
        units_administered=_decimal(data["units_administered"]),
        units_discarded=_decimal(data["units_discarded"]),
        modifier=data["modifier"],
        lines=tuple(
            BillingLine(
                hcpcs=line["hcpcs"],
                units=_decimal(line["units"]),
                modifier=line["modifier"],
                what=line["what"],
            )
            for line in data["lines"]
        ),
        source=data["source"],
    )


def _decimal(value: int | float | str) -> Decimal:
    """A JSON number as the Decimal it was written from (through its shortest text)."""
    return Decimal(str(value))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
