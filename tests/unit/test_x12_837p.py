"""A batch of claims as an ASC X12 837P 5010 file that pyx12 validates with no error, and as CSV."""

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

from tvec.interop.x12.claim_837p import (
    Batch,
    Claim,
    Line,
    Payer,
    Provider,
    Subscriber,
    write_837p,
)
from tvec.interop.x12.validate import x12_errors
from tvec.reports.claims_csv import COLUMNS, claims_csv

D = Decimal
PROVIDER = Provider(
    "Northwest Melanoma Centre", "1234567893", "123456789", "100 Main St", "Seattle", "WA",
    "981010000", "Billing Office", "2065550100",
)  # fmt: skip
PAYER = Payer("Example Health Plan", "EXHP1")


def make_claim(
    number: str, guided: bool = True, authorization: str | None = "PA-2026-001"
) -> Claim:
    lines = [
        Line("J9325", (), D(110), D("1100.00"), "55513007901", "N4", "ML", D("1.1")),
        Line("J9325", ("JW",), D(90), D("900.00"), "55513007901", "N4", "ML", D("0.9")),
        Line("96405", (), D(1), D("150.00")),
    ]
    if guided:
        lines.append(Line("76942", (), D(1), D("200.00")))
    return Claim(
        number,
        Subscriber("XYZ123456789", "Doé", "Jane*Ann", date(1960, 1, 2), "F"),
        PAYER,
        date(2026, 12, 6),
        "11",
        ("C43.71", "C79.2", "C77.4"),
        authorization,
        tuple(lines),
    )


def make_batch() -> Batch:
    return Batch(
        42,
        datetime(2026, 12, 6, 22, 5, tzinfo=UTC),
        "TVECNWMC",
        "EXHP1",
        "Example Health Plan",
        PROVIDER,
        (make_claim("TVEC-11"), make_claim("TVEC-12", guided=False, authorization=None)),
    )


def test_pyx12_finds_no_error_in_the_837p() -> None:
    text = write_837p(make_batch())
    assert x12_errors(text) == []
    assert "ST*837*0042*005010X222A1~" in text
    assert "SV1*HC:J9325:JW*900*UN*90***1:2:3~" in text
    assert "LIN**N4*55513007901~" in text
    assert "CTP****0.9*ML~" in text
    assert "HI*ABK:C4371*ABF:C792*ABF:C774~" in text
    assert text.count("REF*G1*PA-2026-001~") == 1
    assert "NM1*IL*1*DOE*JANEANN****MI*XYZ123456789~" in text  # no delimiter inside a value


def test_pyx12_does_find_errors() -> None:
    """The validator is not a rubber stamp: a wrong segment count and a bad date are caught."""
    text = write_837p(make_batch())
    assert x12_errors(text.replace("SE*", "SE*9")) != []
    assert x12_errors(text.replace("DTP*472*D8*20261206", "DTP*472*D8*20261306", 1)) != []


def test_the_csv_holds_one_row_per_service_line() -> None:
    rows = list(csv.reader(io.StringIO(claims_csv(make_batch()))))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 1 + 4 + 3
    jw = dict(zip(COLUMNS, rows[2], strict=True))
    assert (jw["Code"], jw["Modifiers"], jw["Units"], jw["NDC quantity"]) == (
        "J9325",
        "JW",
        "90",
        "0.9",
    )
    assert jw["Diagnoses"] == "C43.71 C79.2 C77.4"
