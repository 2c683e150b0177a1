"""The lines of one visit's professional claim: the drug, its NDC, the administration and guidance.

Conventions (the codes and their sources come from knowledge data, `ClaimCodes` and the label's
`BillingRules`; nothing here is a number of its own):

- Drug (HCPCS J9325): the administered units rounded up to a whole unit, with JZ; or, when at
  least one whole unit was left in the vials thawed, the administered line without a modifier plus
  a JW line for the whole units discarded (`tvec.domain.billing.bill_dose`). Nothing given, no line.
- Each drug line carries the strength's 11-digit NDC (digits only), the N4 qualifier, the unit ML
  and the quantity in mL: given on the administered line, discarded on the JW line.
- Administration: one line of the "few lesions" code (CPT 96405) when up to `most_lesions_for_few`
  distinct lesions were injected at the visit, otherwise the "many lesions" code (96406).
- Guidance: one line of the ultrasound code (CPT 76942) when any injection of the visit was
  ultrasound-guided.
- Millilitres thawed = vials thawed × the vial's volume; giving more than was thawed is refused.
  The discarded mL are what is left of them, unless the vials' discard records say otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from tvec.domain.billing import bill_dose
from tvec.domain.errors import InvalidInput
from tvec.domain.rules import BillingRules, Strength


@dataclass(frozen=True)
class DiagnosisCode:
    code: str
    description: str
    group: str  # "melanoma of skin", "secondary, skin", "secondary, lymph nodes"
    source: str


@dataclass(frozen=True)
class PlaceOfService:
    code: str
    name: str
    source: str


@dataclass(frozen=True)
class ClaimCodes:
    """The codes a claim carries besides the drug code (knowledge data, each with its source)."""

    ndc_qualifier: str
    ndc_unit: str
    ndc_source: str
    few_lesions_code: str
    many_lesions_code: str
    most_lesions_for_few: int
    ultrasound_code: str
    administration_source: str
    diagnoses: tuple[DiagnosisCode, ...]
    places_of_service: tuple[PlaceOfService, ...]

    def diagnosis(self, code: str) -> DiagnosisCode | None:
        return next((d for d in self.diagnoses if d.code == code), None)

    def place(self, code: str) -> PlaceOfService | None:
        return next((p for p in self.places_of_service if p.code == code), None)


@dataclass(frozen=True)
class Injection:
    lesion_id: str
    volume_ml: Decimal
    ultrasound_guided: bool = False


@dataclass(frozen=True)
class VisitForClaim:
    service_date: date
    pfu_per_ml: int
    vials_thawed: int
    injections: tuple[Injection, ...]
    diagnosis_codes: tuple[str, ...]
    # mL discarded of the vials thawed, when the vials' own discard records say it (None: all
    # that was thawed and not given)
    discarded_ml: Decimal | None = None


@dataclass(frozen=True)
class ClaimLine:
    code: str
    modifiers: tuple[str, ...]
    units: Decimal
    what: str  # "administered", "discarded", "administration", "guidance"
    ndc11: str | None = None
    ndc_qualifier: str | None = None
    ndc_unit: str | None = None
    ndc_quantity: Decimal | None = None


WHERE = "Claim"


def ndc11(strength: Strength) -> str:
    """The 11-digit billing NDC as digits only (55513-0079-01 → 55513007901)."""
    return strength.ndc_billing.replace("-", "")


def check_diagnoses(
    codes: ClaimCodes, diagnosis_codes: Sequence[str], field: str, where: str = WHERE
) -> None:
    """Refuse an empty list or a code not on the list, naming the field and its place. From a
    file (`where` is the claim) the field is named by its JSON key; from a record by its label."""
    keys = where == WHERE
    if not diagnosis_codes:
        rule = "needs at least one ICD-10-CM code"
        raise InvalidInput(where, field, rule, label=field if keys else None)
    for i, code in enumerate(diagnosis_codes):
        if codes.diagnosis(code) is None:
            place = f"{field}[{i}]"
            rule = "is not an ICD-10-CM code on tvec's list"
            label = place if keys else f"diagnosis code {i + 1}"
            raise InvalidInput(where, place, rule, code, label=label)


def claim_lines(
    billing: BillingRules, strength: Strength, codes: ClaimCodes, visit: VisitForClaim
) -> tuple[ClaimLine, ...]:
    """The visit's claim lines, drug lines first, in the order of the conventions above."""
    if not visit.injections:
        raise InvalidInput(WHERE, "administrations", "needs at least one", label="administrations")
    given = sum((i.volume_ml for i in visit.injections), Decimal(0))
    thawed = strength.vial_volume_ml * visit.vials_thawed
    if given > thawed:
        raise InvalidInput(
            WHERE,
            "vials_thawed",
            f"hold {thawed} mL, less than the {given} mL given",
            visit.vials_thawed,
            label="vials_thawed",
        )
    left = thawed - given if visit.discarded_ml is None else visit.discarded_ml
    return _drug_lines(billing, strength, codes, given, left) + _procedure_lines(
        codes, visit.injections
    )


def _drug_lines(
    billing: BillingRules, strength: Strength, codes: ClaimCodes, given: Decimal, left: Decimal
) -> tuple[ClaimLine, ...]:
    dose = bill_dose(billing, strength.pfu_per_ml, given, left)
    discarded_ml = left if dose.units_discarded else Decimal(0)
    return tuple(
        ClaimLine(
            code=line.hcpcs,
            modifiers=(line.modifier,) if line.modifier else (),
            units=line.units,
            what=line.what,
            ndc11=ndc11(strength),
            ndc_qualifier=codes.ndc_qualifier,
            ndc_unit=codes.ndc_unit,
            ndc_quantity=given if line.what == "administered" else discarded_ml,
        )
        for line in dose.lines
    )


def _procedure_lines(codes: ClaimCodes, injections: Sequence[Injection]) -> tuple[ClaimLine, ...]:
    lesions = len({i.lesion_id for i in injections})
    few = lesions <= codes.most_lesions_for_few
    code = codes.few_lesions_code if few else codes.many_lesions_code
    lines = [ClaimLine(code, (), Decimal(1), "administration")]
    if any(i.ultrasound_guided for i in injections):
        lines.append(ClaimLine(codes.ultrasound_code, (), Decimal(1), "guidance"))
    return tuple(lines)
