"""Serving the application (`tvec.asgi`: the API and the web app): one uvicorn process, or several
that each listen on the port themselves.

uvicorn's own worker processes share one listening socket, and whichever worker wakes first takes
every connection waiting at that moment. With a few dozen keep-alive clients, one worker often
ends up holding two thirds of them and serving two thirds of the requests (benchmarks/README.md).
Here each worker opens a listening socket of its own with SO_REUSEPORT, and the kernel spreads new
connections over them by a hash of the addresses.

uvicorn has no option for this, so the small supervisor below is ours. It starts the workers. When
one dies it starts another, unless the worker died just after starting, which means it cannot run
at all (then everything stops with exit status 1). On SIGINT or SIGTERM it stops them all.
Elsewhere than on Linux (where SO_REUSEPORT does not spread connections, or does not exist), or
with one worker, uvicorn serves as usual.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

from tvec.http.access_log import hide_query_strings

APP = "tvec.asgi:app"
EARLY_EXIT_S = 5.0  # a worker that exits sooner than this after it started is not restarted
STOP_TIMEOUT_S = 20.0  # then SIGKILL

log = logging.getLogger("tvec.serve")


class PortInUse(Exception):
    """The address cannot be listened on (taken by another program, or not this machine's)."""


def serve(host: str, port: int, workers: int, **uvicorn_options: Any) -> int:
    """Serve until stopped; the exit status (0, or 1 if the workers could not run)."""
    import uvicorn

    hide_query_strings()  # a query string may name a patient (tvec.http.access_log)
    if workers == 1 or not sys.platform.startswith("linux"):
        uvicorn.run(APP, host=host, port=port, workers=workers, **uvicorn_options)
        return 0
    _check_free(host, port)
    return _Supervisor(host, port, workers, uvicorn_options).run()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _check_free(host: str, port: int) -> None:
    """Refuse a port another program listens on: with SO_REUSEPORT alone, a second server of the
    same user would silently share it."""
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _listening_socket(host: str, port: int) -> socket.socket:
    """A worker's own socket on the shared port (uvicorn calls listen() on it)."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    import uvicorn

    config = uvicorn.Config(APP, host=host, port=port, **options)
    hide_query_strings()
    uvicorn.Server(config).run(sockets=[_listening_socket(host, port)])


class _Supervisor:
    def __init__(self, host: str, port: int, workers: int, options: dict[str, Any]) -> None:
        self.host, self.port, self.options = host, port, options
        self.context = multiprocessing.get_context("spawn")
        self.workers: list[tuple[BaseProcess, float]] = []
        self.count = workers
        self.stopping = False

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._stop)
        self.workers = [self._start() for _ in range(self.count)]
        failed = False
        while not self.stopping:
            wait([process.sentinel for process, _ in self.workers])
            for i, (process, started) in enumerate(self.workers):
                if process.is_alive() or self.stopping:
                    continue
                if time.monotonic() - started < EARLY_EXIT_S:
                    log.error(
                        "worker %s exited at start (%s); stopping", process.pid, process.exitcode
                    )
                    failed = self.stopping = True
                    break
                log.warning(
                    "worker %s exited (%s); starting another", process.pid, process.exitcode
                )
                self.workers[i] = self._start()
        self._terminate()
        for process, _ in self.workers:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join()
        return 1 if failed else 0

    def _start(self) -> tuple[BaseProcess, float]:
        process = self.context.Process(
            target=_worker, args=(self.host, self.port, self.options), daemon=False
        )
        process.start()
        return process, time.monotonic()

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping = True
        self._terminate()  # their exits wake the wait() above

    def _terminate(self) -> None:
        for process, _ in self.workers:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
