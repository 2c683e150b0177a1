"""Security headers on every response of the API and the web app (one ASGI middleware).

- `Cache-Control: no-store` on everything but the static files and the health check: pages and
  API answers carry patient data, which must not stay in a browser's or a proxy's cache.
- A Content-Security-Policy that lets pages load scripts, styles and images from tvec itself
  only (no inline scripts: the pages' own behaviour is in /static/tvec.js; inline styles are
  allowed, for the style attributes of the templates and of the charts' SVG) and never be framed.
  The interactive API docs (/docs, /redoc) load FastAPI's Swagger UI and ReDoc from their CDN, so
  they get a policy that allows that CDN.
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
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; "
    f"style-src 'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS = ("/docs", "/redoc")
CACHEABLE = ("/static/", "/health")

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
    headers[b"content-security-policy"] = (DOCS_CSP if _under(path, DOCS) else CSP).encode()
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
