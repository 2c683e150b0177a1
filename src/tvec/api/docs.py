"""The interactive API documentation at /docs, served entirely by tvec: it works offline.

FastAPI's default /docs page loads Swagger UI from a CDN, so it is blank on a clinic network
without internet. Here the Swagger UI files come from the `swagger-ui-py` package (a maintained
PyPI package that ships Swagger UI's release files; Apache-2.0, as Swagger UI), served under
/docs/assets/. FastAPI's `get_swagger_ui_html` still writes the page; its one inline script (the
call that starts Swagger UI with tvec's settings) is moved, unchanged, into /docs/init.js, so the
page runs under the same Content-Security-Policy as every other page (`script-src 'self'`, no
inline scripts: tvec.http.security). ReDoc, which only comes from a CDN, is not served.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response

DOCS = "/docs"
ASSETS = f"{DOCS}/assets"
INIT = f"{DOCS}/init.js"
# The files of Swagger UI that the page uses, and their types (nothing else is served).
SERVED = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
    "LICENSE": "text/plain",
}
_INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def swagger_ui_files() -> Path:
    """Where the installed swagger-ui-py package keeps Swagger UI's release files."""
    return Path(str(files("swagger_ui") / "static"))


def page_and_script(title: str, openapi_url: str) -> tuple[str, str]:
    """The /docs page without inline script, and the script that was inline in it."""
    response = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=title,
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        oauth2_redirect_url=None,
    )
    html = bytes(response.body).decode()
    scripts = _INLINE.findall(html)
    if len(scripts) != 1:  # FastAPI changed its page: fail at start, not with a blank page
        raise RuntimeError(
            f"expected one inline script in FastAPI's Swagger UI page, {len(scripts)}"
        )
    page = _INLINE.sub(f'<script src="{INIT}"></script>', html)
    return page, scripts[0].strip() + "\n"


def install(app: FastAPI) -> None:
    """Serve /docs, its start script and Swagger UI's files from tvec (create FastAPI with
    docs_url=None and redoc_url=None)."""
    page, script = page_and_script(f"{app.title} – API", app.openapi_url or "/openapi.json")
    folder = swagger_ui_files()
    router = APIRouter(include_in_schema=False)

    @router.get(DOCS)
    def docs() -> HTMLResponse:
        return HTMLResponse(page)

    @router.get(INIT)
    def docs_init() -> Response:
        return Response(script, media_type="text/javascript")

    @router.get(ASSETS + "/{name}")
    def docs_asset(name: str) -> FileResponse:
        if name not in SERVED:
            raise HTTPException(404, "Not found")
        return FileResponse(folder / name, media_type=SERVED[name])

    app.include_router(router)
