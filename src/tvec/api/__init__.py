"""REST API (FastAPI): routes parse, call one service, and render. See `create_api`."""
