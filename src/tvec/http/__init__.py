"""What the API and the web app share: the session cookie, the request's service context, and
the hook by which errors on web pages are answered as pages.

`tvec.api` and `tvec.web` both import this package and never each other (DESIGN.md §2); the app
that serves both is put together in `tvec.app`.
"""
