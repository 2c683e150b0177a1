"""Edits run on a claim before it is exported: each finding names the edit, the field and why.

A claim with any finding is not exported (and neither is the batch it was chosen for). The edits:

- `no-administration`: the visit has no drug line (nothing was given);
- `diagnosis`: no ICD-10-CM code, or a code not on tvec's list;
- `jw-and-jz`: a line carries both the discarded (JW) and the nothing-discarded (JZ) modifier;
- `jw-under-one-unit`: a JW line of less than one whole unit;
- `ndc-strength`: a drug line's NDC is not the NDC of the strength given;
- `units-over-cap`: the drug units of the day exceed the payer's cap for the strength (counting
  the discarded units only where the policy says they count);
- `outside-authorization`: authorizations are on file for the course and none covers the
  service date (when none is on file, the claim goes without an authorization number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.domain.claims import ClaimCodes, ClaimLine
from tvec.domain.rules import BillingRules


@dataclass(frozen=True)
class Authorization:
    number: str
    start: date
    end: date  # both days included

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class PayerCap:
    """The payer's most units of the strength per visit day, and whether discarded units count."""

    units: Decimal
    discarded_count: bool
    source: str


@dataclass(frozen=True)
class ClaimForEdit:
    service_date: date
    ndc11: str  # the NDC of the strength the plan gave
    lines: tuple[ClaimLine, ...]
    diagnosis_codes: tuple[str, ...]
    authorizations: tuple[Authorization, ...] = ()
    cap: PayerCap | None = None


@dataclass(frozen=True)
class EditFinding:
    edit: str
    field: str
    message: str


def run_edits(
    billing: BillingRules, codes: ClaimCodes, claim: ClaimForEdit
) -> tuple[EditFinding, ...]:
    """Every finding of the claim, in the order of the module docstring; () means clean."""
    drug = [ln for ln in claim.lines if ln.code == billing.hcpcs]
    found: list[EditFinding] = []
    if not drug:
        found.append(EditFinding("no-administration", "lines", "no drug was given at the visit"))
    found += _diagnosis(codes, claim.diagnosis_codes)
    for i, line in enumerate(drug):
        found += _line(billing, claim.ndc11, i, line)
    found += _cap(billing, claim.cap, drug)
    found += _authorization(claim.service_date, claim.authorizations)
    return tuple(found)


def covering(day: date, authorizations: Sequence[Authorization]) -> Authorization | None:
    return next((a for a in authorizations if a.covers(day)), None)


def _diagnosis(codes: ClaimCodes, given: Sequence[str]) -> list[EditFinding]:
    if not given:
        return [EditFinding("diagnosis", "diagnosis_codes", "no ICD-10-CM diagnosis code")]
    return [
        EditFinding("diagnosis", "diagnosis_codes", f"{code} is not on tvec's ICD-10-CM list")
        for code in given
        if codes.diagnosis(code) is None
    ]


def _line(billing: BillingRules, ndc11: str, i: int, line: ClaimLine) -> list[EditFinding]:
    where = f"lines[{i}]"
    found = []
    jw, jz = billing.discarded_modifier, billing.nothing_discarded_modifier
    if jw in line.modifiers and jz in line.modifiers:
        found.append(EditFinding("jw-and-jz", where, f"{jw} and {jz} on the same line"))
    if jw in line.modifiers and line.units < billing.min_discarded_units:
        found.append(EditFinding("jw-under-one-unit", where, f"{jw} line of {line.units} unit(s)"))
    if line.ndc11 != ndc11:
        found.append(
            EditFinding("ndc-strength", where, f"NDC {line.ndc11} is not the strength's {ndc11}")
        )
    return found


def _cap(billing: BillingRules, cap: PayerCap | None, drug: list[ClaimLine]) -> list[EditFinding]:
    if cap is None:
        return []
    jw = billing.discarded_modifier
    units = sum(
        (ln.units for ln in drug if cap.discarded_count or jw not in ln.modifiers), Decimal(0)
    )
    if units <= cap.units:
        return []
    return [
        EditFinding(
            "units-over-cap",
            "lines",
            f"{units} units, above the payer's {cap.units} [{cap.source}]",
        )
    ]


def _authorization(day: date, authorizations: Sequence[Authorization]) -> list[EditFinding]:
    if not authorizations or covering(day, authorizations) is not None:
        return []
    windows = ", ".join(f"{a.number} {a.start}–{a.end}" for a in authorizations)
    return [
        EditFinding(
            "outside-authorization",
            "service_date",
            f"{day} is outside every authorization ({windows})",
        )
    ]
