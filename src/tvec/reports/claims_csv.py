"""A claim batch as CSV: one row per service line, with its claim's patient, date and codes.

The same `Batch` the 837P is written from (`tvec.interop.x12.claim_837p`), so both files of an
export hold the same claims and lines.
"""

from __future__ import annotations

from collections.abc import Iterator

from tvec.interop.x12.claim_837p import Batch
from tvec.interop.x12.segments import amount
from tvec.reports.spreadsheet import csv_text

COLUMNS = (
    "Batch",
    "Claim",
    "Service date",
    "Patient",
    "Member ID",
    "Payer",
    "Place of service",
    "Authorization",
    "Diagnoses",
    "Line",
    "Code",
    "Modifiers",
    "Units",
    "Charge",
    "NDC",
    "NDC unit",
    "NDC quantity",
)


def claims_csv(batch: Batch) -> str:
    return csv_text(COLUMNS, _rows(batch))


def _rows(batch: Batch) -> Iterator[list[str]]:
    for claim in batch.claims:
        s = claim.subscriber
        for n, line in enumerate(claim.lines, start=1):
            yield [
                str(batch.control_number),
                claim.patient_control_number,
                claim.service_date.isoformat(),
                f"{s.family_name}, {s.given_name}",
                s.member_id,
                claim.payer.name,
                claim.place_of_service,
                claim.authorization_number or "",
                " ".join(claim.diagnosis_codes),
                str(n),
                line.code,
                " ".join(line.modifiers),
                amount(line.units),
                amount(line.charge),
                line.ndc11 or "",
                line.ndc_unit or "",
                "" if line.ndc_quantity is None else amount(line.ndc_quantity),
            ]
