"""The patient alert card and education on the web: the chart's section (card missing in red,
issue, print as a wallet card or an A4 page, the patient's acknowledgement, the education given),
the education form, and the admin's form for the centre contact printed on the card.

Forms are validated by the API's schemas (`tvec.schemas.safety`) and saved by the services
(`tvec.services.alert_cards`, `tvec.services.education`); a refusal shows the form again with the
message beside its field and writes nothing. The PDF links are the API's
(`/courses/{id}/alert-card.pdf`), which take the browser's session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError, NotFound
from tvec.domain.zones import from_wall_time, shown, wall_time_text
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.knowledge.alert_card import load_alert_card
from tvec.schemas.safety import AcknowledgementIn, CentreContactIn, EducationIn
from tvec.services import alert_cards, education, patients, second_check
from tvec.services.alert_cards import CardState
from tvec.services.chart import Chart
from tvec.services.context import Actor
from tvec.services.education import EducationLine
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf
from tvec.web.forms import FormErrors, validate
from tvec.web.notices import with_notice
from tvec.web.oncologist import refusal
from tvec.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

EDUCATION_FIELDS = [
    "recipient",
    "caregiver_name",
    "caregiver_relation",
    "topics",
    "given_at",
    "note",
]
CONTACT_FIELDS = ["contact_phone", "contact_address"]


@dataclass(frozen=True)
class CardPanel:
    """What the chart shows of the course's alert card and the patient's education."""

    state: CardState | None  # None: no course
    education: tuple[EducationLine, ...]
    zone: str

    def when(self, instant: datetime | None) -> str:
        return shown(instant, self.zone)


def alert_card_panel(request: Request, user: Actor, c: Chart) -> CardPanel:
    """The chart's alert-card section (called by chart.html, so the chart's route is unchanged)."""
    ctx = request.app.state.ctx
    zone = second_check.centre_settings(ctx, user).time_zone
    state = alert_cards.card_state(ctx, user, c.course.id) if c.course is not None else None
    lines = tuple(education.list_education(ctx, user, c.patient.id))
    return CardPanel(state, lines, zone)


templates.env.globals["alert_card_panel"] = alert_card_panel


def _issue_redirect(patient_id: int, notice: str) -> RedirectResponse:
    return RedirectResponse(with_notice(f"/chart/{patient_id}", notice) + "#card-h", 303)


def _course_of(ctx: Ctx, user: Actor, patient_id: int, course_id: int) -> CardState:
    state = alert_cards.card_state(ctx, user, course_id)
    if state.course.patient_id != patient_id:
        raise NotFound("course", course_id)
    return state


@router.post("/chart/{patient_id}/course/{course_id}/alert-card", response_model=None)
async def issue(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.ISSUE_ALERT_CARD)
    check_csrf(request, form)
    _course_of(ctx, user, patient_id, course_id)
    alert_cards.issue_card(ctx, user, course_id)
    return _issue_redirect(patient_id, "alert-card-issued")


@router.post("/chart/{patient_id}/course/{course_id}/alert-card/acknowledge", response_model=None)
async def acknowledge(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, course_id: int
) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.ISSUE_ALERT_CARD)
    check_csrf(request, form)
    state = _course_of(ctx, user, patient_id, course_id)
    if state.card is None:
        raise NotFound("alert card", course_id)
    body = validate(AcknowledgementIn, {"version": form.get("version", "")})
    alert_cards.acknowledge_card(ctx, user, state.card.id, body)
    return _issue_redirect(patient_id, "alert-card-acknowledged")


# ---- education --------------------------------------------------------------------------------


def _education_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    patient_id: int,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    status: int = 200,
) -> HTMLResponse:
    zone = second_check.centre_settings(ctx, user).time_zone
    return render(
        request,
        "education.html",
        user,
        status,
        nav="patients",
        patient=patients.get_patient(ctx, user, patient_id),
        topics=load_alert_card().education_topics,
        values={"given_at": wall_time_text(ctx.clock(), zone), **values},
        errors=errors,
    )


@router.get("/chart/{patient_id}/education/new", response_class=HTMLResponse)
def education_form(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    user.require(Action.ISSUE_ALERT_CARD)
    return _education_page(request, ctx, user, patient_id, {"recipient": "patient"})


@router.post("/chart/{patient_id}/education/new", response_model=None)
async def education_save(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> Response:
    posted = await request.form()
    form: dict[str, Any] = {k: str(v) for k, v in posted.items()}
    form["topics"] = [str(v) for v in posted.getlist("topics")]
    user.require(Action.ISSUE_ALERT_CARD)
    try:
        check_csrf(request, form)
        zone = second_check.centre_settings(ctx, user).time_zone
        when = form.get("given_at") or ""
        body = {
            "recipient": form.get("recipient", ""),
            "caregiver_name": form.get("caregiver_name") or None,
            "caregiver_relation": form.get("caregiver_relation") or None,
            "topics": form["topics"],
            "given_at": from_wall_time(datetime.fromisoformat(when), zone) if when else None,
            "note": form.get("note") or None,
        }
        education.record_education(ctx, user, patient_id, validate(EducationIn, body))
    except ValueError:
        errors = FormErrors({"given_at": "must be a date and time"})
        return _education_page(request, ctx, user, patient_id, form, errors, 422)
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, EDUCATION_FIELDS, {"course_id": ""})
        return _education_page(request, ctx, user, patient_id, form, errors, errors.status)
    return _issue_redirect(patient_id, "education-recorded")


# ---- the centre's contact (admin) ---------------------------------------------------------------


def _contact_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status: int = 200,
    notice: str = "",
) -> HTMLResponse:
    centre = alert_cards.centre_contact(ctx, user)
    shown_values = values or {
        "contact_phone": centre.contact_phone or "",
        "contact_address": centre.contact_address or "",
    }
    return render(
        request,
        "centre_contact.html",
        user,
        status,
        nav="admin",
        centre=centre,
        values=shown_values,
        errors=errors,
        notice=notice,
    )


@router.get("/admin/centre-contact", response_class=HTMLResponse)
def contact_form(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.MANAGE_USERS)
    return _contact_page(request, ctx, user)


@router.post("/admin/centre-contact", response_model=None)
async def contact_save(request: Request, ctx: Ctx, user: PageUser) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items()}
    user.require(Action.MANAGE_USERS)
    try:
        check_csrf(request, form)
        body = {k: form.get(k, "") for k in CONTACT_FIELDS}
        alert_cards.set_centre_contact(ctx, user, validate(CentreContactIn, body))
    except (FormErrors, DomainError) as exc:
        errors = refusal(exc, CONTACT_FIELDS, {})
        return _contact_page(request, ctx, user, form, errors, errors.status)
    return _contact_page(request, ctx, user, notice="The centre's contact is saved.")
