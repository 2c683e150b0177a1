"""The pharmacist's stock page (`/vials/stock`) and reconciliation page (`/vials/reconciliation`).

Both are `tvec.services.pharmacy_stock`, which the API's `GET /pharmacy/stock` and
`GET /pharmacy/reconciliation` call too; the CSV downloads hold the pages' rows. The period lives
in the URL (`?from=…&to=…`), so a page and its CSV agree; a date that cannot be read, or a To
before the From, is named on the form and nothing else is shown.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from tvec.domain.errors import DomainError
from tvec.domain.reconciliation import Reconciliation
from tvec.domain.stock import StockLine
from tvec.http.error_pages import answer_with_pages
from tvec.http.files import file_response
from tvec.http.session import Ctx
from tvec.reports.pharmacy_ledger import (
    COLUMNS,
    csv_filename,
    ledger_cells,
    period_name,
    problem_text,
    reconciliation_csv,
)
from tvec.reports.spreadsheet import csv_text
from tvec.services import pharmacy_stock as ps
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.web.deps import PageUser
from tvec.web.forms import FormErrors, from_domain
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

LABELS = {"from": "From", "to": "To"}
DEFAULT_DAYS = 7  # the page opens on the last week, today included
STOCK_COLUMNS = [
    "Strength (PFU/mL)",
    "Pick",
    "Lot",
    "Expiry",
    "Days left",
    "In stock",
    "Quarantined",
    "Serial numbers in stock",
    "Note",
]


def parse_period(ctx: Context, user: Actor, query: dict[str, str]) -> tuple[date, date]:
    """The period from the URL's values; a refusal names the field (FormErrors)."""
    errors: dict[str, str] = {}
    today = ctx.today(user)

    def day(name: str, default: date) -> date:
        text = (query.get(name) or "").strip()
        if not text:
            return default
        try:
            return date.fromisoformat(text)
        except ValueError:
            errors[name] = f"{LABELS[name]}: enter a date as YYYY-MM-DD (got {text[:20]!r})"
            return default

    start = day("from", today - timedelta(days=DEFAULT_DAYS - 1))
    end = day("to", today)
    if errors:
        raise FormErrors(errors)
    try:
        ps.check_period(ctx, user, start, end)
    except DomainError as exc:
        raise from_domain(exc, {"from": "from", "to": "to"}) from None
    return start, end


def line_note(line: StockLine, window_days: int) -> str:
    """The stock page's note on a lot (empty: nothing to say)."""
    if line.expired:
        return "Expired: do not use"
    if not line.in_stock:
        return "Every vial quarantined"
    if line.expiring_soon:
        return f"Expires within {window_days} days"
    return ""


def stock_cells(report: ps.StockReport) -> list[list[str]]:
    """The stock page's rows, as the CSV holds them."""
    return [
        [
            str(strength.pfu_per_ml),
            str(line.pick or ""),
            line.lot,
            line.expiry_date.isoformat(),
            str(line.days_left),
            str(line.in_stock),
            str(line.quarantined),
            " ".join(line.serials),
            line_note(line, report.window_days),
        ]
        for strength in report.strengths
        for line in strength.lines
    ]


@router.get("/vials/stock", response_class=HTMLResponse)
def stock_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.MANAGE_VIALS)
    report = ps.stock_report(ctx, user)
    return render(
        request,
        "pharmacy_stock.html",
        user,
        nav="stock",
        title="Stock",
        report=report,
        note=line_note,
    )


@router.get("/vials/stock.csv", response_model=None)
def stock_csv(ctx: Ctx, user: PageUser) -> Response:
    user.require(Action.MANAGE_VIALS)
    report = ps.stock_report(ctx, user)
    return _csv(csv_text(STOCK_COLUMNS, stock_cells(report)), f"stock-{report.today}.csv")


@router.get("/vials/reconciliation", response_class=HTMLResponse)
def reconciliation_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.MANAGE_VIALS)
    query = dict(request.query_params)
    try:
        start, end = parse_period(ctx, user, query)
    except FormErrors as errors:
        return _reconciliation(request, user, query, errors, None)
    done = ps.reconcile(ctx, user, start, end)
    values = {"from": start.isoformat(), "to": end.isoformat()}
    return _reconciliation(request, user, values, None, done)


@router.get("/vials/reconciliation.csv", response_model=None)
def reconciliation_download(request: Request, ctx: Ctx, user: PageUser) -> Response:
    user.require(Action.MANAGE_VIALS)
    query = dict(request.query_params)
    try:
        start, end = parse_period(ctx, user, query)
    except FormErrors as errors:
        return _reconciliation(request, user, query, errors, None)
    done = ps.reconcile(ctx, user, start, end)
    return _csv(reconciliation_csv(done), csv_filename(done))


def _csv(text: str, name: str) -> Response:
    return file_response(text, "text/csv; charset=utf-8", name)


def _reconciliation(
    request: Request,
    user: Actor,
    values: dict[str, str],
    errors: FormErrors | None,
    done: Reconciliation | None,
) -> HTMLResponse:
    shown = {k: values.get(k, "") for k in ("from", "to")}
    return render(
        request,
        "pharmacy_reconciliation.html",
        user,
        errors.status if errors else 200,
        nav="stock",
        title="Reconciliation",
        errors=errors.placed(("from", "to")) if errors else None,
        values=shown,
        rec=done,
        columns=COLUMNS,
        day_rows=[(day, ledger_cells(day, day.start.isoformat())) for day in done.days]
        if done
        else [],
        period_row=ledger_cells(done.period, period_name(done)) if done else None,
        problem_text=problem_text,
        query=urlencode(shown),
    )
