"""Checks on a patient's lesion measurements before any response is computed.

Every problem raises `InvalidInput` naming where it is (the source row when known, the lesion and
the date), the field and the rule broken. Nothing is computed until all checks pass.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tvec.domain.errors import InvalidInput
from tvec.domain.lesions import GONE_HINT, check_diameters

if TYPE_CHECKING:
    from tvec.domain.response import Measurement


def where(m: Measurement) -> str:
    """'row 5 (lesion L2, 2026-03-01)', or without the row when it is not known."""
    place = f"lesion {m.lesion_id}, {m.day.isoformat()}"
    return place if m.row is None else f"row {m.row} ({place})"


def validate_measurements(
    start: dt.date, measurements: Sequence[Measurement]
) -> dict[dt.date, dict[str, Measurement]]:
    """The measurements grouped by assessment date (dates ascending, baseline first).

    Raises `InvalidInput` for: no measurements; a negative diameter; one diameter 0 and not the
    other; perpendicular longer than longest; a date before the start; no baseline on the start
    date; the same lesion twice on one date; a lesion changing site; a lesion recorded as 0 x 0
    at baseline or when first seen; a known lesion left out of a later assessment.
    """
    if not measurements:
        rule = "are empty: record the baseline lesions on the start date"
        raise InvalidInput("input", "measurements", rule)
    for m in measurements:
        _check_one(start, m)
    visits = _group_by_date(measurements)
    if start not in visits:
        rule = f"is missing: no lesion is measured on the start date {start.isoformat()}"
        raise InvalidInput("input", "baseline", rule + " (the day of the first dose)")
    _check_sites(measurements)
    _check_first_seen(start, visits)
    _check_none_missing(visits)
    return visits


def _check_one(start: dt.date, m: Measurement) -> None:
    if not m.lesion_id.strip():
        raise InvalidInput(where(m), "lesion_id", "must not be empty")
    check_diameters(where(m), m.longest_cm, m.perpendicular_cm, may_be_gone=True)
    if m.day < start:
        rule = f"is before the start date {start.isoformat()}"
        raise InvalidInput(where(m), "date", rule, m.day.isoformat())


def _group_by_date(measurements: Sequence[Measurement]) -> dict[dt.date, dict[str, Measurement]]:
    visits: dict[dt.date, dict[str, Measurement]] = {}
    for m in sorted(measurements, key=lambda m: m.day):
        visit = visits.setdefault(m.day, {})
        if m.lesion_id in visit:
            earlier = visit[m.lesion_id]
            also = "" if earlier.row is None else f" (also on row {earlier.row})"
            raise InvalidInput(
                where(m), "lesion_id", f"is a duplicate lesion id on this date{also}"
            )
        visit[m.lesion_id] = m
    return visits


def _check_sites(measurements: Sequence[Measurement]) -> None:
    first: dict[str, Measurement] = {}
    for m in sorted(measurements, key=lambda m: m.day):
        known = first.setdefault(m.lesion_id, m)
        if m.site is not known.site:
            rule = f"changes from {known.site.value} (recorded {known.day.isoformat()}); a lesion "
            rule += "keeps its site"
            raise InvalidInput(where(m), "site", rule, m.site.value)


def _check_first_seen(start: dt.date, visits: dict[dt.date, dict[str, Measurement]]) -> None:
    seen: set[str] = set()
    for day, visit in visits.items():
        for lesion_id, m in visit.items():
            if lesion_id not in seen and m.disappeared:
                when = "at baseline" if day == start else "when the lesion is first recorded"
                rule = f"is 0 x 0 {when}: a lesion must be measurable when first recorded"
                raise InvalidInput(where(m), "longest_cm", rule)
        seen.update(visit)


def _check_none_missing(visits: dict[dt.date, dict[str, Measurement]]) -> None:
    seen: dict[str, Measurement] = {}
    for day, visit in visits.items():
        for lesion_id, last in seen.items():
            if lesion_id not in visit:
                row = "" if last.row is None else f", row {last.row}"
                rule = f"is missing from this assessment (last recorded {last.day}{row}): "
                raise InvalidInput(
                    f"lesion {lesion_id}, {day.isoformat()}", "lesion_id", rule + GONE_HINT
                )
        seen.update(visit)
