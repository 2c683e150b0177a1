"""A real server killed in the middle of a series of writes loses no write it acknowledged.

A uvicorn process serves the API on a loopback port (SQLite file or PostgreSQL). Four clients send
40 writes (measurement sets of three lesions, and adverse events); after some have been answered,
the server gets SIGKILL. It is started again on the same database: every write that got a 2xx is
there, each measurement set is whole or absent, and the server takes new writes.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from queue import Empty, Queue
from typing import Any

import httpx
from tests.support.clinic import password_of, seed_staff

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.schemas.clinic import LesionIn, PatientIn
from tvec.services import lesions, patients
from tvec.services.permissions import Role

WRITES = 40
KILL_AFTER = 12  # acknowledged writes before the SIGKILL
CLIENTS = 4
LESIONS = ("L1", "L2", "L3")
STARTUP_S = 30
REQUEST_S = 15

LAUNCHER = (
    "import sys, uvicorn\n"
    "from tvec.app import create_app\n"
    "uvicorn.run(create_app(), host='127.0.0.1', port=int(sys.argv[1]), log_level='warning')\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(url: str, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A uvicorn process on a free loopback port, serving `url`; killed on the way out."""
    port = free_port()
    env = {**os.environ, "TVEC_DATABASE_URL": url}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, str(port)],
            env=env,
            cwd=log.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, base, log)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=STARTUP_S)


def _wait_healthy(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"server not healthy after {STARTUP_S} s:\n{log.read_text()}")


def seed(url: str) -> tuple[int, dict[str, int], tuple[str, str]]:
    """Staff, a patient and three lesions, written through the services before the server runs."""
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        staff = seed_staff(ctx)
        nurse = staff[Role.NURSE].actor
        patient = patients.register_patient(
            ctx,
            nurse,
            PatientIn.model_validate(
                {"mrn": "RESTART-1", "birth_date": "1958-02-03", "sex": "male"}
            ),
        )
        first_seen = ctx.today() - timedelta(days=300)
        ids = {
            name: lesions.add_lesion(
                ctx,
                nurse,
                patient.id,
                LesionIn.model_validate(
                    {
                        "name": name,
                        "site": "cutaneous",
                        "location": f"arm {name}",
                        "first_seen": first_seen.isoformat(),
                    }
                ),
            ).id
            for name in LESIONS
        }
        return (
            patient.id,
            ids,
            (staff[Role.NURSE].username, password_of(staff[Role.NURSE].username)),
        )
    finally:
        ctx.engine.dispose()


def write_request(
    n: int, pid: int, lesion_ids: dict[str, int], first_day: date
) -> tuple[str, dict[str, Any]]:
    """Write n: even → a measurement set on its own day, odd → an adverse event named after n."""
    day = (first_day + timedelta(days=n)).isoformat()
    if n % 2 == 0:
        items = [
            {
                "lesion_id": lesion_ids[name],
                "longest_cm": f"{2 + k}.{n % 10}",
                "perpendicular_cm": "1.0",
            }
            for k, name in enumerate(LESIONS)
        ]
        return f"/patients/{pid}/measurements", {
            "measured_on": day,
            "method": "ruler",
            "items": items,
        }
    return f"/patients/{pid}/adverse-events", {
        "term": f"event-{n}",
        "grade": 1,
        "serious": False,
        "related": False,
        "onset": day,
        "action_taken": "none",
    }


def test_a_killed_server_loses_no_acknowledged_write(database_url: str, tmp_path: Path) -> None:
    pid, lesion_ids, (username, password) = seed(database_url)
    log = tmp_path / "server.log"
    first_day = date.today() - timedelta(days=200)
    acknowledged: list[int] = []
    lock = threading.Lock()
    killed = threading.Event()

    with server(database_url, log) as (proc, base):
        login = httpx.post(
            f"{base}/auth/login",
            json={"username": username, "password": password},
            timeout=REQUEST_S,
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        todo: Queue[int] = Queue()
        for n in range(WRITES):
            todo.put(n)

        def writer() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_S) as client:
                while True:
                    try:
                        n = todo.get_nowait()
                    except Empty:
                        return
                    path, body = write_request(n, pid, lesion_ids, first_day)
                    try:
                        response = client.post(path, json=body)
                    except httpx.TransportError:
                        return  # the server is gone
                    assert response.status_code == 201, response.text
                    with lock:
                        acknowledged.append(n)
                        if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                            proc.send_signal(signal.SIGKILL)
                            killed.set()

        with ThreadPoolExecutor(CLIENTS) as pool:
            for future in [pool.submit(writer) for _ in range(CLIENTS)]:
                future.result(timeout=STARTUP_S + REQUEST_S * WRITES)
        assert killed.is_set(), "the series finished before the kill"
        proc.wait(timeout=STARTUP_S)
        assert proc.returncode == -signal.SIGKILL

    assert KILL_AFTER <= len(acknowledged) < WRITES  # the kill landed in the middle

    with (
        server(database_url, log) as (_proc, base),
        httpx.Client(base_url=base, headers=headers, timeout=REQUEST_S) as client,
    ):
        stored = client.get(f"/patients/{pid}/measurements", params={"limit": 200})
        assert stored.status_code == 200, stored.text  # the token survived the restart too
        assert stored.json()["total"] == len(stored.json()["items"])  # all on one page
        per_day = Counter(m["measured_on"] for m in stored.json()["items"])
        listed = client.get(f"/patients/{pid}/adverse-events", params={"limit": 200}).json()
        events = Counter(e["term"] for e in listed["items"])

        for n in acknowledged:
            if n % 2 == 0:
                assert per_day[(first_day + timedelta(days=n)).isoformat()] == len(LESIONS), n
            else:
                assert events[f"event-{n}"] == 1, n
        assert set(per_day.values()) <= {len(LESIONS)}, per_day  # no partial measurement set
        assert set(events.values()) == {1}, events  # nothing recorded twice

        path, body = write_request(WRITES, pid, lesion_ids, first_day)
        assert client.post(path, json=body).status_code == 201  # and it takes new writes
