"""The payer reviewer's pages: the requests addressed to their payer, and one request with the
evaluation of its PAS Bundle against the payer's policy, the evidence it carries, and the forms
that approve (authorization number, window, units), pend (what is asked) or deny (the reason).

Reviewers belong to their payer's review office (docs/adr/0006-payer-reviewers.md): no clinic
list is open to them. The answers are saved by `tvec.services.payer_review.decide`, as the API's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas.prior_auth import AnswerIn
from tvec.services import payer_review
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, blank_to_none, from_domain, validate
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

FIELDS = [
    "status",
    "note",
    "authorization_number",
    "window_start",
    "window_end",
    "units_authorized",
]
NOTES = ("requested_information", "denial_reason", "appeal_reason")


@router.get("/payer-review", response_class=HTMLResponse)
def inbox_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.REVIEW_PRIOR_AUTH)
    found = payer_review.inbox(ctx, user)
    names = payer_review.clinic_names(ctx, user)
    return render(request, "payer_inbox.html", user, nav="payer", requests=found, clinics=names)


def _page(
    request: Request,
    ctx: Ctx,
    user: Actor,
    request_id: int,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
) -> HTMLResponse:
    found = payer_review.review(ctx, user, request_id)
    shown = values or {
        "window_start": found.request.service_date.isoformat(),
        "units_authorized": f"{found.request.units_requested:f}",
    }
    return render(
        request,
        "payer_request.html",
        user,
        errors.status if errors else 200,
        nav="payer",
        r=found,
        values=shown,
        errors=errors,
    )


@router.get("/payer-review/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, ctx: Ctx, user: PageUser, request_id: int) -> HTMLResponse:
    user.require(Action.REVIEW_PRIOR_AUTH)
    return _page(request, ctx, user, request_id)


@router.post("/payer-review/{request_id}", response_model=None)
async def decide(request: Request, ctx: Ctx, user: PageUser, request_id: int) -> Response:
    form = await form_data(request)
    user.require(Action.REVIEW_PRIOR_AUTH)
    try:
        check_csrf(request, form)
        body = blank_to_none({k: form.get(k, "") for k in [*FIELDS, "version"]})
        if body.get("status") != "approved":
            body.update(authorization_number=None, window_start=None, window_end=None)
            body["units_authorized"] = None
        payer_review.decide(ctx, user, request_id, validate(AnswerIn, body))
    except (FormErrors, DomainError) as exc:
        names = {n: n for n in FIELDS} | dict.fromkeys(NOTES, "note")
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, names)
        return _page(request, ctx, user, request_id, form, errors.placed(FIELDS))
    return RedirectResponse(f"/payer-review/{request_id}", status_code=303)
