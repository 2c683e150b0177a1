"""The server's access log names the path of each request, never its query string.

A query string can carry what identifies a patient: `GET /patients?q=quillfeather` (a name typed
into a search), `?mrn=`. uvicorn's access log writes the whole target; this filter, on the
"uvicorn.access" logger, rewrites the record's path without its query (`/patients?…`), so a log
line says that a search was made, never for whom.
"""

from __future__ import annotations

import logging

ACCESS_LOGGER = "uvicorn.access"


class NoQueryStrings(logging.Filter):
    """Drop the query string from uvicorn's access-log records (their third argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path, mark, _query = args[2].partition("?")
            record.args = (*args[:2], path + ("?…" if mark else ""), *args[3:])
        return True


def hide_query_strings() -> None:
    """Install the filter (once) on uvicorn's access logger of this process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, NoQueryStrings) for f in logger.filters):
        logger.addFilter(NoQueryStrings())
