"""The pharmacy's storage pages: freezers and fridges (`/storage`) and one location's readings,
excursions and quarantined vials (`/storage/{id}`).

The same services as the API (`tvec.services.cold_chain`). An excursion is shown in red until it
is acknowledged and none of its vials is still quarantined; a location silent for longer than the
setting shows "no data". The chart draws every reading (`tvec.reports.figures.temperature`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from tvec.domain.errors import DomainError
from tvec.domain.zones import shown
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.reports.figures.export import figure_svg
from tvec.reports.figures.temperature import temperature_figure
from tvec.services import cold_chain as cc
from tvec.services import readings_import, second_check
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf
from tvec.web.forms import FormErrors, from_domain
from tvec.web.notices import notice_text, with_notice
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

KINDS = {"freezer": "Freezer", "fridge": "Fridge (2–8 °C)"}


@router.get("/storage", response_class=HTMLResponse)
def storage_page(request: Request, ctx: Ctx, user: PageUser, notice: str = "") -> HTMLResponse:
    user.require(Action.MANAGE_VIALS)
    return _list(request, ctx, user, {}, None, notice=notice_text(notice))


@router.post("/storage", response_model=None)
async def add_location(request: Request, ctx: Ctx, user: PageUser) -> Response:
    user.require(Action.MANAGE_VIALS)
    form = {k: str(v) for k, v in (await request.form()).items()}
    values = {"name": form.get("name", ""), "kind": form.get("kind", "freezer")}
    try:
        check_csrf(request, form)
        if not values["name"].strip():
            raise FormErrors({"name": "Give the location a name, such as Freezer A."})
        added = cc.add_location(ctx, user, values["name"], values["kind"])
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, {"location_name": "name"})
        return _list(request, ctx, user, values, errors.placed(("name", "kind")), errors.status)
    return RedirectResponse(with_notice(f"/storage/{added.id}", "location-added"), 303)


@router.get("/storage/{location_id}", response_class=HTMLResponse)
def location_page(
    request: Request, ctx: Ctx, user: PageUser, location_id: int, notice: str = ""
) -> HTMLResponse:
    user.require(Action.MANAGE_VIALS)
    return _location(request, ctx, user, location_id, None, notice=notice_text(notice))


@router.post("/storage/{location_id}/readings", response_model=None)
async def import_file(request: Request, ctx: Ctx, user: PageUser, location_id: int) -> Response:
    user.require(Action.MANAGE_VIALS)
    form = await request.form()
    upload = form.get("file")
    try:
        check_csrf(request, {"csrf": str(form.get("csrf", ""))})
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise FormErrors({"file": "Choose the data logger's CSV file."})
        content = await upload.read()
        readings_import.import_logger_file(ctx, user, location_id, content, upload.filename)
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else FormErrors({"file": str(exc)})
        return _location(request, ctx, user, location_id, errors.placed(("file",)), errors.status)
    return _back(location_id, "readings-imported")


@router.post("/storage/{location_id}/excursions/{excursion_id}/acknowledge", response_model=None)
async def acknowledge(
    request: Request, ctx: Ctx, user: PageUser, location_id: int, excursion_id: int
) -> Response:
    return await _act(
        request,
        ctx,
        user,
        location_id,
        "excursion-acknowledged",
        lambda form: cc.acknowledge_excursion(ctx, user, excursion_id, form.get("note")),
    )


@router.post("/storage/{location_id}/vials/{vial_id}/release", response_model=None)
async def release(
    request: Request, ctx: Ctx, user: PageUser, location_id: int, vial_id: int
) -> Response:
    return await _act(
        request,
        ctx,
        user,
        location_id,
        "vial-released",
        lambda form: cc.release_vial(ctx, user, vial_id, form.get("reason", "")),
        field=f"reason-{vial_id}",
    )


@router.post("/storage/{location_id}/vials/{vial_id}/discard", response_model=None)
async def discard(
    request: Request, ctx: Ctx, user: PageUser, location_id: int, vial_id: int
) -> Response:
    return await _act(
        request,
        ctx,
        user,
        location_id,
        "vial-discarded",
        lambda form: cc.discard_vial(ctx, user, vial_id, form.get("note")),
    )


async def _act(
    request: Request,
    ctx: Ctx,
    user: Actor,
    location_id: int,
    notice: str,
    do: Any,
    field: str | None = None,
) -> Response:
    user.require(Action.MANAGE_VIALS)
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        check_csrf(request, form)
        do(form)
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc)
        if field and not isinstance(exc, FormErrors) and exc.fields.get("field") == "reason":
            errors = FormErrors({field: str(exc)})
        return _location(request, ctx, user, location_id, errors, errors.status)
    return _back(location_id, notice)


def _when(ctx: Ctx, user: Actor) -> Any:
    """Shows an instant in the centre's time zone, the zone named."""
    zone = second_check.centre_settings(ctx, user).time_zone
    return lambda instant: shown(instant, zone)


def _back(location_id: int, notice: str) -> RedirectResponse:
    return RedirectResponse(with_notice(f"/storage/{location_id}", notice), 303)


def _list(
    request: Request,
    ctx: Ctx,
    user: Actor,
    values: dict[str, str],
    errors: FormErrors | None,
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    return render(
        request,
        "storage.html",
        user,
        status,
        nav="storage",
        title="Storage",
        locations=cc.list_locations(ctx, user),
        attention=cc.list_excursions(ctx, user, attention_only=True),
        when=_when(ctx, user),
        kinds=KINDS,
        values=values,
        errors=errors,
        notice=notice,
    )


def _location(
    request: Request,
    ctx: Ctx,
    user: Actor,
    location_id: int,
    errors: FormErrors | None,
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    location = cc.get_location(ctx, user, location_id)
    excursions = cc.list_excursions(ctx, user, location_id)
    times, temperatures = cc.location_readings(ctx, user, location_id)
    shaded = [(x.started_at, x.ended_at or x.started_at) for x in excursions]
    if times:
        shaded = [(x.started_at, x.ended_at or times[-1]) for x in excursions]
    figure = temperature_figure(
        times, temperatures, (location.rule.min_c, location.rule.max_c), shaded
    )
    return render(
        request,
        "storage_location.html",
        user,
        status,
        nav="storage",
        title=location.name,
        location=location,
        excursions=excursions,
        vials=cc.quarantined_vials(ctx, user, location_id),
        readings=len(times),
        chart_svg=figure_svg(figure, f"Temperature of {location.name}", text_as_text=False),
        when=_when(ctx, user),
        kinds=KINDS,
        errors=errors,
        notice=notice,
    )
