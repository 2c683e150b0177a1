"""The pharmacist's forecast page (`/vials/forecast`): vials per week and strength, and the order.

It is `tvec.services.pharmacy_forecast`, which the API's `GET /pharmacy/forecast` calls too. The
weeks and the lead time live in the URL (`?weeks=…&lead_time_days=…`); a value that cannot be
read, or is out of range, is named on the form and nothing else is shown. The page is about
vials: no patient is named on it.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas.forecast import RULES
from tvec.services import pharmacy_forecast as pf
from tvec.services.context import Actor, Context
from tvec.services.permissions import Action
from tvec.web.deps import PageUser
from tvec.web.forms import FormErrors, from_domain
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

FIELDS = ("weeks", "lead_time_days")
LABELS = {"weeks": "Weeks", "lead_time_days": "Lead time"}


def parse_request(ctx: Context, query: dict[str, str]) -> tuple[int, int]:
    """Weeks and lead time from the URL (blank: the defaults); a refusal names the field."""
    errors: dict[str, str] = {}
    defaults = {"weeks": pf.DEFAULT_WEEKS, "lead_time_days": ctx.settings.order_lead_time_days}
    values: dict[str, int] = {}
    for name in FIELDS:
        text = (query.get(name) or "").strip()
        try:
            values[name] = int(text) if text else defaults[name]
        except ValueError:
            errors[name] = f"{LABELS[name]}: enter a whole number (got {text[:20]!r})"
            values[name] = defaults[name]
    if errors:
        raise FormErrors(errors)
    try:
        pf.check_request(values["weeks"], values["lead_time_days"])
    except DomainError as exc:
        raise from_domain(exc, {name: name for name in FIELDS}) from None
    return values["weeks"], values["lead_time_days"]


def strength_name(pfu_per_ml: int) -> str:
    """10^8 PFU/mL, as the carton reads."""
    return f"10^{len(str(pfu_per_ml)) - 1}"


@router.get("/vials/forecast", response_class=HTMLResponse)
def forecast_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.MANAGE_VIALS)
    query = dict(request.query_params)
    try:
        weeks, lead = parse_request(ctx, query)
    except FormErrors as errors:
        return _page(request, user, {k: query.get(k, "") for k in FIELDS}, errors, None)
    found = pf.pharmacy_forecast(ctx, user, weeks, lead)
    return _page(request, user, {"weeks": str(weeks), "lead_time_days": str(lead)}, None, found)


def _page(
    request: Request,
    user: Actor,
    values: dict[str, str],
    errors: FormErrors | None,
    found: pf.PharmacyForecast | None,
) -> HTMLResponse:
    return render(
        request,
        "pharmacy_forecast.html",
        user,
        errors.status if errors else 200,
        nav="stock",
        title="Forecast and order",
        errors=errors.placed(FIELDS) if errors else None,
        values=values,
        found=found,
        rules=RULES,
        strength=strength_name,
    )
