"""Free text made safe to leave the clinic: a patient's names, MRN and birth date taken out.

A report that leaves the centre (a safety report to a manufacturer or a regulator) carries free
text a person typed: the adverse event's term when it is "other, specify", the action taken. Such
text may name the patient. `redact` replaces every occurrence of the patient's identifiers in it
(ignoring case; names of fewer than `MIN_NAME` letters are left, since they match ordinary words)
and every date of birth written as YYYY-MM-DD, D/M/YYYY or D.M.YYYY, with `REMOVED`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

REMOVED = "[removed]"
MIN_NAME = 2


def _date_forms(day: date) -> list[str]:
    d, m, y = day.day, day.month, day.year
    forms = {day.isoformat()}
    for sep in "/.-":
        for a, b in ((d, m), (m, d)):
            forms |= {f"{a}{sep}{b}{sep}{y}", f"{a:02d}{sep}{b:02d}{sep}{y}"}
    return sorted(forms, key=len, reverse=True)


def redact(text: str, identifiers: Iterable[str], birth_date: date | None) -> str:
    """`text` without the identifiers (names, MRN) and the birth date (see the module notes)."""
    words = [w.strip() for w in identifiers if len(w.strip()) >= MIN_NAME]
    patterns = [re.escape(w) for w in sorted(words, key=len, reverse=True)]
    if birth_date is not None:
        patterns = [re.escape(f) for f in _date_forms(birth_date)] + patterns
    if not patterns:
        return text
    return re.sub("|".join(patterns), REMOVED, text, flags=re.IGNORECASE)


__all__ = ["MIN_NAME", "REMOVED", "redact"]
