"""Jinja2 set-up: templates, filters, and what every page knows (user, role, permissions, CSRF)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tvec.domain.percent import pct_text
from tvec.domain.status import RecordStatus, VisitRecordStatus
from tvec.http.session import session_cookie
from tvec.services.context import Actor
from tvec.services.permissions import Action, allowed
from tvec.web.banner import lazy_banner
from tvec.web.deps import csrf_token

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
DISCLAIMER = "tvec supports, and does not replace, clinical judgement."


def _num(value: Any) -> str:
    if value is None:
        return "–"
    number = Decimal(str(value))
    return format(number.normalize(), "f") if number == number.normalize() else str(number)


def _pfu(value: Any) -> str:
    text = str(int(value))
    return f"10^{len(text) - 1}" if text.strip("0") == "1" else f"{int(value):,}"


def _visit_kind(value: Any) -> str:
    """A visit kind in the clinic's words ("reinitiation" reads "re-initiation")."""
    text = str(getattr(value, "value", value))
    return "re-initiation" if text == "reinitiation" else text


def _day(value: Any) -> str:
    """A date (or ISO date text) as the clinic writes it ("3 Nov 2026"); "–" for none."""
    if not value:
        return "–"
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%b %Y}"


templates.env.filters["num"] = _num
templates.env.filters["day"] = _day
templates.env.filters["visit_kind"] = _visit_kind
templates.env.filters["pfu"] = _pfu
templates.env.filters["pct"] = pct_text  # a signed percent change, never across a threshold
templates.env.globals["DISCLAIMER"] = DISCLAIMER
templates.env.globals["Action"] = Action
templates.env.globals["RecordStatus"] = RecordStatus
templates.env.globals["VisitRecordStatus"] = VisitRecordStatus


def render(
    request: Request, name: str, actor: Actor | None, status: int = 200, **context: Any
) -> HTMLResponse:
    session = session_cookie(request)
    return templates.TemplateResponse(
        request,
        name,
        {
            "user": actor,
            "can": (lambda action: actor is not None and allowed(actor.role, action)),
            "csrf": csrf_token(session) if session else "",
            "banner": None,  # a page may give its own; else base.html asks `page_banner()`
            "page_banner": lazy_banner(request, actor),
            **context,
        },
        status_code=status,
    )
