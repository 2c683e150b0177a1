"""A real server killed in the middle of a series of writes loses no write it acknowledged.

A uvicorn process serves the API on a loopback port (SQLite file or PostgreSQL). Four clients send
40 writes (measurement sets of three lesions, and adverse events); after some have been answered,
the server gets SIGKILL. It is started again on the same database: every write that got a 2xx is
there, each measurement set is whole or absent, and the server takes new writes. Two more series
send each write with a key (a patient's MRN; an administration's Idempotency-Key) and, after the
restart, send every unanswered write again with its key: nothing acknowledged is lost, nothing is
recorded twice (the figures are printed).
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
import pytest
from tests.support.clinic import (
    add_vial_lot,
    administration_body,
    items,
    make_patient_ready_for_course,
    password_of,
    plan_visit,
    seed_staff,
    start_course,
)
from tests.support.clinic import login as clinic_login

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
                {
                    "mrn": "RESTART-1",
                    "given_name": "Fitzroy",
                    "family_name": "Pennywhistle",
                    "birth_date": "1958-02-03",
                    "sex": "male",
                }
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
        "term": "other",
        "other_specify": f"event-{n}",
        "grade": 1,
        "related": "no",
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
        events = Counter(e["other_specify"] for e in listed["items"])

        for n in acknowledged:
            if n % 2 == 0:
                assert per_day[(first_day + timedelta(days=n)).isoformat()] == len(LESIONS), n
            else:
                assert events[f"event-{n}"] == 1, n
        assert set(per_day.values()) <= {len(LESIONS)}, per_day  # no partial measurement set
        assert set(events.values()) == {1}, events  # nothing recorded twice

        path, body = write_request(WRITES, pid, lesion_ids, first_day)
        assert client.post(path, json=body).status_code == 201  # and it takes new writes


def test_retried_writes_after_a_kill_are_neither_lost_nor_duplicated(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Registrations keyed by their MRN (the clinic's own idempotency key: the same MRN is refused
    with 409 in a centre). The server is killed mid-series; after the restart every request that
    got no answer is sent again with the same MRN. Each acknowledged patient is there with the id it
    was acknowledged with, and each MRN is registered exactly once."""
    _pid, _lesions, (username, password) = seed(database_url)
    log = tmp_path / "server.log"
    acknowledged: dict[str, int] = {}  # MRN → the id the server answered with
    unanswered: set[str] = set()
    lock = threading.Lock()
    killed = threading.Event()
    keys = [f"CRASH-{n:03d}" for n in range(WRITES)]

    def body(mrn: str) -> dict[str, str]:
        return {
            "mrn": mrn,
            "given_name": "Aurelie",
            "family_name": "Marchetti-Lowe",
            "birth_date": "1961-04-05",
            "sex": "female",
        }

    with server(database_url, log) as (proc, base):
        login = httpx.post(
            f"{base}/auth/login",
            json={"username": username, "password": password},
            timeout=REQUEST_S,
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        todo: Queue[str] = Queue()
        for mrn in keys:
            todo.put(mrn)

        def writer() -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=REQUEST_S) as client:
                while True:
                    try:
                        mrn = todo.get_nowait()
                    except Empty:
                        return
                    try:
                        response = client.post("/patients", json=body(mrn))
                    except httpx.TransportError:
                        with lock:
                            unanswered.add(mrn)  # perhaps written, perhaps not: retry later
                        continue
                    assert response.status_code == 201, response.text
                    with lock:
                        acknowledged[mrn] = response.json()["id"]
                        if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                            proc.send_signal(signal.SIGKILL)
                            killed.set()

        with ThreadPoolExecutor(CLIENTS) as pool:
            for future in [pool.submit(writer) for _ in range(CLIENTS)]:
                future.result(timeout=STARTUP_S + REQUEST_S * WRITES)
        assert killed.is_set(), "the series finished before the kill"
        proc.wait(timeout=STARTUP_S)
        assert proc.returncode == -signal.SIGKILL

    acked_before_kill = len(acknowledged)
    assert KILL_AFTER <= acked_before_kill < WRITES  # the kill landed in the middle
    assert set(acknowledged) | unanswered == set(keys)

    retried_new = retried_already = 0
    with (
        server(database_url, log) as (_proc, base),
        httpx.Client(base_url=base, headers=headers, timeout=REQUEST_S) as client,
    ):
        for mrn in sorted(unanswered):  # the same request again, with the same key
            response = client.post("/patients", json=body(mrn))
            if response.status_code == 201:
                acknowledged[mrn] = response.json()["id"]
                retried_new += 1
            else:  # it had been written before the kill, unanswered: refused as a repeat
                assert response.status_code == 409, response.text
                assert response.json()["field"] == "mrn"
                retried_already += 1
        listed = client.get("/patients", params={"limit": 200})
        assert listed.status_code == 200, listed.text
        assert listed.json()["total"] == len(listed.json()["items"])  # all on one page

    stored = Counter(p["mrn"] for p in listed.json()["items"] if p["mrn"].startswith("CRASH-"))
    ids = {p["mrn"]: p["id"] for p in listed.json()["items"]}
    lost = [mrn for mrn in acknowledged if mrn not in stored]
    duplicated = [mrn for mrn, times in stored.items() if times > 1]
    with capsys.disabled():
        print(
            f"\ncrash test ({database_url.split(':', 1)[0]}): {acked_before_kill} writes "
            f"acknowledged before SIGKILL, {len(unanswered)} unanswered and retried "
            f"({retried_already} already written, {retried_new} written by the retry); after "
            f"restart {sum(stored.values())} of {WRITES} found, {len(lost)} lost, "
            f"{len(duplicated)} duplicated"
        )
    assert lost == []
    assert duplicated == []
    assert set(stored) == set(keys)  # every request, acknowledged at last, is there once
    assert all(ids[mrn] == acknowledged[mrn] for mrn in acknowledged)  # with the id answered


ADMINISTRATIONS = 12
KILL_AFTER_ADMINISTRATIONS = 4


def test_administrations_retried_with_their_idempotency_key_after_a_kill_are_recorded_once(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The API's own Idempotency-Key: one administration per planned visit, each sent with its
    key; SIGKILL mid-series; after the restart each unanswered one is sent again with the same key
    and body. Each acknowledged administration is there with the ids it was acknowledged with, and
    every visit holds its plan's injections exactly once."""
    upgrade(database_url)
    ctx = build_context(Settings(database_url=database_url))
    try:
        staff = seed_staff(ctx)
    finally:
        ctx.engine.dispose()
    start = date.today() - timedelta(days=10)
    log = tmp_path / "server.log"
    acknowledged: dict[int, list[int]] = {}  # visit id → administration ids answered
    unanswered: set[int] = set()
    lock = threading.Lock()
    killed = threading.Event()

    with server(database_url, log) as (proc, base):
        with httpx.Client(base_url=base, timeout=REQUEST_S) as setup:
            h = {
                role: clinic_login(setup, member.username, password_of(member.username))
                for role, member in staff.items()
            }
            add_vial_lot(setup, h[Role.PHARMACIST], "LOTK", 10**6, start + timedelta(days=300))
            bodies: dict[int, dict[str, Any]] = {}
            for n in range(ADMINISTRATIONS):
                rec = make_patient_ready_for_course(
                    setup, h[Role.NURSE], mrn=f"KEY-{n:03d}", measured_on=start
                )
                course = start_course(setup, h[Role.ONCOLOGIST], rec["patient"]["id"], start)
                visit = plan_visit(setup, h[Role.NURSE], course["id"])
                bodies[visit["id"]] = administration_body(visit, "LOTK", start)
        nurse = h[Role.NURSE]
        todo: Queue[int] = Queue()
        for visit_id in bodies:
            todo.put(visit_id)

        def send(client: httpx.Client, visit_id: int) -> httpx.Response:
            return client.post(
                f"/visits/{visit_id}/administrations",
                json=bodies[visit_id],
                headers={**nurse, "Idempotency-Key": f"dose-visit-{visit_id:06d}"},
            )

        def writer() -> None:
            with httpx.Client(base_url=base, timeout=REQUEST_S) as client:
                while True:
                    try:
                        visit_id = todo.get_nowait()
                    except Empty:
                        return
                    try:
                        response = send(client, visit_id)
                    except httpx.TransportError:
                        with lock:
                            unanswered.add(visit_id)
                        continue
                    assert response.status_code == 201, response.text
                    with lock:
                        acknowledged[visit_id] = sorted(
                            a["id"] for a in response.json()["administrations"]
                        )
                        if len(acknowledged) >= KILL_AFTER_ADMINISTRATIONS and not killed.is_set():
                            proc.send_signal(signal.SIGKILL)
                            killed.set()

        with ThreadPoolExecutor(CLIENTS) as pool:
            for future in [pool.submit(writer) for _ in range(CLIENTS)]:
                future.result(timeout=STARTUP_S + REQUEST_S * ADMINISTRATIONS)
        assert killed.is_set(), "the series finished before the kill"
        proc.wait(timeout=STARTUP_S)

    acked_before_kill = len(acknowledged)
    assert KILL_AFTER_ADMINISTRATIONS <= acked_before_kill < ADMINISTRATIONS
    replayed = 0
    with (
        server(database_url, log) as (_proc, base),
        httpx.Client(base_url=base, timeout=REQUEST_S) as client,
    ):
        for visit_id in sorted(unanswered):  # the same request, the same key
            response = send(client, visit_id)
            assert response.status_code == 201, response.text
            replayed += response.headers.get("Idempotent-Replayed") == "true"
            acknowledged[visit_id] = sorted(a["id"] for a in response.json()["administrations"])
        for visit_id in acknowledged:  # an acknowledged one sent again is answered, not repeated
            again = send(client, visit_id)
            assert again.status_code == 201, again.text
            assert again.headers.get("Idempotent-Replayed") == "true"
        stored = {
            visit_id: sorted(
                a["id"]
                for a in items(client.get(f"/visits/{visit_id}/administrations", headers=nurse))
            )
            for visit_id in bodies
        }

    lost = [v for v in acknowledged if not set(acknowledged[v]) <= set(stored[v])]
    duplicated = [v for v in bodies if len(stored[v]) != len(bodies[v]["items"])]
    with capsys.disabled():
        print(
            f"\nidempotency-key crash test ({database_url.split(':', 1)[0]}): {acked_before_kill} "
            f"administrations acknowledged before SIGKILL, {len(unanswered)} retried with their "
            f"key ({replayed} replayed, already written); after restart "
            f"{sum(1 for v in bodies if stored[v])} of {ADMINISTRATIONS} found, {len(lost)} "
            f"lost, {len(duplicated)} duplicated or partial"
        )
    assert lost == []
    assert duplicated == []
    assert all(stored[v] == acknowledged[v] for v in bodies)
