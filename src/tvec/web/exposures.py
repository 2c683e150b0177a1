"""Accidental exposures on the web: the form (nurse or oncologist), the centre's list with the
open follow-up tasks, closing a follow-up with its outcome, and the worklist's open tasks.

The follow-up's due date is tvec's rule (the label gives no interval): the pages say so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.domain.zones import from_wall_time, shown, wall_time_text
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.knowledge.alert_card import load_alert_card
from tvec.schemas.safety import ExposureIn, FollowUpCloseIn
from tvec.services import exposures, second_check
from tvec.services.context import Actor
from tvec.services.exposures import ExposureLine
from tvec.services.permissions import Action, allowed
from tvec.web.deps import PageUser, check_csrf
from tvec.web.forms import FormErrors, validate
from tvec.web.notices import notice_text, with_notice
from tvec.web.oncologist import refusal
from tvec.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

FIELDS = [
    "exposed",
    "staff_user_id",
    "contact_relation",
    "kind",
    "occurred_at",
    "actions",
    "action_note",
]


def exposure_tasks(request: Request, user: Actor) -> list[ExposureLine]:
    """The worklist's open follow-up tasks (worklist.html calls it; the worklist is unchanged)."""
    if not allowed(user.role, Action.READ_CLINICAL):
        return []
    return exposures.list_exposures(request.app.state.ctx, user, open_only=True)


def follow_up_rule() -> str:
    days = load_alert_card().follow_up.days
    return (
        f"The follow-up is due {days} days after the exposure: tvec's rule, as the label gives "
        "no interval (watch for signs of herpetic infection, USPI §5.1)."
    )


templates.env.globals["exposure_tasks"] = exposure_tasks
templates.env.globals["follow_up_rule"] = follow_up_rule


def _zone(ctx: Ctx, user: Actor) -> str:
    return second_check.centre_settings(ctx, user).time_zone


@router.get("/exposure-log", response_class=HTMLResponse)
def exposure_list(request: Request, ctx: Ctx, user: PageUser, notice: str = "") -> HTMLResponse:
    zone = _zone(ctx, user)
    return render(
        request,
        "exposures.html",
        user,
        nav="exposures",
        lines=exposures.list_exposures(ctx, user),
        when=lambda instant: shown(instant, zone),
        notice=notice_text(notice),
    )


def _form(
    request: Request,
    ctx: Ctx,
    user: Actor,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    data = load_alert_card()
    return render(
        request,
        "exposure_new.html",
        user,
        status,
        nav="exposures",
        kinds=data.exposure_kinds,
        actions=data.exposure_actions,
        staff=exposures.staff_members(ctx, user),
        values={"occurred_at": wall_time_text(ctx.clock(), _zone(ctx, user)), **values},
        errors=errors,
    )


@router.get("/exposure-log/new", response_class=HTMLResponse)
def exposure_form(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.RECORD_EXPOSURE)
    return _form(request, ctx, user, {"exposed": "staff"})


def _body(form: dict[str, Any], zone: str) -> dict[str, Any]:
    when = str(form.get("occurred_at") or "")
    staff = str(form.get("staff_user_id") or "")
    exposed = form.get("exposed", "")
    return {
        "exposed": exposed,
        "staff_user_id": staff if staff and exposed == "staff" else None,
        "contact_relation": (form.get("contact_relation") or None) if exposed != "staff" else None,
        "kind": form.get("kind", ""),
        "occurred_at": from_wall_time(datetime.fromisoformat(when), zone) if when else None,
        "actions": form["actions"],
        "action_note": form.get("action_note") or None,
    }


@router.post("/exposure-log/new", response_model=None)
async def exposure_save(request: Request, ctx: Ctx, user: PageUser) -> Response:
    posted = await request.form()
    form: dict[str, Any] = {k: str(v) for k, v in posted.items()}
    form["actions"] = [str(v) for v in posted.getlist("actions")]
    user.require(Action.RECORD_EXPOSURE)
    try:
        check_csrf(request, form)
        body = _body(form, _zone(ctx, user))
        exposures.record_exposure(ctx, user, validate(ExposureIn, body))
    except ValueError:
        errors = FormErrors({"occurred_at": "must be a date and time"})
        return _form(request, ctx, user, form, errors, 422)
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, FIELDS, {"patient_id": ""})
        return _form(request, ctx, user, form, errors, errors.status)
    return RedirectResponse(with_notice("/exposure-log", "exposure-recorded"), status_code=303)


def _close_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    line: ExposureLine,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    zone = _zone(ctx, user)
    return render(
        request,
        "exposure_close.html",
        user,
        status,
        nav="exposures",
        line=line,
        when=lambda instant: shown(instant, zone),
        values=values or {},
        errors=errors,
    )


@router.get("/exposure-log/{exposure_id}/close", response_class=HTMLResponse)
def close_form(request: Request, ctx: Ctx, user: PageUser, exposure_id: int) -> HTMLResponse:
    user.require(Action.RECORD_EXPOSURE)
    return _close_page(request, ctx, user, exposures.get_exposure(ctx, user, exposure_id))


@router.post("/exposure-log/{exposure_id}/close", response_model=None)
async def close_save(request: Request, ctx: Ctx, user: PageUser, exposure_id: int) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.RECORD_EXPOSURE)
    line = exposures.get_exposure(ctx, user, exposure_id)
    try:
        check_csrf(request, form)
        body = {"version": form.get("version", ""), "outcome": form.get("outcome", "")}
        exposures.close_follow_up(ctx, user, exposure_id, validate(FollowUpCloseIn, body))
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, ["outcome"], {"version": ""})
        return _close_page(request, ctx, user, line, form, errors, errors.status)
    return RedirectResponse(with_notice("/exposure-log", "follow-up-closed"), status_code=303)
