"""`tvec serve --workers 2`: two processes, each listening on the port itself (Linux).

What an operator checks: the API answers; each worker has its own listening socket, so the kernel
spreads the connections; a worker that dies is replaced; SIGTERM stops everything with status 0;
a port another program holds is refused with a clear message and nothing is started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tvec.persistence.migrate import upgrade

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"),
    reason="per-worker sockets need SO_REUSEPORT; the checks read /proc (Linux)",
)

STARTUP_S = 30
SERVE = [sys.executable, "-m", "tvec", "serve", "--workers", "2"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def holders(port: int, state: str) -> dict[int, int]:
    """Process id -> how many sockets on local `port` in `state` it holds (0A listening,
    01 established), from /proc."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    inodes = {
        f[9]
        for f in (line.split() for line in lines)
        if f[3] == state and int(f[1].split(":")[1], 16) == port
    }
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fds = set()
        with contextlib.suppress(OSError):
            for fd in os.listdir(entry / "fd"):
                with contextlib.suppress(OSError):  # closed meanwhile
                    fds.add(os.readlink(entry / "fd" / fd)[8:-1])
        if fds & inodes:
            found[int(entry.name)] = len(fds & inodes)
    return found


def listening_workers(port: int) -> set[int]:
    return set(holders(port, "0A"))


@contextmanager
def serving(tmp_path: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    url = f"sqlite:///{tmp_path}/tvec.db"
    upgrade(url)
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*SERVE, "--port", str(port), "--log-level", "warning", "--no-access-log"],
            env={**os.environ, "TVEC_DATABASE_URL": url},
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            process_group=0,
        )
    try:
        wait_until(lambda: len(listening_workers(port)) == 2, proc, log)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STARTUP_S)


def wait_until(condition: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"tvec serve exited with {proc.returncode}:\n{log.read_text()}")
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"not reached in {STARTUP_S} s:\n{log.read_text()}")


def healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def test_two_workers_each_listen_answer_are_replaced_and_stop_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    with serving(tmp_path, port) as proc:
        log = tmp_path / "serve.log"
        workers = listening_workers(port)
        assert proc.pid not in workers  # the supervisor itself accepts nothing
        wait_until(lambda: healthy(port), proc, log)
        # 40 connections held open: the kernel hands them to both workers, not all to one
        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(40)]
        try:
            wait_until(lambda: sum(holders(port, "01").values()) >= 40, proc, log)
            held = {pid: n for pid, n in holders(port, "01").items() if pid in workers}
            assert sum(held.values()) == 40
            assert len(held) == 2, held
        finally:
            for client in clients:
                client.close()

        time.sleep(6)  # past the start-up window, after which a dead worker is replaced
        victim = min(workers)
        os.kill(victim, signal.SIGKILL)
        wait_until(
            lambda: len(listening_workers(port)) == 2 and victim not in listening_workers(port),
            proc,
            log,
        )
        wait_until(lambda: healthy(port), proc, log)

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=STARTUP_S) == 0
        assert listening_workers(port) == set()
        assert not healthy(port)


def test_a_port_in_use_is_refused_and_nothing_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [*SERVE, "--port", str(port)],
            env={**os.environ, "TVEC_DATABASE_URL": f"sqlite:///{tmp_path}/tvec.db"},
            capture_output=True,
            text=True,
            timeout=STARTUP_S,
        )
        assert run.returncode == 2
        assert f"error: cannot listen on 127.0.0.1:{port}" in run.stderr
        assert listening_workers(port) == {os.getpid()}


def test_an_unknown_log_level_is_refused_before_anything_starts(tmp_path: Path) -> None:
    port = free_port()
    run = subprocess.run(
        [*SERVE, "--port", str(port), "--log-level", "loud"],
        env={**os.environ, "TVEC_DATABASE_URL": f"sqlite:///{tmp_path}/tvec.db"},
        capture_output=True,
        text=True,
        timeout=STARTUP_S,
    )
    assert run.returncode == 2
    assert "error: --log-level: 'loud' is not one of" in run.stderr
    assert listening_workers(port) == set()
