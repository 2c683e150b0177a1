"""The visit's first steps: measure the lesions, then make the dose plan.

Nothing typed is lost and nothing is saved by halves:

- The measure step is one service call (`lesions.record_visit_measurements`): new lesions and
  every size are saved together, or, when any row is refused, nothing is written and the form
  comes back with what was typed and the refusal next to its row.
- "Continue to the dose plan" is a button of the measure form: what was typed is saved first, then
  the plan is made, in that order (a refused save makes no plan; a refused plan leaves the saved
  sizes saved and says why). Leaving the page by a link, reload or close with typed input asks
  first (static/tvec.js, the unsaved-input guard).
- The form shows each lesion's last sizes as a reference, never as today's values; a lesion
  measured today shows today's sizes with a "Correct" link (`visit_correct`).
- Planning follows tvec's rule (`tvec.domain.freshness`): sizes not from today are refused with a
  way to measure now, or planned with the nurse's reason, which the visit keeps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvec.domain.errors import DomainError
from tvec.domain.freshness import MIN_REASON_WORDS, LatestSize, StaleMeasurements, stale_sizes
from tvec.domain.lesions import next_lesion_name
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
from tvec.web.visit_common import in_row

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

MAX_NEW_LESIONS = 50  # new lesion rows one form may carry
MEASURED = ("longest", "perpendicular")
NEW_LESION = ("name", "site", "location", "longest", "perpendicular")
FIELD_OF = {"longest": "longest_cm", "perpendicular": "perpendicular_cm"}  # form → request


def day_text(day: date) -> str:
    """A date as the clinic writes it: 3 Nov 2026."""
    return f"{day.day} {day:%b %Y}"


def sizes_text(m: Any) -> str:
    return f"{_plain(m.longest_cm)} × {_plain(m.perpendicular_cm)} cm"


def _plain(value: Any) -> str:
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class LesionRow:
    """One active lesion on the measure form: today's saved measurement, if any, and the last
    one before the form's date (shown as a reference only)."""

    lesion: Any
    today: Any
    last: Any

    @property
    def latest_on(self) -> date | None:
        latest = self.today or self.last
        return None if latest is None else latest.measured_on

    @property
    def last_text(self) -> str:
        if self.last is None:
            return "not measured before"
        return f"last: {sizes_text(self.last)} on {day_text(self.last.measured_on)}"


def lesion_rows(ctx: Ctx, user: Actor, patient_id: int, day: str) -> list[LesionRow]:
    """The patient's active lesions with their measurement of `day` and the last one before."""
    active = [
        les
        for les in lesions.list_lesions(ctx, user, patient_id)
        if les.status is RecordStatus.ACTIVE
    ]
    kept = [
        m
        for m in lesions.list_measurements(ctx, user, patient_id)
        if m.status is RecordStatus.ACTIVE
    ]  # by date, then in the order entered
    rows = []
    for les in active:
        mine = [m for m in kept if m.lesion_id == les.id]
        today = next((m for m in reversed(mine) if m.measured_on.isoformat() == day), None)
        before = [m for m in mine if m.measured_on.isoformat() < day]
        rows.append(LesionRow(les, today, before[-1] if before else None))
    return rows


def _new_count(values: dict[str, Any]) -> int:
    """How many new-lesion rows the form has (a hidden field); a form error if not 0 to 50."""
    raw = str(values.get("new_count") or "0").strip()
    if not raw.isdecimal() or int(raw) > MAX_NEW_LESIONS:
        raise FormErrors(
            {"new_count": f"must be a whole number from 0 to {MAX_NEW_LESIONS} (got {raw[:20]!r})"}
        )
    return int(raw)


def _rows(values: dict[str, Any]) -> list[int]:
    """The new-lesion rows to show again: those the form still has (a removed row sends none)."""
    try:
        count = _new_count(values)
    except FormErrors:
        return []
    return [i for i in range(count) if f"new-{i}-name" in values]


def _measure_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    values: dict[str, Any],
    errors: FormErrors | None,
    status: int = 200,
    *,
    stale: StaleMeasurements | None = None,
    saved: bool = False,
) -> HTMLResponse:
    user.require(Action.RECORD_LESIONS)  # the measuring form is of no use to anyone else
    patient = patients.get_patient(ctx, user, patient_id)
    day = values.get("measured_on") or ctx.today(user).isoformat()
    rows = lesion_rows(ctx, user, patient_id, day)
    new_rows = _rows(values)
    if errors is not None:
        names = ["measured_on", "method", "stale_reason"]
        names += [f"m-{row.lesion.id}-{part}" for row in rows for part in MEASURED]
        names += [f"new-{i}-{part}" for i in new_rows for part in NEW_LESION]
        errors = errors.placed(names)
    return render(
        request,
        "visit_measure.html",
        user,
        status,
        nav="patients",
        patient=patient,
        rows=rows,
        values={"measured_on": day, "method": "caliper", **values},
        errors=errors,
        already=bool(rows) and all(row.today is not None for row in rows),
        saved=saved,
        unsaved=errors is not None
        and any(  # typed, refused: still to be saved
            k.startswith(("m-", "new-")) and str(v).strip() for k, v in values.items()
        ),
        day_text=day_text(date.fromisoformat(day)) if _is_day(day) else day,
        new_rows=new_rows,
        new_count=max(new_rows, default=-1) + 1,
        methods=[m.value for m in s.Method],
        sites=[x.value for x in Site],
        stale=[] if stale is None else [(x.lesion, _last_seen(x.measured_on)) for x in stale.stale],
        reason_words=MIN_REASON_WORDS,
    )


def _is_day(text: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def _last_seen(day: date | None) -> str:
    return "never measured" if day is None else f"last measured on {day_text(day)}"


@router.get("/chart/{patient_id}/visit", response_class=HTMLResponse)
def measure_form(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    """The measure form, empty: last sizes are shown beside each lesion, never pre-filled."""
    return _measure_page(request, ctx, user, patient_id, {}, None)


@router.get("/chart/{patient_id}/visit/new-lesion", response_class=HTMLResponse)
def new_lesion_row(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, i: int = 0
) -> HTMLResponse:
    """One more new-lesion row, its id pre-filled with the next free one (editable)."""
    user.require(Action.RECORD_LESIONS)
    patients.get_patient(ctx, user, patient_id)  # a patient of the user's centre
    row = max(0, min(i, MAX_NEW_LESIONS - 1))
    names = [les.name for les in lesions.list_lesions(ctx, user, patient_id)]
    return render(
        request,
        "_new_lesion_row.html",
        user,
        i=row,
        values={f"new-{row}-name": next_lesion_name(names, skip=row)},
        errors=None,
        sites=[x.value for x in Site],
    )


@router.post("/chart/{patient_id}/visit/measure", response_model=None)
async def measure_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Any:
    """Save what was typed (all or nothing); with "Continue to the dose plan", then plan."""
    form = await form_data(request)
    user.require(Action.RECORD_LESIONS)
    then_plan = form.get("then") == "plan"
    try:
        check_csrf(request, form)
        visit = _visit_input(ctx, user, patient_id, form)
        if visit is None and not then_plan:
            raise FormErrors({}, "Enter at least one lesion's measurements.")
        if visit is not None:
            _save(ctx, user, patient_id, visit, form)
    except FormErrors as errors:
        return _measure_page(request, ctx, user, patient_id, form, errors, errors.status)
    if not then_plan:
        return RedirectResponse(f"/chart/{patient_id}/visit", status_code=303)
    return _plan_or_page(request, ctx, user, patient_id, None, saved=visit is not None)


def _typed(form: dict[str, str], prefix: str) -> bool:
    return any(form.get(prefix + part, "").strip() for part in MEASURED)


def _visit_input(
    ctx: Ctx, user: Actor, patient_id: int, form: dict[str, str]
) -> s.VisitMeasurementsIn | None:
    """The typed sizes and new lesions as one request; None when nothing was typed. A new row
    that is still on the form is never dropped: a blank id is refused next to it."""
    day = form.get("measured_on", "")
    rows = lesion_rows(ctx, user, patient_id, day)
    typed = [row.lesion.id for row in rows if _typed(form, f"m-{row.lesion.id}-")]
    new = [i for i in range(_new_count(form)) if f"new-{i}-name" in form]
    blank = {
        f"new-{i}-name": "Give the new lesion an id (for example "
        f"{next_lesion_name([row.lesion.name for row in rows])}), or remove the row."
        for i in new
        if not form.get(f"new-{i}-name", "").strip()
    }
    if blank:
        raise FormErrors(blank)
    if not typed and not new:
        return None
    data = {
        "measured_on": day,
        "method": form.get("method"),
        "items": [
            {
                "lesion_id": lid,
                "longest_cm": form.get(f"m-{lid}-longest"),
                "perpendicular_cm": form.get(f"m-{lid}-perpendicular"),
            }
            for lid in typed
        ],
        "new_lesions": [
            {FIELD_OF.get(part, part): form.get(f"new-{i}-{part}") for part in NEW_LESION}
            for i in new
        ],
    }
    prefixes = [f"m-{lid}-" for lid in typed] + [f"new-{i}-" for i in new]

    def control(name: str) -> str:  # "items.0.longest_cm" → the field it came from
        found = re.fullmatch(r"(items|new_lesions)\.(\d+)\.(\w+?)(?:_cm)?", name)
        if not found:
            return name
        index = int(found.group(2)) + (len(typed) if found.group(1) == "new_lesions" else 0)
        return prefixes[index] + found.group(3) if index < len(prefixes) else name

    return validate(s.VisitMeasurementsIn, data, rename=control)


def _save(
    ctx: Ctx, user: Actor, patient_id: int, visit: s.VisitMeasurementsIn, form: dict[str, str]
) -> None:
    """One service call; a refusal goes next to the row it names (`fields` item/new_lesion)."""
    new = [i for i in range(_new_count(form)) if f"new-{i}-name" in form]
    prefixes = [f"m-{item.lesion_id}-" for item in visit.items] + [f"new-{i}-" for i in new]
    try:
        lesions.record_visit_measurements(ctx, user, patient_id, visit)
    except DomainError as exc:
        raise _row_error(exc, prefixes, len(visit.items)) from None


def _row_error(exc: DomainError, prefixes: list[str], existing: int) -> FormErrors:
    field = str(exc.fields.get("field") or "")
    if "new_lesion" in exc.fields:
        index = existing + int(exc.fields["new_lesion"])
        part = "location" if field == "location" else "name"
        return FormErrors({prefixes[index] + part: in_row(exc)})
    if "item" in exc.fields and int(exc.fields["item"]) < len(prefixes):
        part = "perpendicular" if "perpendicular" in field else "longest"
        return FormErrors({prefixes[int(exc.fields["item"])] + part: in_row(exc)})
    if field == "measured_on":
        return FormErrors({"measured_on": str(exc)})
    return FormErrors({}, str(exc))


@router.post("/chart/{patient_id}/visit/plan", response_model=None)
async def plan(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Any:
    """Plan from the saved measurements; `stale_reason` plans from sizes not measured today."""
    form = await form_data(request)
    user.require(Action.PLAN_VISIT)
    try:
        check_csrf(request, form)
    except FormErrors as errors:
        return _measure_page(request, ctx, user, patient_id, {}, errors, errors.status)
    reason = form.get("stale_reason", "").strip() or None
    return _plan_or_page(request, ctx, user, patient_id, reason)


def _plan_or_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    stale_reason: str | None,
    *,
    saved: bool = False,
) -> Any:
    """The plan page, or the measure page saying why no plan was made (sizes not from today:
    with the lesions to measure now and the form for a reason)."""
    c = chart.chart(ctx, user, patient_id)
    values = {"stale_reason": stale_reason or ""}
    if c.course is None:
        errors = FormErrors({}, "This patient has no treatment course.")
        return _measure_page(request, ctx, user, patient_id, values, errors, 422, saved=saved)
    try:
        visit = visits.plan_next_visit(ctx, user, c.course.id, stale_reason=stale_reason)
    except StaleMeasurements as exc:
        return _measure_page(
            request, ctx, user, patient_id, values, None, 422, stale=exc, saved=saved
        )
    except DomainError as exc:
        if exc.fields.get("field") == "stale_reason":  # a reason shorter than a few words
            words = f"Give a reason of at least {MIN_REASON_WORDS} words (this one has fewer)."
            errors = FormErrors({"stale_reason": words})
            stale = _stale_now(ctx, user, patient_id)
            return _measure_page(
                request, ctx, user, patient_id, values, errors, 422, stale=stale, saved=saved
            )
        errors = FormErrors({}, str(exc))
        return _measure_page(request, ctx, user, patient_id, values, errors, 422, saved=saved)
    return RedirectResponse(f"/chart/{patient_id}/visit/{visit.id}", status_code=303)


def _stale_now(ctx: Ctx, user: Actor, patient_id: int) -> StaleMeasurements | None:
    """The lesions not measured today, by the rule's own test, to show again beside a refused
    reason (read only: nothing is planned)."""
    today = ctx.today(user)
    latest = [
        LatestSize(row.lesion.name, row.latest_on)
        for row in lesion_rows(ctx, user, patient_id, today.isoformat())
        if row.lesion.injectable
    ]
    stale = stale_sizes(latest, today)
    return StaleMeasurements(stale, today) if stale else None
