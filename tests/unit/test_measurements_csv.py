"""Reading lesion measurements from CSV: good files become Measurements, bad rows are named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from tvec.domain.errors import InvalidInput
from tvec.domain.response import assess_response
from tvec.domain.rules import Site
from tvec.knowledge import load_criteria
from tvec.schemas.measurements_csv import read_measurements

HEADER = "date,lesion_id,longest_cm,perpendicular_cm,site,injected"


def make_csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def test_rows_become_measurements_with_their_line_numbers() -> None:
    text = make_csv(
        "2026-01-05,L1,2.5,1.5,cutaneous,true",
        "2026-01-05,N2,3,2,Nodal,NO",
        "",
        "2026-02-02,L1,0,0,cutaneous,0",
    )
    first, second, third = read_measurements(text)
    assert first.day == date(2026, 1, 5)
    assert (first.lesion_id, first.longest_cm, first.perpendicular_cm) == (
        "L1",
        Decimal("2.5"),
        Decimal("1.5"),
    )
    assert (first.site, first.injected, first.row) == (Site.CUTANEOUS, True, 2)
    assert (second.site, second.injected, second.row) == (Site.NODAL, False, 3)
    assert third.row == 5  # the blank line 4 is skipped but still counted


def test_columns_in_any_order_with_spaces_and_a_byte_order_mark() -> None:
    text = "\ufeff" + make_csv(
        " 2.0 , L1 , 2026-01-05 , 1.0 , visceral , Yes ",
        header="longest_cm, lesion_id, date, perpendicular_cm, site, injected",
    )
    (m,) = read_measurements(text)
    assert (m.lesion_id, m.longest_cm, m.site, m.injected) == (
        "L1",
        Decimal(2),
        Site.VISCERAL,
        True,
    )


@pytest.mark.parametrize(
    ("word", "injected"),
    [
        *[("true", True), ("TRUE", True), ("yes", True), ("1", True)],
        *[("false", False), ("No", False), ("0", False)],
    ],
)
def test_injected_accepts_true_false_yes_no_one_zero(word: str, injected: bool) -> None:
    (m,) = read_measurements(make_csv(f"2026-01-05,L1,2,1,cutaneous,{word}"))
    assert m.injected is injected


def test_header_only_gives_no_measurements() -> None:
    assert read_measurements(make_csv()) == []


# name, file text, text the message must contain
BAD_FILES = [
    ("empty file", "", ["row 1", "header", "lesion_id"]),
    (
        "missing column",
        make_csv("2026-01-05,L1,2,1,cutaneous", header=HEADER.removesuffix(",injected")),
        ["row 1", "header", "injected"],
    ),
    (
        "unknown column",
        make_csv("2026-01-05,L1,2,1,cutaneous,true,x", header=HEADER + ",notes"),
        ["row 1", "unknown column", "notes"],
    ),
    (
        "bad ISO date",
        make_csv("2026-01-05,L1,2,1,cutaneous,true", "05/02/2026,L1,2,1,cutaneous,true"),
        ["row 3", "lesion L1", "date", "YYYY-MM-DD", "05/02/2026"],
    ),
    (
        "impossible date",
        make_csv("2026-02-30,L1,2,1,cutaneous,true"),
        ["row 2", "lesion L1", "date", "2026-02-30"],
    ),
    (
        "non-numeric longest diameter",
        make_csv("2026-01-05,L1,2,1,cutaneous,true", "2026-01-05,L2,two,1,cutaneous,true"),
        ["row 3", "lesion L2", "longest_cm", "two"],
    ),
    (
        "non-numeric perpendicular diameter",
        make_csv("2026-01-05,L1,2,NaN,cutaneous,true"),
        ["row 2", "lesion L1", "perpendicular_cm", "NaN"],
    ),
    (
        "negative diameter (the API's bound: 0 to 100 cm)",
        make_csv("2026-01-05,L1,2,1,cutaneous,true", "2026-02-02,L1,1,-1,cutaneous,true"),
        ["row 3 (lesion L1): column perpendicular_cm must be greater than or equal to 0 (got '-1')"],
    ),
    (
        "diameter over 100 cm",
        make_csv("2026-01-05,L1,100.01,1,cutaneous,true"),
        ["row 2 (lesion L1): column longest_cm must be less than or equal to 100 (got '100.01')"],
    ),
    (
        "diameter finer than a hundredth of a centimetre",
        make_csv("2026-01-05,L1,2.345,1,cutaneous,true"),
        ["row 2 (lesion L1): column longest_cm must have no more than 2 decimal places (got '2.345')"],
    ),
    (
        "diameter in exponent notation",
        make_csv("2026-01-05,L1,1e400,1,cutaneous,true"),
        ["row 2 (lesion L1): column longest_cm is not a number of centimetres (got '1e400')"],
    ),
    (
        "unknown site",
        make_csv("2026-01-05,L1,2,1,skin,true"),
        ["row 2", "lesion L1", "site", "cutaneous, subcutaneous, nodal, visceral", "skin"],
    ),
    (
        "bad injected value",
        make_csv("2026-01-05,L1,2,1,cutaneous,maybe"),
        ["row 2", "lesion L1", "injected", "maybe"],
    ),
    (
        "empty lesion id",
        make_csv("2026-01-05,L1,2,1,cutaneous,true", "2026-01-05, ,2,1,cutaneous,true"),
        ["row 3", "lesion_id", "empty"],
    ),
    (
        "too few values",
        make_csv("2026-01-05,L1,2,1,cutaneous"),
        ["row 2", "5 values", "6"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [pytest.param(*c[1:], id=c[0]) for c in BAD_FILES])
def test_bad_files_are_refused_naming_the_row_and_field(text: str, expected: list[str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        read_measurements(text)
    for part in expected:
        assert part in str(caught.value)


def test_clinical_errors_found_later_still_name_the_file_row() -> None:
    text = make_csv(
        "2026-01-05,L1,2,1,cutaneous,true",
        "2026-02-02,L1,1,2,cutaneous,true",
    )
    measurements = read_measurements(text)
    with pytest.raises(
        InvalidInput, match=r"row 3 \(lesion L1, 2026-02-02\): Perpendicular diameter \(cm\)"
    ):
        assess_response(load_criteria("modified-who"), date(2026, 1, 5), measurements)
