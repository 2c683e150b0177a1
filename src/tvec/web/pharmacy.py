"""The pharmacist's page to receive a shipment by scanning its cartons (`/vials/receive`).

Three steps, as at the bedside: scan (one carton per line, and the container's sealing time),
review (the cartons as read, and whether the shipment will be quarantined), receive. A refusal
names the carton by its line and says what is wrong in the pharmacy's words; nothing is received.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.domain.errors import DomainError
from tvec.domain.receipt import ShipmentRefused
from tvec.domain.zones import shown, wall_time_text
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.knowledge import load_label
from tvec.services import cold_chain, second_check, shipments
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, from_domain
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

REVIEW, RECEIVE = "review", "receive"
SEALED = {"sealed_at": "sealed_at"}
# What a carton that cannot be read means for the pharmacist (tvec.domain.cartons reasons).
UNREAD = {
    "unreadable": "its barcode could not be read; scan the square code on the carton again",
    "missing": "its barcode is incomplete (it needs the product, expiry date, lot and serial "
    "number); scan the square code on the carton, not the line barcode",
    "check-digit": "its product code was misread; scan it again",
    "unknown-product": "it is not an IMLYGIC carton of the {label}",
}


@router.get("/vials/receive", response_class=HTMLResponse)
def receive_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.MANAGE_VIALS)
    return _page(request, ctx, user, {}, None)


@router.post("/vials/receive", response_model=None)
async def receive_post(request: Request, ctx: Ctx, user: PageUser) -> Any:
    form = await form_data(request)
    user.require(Action.MANAGE_VIALS)
    values = {
        "scans": str(form.get("scans", "")),
        "sealed_at": str(form.get("sealed_at", "")),
        "location_id": str(form.get("location_id", "")),
    }
    try:
        check_csrf(request, form)
        lines, sealed_at = _read_form(values)
        scans = [text for _, text in lines]
        if form.get("step") == RECEIVE:
            freezer = int(values["location_id"]) if values["location_id"].isdigit() else None
            done = shipments.receive_shipment(ctx, user, scans, sealed_at, freezer)
            return _page(request, ctx, user, {}, None, received=done)
        preview = shipments.preview_shipment(ctx, user, scans, sealed_at)
    except ShipmentRefused as exc:
        return _page(request, ctx, user, values, _refusal(exc, values), 422)
    except (FormErrors, DomainError) as exc:
        errors = (
            exc
            if isinstance(exc, FormErrors)
            else from_domain(exc, {"sealed_at": "sealed_at", "location_id": "location_id"})
        )
        return _page(request, ctx, user, values, errors, errors.status)
    zone = second_check.centre_settings(ctx, user).time_zone
    return _page(
        request,
        ctx,
        user,
        values,
        None,
        preview=preview,
        rows=list(zip((n for n, _ in lines), preview.cartons, strict=True)),
        until_text=shown(preview.container_until, zone),
    )


def _read_form(values: dict[str, str]) -> tuple[list[tuple[int, str]], datetime]:
    """The scans with their line numbers (blank lines skipped), and the sealing time."""
    lines = [(n, t.strip()) for n, t in enumerate(values["scans"].splitlines(), 1) if t.strip()]
    fields: dict[str, str] = {}
    if not lines:
        fields["scans"] = "Scan at least one carton."
    elif len(lines) > 200:
        fields["scans"] = "Receive at most 200 cartons at once."
    try:
        sealed_at = datetime.fromisoformat(values["sealed_at"])
    except ValueError:
        fields["sealed_at"] = "Enter the date and time printed on the shipping container."
    if fields:
        raise FormErrors(fields)
    return lines, sealed_at


def _refusal(exc: ShipmentRefused, values: dict[str, str]) -> FormErrors:
    lines = [n for n, t in enumerate(values["scans"].splitlines(), 1) if t.strip()]
    line = lines[exc.index] if exc.index < len(lines) else exc.index + 1
    title = load_label(shipments.LABEL_VARIANT).title
    unread = UNREAD.get(exc.reason)
    what = unread.format(label=title) if unread else exc.problem
    return FormErrors(
        {
            "scans": f"Carton on line {line}: {what}. Nothing was received: set that carton aside "
            "and review the others again."
        }
    )


def _page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    values: dict[str, str],
    errors: FormErrors | None,
    status: int = 200,
    **shown: Any,
) -> HTMLResponse:
    zone = second_check.centre_settings(ctx, user).time_zone
    if not values.get("sealed_at"):
        values = {**values, "sealed_at": ""}
    return render(
        request,
        "vials_receive.html",
        user,
        status,
        nav="vials",
        title="Receive vials",
        values=values,
        errors=errors.placed(("scans", "sealed_at", "location_id")) if errors else None,
        zone=zone,
        now_text=wall_time_text(ctx.clock(), zone),
        storage=load_label(shipments.LABEL_VARIANT).storage,
        freezers=[loc for loc in cold_chain.list_locations(ctx, user) if loc.kind == "freezer"],
        **shown,
    )
