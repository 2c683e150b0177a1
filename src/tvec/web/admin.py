"""The administrator's pages: the centre's users (with the account buttons, tvec.web.account)
and the audit log viewer.

The audit log viewer (`/admin/audit`) filters by user, by record (kind and number) and by date,
newest first, a page at a time; each entry shows who, when, what was done, to which record, why,
and what changed (before → after) where the admin may read that kind of record
(`tvec.services.audit_view`). The filter is in the URL: user and record are numbers, so no
patient's name or MRN is ever in it.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from tvec.domain.errors import DomainError
from tvec.http.error_pages import answer_with_pages
from tvec.http.session import Ctx
from tvec.schemas import clinic as s
from tvec.services import audit_view, auth
from tvec.services.permissions import Action, Role
from tvec.web.deps import (
    PageUser,
    check_csrf,
    form_data,
)
from tvec.web.forms import FormErrors, from_domain, validate
from tvec.web.templating import render

# Errors on these routes are answered as pages, not JSON (tvec.web.errors).
MAX_OFFSET = 1_000_000
AUDIT_PAGE = 25
AUDIT_FIELDS = ("user_id", "entity", "entity_id", "since", "until")
LABELS = {
    "user_id": "User",
    "entity": "Record kind",
    "entity_id": "Record number",
    "since": "From",
    "until": "To",
}

router = APIRouter(include_in_schema=False, dependencies=[Depends(answer_with_pages)])


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, ctx: Ctx, user: PageUser) -> HTMLResponse:
    return admin_view(request, ctx, user, None, {}, "")


def admin_view(
    request: Request,
    ctx: Ctx,
    user: Any,
    errors: FormErrors | None,
    values: dict[str, Any],
    notice: str,
    status: int = 200,
    temporary: tuple[str, str] | None = None,
) -> HTMLResponse:
    """The users page; `temporary` (username, password): a reset's password, shown this once."""
    accounts = auth.list_users(ctx, user)
    return render(
        request,
        "admin.html",
        user,
        status,
        nav="admin",
        accounts=accounts,  # a row's buttons: disable or enable, reset password, end sessions
        statuses={u.id: _account_status(u.active, u.must_change_password) for u in accounts},
        errors=errors.placed(("username", "full_name", "role", "password")) if errors else None,
        values=values,
        notice=notice,
        temporary=temporary,
        roles=[r.value for r in Role],
    )


@router.post("/admin/users", response_model=None)
async def admin_add_user(request: Request, ctx: Ctx, user: PageUser) -> Any:
    form = await form_data(request)
    user.require(Action.MANAGE_USERS)
    try:
        check_csrf(request, form)
        auth.create_user(
            ctx,
            user,
            validate(
                s.UserIn, {k: form.get(k) for k in ("username", "full_name", "role", "password")}
            ),
        )
    except (FormErrors, DomainError) as exc:
        fields = {"username": "username", "password": "password"}
        errors = exc if isinstance(exc, FormErrors) else from_domain(exc, fields)
        return admin_view(request, ctx, user, errors, {**form, "password": ""}, "", errors.status)
    return admin_view(request, ctx, user, None, {}, f"User {form.get('username')} added.")


def _account_status(active: bool, must_change_password: bool) -> str:
    if not active:
        return "disabled"
    return "active, must change the password" if must_change_password else "active"


# ---- the audit log viewer ------------------------------------------------------------------------


def parse_audit_filter(query: dict[str, str]) -> audit_view.AuditFilter:
    """The filter from the URL's values; a refusal names the field (FormErrors)."""
    errors: dict[str, str] = {}

    def number(name: str) -> int | None:
        text = (query.get(name) or "").strip()
        if not text:
            return None
        if text.isdigit() and 0 < int(text) <= 2**31 - 1:
            return int(text)
        errors[name] = f"{LABELS[name]}: enter a whole number of 1 or more"
        return None

    def day(name: str) -> date | None:
        text = (query.get(name) or "").strip()
        try:
            return date.fromisoformat(text) if text else None
        except ValueError:
            errors[name] = f"{LABELS[name]}: enter a date as YYYY-MM-DD"
            return None

    entity = (query.get("entity") or "").strip() or None
    f = audit_view.AuditFilter(
        number("user_id"), entity, number("entity_id"), day("since"), day("until")
    )
    if errors:
        raise FormErrors(errors)
    try:
        audit_view.check_filter(f)
    except DomainError as exc:
        raise from_domain(exc, {"entity": "entity", "until": "until"}) from None
    return f


def audit_query(f: audit_view.AuditFilter, **extra: Any) -> str:
    values = {
        "user_id": f.user_id,
        "entity": f.entity,
        "entity_id": f.entity_id,
        "since": f.since.isoformat() if f.since else None,
        "until": f.until.isoformat() if f.until else None,
    }
    return urlencode({k: v for k, v in {**values, **extra}.items() if v is not None})


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(request: Request, ctx: Ctx, user: PageUser, offset: int = 0) -> HTMLResponse:
    user.require(Action.READ_AUDIT)
    query = {k: request.query_params.get(k, "") for k in AUDIT_FIELDS}
    offset = max(0, min(offset, MAX_OFFSET))
    errors: FormErrors | None = None
    lines: list[audit_view.AuditLine] = []
    total, f = 0, None
    try:
        f = parse_audit_filter(query)
        lines, total = audit_view.audit_entries(ctx, user, f, AUDIT_PAGE, offset)
    except FormErrors as exc:
        errors = exc
    return render(
        request,
        "admin_audit.html",
        user,
        errors.status if errors else 200,
        nav="admin",
        errors=errors.placed(AUDIT_FIELDS) if errors else None,
        values=query,
        lines=lines,
        total=total,
        offset=offset,
        page=AUDIT_PAGE,
        query=audit_query(f) if f else "",
        users=auth.list_users(ctx, user),
        kinds=audit_view.RECORD_KINDS,
    )
