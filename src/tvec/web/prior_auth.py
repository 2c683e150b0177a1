"""The billing office's prior-authorization pages: the centre's requests, and per course the units
used of each approved window (a progress bar), the requests with their status, the packet PDF and
the PAS Bundle, the form that requests a new authorization, and the clinic's answers (submit
again after a pend, appeal a denial).

The forms are validated by the API's schemas (`tvec.schemas.prior_auth`) and saved by the same
services (`tvec.services.prior_auth`); a refusal shows the page again with what was typed and
the message beside its field, and writes nothing.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.files import file_response
from tvec.http.session import Ctx
from tvec.knowledge import load_policies
from tvec.reports.prior_auth_packet import packet_pdf
from tvec.schemas.prior_auth import AnswerIn, PriorAuthIn
from tvec.services import authorization_windows as aw
from tvec.services import prior_auth
from tvec.services.context import Actor
from tvec.services.permissions import Action, allowed
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, blank_to_none, from_domain, validate
from tvec.web.templating import render, templates

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

REQUEST_FIELDS = [
    "policy_id",
    "service_date",
    "review_type",
    "prescriber_specialty",
    "prior_therapies",
    "documents",
]
ANSWER_FIELDS = ["status", "note"]


def _words(text: str) -> list[str] | None:
    found = [w.strip() for w in text.replace("\n", ",").split(",") if w.strip()]
    return found or None


@router.get("/authorizations", response_class=HTMLResponse)
def centre_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.REQUEST_PRIOR_AUTH)  # the office's list; a course's page is for all
    found = prior_auth.centre_requests(ctx, user)
    return render(
        request,
        "prior_auth_list.html",
        user,
        nav="authorizations",
        requests=found,
        courses=prior_auth.open_courses(ctx, user),
    )


def _course_page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    course_id: int,
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    answering: int | None = None,
) -> HTMLResponse:
    course = prior_auth.course_header(ctx, user, course_id)
    return render(
        request,
        "prior_auth_course.html",
        user,
        errors.status if errors else 200,
        nav="authorizations",
        course=course,
        requests=prior_auth.course_requests(ctx, user, course_id),
        usage=aw.course_usage(ctx, user, course_id),
        policies=list(load_policies().values()),
        values=values or {"service_date": ctx.today(user).isoformat(), "review_type": "standard"},
        errors=errors,
        answering=answering,
        ending_days=aw.WINDOW_ENDING_DAYS,
        today=ctx.today(user),
    )


@router.get("/authorizations/course/{course_id}", response_class=HTMLResponse)
def course_page(request: Request, ctx: Ctx, user: PageUser, course_id: int) -> HTMLResponse:
    user.require(Action.READ_PRIOR_AUTH)
    return _course_page(request, ctx, user, course_id)


@router.post("/authorizations/course/{course_id}", response_model=None)
async def request_save(request: Request, ctx: Ctx, user: PageUser, course_id: int) -> Response:
    form = await form_data(request)
    user.require(Action.REQUEST_PRIOR_AUTH)
    try:
        check_csrf(request, form)
        body = blank_to_none({k: form.get(k, "") for k in REQUEST_FIELDS})
        body["prior_therapies"] = _words(form.get("prior_therapies", ""))
        body["documents"] = _words(form.get("documents", "")) or []
        body["review_type"] = body["review_type"] or "standard"
        prior_auth.submit_request(ctx, user, course_id, validate(PriorAuthIn, body))
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, _same(REQUEST_FIELDS))
        return _course_page(
            request, ctx, user, course_id, values=form, errors=errors.placed(REQUEST_FIELDS)
        )
    return RedirectResponse(f"/authorizations/course/{course_id}", status_code=303)


def _same(names: list[str]) -> dict[str, str]:
    return {n: n for n in names}


@router.post("/authorizations/{request_id}/answer", response_model=None)
async def answer_save(request: Request, ctx: Ctx, user: PageUser, request_id: int) -> Response:
    form = await form_data(request)
    user.require(Action.REQUEST_PRIOR_AUTH)
    found = prior_auth.get_request(ctx, user, request_id)
    try:
        check_csrf(request, form)
        body = blank_to_none({k: form.get(k, "") for k in ("status", "version", "note")})
        prior_auth.answer_as_clinic(ctx, user, request_id, validate(AnswerIn, body))
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, _answer_fields())
        return _course_page(
            request,
            ctx,
            user,
            found.course_id,
            errors=errors.placed(ANSWER_FIELDS),
            answering=request_id,
        )
    return RedirectResponse(f"/authorizations/course/{found.course_id}", status_code=303)


def _answer_fields() -> dict[str, str]:
    notes = ("requested_information", "denial_reason", "appeal_reason", "response_to_request")
    return {"status": "status", **dict.fromkeys(notes, "note")}


@router.get("/authorizations/{request_id}/packet.pdf")
def packet_download(ctx: Ctx, user: PageUser, request_id: int) -> Response:
    user.require(Action.READ_PRIOR_AUTH)
    content = prior_auth.packet(ctx, user, request_id)
    name = f"prior-authorization-{request_id}.pdf"
    return file_response(packet_pdf(content), "application/pdf", name)


@router.get("/authorizations/{request_id}/bundle.json")
def bundle_download(ctx: Ctx, user: PageUser, request_id: int) -> Response:
    user.require(Action.READ_PRIOR_AUTH)
    found = prior_auth.bundle_of(ctx, user, request_id)
    name = f"pas-request-{request_id}.json"
    return file_response(json.dumps(found, indent=2), "application/fhir+json", name)


def authorization_warnings(request: Request, user: Actor, visit_id: int) -> list[str]:
    """The visit plan's prior-authorization warnings (called by visit_plan.html)."""
    if not allowed(user.role, Action.READ_PRIOR_AUTH):
        return []
    found = aw.plan_warnings(request.app.state.ctx, user, visit_id)
    return [w.message for w in found]


templates.env.globals["authorization_warnings"] = authorization_warnings
