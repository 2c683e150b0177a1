"""Pages: login, worklist, patients, chart and response (adverse events: web.adverse_events)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tvec.domain.errors import NotAuthenticated, TooManyAttempts
from tvec.http.error_pages import answer_with_pages
from tvec.http.limits import client_address
from tvec.http.session import Ctx, clear_session_cookie, cookie_is_secure, set_session_cookie
from tvec.knowledge import load_criteria
from tvec.schemas import clinic as s
from tvec.services import (
    auth,
    chart,
    login_limits,
    outcomes,
    patients,
    worklist,
)
from tvec.services.permissions import Role
from tvec.web.body_diagram import chart_diagram
from tvec.web.charts import tumour_burden_svg, waterfall_svg
from tvec.web.deps import (
    LOGIN_COOKIE,
    PageUser,
    csrf_ok,
    login_form_ok,
    login_form_token,
    session_token,
)
from tvec.web.notices import notice_text
from tvec.web.templating import render

# Errors on these routes are answered as pages, not JSON (tvec.web.errors).
MAX_OFFSET = 1_000_000

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


def _login_page(
    request: Request, ctx: Ctx, status: int = 200, *, next: str, username: str, error: str | None
) -> HTMLResponse:
    """The login page with a fresh login form token, also set as its cookie (login CSRF)."""
    token = login_form_token(request)
    shown = {"next": next, "username": username, "error": error, "login_csrf": token}
    page = render(request, "login.html", None, status, **shown)
    page.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        path="/login",
        secure=cookie_is_secure(ctx.settings, request),
    )
    return page


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, ctx: Ctx, next: str = "/") -> HTMLResponse:
    return _login_page(request, ctx, next=next, username="", error=None)


@router.post("/login", response_model=None)
def login(
    request: Request,
    ctx: Ctx,
    username: Annotated[s.Line, Form(max_length=80)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form()] = "/",
    login_csrf: Annotated[str, Form(max_length=100)] = "",
) -> Any:
    if not login_form_ok(request, login_csrf):  # a form posted from another site (login CSRF)
        expired = "This login form has expired or came from another site; please log in again."
        return _login_page(request, ctx, 403, next=next, username=username, error=expired)
    address = client_address(request, ctx.settings)
    try:
        token, _session, _user = login_limits.login(ctx, username, password, address, "cookie")
    except NotAuthenticated as exc:
        return _login_page(request, ctx, 401, next=next, username=username, error=str(exc))
    except TooManyAttempts as exc:
        minutes = math.ceil(exc.retry_after / 60)
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
        busy = (
            "Too many failed logins for this account or from this computer. "
            f"Please try again in {wait}, or ask your administrator."
        )
        page = _login_page(request, ctx, 429, next=next, username=username, error=busy)
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, ctx, token, request)
    return response


@router.post("/logout")
async def logout(request: Request, ctx: Ctx) -> RedirectResponse:
    form = dict(await request.form())
    if csrf_ok(request, str(form.get("csrf", ""))):
        auth.logout(ctx, session_token(request))
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: Ctx, user: PageUser) -> Any:
    landing = {Role.BILLING: "/billing", Role.RESEARCHER: "/research", Role.ADMIN: "/admin"}
    if user.role in landing:  # roles without clinical access start on their own page
        return RedirectResponse(landing[user.role], status_code=303)
    return render(request, "worklist.html", user, nav="worklist", work=worklist.worklist(ctx, user))


@router.get("/chart/{patient_id}", response_class=HTMLResponse)
def chart_page(
    request: Request, ctx: Ctx, user: PageUser, patient_id: int, notice: str = ""
) -> HTMLResponse:
    c = chart.chart(ctx, user, patient_id)
    burden = tumour_burden_svg(c.response, load_criteria("modified-who")) if c.response else None
    return render(
        request,
        "chart.html",
        user,
        nav="patients",
        c=c,
        burden_svg=burden,
        notice=notice_text(notice),  # a code of the fixed table only (tvec.web.notices)
        body=chart_diagram(c.lesions),  # the body diagram (tvec.web.body_diagram)
    )


@router.get("/chart/{patient_id}/response", response_class=HTMLResponse)
def response_page(request: Request, ctx: Ctx, user: PageUser, patient_id: int) -> HTMLResponse:
    criteria = load_criteria("modified-who")
    result = outcomes.assess_patient(ctx, user, patient_id, criteria.name)
    changes = [(lesion.lesion_id, lesion.best_change_pct) for lesion in result.lesions]
    return render(
        request,
        "response.html",
        user,
        nav="patients",
        result=result,
        criteria=criteria,
        patient=patients.get_patient(ctx, user, patient_id),
        waterfall_svg=waterfall_svg(changes, criteria),
    )
