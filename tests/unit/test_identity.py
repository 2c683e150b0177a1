"""Names as the clinic reads them, what a typed search means, and access logs without queries."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from tvec.domain.identity import (
    NAME_NOT_RECORDED,
    PatientSearch,
    age_in_years,
    name_key,
    parse_search,
    shown_name,
)
from tvec.http.access_log import NoQueryStrings


@pytest.mark.parametrize(
    ("given", "family", "preferred", "shown"),
    [
        ("Wrenna", "Quillfeather", None, "QUILLFEATHER, Wrenna"),
        ("Wrenna", "Quillfeather", "Wren", "QUILLFEATHER, Wrenna “Wren”"),
        ("Wrenna", "Quillfeather", "Wrenna", "QUILLFEATHER, Wrenna"),  # no echo
        ("Zoë", "Ångström", "", "ÅNGSTRÖM, Zoë"),
        ("", "", None, NAME_NOT_RECORDED),  # registered before names were recorded
    ],
)
def test_a_name_is_shown_family_name_first(
    given: str, family: str, preferred: str | None, shown: str
) -> None:
    assert shown_name(given, family, preferred) == shown


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(1958, 3, 14), date(2026, 3, 13), 67),
        (date(1958, 3, 14), date(2026, 3, 14), 68),
        (date(1960, 2, 29), date(2026, 2, 28), 65),
        (date(1960, 2, 29), date(2026, 3, 1), 66),  # a 29 February birthday counts on 1 March
    ],
)
def test_age_is_whole_years_on_the_day(born: date, day: date, age: int) -> None:
    assert age_in_years(born, day) == age


def test_typed_words_are_folded_and_dates_read_both_ways() -> None:
    assert parse_search("  ") == PatientSearch()
    assert parse_search("Ångström,  ZOË") == PatientSearch(("angstrom", "zoe"))
    assert parse_search("1958-03-14").birth_dates == (date(1958, 3, 14),)
    assert parse_search("03/04/1958").birth_dates == (date(1958, 3, 4), date(1958, 4, 3))
    assert parse_search("14.3.1958").birth_dates == (date(1958, 3, 14),)
    nobody = parse_search("31/02/1958")
    assert (nobody.birth_dates, nobody.date_typed) == ((), True)  # no such day: nobody
    assert parse_search("quill\x00wren").words == ("quill", "wren")  # no control characters


def test_the_search_key_holds_names_and_mrn_between_spaces() -> None:
    assert name_key("Zoë", "Ångström-Vale", None, "AV-003") == " angstrom-vale zoe av-003 "
    assert name_key("", "", None, "OLD-1") == " old-1 "


def test_the_access_log_names_the_path_never_the_query() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/patients?q=quillfeather&limit=5", "1.1", 200),
        None,
    )
    assert NoQueryStrings().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /patients?… HTTP/1.1" 200'
    plain = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, "%s", ("x",), None)
    assert NoQueryStrings().filter(plain)
    assert plain.getMessage() == "x"
