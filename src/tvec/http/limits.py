"""Request limits shared by the API and the web app: the body size, and the client's address.

`BodyLimit` is a pure ASGI middleware: a request whose Content-Length is over the limit is
answered 413 before any of its body is read, and a body streamed without a length (chunked) is
counted as it arrives and answered 413 as soon as it passes the limit; the rest is never read, and
the server closes the connection. Starlette has no such limit of its own (it reads whatever a
route asks for), and a body is read whole before a route's login check runs.

A data logger's export is larger than any form (a year of one-minute readings is about 17 MB): the
paths that take one (`LOGGER_UPLOADS`) have a limit of their own, `TVEC_MAX_LOGGER_FILE_BYTES`.
"""

from __future__ import annotations

import json
import re

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tvec.config import Settings


def client_address(request: Request, settings: Settings) -> str | None:
    """The client's address for the login limits. Behind a trusted reverse proxy
    (TVEC_TRUSTED_PROXY) it is the last address the proxy added to X-Forwarded-For; otherwise the
    connection's own (None if the server does not know it)."""
    forwarded = request.headers.get("x-forwarded-for", "")
    if settings.trusted_proxy and forwarded.strip():
        return forwarded.split(",")[-1].strip()[:100]
    return request.client.host if request.client else None


def _too_large(limit: int) -> tuple[Message, Message]:
    body = json.dumps(
        {
            "detail": f"body: the request is larger than {limit} bytes",
            "code": "too-large",
            "field": "body",
        }
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


# The API's and the web app's imports of a storage location's logger file.
LOGGER_UPLOADS = re.compile(r"/storage(-locations)?/[0-9]+/readings(\.csv)?")


class BodyLimit:
    """413 for a request body over `max_bytes` (`file_bytes` on the logger-file paths), before
    (or as soon as) it is read."""

    def __init__(self, app: ASGIApp, max_bytes: int, file_bytes: int | None = None) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.file_bytes = max_bytes if file_bytes is None else file_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        file = LOGGER_UPLOADS.fullmatch(scope.get("path", ""))
        limit = self.file_bytes if file else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            for message in _too_large(limit):
                await send(message)
            return
        received = 0
        refused = started = False

        async def counting(message: Message) -> None:
            nonlocal started
            if refused:  # the 413 is the answer; what the app says after it is dropped
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def measured() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        for answer in _too_large(limit):
                            await send(answer)
                    # the app stops reading as if the client had left
                    return {"type": "http.disconnect"}
            return message

        try:
            await self.app(scope, measured, counting)
        except Exception:
            if not refused:
                raise
