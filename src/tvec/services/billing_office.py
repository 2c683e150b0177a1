"""The billing office's view of the claim lines: filtered, newest first, with totals per month.

The lines themselves are made by `outcomes.billing_lines` (J9325 units and the JW/JZ modifier of
each administered dose, `tvec.domain.billing`); this module only chooses and sums them, so the
web page, its CSV download and the API's `GET /billing/lines` show the same lines.

A filter: a date range (service dates, both days included), optionally one patient (by id: the
office finds the patient with `find_patients`, so no name or MRN has to travel in a URL), and
optionally the kind of line ("administered", or "discarded": the JW line of the units left in
the vials). The lines come newest first (service date, then visit, then the line's order on the
claim). Totals are per calendar month of the service date and per HCPCS code and modifier: the
units and the number of lines, over every line of the filter, not only the page shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from tvec.domain.errors import InvalidInput
from tvec.domain.identity import parse_search, shown_name
from tvec.services import outcomes
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action

LINE_KINDS = ("administered", "discarded")  # a claim line's `what` (tvec.domain.billing)
WHERE = "Billing filter"
MAX_CHOICES = 20  # patients offered when a search matches several


@dataclass(frozen=True)
class BillingFilter:
    since: date
    until: date
    patient_id: int | None = None
    status: str | None = None  # one of LINE_KINDS; None: every line


@dataclass(frozen=True)
class OfficeLine:
    """A claim line as the office reads it: the line and the patient's name."""

    line: outcomes.BillingLine
    patient_name: str


@dataclass(frozen=True)
class MonthTotal:
    month: str  # "2026-05"
    hcpcs: str
    modifier: str  # "JW", "JZ", or "" (a line without a modifier)
    units: Decimal
    lines: int


@dataclass(frozen=True)
class BillingReport:
    lines: list[OfficeLine]  # the page asked for
    total: int  # lines matching the filter, every page
    totals: list[MonthTotal]  # newest month first, over every line of the filter


@dataclass(frozen=True)
class PatientChoice:
    id: int
    name: str
    mrn: str
    birth_date: date


def check_filter(f: BillingFilter) -> None:
    """Refuse a filter that cannot mean anything, naming its field (InvalidInput, 422)."""
    if f.until < f.since:
        raise InvalidInput(
            WHERE, "until", f"must not be before the From date ({f.since.isoformat()})", label="To"
        )
    if f.status is not None and f.status not in LINE_KINDS:
        raise InvalidInput(WHERE, "status", f"must be one of {', '.join(LINE_KINDS)}", f.status)


def filtered_lines(ctx: Context, actor: Actor, f: BillingFilter) -> list[OfficeLine]:
    """Every line of the filter, newest first."""
    check_filter(f)
    lines = [
        line
        for line in outcomes.billing_lines(ctx, actor, f.since, f.until)
        if (f.patient_id is None or line.patient_id == f.patient_id)
        and (f.status is None or line.what == f.status)
    ]
    names = _names(ctx, actor, {line.patient_id for line in lines})
    order = {id(line): i for i, line in enumerate(lines)}  # keeps the claim's line order
    lines.sort(key=lambda ln: (ln.service_date, ln.visit_id, -order[id(ln)]), reverse=True)
    return [OfficeLine(line, names.get(line.patient_id, "")) for line in lines]


def billing_report(
    ctx: Context, actor: Actor, f: BillingFilter, limit: int, offset: int
) -> BillingReport:
    """One page of the filter's lines, how many there are, and the totals per month."""
    lines = filtered_lines(ctx, actor, f)
    return BillingReport(lines[offset : offset + limit], len(lines), month_totals(lines))


def month_totals(lines: list[OfficeLine]) -> list[MonthTotal]:
    """Units and lines per month, HCPCS code and modifier; newest month first."""
    units: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    count: dict[tuple[str, str, str], int] = defaultdict(int)
    for office_line in lines:
        line = office_line.line
        key = (f"{line.service_date:%Y-%m}", line.hcpcs, line.modifier or "")
        units[key] += line.units
        count[key] += 1
    keys = sorted(units, key=lambda k: (k[0], k[1], k[2]))
    keys.sort(key=lambda k: k[0], reverse=True)  # stable: codes and modifiers stay in order
    return [
        MonthTotal(m, code, mod, units[(m, code, mod)], count[(m, code, mod)])
        for m, code, mod in keys
    ]


def find_patients(ctx: Context, actor: Actor, typed: str) -> list[PatientChoice]:
    """The centre's patients matching what the office typed (name, MRN or date of birth, as the
    patient search reads it: tvec.domain.identity), at most MAX_CHOICES."""
    actor.require(Action.READ_BILLING)
    search = parse_search(typed)
    if not (search.words or search.date_typed):
        raise InvalidInput(WHERE, "patient", "needs a name, MRN or date of birth", label="Patient")
    with ctx.uow(readonly=True) as uow:
        found = uow.patients.search_in_centre(actor.centre_id, search, MAX_CHOICES, 0)
    return [
        PatientChoice(
            p.id, shown_name(p.given_name, p.family_name, p.preferred_name), p.mrn, p.birth_date
        )
        for p in found
    ]


def patient_choice(ctx: Context, actor: Actor, patient_id: int) -> PatientChoice | None:
    """The patient a filter names, if of the actor's centre (None otherwise: nothing matches)."""
    actor.require(Action.READ_BILLING)
    with ctx.uow(readonly=True) as uow:
        p = uow.patients.find(patient_id)
    if p is None or p.centre_id != actor.centre_id:
        return None
    return PatientChoice(
        p.id, shown_name(p.given_name, p.family_name, p.preferred_name), p.mrn, p.birth_date
    )


def _names(ctx: Context, actor: Actor, patient_ids: set[int]) -> dict[int, str]:
    if not patient_ids:
        return {}
    with ctx.uow(readonly=True) as uow:
        patients = uow.patients.in_centre(actor.centre_id)
    return {
        p.id: shown_name(p.given_name, p.family_name, p.preferred_name)
        for p in patients
        if p.id in patient_ids
    }


def without_patient(f: BillingFilter) -> BillingFilter:
    return replace(f, patient_id=None)
