"""Web sessions: the logged-in actor from the session cookie, and CSRF-checked forms."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request

from tvec.domain.errors import NotAuthenticated, PasswordChangeRequired
from tvec.http.session import Ctx, session_cookie
from tvec.services import auth
from tvec.services.context import Actor, Context
from tvec.web.forms import FormExpired


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class PasswordChangeFirst(Exception):
    """Raised by page dependencies while an admin-reset password is not yet changed: answered
    with a redirect to the change-password page."""


# Paths that only take a POST, and the page their form is on: after logging in again the user
# is sent back to that page (a GET of the POST path would be a 405).
FORM_PAGES = (("/visit/measure", "/visit"), ("/visit/plan", "/visit"), ("/admin/users", "/admin"))


def back_to(request: Request) -> str:
    """Where to send the user after logging in: this page, or the page the form is on."""
    path = request.url.path
    if request.method != "GET" and path.startswith("/admin/users/"):  # an account's button
        return "/admin"
    if request.method != "GET":
        path = next(
            (path.removesuffix(post) + page for post, page in FORM_PAGES if path.endswith(post)),
            path,
        )
    return quote(path)


def session_token(request: Request) -> str:
    token = session_cookie(request)
    if not token:
        raise LoginRequired(back_to(request))
    return token


def page_actor(ctx: Ctx, request: Request) -> Actor:
    try:
        return auth.authenticate(ctx, session_token(request))
    except NotAuthenticated:
        raise LoginRequired(back_to(request)) from None
    except PasswordChangeRequired:
        raise PasswordChangeFirst() from None


def optional_actor(ctx: Context, request: Request) -> Actor | None:
    """The logged-in actor if the session cookie is valid, else None (never raises)."""
    token = session_cookie(request)
    if not token:
        return None
    try:
        return auth.authenticate(ctx, token)
    except Exception:  # best effort: a page without the user is better than no page
        return None


def csrf_token(session: str) -> str:
    """A per-session form token: a cross-site page cannot read it, so it cannot forge a POST."""
    return hmac.new(session.encode(), b"tvec-form", hashlib.sha256).hexdigest()[:32]


def csrf_ok(request: Request, submitted: str | None) -> bool:
    session = session_cookie(request)
    return bool(session) and hmac.compare_digest(csrf_token(session), submitted or "")


def check_csrf(request: Request, form: dict[str, Any]) -> None:
    """A form whose CSRF value is not this session's is shown again (403), with what was typed."""
    if not csrf_ok(request, form.get("csrf")):
        raise FormExpired()


# Login CSRF: the login page comes before any session, so its form token is a double-submit one,
# a random value in a cookie of its own and in the form; a page of another site can neither read
# the cookie nor set it, so it cannot post a login form that matches (and a browser's Origin on
# such a post names the other site, which is refused too).
LOGIN_COOKIE = "tvec_login"


def login_form_token(request: Request) -> str:
    """The login form's token: the browser's login cookie if it has a sound one, else new."""
    held = request.cookies.get(LOGIN_COOKIE, "")
    return held if 20 <= len(held) <= 64 and held.isascii() else secrets.token_urlsafe(24)


def login_form_ok(request: Request, submitted: str | None) -> bool:
    """The posted login form came from this site's login page: its token matches the login
    cookie, and the browser's Origin (if it sent one) is this site."""
    held = request.cookies.get(LOGIN_COOKIE, "")
    origin = request.headers.get("origin")
    # the Host a browser sent, or the one a reverse proxy passed on (a form cannot set headers)
    hosts = {request.headers.get("host"), request.headers.get("x-forwarded-host")} - {None}
    if origin is not None and urlsplit(origin).netloc not in hosts:
        return False
    return bool(held) and hmac.compare_digest(held, submitted or "")


async def form_data(request: Request) -> dict[str, str]:
    return {k: str(v) for k, v in (await request.form()).items()}


PageUser = Annotated[Actor, Depends(page_actor)]
