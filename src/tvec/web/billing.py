"""The billing office page: claim lines filtered by date range, patient and kind of line, newest
first, with totals per month, paged, and a CSV download of the same lines.

The filter lives in the URL (`/billing?since=…&until=…&patient_id=…&status=…`) so that a page,
its next pages and its CSV (`/billing.csv?` the same) agree; the patient is named there by tvec's
id only. Finding the patient by name, MRN or date of birth is a POST (`/billing/patient`), so what
was typed never lands in a URL, a browser history or an access log. The choosing and summing is
`tvec.services.billing_office`, which the API's `GET /billing/lines` calls too.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.files import file_response
from tvec.http.session import Ctx
from tvec.reports.spreadsheet import csv_safe
from tvec.services import billing_office as bo
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, from_domain
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

PAGE = 25  # lines per page
MAX_OFFSET = 1_000_000
FILTER_FIELDS = ("since", "until", "patient_id", "status")
COLUMNS = ["Date", "Patient", "MRN", "HCPCS", "Units", "Modifier", "Line", "NDC"]
LABELS = {"since": "From", "until": "To", "patient_id": "Patient", "status": "Line"}


def default_since(today: date) -> date:
    """The first day of the month two months back: this month and the two before it."""
    return _months_back(today.replace(day=1), 2)


def _months_back(first: date, months: int) -> date:
    year, month = divmod(first.year * 12 + first.month - 1 - months, 12)
    return date(year, month + 1, 1)


def parse_filter(query: dict[str, str], today: date) -> bo.BillingFilter:
    """The filter from the URL's values; a refusal names the field (FormErrors)."""
    errors: dict[str, str] = {}

    def day(name: str, default: date) -> date:
        text = (query.get(name) or "").strip()
        if not text:
            return default
        try:
            return date.fromisoformat(text)
        except ValueError:
            errors[name] = f"{LABELS[name]}: enter a date as YYYY-MM-DD (got {text[:20]!r})"
            return default

    since, until = day("since", default_since(today)), day("until", today)
    patient_text = (query.get("patient_id") or "").strip()
    patient_id = None
    if patient_text:
        if patient_text.isdigit() and 0 < int(patient_text) <= 2**31 - 1:
            patient_id = int(patient_text)
        else:
            errors["patient_id"] = "Patient: choose the patient again with the search"
    status = (query.get("status") or "").strip() or None
    if errors:
        raise FormErrors(errors)
    f = bo.BillingFilter(since, until, patient_id, status)
    try:
        bo.check_filter(f)
    except DomainError as exc:
        raise from_domain(exc, {"until": "until", "status": "status"}) from None
    return f


def filter_query(f: bo.BillingFilter, **extra: Any) -> str:
    """The filter as a URL query (what the next page and the CSV link carry)."""
    values: dict[str, Any] = {"since": f.since.isoformat(), "until": f.until.isoformat()}
    if f.patient_id is not None:
        values["patient_id"] = f.patient_id
    if f.status:
        values["status"] = f.status
    return urlencode({**values, **extra})


def cells(office_line: bo.OfficeLine) -> list[str]:
    """One line's cells, as the page shows them and the CSV holds them."""
    line = office_line.line
    return [
        line.service_date.isoformat(),
        office_line.patient_name,
        line.mrn,
        line.hcpcs,
        f"{line.units:f}",
        line.modifier or "",
        line.what,
        line.ndc,
    ]


@router.get("/billing", response_class=HTMLResponse)
def billing_page(request: Request, ctx: Ctx, user: PageUser, offset: int = 0) -> HTMLResponse:
    user.require(Action.READ_BILLING)
    query = dict(request.query_params)
    try:
        f = parse_filter(query, ctx.today(user))
    except FormErrors as errors:
        return _page(request, ctx, user, None, query, errors)
    return _page(request, ctx, user, f, query, None, offset=max(0, min(offset, MAX_OFFSET)))


@router.get("/billing.csv", response_model=None)
def billing_csv(request: Request, ctx: Ctx, user: PageUser) -> Response:
    """Every line of the filter (all its pages), the page's columns, newest first."""
    user.require(Action.READ_BILLING)
    query = dict(request.query_params)
    try:
        f = parse_filter(query, ctx.today(user))
    except FormErrors as errors:
        return _page(request, ctx, user, None, query, errors)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for office_line in bo.filtered_lines(ctx, user, f):
        writer.writerow([csv_safe(c) for c in cells(office_line)])
    name = f"billing-{f.since.isoformat()}-to-{f.until.isoformat()}.csv"
    return file_response(out.getvalue(), "text/csv; charset=utf-8", name)


@router.post("/billing/patient", response_model=None)
async def billing_find_patient(request: Request, ctx: Ctx, user: PageUser) -> Any:
    """Find the patient typed (name, MRN, date of birth): one match filters the page by them,
    several are offered to choose from, none says so."""
    form = await form_data(request)
    user.require(Action.READ_BILLING)
    kept = {k: form.get(k, "") for k in ("since", "until", "status")}
    try:
        check_csrf(request, form)
        f = parse_filter(kept, ctx.today(user))
        found = bo.find_patients(ctx, user, form.get("patient", ""))
        if not found:
            raise FormErrors(
                {"patient": "Patient: no patient of the centre matches what you typed"}
            )
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, {"patient": "patient"})
        return _page(request, ctx, user, None, kept, errors, typed=form.get("patient", ""))
    if len(found) == 1:
        return RedirectResponse(f"/billing?{filter_query(f, patient_id=found[0].id)}", 303)
    return _page(request, ctx, user, f, kept, None, choices=found, typed=form.get("patient", ""))


def _page(
    request: Request,
    ctx: Ctx,
    user: Any,
    f: bo.BillingFilter | None,
    query: dict[str, str],
    errors: FormErrors | None,
    *,
    offset: int = 0,
    choices: list[bo.PatientChoice] | None = None,
    typed: str = "",
) -> HTMLResponse:
    """The page: the filter's lines and totals, or (a refused filter) the form and its message."""
    report = bo.billing_report(ctx, user, f, PAGE, offset) if f else None
    patient = bo.patient_choice(ctx, user, f.patient_id) if f and f.patient_id else None
    shown = {k: query.get(k, "") for k in FILTER_FIELDS}
    if f:
        shown |= {
            "since": f.since.isoformat(),
            "until": f.until.isoformat(),
            "status": f.status or "",
        }
    return render(
        request,
        "billing.html",
        user,
        errors.status if errors else 200,
        nav="billing",
        errors=errors.placed(("since", "until", "status", "patient")) if errors else None,
        values=shown,
        report=report,
        rows=[cells(line) for line in report.lines] if report else [],
        columns=COLUMNS,
        patient=patient,
        choices=choices or [],
        typed=typed,
        kinds=bo.LINE_KINDS,
        query=filter_query(f) if f else "",
        query_without_patient=filter_query(bo.without_patient(f)) if f else "",
        offset=offset,
        page=PAGE,
    )
