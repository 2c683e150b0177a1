"""The patient list: the centre's patients by family and given name, and the search box.

What a nurse types to find a patient (a name, an MRN, a date of birth: tvec.domain.identity) is
sent by POST, never in the URL, so it does not land in a browser's history, a bookmark or a proxy's
access log; its pages are POSTs too. The unsearched list pages by `?offset=`, which names no one.
The same service answers the API's `GET /patients?q=`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.domain.identity import age_in_years
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.services import patients
from tvec.services.banner import actor_today
from tvec.services.context import Actor, Context
from tvec.web.deps import PageUser, check_csrf, form_data
from tvec.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])

PAGE_SIZE = 50
MAX_OFFSET = 1_000_000  # as the API's offset
MAX_TYPED = 200  # as the API's `q`


# Not "/patients": that is the REST API's patient list (tvec.api.routes.patients).
@router.get("/patient-list", response_class=HTMLResponse)
def patient_list(request: Request, ctx: Ctx, user: PageUser, offset: int = 0) -> HTMLResponse:
    """Every patient of the centre, a page at a time."""
    return _page(request, ctx, user, "", offset)


@router.post("/patient-list", response_class=HTMLResponse)
async def patient_search(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    """The patients that what was typed finds, a page at a time."""
    form = await form_data(request)
    check_csrf(request, form)
    offset = int(form["offset"]) if form.get("offset", "").isdigit() else 0
    return _page(request, ctx, user, one_line(form.get("q", "")), offset)


def one_line(typed: str) -> str:
    """What was typed, as one line of printable characters (at most 200)."""
    return " ".join("".join(c if c.isprintable() else " " for c in typed).split())[:MAX_TYPED]


def _page(request: Request, ctx: Context, user: Actor, q: str, offset: int) -> HTMLResponse:
    offset = max(0, min(offset, MAX_OFFSET))
    items, total = patients.list_patients(ctx, user, PAGE_SIZE, offset, q or None)
    today = actor_today(ctx, user)  # ages on the centre's today (its time zone)
    return render(
        request,
        "patients.html",
        user,
        nav="patients",
        patients=items,
        ages={p.id: age_in_years(p.birth_date, today) for p in items},
        total=total,
        limit=PAGE_SIZE,
        offset=offset,
        q=q,
    )
