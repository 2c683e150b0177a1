"""Free text leaving the clinic: the patient's names, MRN and birth date are taken out."""

from __future__ import annotations

from datetime import date

import pytest

from tvec.domain.redaction import REMOVED, redact

BORN = date(1961, 4, 2)
NAMES = ("Maren", "Hollowmere", "", "MRN-0042")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Maren HOLLOWMERE rested", f"{REMOVED} {REMOVED} rested"),
        ("see mrn-0042", f"see {REMOVED}"),
        ("born 1961-04-02", f"born {REMOVED}"),
        ("born 02/04/1961", f"born {REMOVED}"),
        ("born 2.4.1961", f"born {REMOVED}"),
        ("born 04-02-1961", f"born {REMOVED}"),  # month first: removed too
        ("antibiotics for 7 days", "antibiotics for 7 days"),
    ],
)
def test_identifiers_typed_into_free_text_are_removed(typed: str, expected: str) -> None:
    assert redact(typed, NAMES, BORN) == expected


def test_a_one_letter_name_is_not_treated_as_an_identifier() -> None:
    assert redact("a rash", ("A",), None) == "a rash"


def test_without_identifiers_the_text_is_unchanged() -> None:
    assert redact("Maren rested", (), None) == "Maren rested"


def test_the_longer_identifier_wins_where_two_overlap() -> None:
    assert redact("Ann-Marie", ("Ann", "Ann-Marie"), None) == REMOVED
