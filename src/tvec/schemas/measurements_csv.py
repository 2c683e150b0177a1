"""Read a CSV file of lesion measurements into domain `Measurement` objects.

The header must name exactly these columns, in any order:

    date, lesion_id, longest_cm, perpendicular_cm, site, injected

A missing column and an unknown extra column are both refused: a misspelt column (``longest``,
``injectd``) would otherwise be silently ignored. Blank lines are skipped. A lesion that has
disappeared is recorded as ``0`` x ``0``. Diameters have the bounds the API holds measurements to
(`tvec.schemas.clinic.Cm`: 0 to 100 cm, at most two decimals).

Every problem raises `InvalidInput` naming the line of the file (the header is line 1), the lesion
when known and the column. Clinical checks (diameters, baseline, missing lesions) are left to
`tvec.domain.response`, which reports the same line numbers through `Measurement.row`.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from decimal import Decimal

from pydantic import TypeAdapter, ValidationError

from tvec.domain.errors import InvalidInput
from tvec.domain.response import Measurement
from tvec.domain.rules import Site
from tvec.schemas.clinic import Cm
from tvec.schemas.refusals import rule_of

COLUMNS = ("date", "lesion_id", "longest_cm", "perpendicular_cm", "site", "injected")
TRUE_WORDS = frozenset({"true", "yes", "1"})
FALSE_WORDS = frozenset({"false", "no", "0"})
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
HEADER = "row 1 (header)"
CENTIMETRES: TypeAdapter[Decimal] = TypeAdapter(Cm)


def read_measurements(text: str) -> list[Measurement]:
    """Every measurement in the file, in file order, each carrying its line number as `row`."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = _header(next(reader, None))
    measurements = []
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            where = f"row {reader.line_num}"
            rule = f"has {len(cells)} values; the header has {len(header)}"
            raise InvalidInput(where, "row", rule, label="the row")
        values = dict(zip(header, (cell.strip() for cell in cells), strict=True))
        measurements.append(_measurement(reader.line_num, values))
    return measurements


def _header(cells: list[str] | None) -> list[str]:
    names = [cell.strip() for cell in cells or []]
    if not any(names):
        raise InvalidInput(
            HEADER, "header", f"is missing: expected {', '.join(COLUMNS)}", label="the header"
        )
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise InvalidInput(
            HEADER, "header", f"lacks column(s) {', '.join(missing)}", label="the header"
        )
    unknown = [n for n in names if n not in COLUMNS]
    if unknown:
        rule = f"has unknown column(s) {', '.join(unknown)}; allowed: {', '.join(COLUMNS)}"
        raise InvalidInput(HEADER, "header", rule, label="the header")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidInput(
            HEADER, "header", f"repeats column(s) {', '.join(repeated)}", label="the header"
        )
    return names


def _measurement(line: int, values: dict[str, str]) -> Measurement:
    lesion_id = values["lesion_id"]
    if not lesion_id:
        raise InvalidInput(
            f"row {line}", "lesion_id", "must not be empty", label=_column("lesion_id")
        )
    where = f"row {line} (lesion {lesion_id})"
    return Measurement(
        day=_date(where, values["date"]),
        lesion_id=lesion_id,
        longest_cm=_cm(where, "longest_cm", values["longest_cm"]),
        perpendicular_cm=_cm(where, "perpendicular_cm", values["perpendicular_cm"]),
        site=_site(where, values["site"]),
        injected=_injected(where, values["injected"]),
        row=line,
    )


def _date(where: str, text: str) -> date:
    try:
        if ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    rule = "is not a calendar date in the form YYYY-MM-DD"
    raise InvalidInput(where, "date", rule, repr(text), label=_column("date"))


def _cm(where: str, field: str, text: str) -> Decimal:
    if not NUMBER.fullmatch(text):
        raise InvalidInput(
            where, field, "is not a number of centimetres", repr(text), label=_column(field)
        )
    try:
        return CENTIMETRES.validate_python(Decimal(text))
    except ValidationError as exc:
        rule = rule_of(exc.errors()[0])
        raise InvalidInput(where, field, rule, repr(text), label=_column(field)) from None


def _site(where: str, text: str) -> Site:
    allowed = [site.value for site in Site]
    if text.lower() not in allowed:
        rule = f"must be one of {', '.join(allowed)}"
        raise InvalidInput(where, "site", rule, repr(text), label=_column("site"))
    return Site(text.lower())


def _injected(where: str, text: str) -> bool:
    word = text.lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    rule = "must be true/false, yes/no or 1/0"
    raise InvalidInput(where, "injected", rule, repr(text), label=_column("injected"))


def _column(name: str) -> str:
    """A refused cell is named by its column, as the file's author wrote it in the header."""
    return f"column {name}"
