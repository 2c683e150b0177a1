"""Reading a carton scan: the three ways a scanner gives the element strings, GS1 dates, refusals.

The scanner's text is parsed by biip (tvec.interop.gs1); the GTIN names a strength of the label.
"""

from __future__ import annotations

import calendar
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tvec.domain.cartons import Carton, CartonRefused
from tvec.interop.gs1 import normalise_scan, read_carton

LOW, HIGH = "00355513078016", "00355513079013"
GS = "\x1d"


def make_scan(gtin: str, expiry: str, lot: str, serial: str, style: str = "hri") -> str:
    """The text a scanner gives for these element strings, in one of the accepted styles."""
    if style == "hri":
        return f"(01){gtin}(17){expiry}(10){lot}(21){serial}"
    separator = {"gs": GS, "angle": "<GS>", "brace": "{GS}"}[style]
    return f"01{gtin}17{expiry}10{lot}{separator}21{serial}"


@pytest.mark.parametrize("style", ["hri", "gs", "angle", "brace"])
def test_each_scanner_style_reads_the_same_carton(style: str) -> None:
    carton = read_carton(make_scan(HIGH, "280315", "UX8-C11", "1001", style))
    assert carton == Carton(
        gtin=HIGH,
        ndc="55513-079-01",
        ndc11="55513-0079-01",
        strength_pfu_per_ml=100_000_000,
        lot="UX8-C11",
        expiry=date(2028, 3, 15),
        serial="1001",
    )


def test_a_symbology_identifier_and_a_trailing_newline_are_not_part_of_the_scan() -> None:
    carton = read_carton("]d2" + make_scan(LOW, "270600", "A1", "9", "gs") + "\r\n")
    assert (carton.strength_pfu_per_ml, carton.ndc) == (1_000_000, "55513-078-01")
    assert normalise_scan("]d201x{gs}21y<gs>") == f"01x{GS}21y"


@pytest.mark.parametrize(
    ("expiry", "day"),
    [("270600", date(2027, 6, 30)), ("280200", date(2028, 2, 29)), ("271200", date(2027, 12, 31))],
)
def test_day_00_is_the_last_day_of_the_month(expiry: str, day: date) -> None:
    assert read_carton(make_scan(LOW, expiry, "L", "S")).expiry == day


@pytest.mark.parametrize(
    ("scan", "reason", "message"),
    [
        (
            make_scan("00355513078017", "270630", "L", "S"),
            "check-digit",
            "product code 00355513078017 fails its GS1 check digit: a misread, scan the carton "
            "again",
        ),
        (make_scan("04006381333931", "270630", "L", "S"), "unknown-product", "product code "),
        ("(01)00355513078016(10)L(21)S", "missing", "the barcode has no expiry date (AI 17)"),
        (f"0100355513078016172706{'30'}10L", "missing", "the barcode has no serial number (AI 21)"),
        ("(17)270630(10)L(21)S", "missing", "the barcode has no product code (GTIN, AI 01)"),
        ("(10)L(21)S(17)270630", "missing", "the barcode has no product code"),
        (make_scan(LOW, "270631", "L", "S"), "unreadable", "the expiry date (AI 17) is not a "),
        ("hello", "unreadable", "not a GS1 carton barcode ("),
        ("   \n", "unreadable", "the scan is empty"),
    ],
)
def test_a_bad_scan_is_refused_with_its_reason(scan: str, reason: str, message: str) -> None:
    with pytest.raises(CartonRefused) as refused:
        read_carton(scan)
    assert refused.value.reason == reason
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_an_unknown_product_names_the_cartons_the_label_knows() -> None:
    with pytest.raises(CartonRefused, match="00355513078016 \\(55513-078-01\\)"):
        read_carton(make_scan("04006381333931", "270630", "L", "S"))


THIS_YEAR = date.today().year
LOTS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,19}", fullmatch=True)
SERIALS = st.from_regex(r"[A-Za-z0-9]{1,20}", fullmatch=True)


@given(
    gtin=st.sampled_from([LOW, HIGH]),
    year=st.integers(THIS_YEAR - 40, THIS_YEAR + 40),  # inside GS1's sliding century window
    month=st.integers(1, 12),
    day=st.integers(0, 28),
    lot=LOTS,
    serial=SERIALS,
    style=st.sampled_from(["hri", "gs", "angle", "brace"]),
)
def test_any_carton_written_as_element_strings_reads_back(
    gtin: str, year: int, month: int, day: int, lot: str, serial: str, style: str
) -> None:
    carton = read_carton(make_scan(gtin, f"{year % 100:02}{month:02}{day:02}", lot, serial, style))
    last = calendar.monthrange(year, month)[1]
    assert carton.expiry == date(year, month, day or last)
    assert (carton.gtin, carton.lot, carton.serial) == (gtin, lot, serial)
    assert carton.strength_pfu_per_ml == (1_000_000 if gtin == LOW else 100_000_000)


ELEMENTS = st.lists(
    st.sampled_from(["01", "17", "10", "21", "(", ")", "<GS>", GS, "0", "00", "9", "A", "-"])
    | st.text(max_size=6),
    max_size=12,
).map("".join)


@given(ELEMENTS)
def test_any_text_is_read_as_a_carton_or_refused_never_an_unexpected_error(text: str) -> None:
    outcome: Carton | CartonRefused
    try:
        outcome = read_carton(text)
    except CartonRefused as refused:
        outcome = refused
    if isinstance(outcome, Carton):
        assert outcome.gtin in (LOW, HIGH)
    else:
        assert "\n" not in str(outcome)
