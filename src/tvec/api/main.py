"""The ASGI application object for servers (`uvicorn tvec.api.main:app`), configured from TVEC_*."""

from tvec.api.app import create_app

app = create_app()
