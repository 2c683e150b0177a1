"""Two requests at once, with the first to read a table held at that read.

A thread-pool race hits the window between two SELECTs of one request only now and then. Here a
SQLAlchemy `before_cursor_execute` listener holds whichever request first reads from the named
table, until the other request has finished or `hold_s` has passed. If the service reads stale
and fresh rows in one transaction, this interleaving shows it every time: the held request then
judges rows committed by the other after its own checks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, event


def at_once_first_reader_held(
    engine: Engine, table: str, requests: list[Callable[[], Any]], hold_s: float = 1.5
) -> list[Any]:
    """Run two requests at once; the first to read from `table` waits at that read. Answers in
    the order of `requests`."""
    held = threading.Event()
    # the held request cannot finish first: the first one done is the other
    other_done = threading.Event()

    def hold(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if f"FROM {table}" in statement and not held.is_set():
            held.set()
            other_done.wait(timeout=hold_s)

    def run(request: Callable[[], Any]) -> Any:
        try:
            return request()
        finally:
            other_done.set()

    event.listen(engine, "before_cursor_execute", hold)
    try:
        with ThreadPoolExecutor(len(requests)) as pool:
            answers = list(pool.map(run, requests))
    finally:
        event.remove(engine, "before_cursor_execute", hold)
    assert held.is_set(), f"no request read from {table}"
    return answers
