"""The pharmacy board (`/pharmacy`): every thawed vial with a live countdown of its thaw clock.

The clocks are a fragment the page asks the server for again every 30 seconds (HTMX); between
those, `tvec.js` counts each one down from the server's latest-use time, so the board moves
without a page reload. A clock turns red under the centre's warning time (tvec's rule, a
setting) and when it has run out. Below the clocks: thaw a vial from stock (the first to expire
is suggested), and record a move, the draw, the dose given or a discard with its reason.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.domain.errors import DomainError
from tvec.domain.stability import ThawClock
from tvec.domain.vial_life import DISCARD_REASONS
from tvec.domain.zones import shown, wall_time_text
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.knowledge import load_label
from tvec.services import second_check, vial_events
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, from_domain
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

FIELDS = ("vial", "kind", "at", "volume_ml", "reason")
# the vial chosen and the version it was shown at: "12:3"

# What a nurse or pharmacist records from the board, in their words.
KINDS = {
    "to_fridge": "Moved to the fridge (2–8 °C)",
    "to_room": "Moved to room temperature",
    "drawn_into_syringe": "Drawn into a syringe",
    "given": "Dose given from the syringe",
    "discarded": "Discarded",
}
REASONS = {
    "unused": "unused (left over)",
    "expired": "expired (thaw clock or date)",
    "excursion": "temperature excursion",
    "breakage": "breakage",
    "contamination": "contamination",
}
assert tuple(REASONS) == DISCARD_REASONS  # the domain's list, worded for the pharmacy


@router.get("/pharmacy", response_class=HTMLResponse)
def board_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    return _page(request, ctx, user, {}, None)


@router.get("/pharmacy/clocks", response_class=HTMLResponse)
def board_clocks(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    """The clocks alone, for the page to refresh every 30 seconds."""
    zone = second_check.centre_settings(ctx, user).time_zone
    board = vial_events.pharmacy_board(ctx, user)
    return render(request, "_board_clocks.html", user, **_clocks(board, zone))


def _clocks(board: vial_events.Board, zone: str | None) -> dict[str, Any]:
    return {"board": board, "zone": zone, "shown": shown, "left_text": left_text}


def left_text(clock: ThawClock) -> str:
    """What the countdown shows before the browser's script takes over (tvec.js says the same)."""
    if clock.expired:
        return "Expired: discard"
    hours, minutes = divmod(clock.remaining_minutes, 60)
    return f"{hours} h {minutes:02d} min left" if hours else f"{minutes} min left"


@router.post("/pharmacy", response_model=None)
async def board_post(request: Request, ctx: Ctx, user: PageUser) -> Any:
    form = await form_data(request)
    user.require(Action.HANDLE_VIALS)
    values = {name: str(form.get(name, "")).strip() for name in (*FIELDS, "form")}
    try:
        check_csrf(request, form)
        vial_id, at, version, volume = _read(values)
        done = vial_events.record_event(
            ctx,
            user,
            vial_id,
            kind=values["kind"],
            at=at,
            version=version,
            reason=values["reason"] or None,
            volume_ml=volume,
        )
    except FormErrors as exc:
        return _page(request, ctx, user, values, exc, exc.status)
    except DomainError as exc:
        errors = from_domain(exc, {name: name for name in FIELDS} | {"version": "vial"})
        return _page(request, ctx, user, values, errors, errors.status)
    said = KINDS.get(values["kind"], "Thawed").lower()
    notice = f"Vial {done.serial} (lot {done.lot}): {said}; {done.where}."
    return _page(request, ctx, user, {}, None, notice=notice)


def _read(values: dict[str, str]) -> tuple[int, datetime, int, Decimal | None]:
    fields: dict[str, str] = {}
    vial_id = version = 0
    try:
        vial_id, version = (int(part) for part in values["vial"].split(":"))
    except ValueError:
        fields["vial"] = "Choose a vial."
    try:
        at = datetime.fromisoformat(values["at"])
    except ValueError:
        fields["at"] = "Enter the date and time it happened."
    volume = None
    if values["volume_ml"]:
        try:
            volume = Decimal(values["volume_ml"])
        except InvalidOperation:
            fields["volume_ml"] = "Enter the volume in mL, for example 0.5."
    if fields:
        raise FormErrors(fields)
    return vial_id, at, version, volume


def _page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    values: dict[str, str],
    errors: FormErrors | None,
    status: int = 200,
    **more: Any,
) -> HTMLResponse:
    zone = second_check.centre_settings(ctx, user).time_zone
    board = vial_events.pharmacy_board(ctx, user)
    storage = load_label(vial_events.LABEL_VARIANT).storage
    firsts: dict[int, int] = {}
    for vial in board.in_stock:
        firsts.setdefault(vial.pfu_per_ml, vial.id)
    return render(
        request,
        "pharmacy_board.html",
        user,
        status,
        nav="board",
        title="Pharmacy board",
        **_clocks(board, zone),
        suggested=set(firsts.values()),
        thaw_text=(
            f"Thaw {storage.thaw_text} (about {storage.thaw_minutes} min) [{storage.thaw_source}]"
            if storage
            else ""
        ),
        now_text=wall_time_text(ctx.clock(), zone),
        values=values,
        errors=errors.placed(FIELDS) if errors else None,
        kinds=KINDS,
        reasons=REASONS,
        **more,
    )
