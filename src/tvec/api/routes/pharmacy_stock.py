"""The pharmacy's stock, reconciliation and demand forecast (pharmacists): JSON, and the
reconciliation as CSV."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from tvec.api.deps import Act
from tvec.http.files import file_response
from tvec.reports.pharmacy_ledger import csv_filename, reconciliation_csv
from tvec.schemas import pharmacy as p
from tvec.schemas.forecast import RULES, ForecastOut
from tvec.services import pharmacy_forecast, pharmacy_stock

router = APIRouter(tags=["pharmacy"])

CSV = {"text/csv": {"schema": {"type": "string"}, "description": "With ?format=csv"}}


@router.get(
    "/pharmacy/stock",
    response_model=p.StockOut,
    summary="Stock by strength, lot and expiry, in picking order (pharmacists)",
    description=(
        "The vials in stock or quarantined, per strength and lot. `pick` is the picking order, "
        "first expiry first out (never an expired lot, nor a lot whose vials are all "
        "quarantined). A lot still usable that expires within TVEC_STOCK_EXPIRY_WINDOW_DAYS "
        "days is `expiring_soon` (tvec's rule)."
    ),
)
async def stock(act: Act) -> p.StockOut:
    return p.StockOut.model_validate(await act(pharmacy_stock.stock_report))


@router.get(
    "/pharmacy/reconciliation",
    response_model=p.ReconciliationOut,
    responses={200: {"content": CSV}},
    summary="Reconciliation of the vials, per day and for the period (pharmacists)",
    description=(
        "For each of the centre's calendar days from `from` to `to` (both included, at most 366 "
        "days) and for the whole period: opening held + received = closing held + discarded + "
        "emptied, and opening thawed + thawed = closing thawed + emptied + discarded after thaw "
        "(held: in stock, quarantined or thawed). Each vial that does not reconcile is listed "
        "with its serial number, lot and what is wrong. `to` before `from` is refused (422). "
        "`format=csv` gives the same as a CSV download (a row per day, then the period)."
    ),
)
async def reconciliation(
    act: Act,
    start: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD)")],
    end: Annotated[date, Query(alias="to", description="Last day (YYYY-MM-DD)")],
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
) -> p.ReconciliationOut | Response:
    done = await act(pharmacy_stock.reconcile, start, end)
    if format == "csv":
        return file_response(
            reconciliation_csv(done), "text/csv; charset=utf-8", csv_filename(done)
        )
    return p.ReconciliationOut.model_validate(done)


@router.get(
    "/pharmacy/forecast",
    response_model=ForecastOut,
    summary="Vials needed per week and strength, and an order suggestion (pharmacists)",
    description=(
        "From the centre's own records: the visits due from today for `weeks` weeks (each open "
        "course not on hold: its next visit, an overdue one counted today, then the label's "
        "intervals), each patient's latest lesion sizes planned with the label's dose planner, "
        "the history of vials planned and given, and the vials in stock by lot and expiry. Per "
        "ISO week and strength: the expected vials, the 80% and 95% intervals and the vials if "
        "every visit happens as planned; per strength an order arriving `lead_time_days` from "
        "today (default TVEC_ORDER_LEAD_TIME_DAYS). The forecast and order rules are tvec's own "
        "(`method`, `rules`). A value out of range is refused (422) naming the field."
    ),
)
async def forecast(
    act: Act,
    weeks: Annotated[int | None, Query(description="Weeks to forecast, 1-52 (default 4)")] = None,
    lead_time_days: Annotated[
        int | None, Query(description="Days from ordering to delivery, 0-365")
    ] = None,
) -> ForecastOut:
    return forecast_out(await act(pharmacy_forecast.pharmacy_forecast, weeks, lead_time_days))


def forecast_out(found: pharmacy_forecast.PharmacyForecast) -> ForecastOut:
    result = found.forecast
    return ForecastOut.model_validate(
        {
            "as_of": result.as_of,
            "end": result.end,
            "weeks": found.weeks,
            "lead_time_days": found.lead_time_days,
            "label": found.label,
            "visits": len(result.visits),
            "demand": result.demand,
            "totals": result.totals,
            "orders": found.orders,
            "model": result.model,
            "method": result.method,
            "rules": RULES,
            "sources": list(found.sources),
            "warnings": list(found.warnings),
        }
    )
