"""The visit's first steps: measure the lesions, then make the dose plan.

Each step saves what it can on its own, so a visit left half-way keeps what was saved. Refusals
come back next to the field they concern, with everything the user typed kept.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvec.domain.errors import DomainError
from tvec.domain.rules import Site
from tvec.domain.status import RecordStatus
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas import clinic as s
from tvec.services import chart, lesions, patients, visits
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, validate
from tvec.web.templating import render
from tvec.web.visit_common import ITEM, in_row

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


MAX_NEW_LESIONS = 50  # new lesion rows one form may carry


def _new_count(values: dict[str, Any]) -> int:
    """How many new-lesion rows the form has (a hidden field); a form error if not 0 to 50."""
    raw = str(values.get("new_count") or "0").strip()
    if not raw.isdecimal() or int(raw) > MAX_NEW_LESIONS:
        raise FormErrors(
            {"new_count": f"must be a whole number from 0 to {MAX_NEW_LESIONS} (got {raw[:20]!r})"}
        )
    return int(raw)


def _rows(values: dict[str, Any]) -> int:
    """The new-lesion rows to show again: as many as the form said, none if it made no sense."""
    try:
        return _new_count(values)
    except FormErrors:
        return 0


def _measure_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    values: dict[str, Any],
    errors: FormErrors | None,
    status: int = 200,
) -> HTMLResponse:
    user.require(Action.RECORD_LESIONS)  # the measuring form is of no use to anyone else
    c = chart.chart(ctx, user, patient_id)
    active = [line for line in c.lesions if line.lesion.status is RecordStatus.ACTIVE]
    day = values.get("measured_on") or ctx.today().isoformat()
    already = bool(active) and all(
        line.latest is not None and line.latest.measured_on.isoformat() == day for line in active
    )
    new_count = _rows(values)
    if errors is not None:
        names = ["measured_on", "method"]
        names += [f"m-{line.lesion.id}-{part}" for line in active for part in MEASURED]
        names += [f"new-{i}-{part}" for i in range(new_count) for part in NEW_LESION]
        errors = errors.placed(names)
    return render(
        request,
        "visit_measure.html",
        user,
        status,
        nav="patients",
        patient=c.patient,
        lesions=active,
        values={"measured_on": day, "method": "caliper", **values},
        errors=errors,
        already=already and errors is None,
        new_count=new_count,
        methods=[m.value for m in s.Method],
        sites=[x.value for x in Site],
    )


@router.get("/chart/{patient_id}/visit", response_class=HTMLResponse)
def measure_form(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    c = chart.chart(ctx, user, patient_id)
    values = {}
    for line in c.lesions:  # start from the previous sizes: the nurse confirms or corrects them
        if line.latest is not None:
            values[f"m-{line.lesion.id}-longest"] = _plain(line.latest.longest_cm)
            values[f"m-{line.lesion.id}-perpendicular"] = _plain(line.latest.perpendicular_cm)
    return _measure_page(request, ctx, user, patient_id, values, None)


MEASURED = ("longest", "perpendicular")
NEW_LESION = ("name", "site", "location", "longest", "perpendicular")


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


@router.get("/chart/{patient_id}/visit/new-lesion", response_class=HTMLResponse)
def new_lesion_row(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, i: int = 0
) -> HTMLResponse:
    user.require(Action.RECORD_LESIONS)
    patients.get_patient(ctx, user, patient_id)  # a patient of the user's centre
    return render(
        request,
        "_new_lesion_row.html",
        user,
        i=max(0, min(i, MAX_NEW_LESIONS - 1)),
        values={},
        errors=None,
        sites=[x.value for x in Site],
    )


@router.post("/chart/{patient_id}/visit/measure", response_model=None)
async def measure_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Any:
    form = await form_data(request)
    user.require(Action.RECORD_LESIONS)
    try:
        check_csrf(request, form)
        _save_measurements(ctx, user, patient_id, form)
    except FormErrors as errors:
        return _measure_page(request, ctx, user, patient_id, form, errors, errors.status)
    return RedirectResponse(f"/chart/{patient_id}/visit", status_code=303)


def _save_measurements(ctx: Ctx, user: Actor, patient_id: int, form: dict[str, str]) -> None:
    """New lesions first (each saved on its own), then the visit's measurements, all or nothing."""
    day = form.get("measured_on", "")
    new_count = _new_count(form)
    for i in range(new_count):
        _add_new_lesion(ctx, user, patient_id, form, i, day)
    ids = sorted({int(m.group(1)) for k in form if (m := re.fullmatch(r"m-(\d+)-longest", k))})
    ids += [
        les.id
        for les in lesions.list_lesions(ctx, user, patient_id)
        if les.id not in ids and f"m-{les.id}-longest" in form
    ]
    keyed = [(lid, f"m-{lid}-") for lid in ids if form.get(f"m-{lid}-longest", "").strip()]
    for i in range(new_count):
        name = form.get(f"new-{i}-name", "").strip()
        match = next(
            (les for les in lesions.list_lesions(ctx, user, patient_id) if les.name == name), None
        )
        if match is not None and form.get(f"new-{i}-longest", "").strip():
            keyed.append((match.id, f"new-{i}-"))
    items = [
        {
            "lesion_id": lid,
            "longest_cm": form.get(p + "longest"),
            "perpendicular_cm": form.get(p + "perpendicular"),
        }
        for lid, p in keyed
    ]
    if not items:
        raise FormErrors({}, "Enter at least one lesion's measurements.")
    prefixes = [p for _lid, p in keyed]

    def control(name: str) -> str:  # "items.0.longest_cm" → the field it came from
        match = re.fullmatch(r"items\.(\d+)\.(longest|perpendicular)_cm", name)
        if match and int(match.group(1)) < len(prefixes):
            return prefixes[int(match.group(1))] + match.group(2)
        return name

    data = validate(
        s.MeasurementsIn,
        {"measured_on": day, "method": form.get("method"), "items": items},
        rename=control,
    )
    try:
        lesions.record_measurements(ctx, user, patient_id, data)
    except DomainError as exc:
        raise _item_error(exc, [p for _lid, p in keyed]) from None


def _add_new_lesion(
    ctx: Ctx, user: Actor, patient_id: int, form: dict[str, str], i: int, day: str
) -> None:
    name = form.get(f"new-{i}-name", "").strip()
    if not name or any(les.name == name for les in lesions.list_lesions(ctx, user, patient_id)):
        return
    new = validate(
        s.LesionIn,
        {
            "name": name,
            "site": form.get(f"new-{i}-site"),
            "location": form.get(f"new-{i}-location"),
            "first_seen": day,
        },
        rename=lambda field: "measured_on" if field == "first_seen" else f"new-{i}-{field}",
    )
    try:
        lesions.add_lesion(ctx, user, patient_id, new)
    except DomainError as exc:
        raise FormErrors({f"new-{i}-name": str(exc)}) from None


def _item_error(exc: DomainError, prefixes: list[str]) -> FormErrors:
    match = ITEM.search(str(getattr(exc, "where", "")) + " " + str(exc))
    field = str(exc.fields.get("field") or "")
    if match and int(match.group(1)) < len(prefixes):
        part = "perpendicular" if "perpendicular" in field else "longest"
        return FormErrors({prefixes[int(match.group(1))] + part: in_row(exc)})
    return FormErrors(
        {"measured_on": str(exc)} if field == "measured_on" else {},
        None if field == "measured_on" else str(exc),
    )


@router.post("/chart/{patient_id}/visit/plan", response_model=None)
async def plan(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Any:
    form = await form_data(request)
    user.require(Action.PLAN_VISIT)
    try:
        check_csrf(request, form)
    except FormErrors as errors:
        return _measure_page(request, ctx, user, patient_id, {}, errors, errors.status)
    c = chart.chart(ctx, user, patient_id)
    if c.course is None:
        return _measure_page(
            request,
            ctx,
            user,
            patient_id,
            {},
            FormErrors({}, "This patient has no treatment course."),
            422,
        )
    try:
        visit = visits.plan_next_visit(ctx, user, c.course.id)
    except DomainError as exc:
        return _measure_page(request, ctx, user, patient_id, {}, FormErrors({}, str(exc)), 422)
    return RedirectResponse(f"/chart/{patient_id}/visit/{visit.id}", status_code=303)
