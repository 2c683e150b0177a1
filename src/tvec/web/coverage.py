"""The billing office's coverage pages: a course checked against a payer policy, as Da Vinci DTR
does it, and the re-authorization request drafted from the response.

`/coverage` lists the centre's courses; `/coverage/{course_id}?policy=ID` shows what the chart
holds (diagnosis, lesions with their latest sizes and dates), asks in a form for what it does not
(review type, re-authorization, service date, prescriber specialty, prior therapies, documents on
file, and the diagnosis when none is recorded), and shows the decision criterion by criterion with
the policy's own section for each. Saving keeps the answers with the course (audited); a refused
answer shows the form again with the message next to its field and keeps nothing.
`/coverage/{course_id}/reauthorization?policy=ID` is the drafted request with its evidence. The
services are the API's (`tvec.services.coverage`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tvec.domain.errors import DomainError
from tvec.domain.reauthorization import READING
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas.coverage import CoverageAnswersIn
from tvec.services import coverage
from tvec.services.context import Actor
from tvec.services.permissions import Action
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.forms import FormErrors, from_domain, validate
from tvec.web.notices import with_notice
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

FIELDS = [
    "review_type",
    "reauthorization",
    "service_date",
    "prescriber_specialty",
    "prior_therapies",
    "documents",
    "cancer",
    "stage",
    "unresectable",
    "recurrent_after_surgery",
]
YES_NO = {"yes": True, "no": False}


def _policy_id(request: Request) -> str:
    return request.query_params.get("policy") or coverage.policies()[0].id


@router.get("/coverage", response_class=HTMLResponse)
def course_list(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    user.require(Action.CHECK_COVERAGE)
    return render(
        request,
        "coverage_list.html",
        user,
        nav="coverage",
        courses=coverage.courses_to_check(ctx, user),
        policies=coverage.policies(),
    )


@router.get("/coverage/{course_id}", response_class=HTMLResponse)
def course_page(request: Request, ctx: Ctx, user: PageUser, course_id: int) -> HTMLResponse:
    user.require(Action.CHECK_COVERAGE)
    policy_id = _policy_id(request)
    found = coverage.evaluate_course(ctx, user, course_id, policy_id)
    return _page(request, user, found, values=_values(found.answers))


@router.post("/coverage/{course_id}", response_model=None)
async def save_answers(request: Request, ctx: Ctx, user: PageUser, course_id: int) -> Response:
    form = await form_data(request)
    user.require(Action.CHECK_COVERAGE)
    policy_id = _policy_id(request)
    documents = (await request.form()).getlist("documents")
    try:
        check_csrf(request, form)
        answers = validate(CoverageAnswersIn, _answers(form, [str(d) for d in documents]))
        version = int(form["version"]) if form.get("version", "").isdigit() else None
        coverage.record_answers(ctx, user, course_id, policy_id, answers, version)
    except (FormErrors, DomainError) as exc:
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, {f: f for f in FIELDS})
        found = coverage.evaluate_course(ctx, user, course_id, policy_id)
        values = {**form, "documents": documents}
        return _page(request, user, found, values=values, errors=errors.placed(FIELDS))
    url = f"/coverage/{course_id}?{urlencode({'policy': policy_id})}"
    return RedirectResponse(with_notice(url, "coverage-answers-kept"), status_code=303)


@router.get("/coverage/{course_id}/reauthorization", response_class=HTMLResponse)
def reauthorization_page(
    request: Request, ctx: Ctx, user: PageUser, course_id: int
) -> HTMLResponse:
    user.require(Action.CHECK_COVERAGE)
    found = coverage.reauthorization_draft(ctx, user, course_id, _policy_id(request))
    return render(
        request,
        "coverage_reauthorization.html",
        user,
        nav="coverage",
        c=found,
        evidence=found.facts.response,
        reading=READING,
    )


def _answers(form: dict[str, str], documents: list[str]) -> dict[str, Any]:
    """The form's text as the answers' JSON: a blank is "not known"."""

    def text(name: str) -> str | None:
        return (form.get(name) or "").strip() or None

    therapies = text("prior_therapies")
    listed = None if therapies is None else [t.strip() for t in therapies.split(",") if t.strip()]
    if therapies is not None and therapies.lower() == "none":
        listed = []
    return {
        "review_type": text("review_type") or "standard",
        "reauthorization": form.get("reauthorization") == "yes",
        "service_date": text("service_date"),
        "prescriber_specialty": text("prescriber_specialty"),
        "prior_therapies": listed,
        "documents": documents,
        "cancer": text("cancer"),
        "stage": text("stage"),
        "unresectable": YES_NO.get(form.get("unresectable", "")),
        "recurrent_after_surgery": YES_NO.get(form.get("recurrent_after_surgery", "")),
    }


def _values(a: CoverageAnswersIn) -> dict[str, Any]:
    """The kept answers as the form shows them."""

    def yes_no(value: bool | None) -> str:
        return "" if value is None else ("yes" if value else "no")

    therapies = a.prior_therapies
    return {
        "review_type": a.review_type.value,
        "reauthorization": "yes" if a.reauthorization else "",
        "service_date": a.service_date.isoformat() if a.service_date else "",
        "prescriber_specialty": a.prescriber_specialty or "",
        "prior_therapies": "" if therapies is None else (", ".join(therapies) or "none"),
        "documents": list(a.documents),
        "cancer": a.cancer or "",
        "stage": a.stage or "",
        "unresectable": yes_no(a.unresectable),
        "recurrent_after_surgery": yes_no(a.recurrent_after_surgery),
    }


def _page(
    request: Request,
    user: Actor,
    found: coverage.CourseCoverage,
    *,
    values: dict[str, Any],
    errors: FormErrors | None = None,
) -> HTMLResponse:
    return render(
        request,
        "coverage.html",
        user,
        errors.status if errors else 200,
        nav="coverage",
        c=found,
        d=found.decision,
        policies=coverage.policies(),
        values=values,
        errors=errors,
        reading=READING,
        query=urlencode({"policy": found.policy.id}),
    )
