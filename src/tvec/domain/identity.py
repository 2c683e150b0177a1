"""A patient's identity as the clinic reads and searches it: names, age, and what a search means.

Names. A patient has a given name and a family name (required when registering) and may have a
preferred name (what they go by). Patients registered before names were recorded have empty names;
they are shown as "name not recorded", never guessed. A name is shown family name first, as on a
clinic list ("QUILLFEATHER, Wrenna"), with the preferred name after it in quotes.

Searching. What a person types into the search box is split into words (at spaces and commas).
A word that reads as a date is a date of birth: YYYY-MM-DD, or D/M/YYYY written with "/", "." or
"-" between the numbers. A date written with the day first or the month first cannot be told apart
(03/04/1960), so such a date matches both readings that are real dates; the banner on every patient
screen shows the date of birth, so the nurse confirms who it is. Every other word must be found,
anywhere and ignoring case and accents, in the patient's given, family or preferred name or MRN:
"quill wren" finds Wrenna Quillfeather, "angstrom" finds Ångström. A date and words together must
all match. Matching uses a search key kept with each patient (`name_key`): the names and MRN folded
the same way as the typed words, so SQLite and PostgreSQL find the same patients.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

NAME_NOT_RECORDED = "name not recorded"
_WORDS = re.compile(r"[\s,;]+")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def folded(text: str) -> str:
    """The text as a search compares it: without accents, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def name_key(given: str, family: str, preferred: str | None, mrn: str) -> str:
    """The search key kept with a patient: family, given and preferred name and the MRN, folded,
    each between spaces (so a word typed never matches across two of them)."""
    parts = (family, given, preferred or "", mrn)
    return " " + " ".join(folded(p) for p in parts if p.strip()) + " "


def shown_name(given: str, family: str, preferred: str | None = None) -> str:
    """The name as the clinic reads it: "FAMILY, Given “Preferred”", or "name not recorded"."""
    if not (given.strip() or family.strip()):
        return NAME_NOT_RECORDED
    name = ", ".join(p for p in (family.strip().upper(), given.strip()) if p)
    if preferred and preferred.strip() and preferred.strip() != given.strip():
        name += f" “{preferred.strip()}”"
    return name


def age_in_years(birth_date: date, day: date) -> int:
    """Whole years of age on `day` (a birthday on 29 February counts on 1 March in other years)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


@dataclass(frozen=True)
class PatientSearch:
    """What a search asks for: every word found in a name or MRN, a date of birth among
    `birth_dates` when a date was typed, and the exact MRN when given. Nothing: every patient."""

    words: tuple[str, ...] = ()
    birth_dates: tuple[date, ...] = ()
    date_typed: bool = False  # a date was typed (if no real date: nobody matches)
    mrn: str | None = None  # exactly this MRN (a program's filter, not typed in the search box)


def parse_search(typed: str) -> PatientSearch:
    """The search a person typed (see the module docstring for what it matches)."""
    words: list[str] = []
    dates: set[date] = set()
    date_typed = False
    printable = "".join(c if c.isprintable() else " " for c in typed)  # no NUL, no controls
    for token in _WORDS.split(printable.strip()):
        if not token:
            continue
        readings = _dates_of(token)
        if readings is None:
            words.append(folded(token))
            continue
        date_typed = True
        dates.update(readings)
    return PatientSearch(tuple(w for w in words if w), tuple(sorted(dates)), date_typed)


def _dates_of(token: str) -> set[date] | None:
    """The real dates a token can mean, or None if it is not written as a date."""
    iso = _ISO.fullmatch(token)
    if iso:
        year, month, day = (int(g) for g in iso.groups())
        return _real({(year, month, day)})
    numeric = _NUMERIC.fullmatch(token)
    if numeric:
        first, second, year = (int(g) for g in numeric.groups())
        return _real({(year, second, first), (year, first, second)})
    return None


def _real(candidates: set[tuple[int, int, int]]) -> set[date]:
    found = set()
    for year, month, day in candidates:
        try:
            found.add(date(year, month, day))
        except ValueError:
            continue
    return found
