"""Security headers on every response of the API and the web app (one ASGI middleware).

- `Cache-Control: no-store` on everything but the static files, Swagger UI's files and the health
  check: pages and API answers carry patient data, which must not stay in a browser's or a
  proxy's cache.
- A Content-Security-Policy that lets pages load scripts, styles and images from tvec itself
  only (no inline scripts: the pages' own behaviour is in /static/tvec.js; inline styles are
  allowed, for the style attributes of the templates and of the charts' SVG) and never be framed.
  The interactive API docs (/docs) are under the same policy: tvec serves Swagger UI's files
  itself and its start script from /docs/init.js (tvec.api.docs), so no CDN is ever asked.
- `X-Frame-Options: DENY` (for browsers without CSP frame-ancestors), `X-Content-Type-Options:
  nosniff` and `Referrer-Policy: same-origin`.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
CACHEABLE = ("/static/", "/health", "/docs/assets/")  # files that are the same for everyone

HEADERS = {
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def headers_for(path: str) -> dict[bytes, bytes]:
    """The security headers of a response to `path`."""
    headers = dict(HEADERS)
    headers[b"content-security-policy"] = CSP.encode()
    if not _under(path, CACHEABLE):
        headers[b"cache-control"] = b"no-store"
    return headers


class SecurityHeaders:
    """Adds `headers_for(path)` to every HTTP response, replacing any header of the same name."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = headers_for(scope["path"])

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in extra]
                message = {**message, "headers": kept + list(extra.items())}
            await send(message)

        await self.app(scope, receive, send_with_headers)
