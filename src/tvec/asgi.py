"""The ASGI application object for servers (`uvicorn tvec.asgi:app`), configured from TVEC_*."""

from tvec.app import create_app

app = create_app()
