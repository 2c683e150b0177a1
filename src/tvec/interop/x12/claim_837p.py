"""A batch of professional claims as one ASC X12 837P 5010 interchange (005010X222A1).

One interchange (ISA/IEA) holds one functional group (GS/GE) holding one transaction (ST/SE):
submitter (1000A), receiver (1000B), the billing provider (2000A/2010AA), then per claim the
subscriber, who is the patient (2000B/2010BA, payer 2010BB), the claim (2300: CLM with the place
of service, REF*G1 the prior authorization number, HI the ICD-10-CM codes, principal first) and
its service lines (2400: SV1 with the procedure code and modifiers, charge, units, diagnosis
pointers; DTP*472 the service date; 2410 LIN/CTP the NDC with N4, its quantity and unit).

The control numbers (interchange ISA13, group GS06, transaction ST02) come from the batch: the
caller keeps them unique. See `segments` for why this writer is hand-written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from tvec.interop.x12.segments import REPETITION, amount, fixed, segment, text

IMPLEMENTATION = "005010X222A1"


@dataclass(frozen=True)
class Provider:
    name: str
    npi: str
    tax_id: str  # employer identification number, 9 digits
    address: str
    city: str
    state: str  # 2 letters
    postal_code: str  # 5 or 9 digits
    contact_name: str
    contact_phone: str  # 10 digits


@dataclass(frozen=True)
class Payer:
    name: str
    payer_id: str


@dataclass(frozen=True)
class Subscriber:
    member_id: str
    family_name: str
    given_name: str
    birth_date: date
    sex: str  # "F", "M" or "U"


@dataclass(frozen=True)
class Line:
    code: str
    modifiers: tuple[str, ...]
    units: Decimal
    charge: Decimal
    ndc11: str | None = None
    ndc_qualifier: str | None = None
    ndc_unit: str | None = None
    ndc_quantity: Decimal | None = None


@dataclass(frozen=True)
class Claim:
    patient_control_number: str  # tvec's claim id, echoed back by the payer
    subscriber: Subscriber
    payer: Payer
    service_date: date
    place_of_service: str
    diagnosis_codes: tuple[str, ...]  # principal first; at most 12
    authorization_number: str | None
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Batch:
    control_number: int  # 1..999999999
    created_at: datetime
    sender_id: str
    receiver_id: str
    receiver_name: str
    provider: Provider
    claims: tuple[Claim, ...]
    production: bool = False  # ISA15: P production, T test


def write_837p(batch: Batch) -> str:
    """The interchange as text, one segment per line."""
    body = _header(batch) + _billing_provider(batch.provider)
    for i, claim in enumerate(batch.claims):
        body += _claim(claim, hl=i + 2)
    st = str(batch.control_number).zfill(4)
    transaction = [segment("ST", "837", st, IMPLEMENTATION), *body]
    transaction.append(segment("SE", str(len(transaction) + 1), st))
    return "\n".join(_envelope(batch, transaction)) + "\n"


def _envelope(batch: Batch, transaction: list[str]) -> list[str]:
    n, at = str(batch.control_number), batch.created_at
    isa = segment(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", fixed(batch.sender_id, 15), "ZZ",
        fixed(batch.receiver_id, 15), f"{at:%y%m%d}", f"{at:%H%M}", REPETITION, "00501",
        n.zfill(9), "0", "P" if batch.production else "T", ":",
    )  # fmt: skip
    gs = segment(
        "GS", "HC", text(batch.sender_id), text(batch.receiver_id), f"{at:%Y%m%d}",
        f"{at:%H%M}", n, "X", IMPLEMENTATION,
    )  # fmt: skip
    return [isa, gs, *transaction, segment("GE", "1", n), segment("IEA", "1", n.zfill(9))]


def _header(batch: Batch) -> list[str]:
    at, p = batch.created_at, batch.provider
    return [
        segment("BHT", "0019", "00", str(batch.control_number), f"{at:%Y%m%d}", f"{at:%H%M}", "CH"),
        segment("NM1", "41", "2", text(p.name, 60), "", "", "", "", "46", text(batch.sender_id)),
        segment("PER", "IC", text(p.contact_name, 60), "TE", p.contact_phone),
        segment(
            "NM1",
            "40",
            "2",
            text(batch.receiver_name, 60),
            "",
            "",
            "",
            "",
            "46",
            text(batch.receiver_id),
        ),
    ]


def _billing_provider(p: Provider) -> list[str]:
    return [
        segment("HL", "1", "", "20", "1"),
        segment("NM1", "85", "2", text(p.name, 60), "", "", "", "", "XX", p.npi),
        segment("N3", text(p.address, 55)),
        segment("N4", text(p.city, 30), text(p.state, 2), p.postal_code),
        segment("REF", "EI", p.tax_id),
    ]


def _claim(claim: Claim, hl: int) -> list[str]:
    s, total = claim.subscriber, sum((ln.charge for ln in claim.lines), Decimal(0))
    out = [
        segment("HL", str(hl), "1", "22", "0"),
        segment("SBR", "P", "18", "", "", "", "", "", "", "CI"),
        segment(
            "NM1",
            "IL",
            "1",
            text(s.family_name, 60),
            text(s.given_name, 35),
            "",
            "",
            "",
            "MI",
            text(s.member_id, 80),
        ),
        segment("DMG", "D8", f"{s.birth_date:%Y%m%d}", s.sex),
        segment(
            "NM1",
            "PR",
            "2",
            text(claim.payer.name, 60),
            "",
            "",
            "",
            "",
            "PI",
            text(claim.payer.payer_id),
        ),
        segment(
            "CLM",
            text(claim.patient_control_number, 38),
            amount(total),
            "",
            "",
            (claim.place_of_service, "B", "1"),
            "Y",
            "A",
            "Y",
            "Y",
        ),
    ]
    if claim.authorization_number:
        out.append(segment("REF", "G1", text(claim.authorization_number, 50)))
    out.append(_diagnoses(claim.diagnosis_codes))
    pointers = tuple(str(i + 1) for i in range(min(4, len(claim.diagnosis_codes))))
    for n, line in enumerate(claim.lines, start=1):
        out += _line(n, line, claim.service_date, pointers)
    return out


def _diagnoses(codes: Sequence[str]) -> str:
    """HI: the principal code (ABK), then the others (ABF), without the dot."""
    qualified = [("ABK" if i == 0 else "ABF", c.replace(".", "")) for i, c in enumerate(codes)]
    return segment("HI", *qualified[:12])


def _line(n: int, line: Line, day: date, pointers: tuple[str, ...]) -> list[str]:
    procedure = ("HC", line.code, *line.modifiers[:4])
    out = [
        segment("LX", str(n)),
        segment("SV1", procedure, amount(line.charge), "UN", amount(line.units), "", "", pointers),
        segment("DTP", "472", "D8", f"{day:%Y%m%d}"),
    ]
    if line.ndc11 and line.ndc_quantity is not None:
        out += [
            segment("LIN", "", line.ndc_qualifier or "N4", line.ndc11),
            segment("CTP", "", "", "", amount(line.ndc_quantity), (line.ndc_unit or "ML",)),
        ]
    return out
