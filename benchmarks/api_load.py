"""Load benchmark of the clinic API: "plan next visit" and "record administration" under load.

Usage::

    .venv/bin/python benchmarks/api_load.py [--backend sqlite|postgresql|both] [--clients 50]
        [--rate 200] [--seconds 20] [--workers 1] [--patients N]

Method
------
For each backend the script

1. creates a fresh database (a SQLite file in a temporary directory, or a throwaway PostgreSQL
   cluster from ``tests/support/postgres.py``), migrates it and seeds it through the services: the
   demo users and vial lots, then ``--patients`` synthetic patients, each with 1 to 4 lesions, a
   baseline measurement and a course started a week ago with no dose given yet;
2. starts a real server process, ``python -m tvec serve`` (uvicorn) with ``--workers``
   worker processes, on a free 127.0.0.1 port (configured through ``TVEC_DATABASE_URL``);
3. logs in ``--clients`` clients (one ``aiohttp.ClientSession`` each, one keep-alive connection,
   each with its own bearer token for the demo nurse);
4. measures three scenarios one after the other, each after an unmeasured warm-up of about one
   second at the target rate:

   - ``health``: ``GET /health`` (framework, thread pool and one ``SELECT 1``): the **baseline**
     that the other rows are compared with, measured in the same run with the same clients;
   - ``plan next visit``: ``POST /courses/{id}/visits``, round-robin over the seeded courses (the
     first plan of a course creates its visit, later ones re-plan it);
   - ``record administration``: ``POST /visits/{id}/administrations`` of the dose plan as planned,
     one per course, each with a fresh ``Idempotency-Key``. Every recorded visit was planned
     before the scenario started (by the planning scenario, or by an unmeasured closed-loop pass
     for the courses it did not reach); only the recording calls are timed.

Load is **open loop**: request *i* is due at ``start + i / rate`` whatever happened to the
earlier ones, and the first free client sends it. Latency runs from the due time to the end of
the response, so it includes the time a request waited for a free client when the server fell
behind (no coordinated omission): a saturated server shows up as growing latency and a lower
achieved rate, not as a flattering closed-loop figure. A scenario is bounded in count
(``rate * seconds`` requests), per request (10 s timeout) and in time (``seconds + 30`` s, after
which the requests not answered count as errors).

Caveats
-------
- The server and the load generator share the machine (2 cores on the reference machine): the
  client's own CPU use competes with the server, so these are conservative figures. The client
  is aiohttp on uvloop, about 0.26 ms of CPU per request (httpx, used before, took about 1.3 ms:
  a fifth of a core at 200 req/s taken from the server being measured).
- Loopback only: no network latency, no TLS.
- The PostgreSQL cluster is a throwaway one (the test suite's), but durable: ``fsync``,
  ``synchronous_commit`` and ``full_page_writes`` on, as on a production server, so that each
  commit waits for the disk as SQLite's do (WAL, synchronous=FULL).
- uvicorn uses httptools and uvloop only if they are installed; the header says which.
- Under each table a line gives the share of the machine's CPU used by the benchmark (client,
  server, PostgreSQL) and by other processes during the scenarios: if the latter is not near 0%,
  the run was disturbed.
- The seeded patients have no dose history: planning replays a short schedule (see the README).

The script exits 0 whatever the verdict (it is a measurement) and 1 if the setup fails.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.util
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import astuple, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx
from sqlalchemy.engine import Engine, make_url

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.domain.rules import Site
from tvec.persistence.migrate import upgrade
from tvec.schemas import clinic as s
from tvec.services import auth, courses, lesions, patients
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role
from tvec.services.seeding import DEMO_USERS, load_demo
from tvec.services.synthetic_patients import screening_answers

REPO = Path(__file__).resolve().parents[1]
# Planning p99 goals (issue 13): PostgreSQL, the production database, at 200 req/s; SQLite, the
# single-centre default, at 100 req/s.
GOAL_P99_MS = {"postgresql": 50.0, "sqlite": 100.0}
GOAL_RATE = {"postgresql": 200.0, "sqlite": 100.0}
GOAL_RATE_SHARE = 0.95  # "at 200 req/s": the achieved rate must reach 95% of the target
REQUEST_TIMEOUT_S = 10.0
GRACE_S = 30.0  # a scenario may overrun its nominal length by this much, then it is cut off
SERVER_START_TIMEOUT_S = 60.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
LOTS = {10**6: "DEMO6-A01", 10**8: "DEMO8-B01"}
HEALTH, PLAN, RECORD = "health (baseline)", "plan next visit", "record administration"

Client = aiohttp.ClientSession


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.body)


Send = Callable[[Client], Awaitable[Answer]]
CLIENT_ERRORS = (aiohttp.ClientError, TimeoutError)


async def call(client: Client, method: str, path: str, **kwargs: Any) -> Answer:
    async with client.request(method, path, **kwargs) as answer:
        return Answer(answer.status, await answer.read())


# ---- results ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    """The outcome of one measured scenario."""

    name: str
    planned: int
    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    bodies: list[Any] = field(default_factory=list)  # JSON of the 2xx answers, when kept
    answered: int = 0  # the others were cut off; their latencies are lower bounds
    cpu: CpuTimes | None = None  # used while the measured requests ran
    connections: list[int] = field(default_factory=list)  # per server worker, most first

    def cpu_ms(self, part: str) -> float:
        """CPU time of the server, database or client per answered request, in ms."""
        if self.cpu is None or not self.answered:
            return float("nan")
        return float(getattr(self.cpu, part)) / self.answered * 1000

    @property
    def errors(self) -> int:
        return sum(n for outcome, n in self.outcomes.items() if not outcome.startswith("2"))

    @property
    def throughput(self) -> float:
        return self.answered / self.elapsed_s if self.elapsed_s else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the latencies, in ms (nan when nothing completed)."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
        return ordered[rank - 1]


@dataclass
class BackendRun:
    backend: str
    workers: int
    patients: int
    scenarios: list[Scenario]
    speed: str  # the reference workload's time, just after the scenarios

    def cpu(self) -> str:
        used = [sc.cpu for sc in self.scenarios if sc.cpu is not None]
        if not used:
            return f"CPU use unknown; {self.speed}"
        total = used[0]
        for more in used[1:]:
            total += more
        return f"{total.shares()}; {self.speed}"


# ---- database and seed data -------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """An empty database URL: a SQLite file in `workdir` or a throwaway PostgreSQL cluster."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    sys.path.insert(0, str(REPO))  # tests/support is not part of the installed package
    from tests.support.postgres import throwaway_cluster

    with throwaway_cluster(durable=True) as url:
        yield url


def seed(url: str, patients_wanted: int) -> tuple[list[int], date]:
    """Migrate, add the demo users and lots, then patients with an open course.

    Returns the course ids and their common start date (a week ago, no dose given yet).
    """
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    try:
        load_demo(ctx, patients_wanted=0)
        nurse, oncologist = _actor(ctx, "nurse"), _actor(ctx, "oncologist")
        start = ctx.today() - timedelta(days=7)
        course_ids = [
            _seed_patient(ctx, nurse, oncologist, random.Random(n), n, start)
            for n in range(patients_wanted)
        ]
        _settle(ctx.engine)
        return course_ids, start
    finally:
        ctx.engine.dispose()


def _settle(engine: Engine) -> None:
    """PostgreSQL: vacuum and analyze after the bulk load, as autovacuum would do soon anyway,
    so that it does not wake up in the middle of a measurement; then a checkpoint, so that the
    writing out of the bulk load's pages (and its flushes to disk) is not in the measurement
    either."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
            conn.exec_driver_sql("CHECKPOINT")


def _actor(ctx: Context, username: str) -> Actor:
    _, _, user = auth.login(ctx, username, DEMO_USERS[username][2])
    return Actor(user.id, user.centre_id, Role(user.role), user.username)


def _seed_patient(
    ctx: Context, nurse: Actor, oncologist: Actor, rng: random.Random, n: int, start: date
) -> int:
    birth = date(rng.randint(1940, 1985), rng.randint(1, 12), rng.randint(1, 28))
    patient = patients.register_patient(
        ctx,
        nurse,
        s.PatientIn(
            mrn=f"BENCH-{n:06d}",
            given_name="Bench",
            family_name=f"Patient {n}",
            birth_date=birth,
            sex=s.Sex.FEMALE,
        ),
    )
    patients.record_diagnosis(
        ctx,
        oncologist,
        patient.id,
        s.DiagnosisIn(
            stage=s.Stage.IIIC,
            recurrent_after_surgery=True,
            unresectable=True,
            diagnosed_on=start - timedelta(days=60),
            distant_sites=[],
        ),
    )
    patients.record_screening(
        ctx,
        nurse,
        patient.id,
        s.ScreeningIn(
            screened_on=start - timedelta(days=3),
            answers=screening_answers(None),
            answered_by="patient",
        ),
    )
    items = []
    for k in range(rng.randint(1, 4)):
        lesion = lesions.add_lesion(
            ctx,
            nurse,
            patient.id,
            s.LesionIn(
                name=f"L{k + 1}", site=Site.CUTANEOUS, location="left calf", first_seen=start
            ),
        )
        longest = Decimal(rng.randint(5, 45)) / 10
        items.append(
            s.MeasurementItem(
                lesion_id=lesion.id, longest_cm=longest, perpendicular_cm=longest * Decimal("0.7")
            )
        )
    lesions.record_measurements(
        ctx,
        nurse,
        patient.id,
        s.MeasurementsIn(measured_on=start, method=s.Method.CALIPER, items=items),
    )
    course = courses.start_course(ctx, oncologist, patient.id, s.CourseIn(start_date=start))
    return course.id


# ---- the server process -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def api_server(url: str, workers: int, workdir: Path) -> Iterator[tuple[str, int]]:
    """Run `tvec serve` (uvicorn workers) in its own process group; yield its base URL and pid.

    A process group (to stop the workers with it), not a session: Linux's scheduler autogroups
    by session, and a server in a session of its own would get, with all its workers together,
    no more CPU weight than the one-threaded load generator whenever both want to run. On a
    real deployment the clients are elsewhere and the server has the CPUs to itself.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "tvec", "serve", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    log_path = workdir / f"uvicorn-{port}.log"
    env = {**os.environ, "TVEC_DATABASE_URL": url}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            process_group=0,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process, log_path)
        yield base, process.pid
    finally:
        _stop(process)


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited ({process.returncode}):\n{_tail(log_path)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/health", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the server did not answer /health in time:\n{_tail(log_path)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (workers included), SIGKILL it if it lingers."""
    for sig, wait_s in ((signal.SIGTERM, 15.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait_s)
            return


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# ---- who used the CPU ------------------------------------------------------------------------


@dataclass(frozen=True)
class CpuTimes:
    """CPU seconds from /proc (Linux), or the difference of two such readings.

    `busy` and `steal` are machine-wide: `steal` is the time the hypervisor ran something else
    while this virtual machine wanted to run, which no process of the VM shows. The rest are the
    CPU times of the server's process group, of the PostgreSQL cluster (postmaster on the
    database port and its backends, including the ones already gone: their time is in the
    parent's cutime and cstime) and of this load generator.
    """

    wall: float = 0.0
    busy: float = 0.0
    steal: float = 0.0
    server: float = 0.0
    database: float = 0.0
    client: float = 0.0

    def __sub__(self, other: CpuTimes) -> CpuTimes:
        return CpuTimes(*(a - b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def __add__(self, other: CpuTimes) -> CpuTimes:
        return CpuTimes(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    def shares(self) -> str:
        """The machine during this time: ours, other processes', the hypervisor's."""
        capacity = self.wall * (os.cpu_count() or 1)
        if not self.busy or not capacity:
            return "CPU use unknown (no /proc)"
        ours = self.server + self.database + self.client
        other = max(0.0, self.busy - self.steal - ours)
        return (
            f"CPU during the scenarios: benchmark {ours / capacity:.0%}, other processes "
            f"{other / capacity:.0%}, taken by the hypervisor (steal) {self.steal / capacity:.0%}"
        )


@dataclass
class CpuMeter:
    """Reads `CpuTimes` for one server (process group) and one database port, and how the
    clients' connections are spread over the server's worker processes."""

    server_pid: int
    db_port: int | None
    server_port: int = 0

    def connections(self) -> list[int]:
        """Established connections to the server port held by each worker, most first.

        The workers share one listening socket and whichever is quickest takes a new
        connection, so 50 keep-alive clients can end up 36 to 14: one worker then serves 72%
        of the requests. Read from /proc (Linux); empty elsewhere.
        """
        try:
            lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
        except OSError:
            return []
        sockets = [line.split() for line in lines]
        ours = [f for f in sockets if int(f[1].split(":")[1], 16) == self.server_port]
        listening = {f[9] for f in ours if f[3] == "0A"}
        established = {f[9] for f in ours if f[3] == "01"}
        counts = []
        for pid, f in _proc_stats():
            if int(f[2]) != self.server_pid or pid == self.server_pid:
                continue
            inodes = set()
            with contextlib.suppress(OSError):
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    with contextlib.suppress(OSError):  # closed meanwhile
                        inodes.add(os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1])
            if inodes & listening:  # a worker (not a helper process of the group)
                counts.append(len(inodes & established))
        return sorted(counts, reverse=True)

    def read(self) -> CpuTimes:
        try:
            fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        except OSError:
            return CpuTimes(wall=time.monotonic())
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
        busy = (user + nice + system + irq + softirq + steal) / CLOCK_TICKS
        server = database = client = 0
        stats = dict(_proc_stats())
        master = next((pid for pid in stats if self._is_postmaster(pid)), None)
        for pid, f in stats.items():
            ppid, group = int(f[1]), int(f[2])
            own, children = int(f[11]) + int(f[12]), int(f[13]) + int(f[14])
            if pid == self.server_pid:
                server += own + children
            elif group == self.server_pid:
                server += own
            elif pid == master:
                database += own + children
            elif ppid == master and master is not None:
                database += own
            elif pid == os.getpid():
                client += own
        return CpuTimes(
            time.monotonic(),
            busy,
            steal / CLOCK_TICKS,
            server / CLOCK_TICKS,
            database / CLOCK_TICKS,
            client / CLOCK_TICKS,
        )

    def _is_postmaster(self, pid: int) -> bool:
        if self.db_port is None:
            return False
        with contextlib.suppress(OSError):
            args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            return b"-p" in args and str(self.db_port).encode() in args and b"-D" in args
        return False


def reference_ms() -> float:
    """A fixed pure-Python workload (best of 5, ms): how fast this machine is right now.

    Virtual machines vary from hour to hour without any process of theirs showing it; a run with a
    slower reference is expected to give proportionally worse figures.
    """
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        sum(len(str(i * i)) for i in range(200_000))
        best = min(best, time.perf_counter() - began)
    return best * 1000


def _proc_stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, fields after the command name) of every process, as in /proc/PID/stat."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                yield int(entry.name), (entry / "stat").read_text().rsplit(")", 1)[1].split()


# ---- the load generator -----------------------------------------------------------------------


async def log_in(base: str, count: int) -> list[str]:
    """One bearer token per client, every one a separate login of the demo nurse."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(base, timeout=timeout) as client:
        tokens = []
        for _ in range(count):
            login = {"username": "nurse", "password": DEMO_USERS["nurse"][2]}
            answer = await call(client, "POST", "/auth/login", json=login)
            if not answer.ok:
                raise RuntimeError(f"login failed: HTTP {answer.status} {answer.body[:200]!r}")
            tokens.append(answer.json()["access_token"])
        return tokens


@contextlib.asynccontextmanager
async def clients_for(base: str, tokens: Sequence[str]) -> AsyncIterator[list[Client]]:
    """Fresh clients (one keep-alive connection each), so a scenario cut off spoils no other."""
    clients = [
        aiohttp.ClientSession(
            base,
            connector=aiohttp.TCPConnector(limit=1),
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
            headers={"Authorization": f"Bearer {token}"},
        )
        for token in tokens
    ]
    try:
        yield clients
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


async def measure(
    name: str,
    base: str,
    tokens: Sequence[str],
    sends: Sequence[Send],
    rate: float,
    *,
    warm: int,
    keep_bodies: bool = False,
    meter: CpuMeter | None = None,
) -> tuple[Scenario, Scenario]:
    """The first `warm` sends as an unmeasured warm-up, then the rest: (warm-up, measured)."""
    async with clients_for(base, tokens) as clients:
        warm_up = await open_loop("warm-up", clients, sends[:warm], rate, keep_bodies=keep_bodies)
        before = meter.read() if meter else None
        measured = await open_loop(name, clients, sends[warm:], rate, keep_bodies=keep_bodies)
        if meter and before:
            measured.cpu = meter.read() - before
            measured.connections = meter.connections()
    return warm_up, measured


async def open_loop(
    name: str,
    clients: Sequence[Client],
    sends: Sequence[Send],
    rate: float,
    *,
    keep_bodies: bool = False,
) -> Scenario:
    """Send `sends[i]` at start + i / rate through the first free client; time from the due time.

    Requests still unanswered at the cut-off (`GRACE_S` after the last one was due) are counted
    as errors, and their latency as the time from due to cut-off: a lower bound.
    """
    result = Scenario(name, len(sends))
    # Timestamps from perf_counter, not loop.time(): uvloop's clock ticks in whole milliseconds
    # and is read once per loop iteration, too coarse for latencies of a few ms.
    clock = time.perf_counter
    queue: asyncio.Queue[tuple[int, Send] | None] = asyncio.Queue()
    start = clock() + 0.05
    last_done = start
    answered: set[int] = set()

    async def schedule() -> None:
        for i, send in enumerate(sends):
            if (delay := start + i / rate - clock()) > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((i, send))
        for _ in clients:
            queue.put_nowait(None)

    async def client_loop(client: Client) -> None:
        nonlocal last_done
        while (item := await queue.get()) is not None:
            i, send = item
            try:
                answer = await send(client)
                outcome = str(answer.status)
                if keep_bodies and answer.ok:
                    result.bodies.append(answer.json())
            except CLIENT_ERRORS as exc:
                outcome = type(exc).__name__
            last_done = clock()
            answered.add(i)
            result.latencies_ms.append((last_done - start - i / rate) * 1000)
            result.outcomes[outcome] += 1

    budget = len(sends) / rate + GRACE_S
    try:
        await asyncio.wait_for(
            asyncio.gather(schedule(), *(client_loop(c) for c in clients)), budget
        )
    except TimeoutError:
        cut = clock()
        late = [i for i in range(len(sends)) if i not in answered]
        result.latencies_ms += [(cut - start - i / rate) * 1000 for i in late]
        result.outcomes["unanswered"] += len(late)
    result.answered = len(answered)
    result.elapsed_s = last_done - start
    return result


async def closed_loop(clients: Sequence[Client], sends: Sequence[Send]) -> list[Any]:
    """Send everything as fast as the clients go (unmeasured preparation); the 2xx JSON bodies."""
    pending = iter(sends)
    bodies: list[Any] = []

    async def client_loop(client: Client) -> None:
        for send in pending:
            with contextlib.suppress(*CLIENT_ERRORS):
                answer = await send(client)
                if answer.ok:
                    bodies.append(answer.json())

    await asyncio.gather(*(client_loop(c) for c in clients))
    return bodies


def health() -> Send:
    return lambda client: call(client, "GET", "/health")


# The seeded sizes are not today's: tvec's rule asks for a reason to plan from them.
PLAN_BODY = {"reinitiation": False, "stale_reason": "benchmark plans from the seeded sizes"}


def plan(course_id: int) -> Send:
    return lambda client: call(client, "POST", f"/courses/{course_id}/visits", json=PLAN_BODY)


def record(visit: dict[str, Any], start: date) -> Send:
    """Record the visit's plan as given, on the course start date (the first dose's due day)."""
    plan_ = visit["plan"]
    lot = LOTS[int(plan_["concentration_pfu_per_ml"])]
    body = {
        "version": visit["version"],
        "administered_at": datetime(start.year, start.month, start.day, 10, tzinfo=UTC).isoformat(),
        "items": [
            {"target": i["lesion_id"], "volume_ml": str(i["volume_ml"]), "vial_lot": lot}
            for i in plan_["injections"]
        ],
    }
    headers = {"Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
    return lambda client: call(
        client, "POST", f"/visits/{visit['id']}/administrations", json=body, headers=headers
    )


async def run_scenarios(
    base: str,
    course_ids: Sequence[int],
    start: date,
    args: argparse.Namespace,
    meter: CpuMeter | None = None,
) -> list[Scenario]:
    """Log in, then health, planning and recording, each after a warm-up at the target rate."""
    tokens = await log_in(base, args.clients)
    count, warm = round(args.rate * args.seconds), max(args.clients, round(args.rate))
    _, baseline = await measure(
        HEALTH, base, tokens, [health()] * (warm + count), args.rate, warm=warm, meter=meter
    )
    rounds = [plan(course_ids[i % len(course_ids)]) for i in range(warm + count)]
    warm_plan, planning = await measure(
        PLAN, base, tokens, rounds, args.rate, warm=warm, keep_bodies=True, meter=meter
    )
    visits = await planned_visits(base, tokens, course_ids, warm_plan.bodies + planning.bodies)
    sends = [record(v, start) for v in visits[: warm + count]]
    _, recording = await measure(RECORD, base, tokens, sends, args.rate, warm=warm, meter=meter)
    return [baseline, planning, recording]


async def planned_visits(
    base: str, tokens: Sequence[str], course_ids: Sequence[int], answers: list[Any]
) -> list[dict[str, Any]]:
    """The latest planned visit of every course: from the planning answers, else planned now."""
    latest: dict[int, dict[str, Any]] = {}
    for visit in answers:
        known = latest.get(visit["course_id"])
        if known is None or visit["version"] > known["version"]:
            latest[visit["course_id"]] = visit
    missing = [c for c in course_ids if c not in latest]
    async with clients_for(base, tokens) as clients:
        for visit in await closed_loop(clients, [plan(c) for c in missing]):
            latest[visit["course_id"]] = visit
    return [latest[c] for c in course_ids if c in latest]


# ---- report -----------------------------------------------------------------------------------


def server_stack() -> str:
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"uvicorn http={http} loop={loop}"


def print_run(run: BackendRun, args: argparse.Namespace) -> None:
    base = run.scenarios[0]
    print(
        f"\n== {run.backend}: {run.workers} uvicorn worker(s), {args.clients} clients, "
        f"target {args.rate:g} req/s, {args.seconds:g} s per scenario, {run.patients} courses ==\n"
        f"{run.cpu()}"
    )
    statuses = [
        ",".join(f"{k}:{n}" for k, n in sorted(sc.outcomes.items()) if k[0] != "2") or "-"
        for sc in run.scenarios
    ]
    width = max(9, *(len(text) for text in statuses))
    header = (
        f"{'scenario':<22} {'requests':>8} {'errors':>7}  {'by status':<{width}} {'req/s':>6} "
        f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'p50/base':>8} {'p99/base':>8} "
        f"{'CPU ms/req: server':>18} {'db':>5} {'client':>6}"
    )
    print(header)
    print("-" * len(header))
    for sc, status in zip(run.scenarios, statuses, strict=True):
        p50, p99 = sc.percentile(50), sc.percentile(99)
        print(
            f"{sc.name:<22} {sc.planned:>8} {sc.errors:>7}  {status:<{width}} "
            f"{sc.throughput:>6.1f} {p50:>8.1f} {sc.percentile(90):>8.1f} {p99:>8.1f} "
            f"{max(sc.latencies_ms, default=float('nan')):>8.1f} "
            f"{p50 / base.percentile(50):>7.1f}x {p99 / base.percentile(99):>7.1f}x "
            f"{sc.cpu_ms('server'):>18.2f} {sc.cpu_ms('database'):>5.2f} "
            f"{sc.cpu_ms('client'):>6.2f}"
        )
    spread = [f"{sc.name} {'/'.join(map(str, sc.connections))}" for sc in run.scenarios]
    if any(sc.connections for sc in run.scenarios):
        print(f"client connections per server worker: {', '.join(spread)}")
    for sc in run.scenarios:
        if sc.answered < sc.planned:
            print(
                f"note: {sc.name}: {sc.planned - sc.answered} requests unanswered at the cut-off "
                f"({GRACE_S:g} s after the last was due); their latency counts to the cut-off, "
                "so its percentiles are lower bounds"
            )
    print(verdict(run, args.rate))


def verdict(run: BackendRun, rate: float) -> str:
    planning = next(sc for sc in run.scenarios if sc.name == PLAN)
    p99 = planning.percentile(99)
    goal = GOAL_P99_MS[run.backend]
    met = (
        p99 < goal
        and rate >= GOAL_RATE[run.backend]
        and planning.errors == 0
        and planning.answered == planning.planned
        and planning.throughput >= GOAL_RATE_SHARE * rate
    )
    return (
        f"verdict ({run.backend}): planning p99 {p99:.1f} ms (goal < {goal:g} ms at "
        f"{GOAL_RATE[run.backend]:g} req/s) at "
        f"{planning.throughput:.1f} req/s (target {rate:g}), {planning.errors} errors "
        f"-> {'MET' if met else 'NOT MET'}"
    )


def print_comparison(runs: Sequence[BackendRun]) -> None:
    """PostgreSQL against SQLite, scenario by scenario (ratios of the latencies)."""
    if len(runs) != 2:
        return
    first, second = runs
    print(f"\n== {second.backend} / {first.backend} ==")
    for a, b in zip(first.scenarios, second.scenarios, strict=True):
        print(
            f"{a.name:<22} p50 {b.percentile(50) / a.percentile(50):>5.2f}x   "
            f"p99 {b.percentile(99) / a.percentile(99):>5.2f}x   "
            f"req/s {b.throughput:>6.1f} vs {a.throughput:.1f}"
        )


# ---- main -------------------------------------------------------------------------------------


def run_backend(backend: str, args: argparse.Namespace) -> BackendRun:
    """Fresh database, seed, server, scenarios; everything torn down on the way out."""
    wanted = args.patients or round(args.rate * (args.seconds + 1)) + args.clients
    with tempfile.TemporaryDirectory(prefix="tvec-bench-") as tmp:
        workdir = Path(tmp)
        with fresh_database(backend, workdir) as url:
            began = time.monotonic()
            course_ids, start = seed(url, wanted)
            print(f"[{backend}] seeded {wanted} patients in {time.monotonic() - began:.0f} s")
            with api_server(url, args.workers, workdir) as (base, pid):
                meter = CpuMeter(pid, make_url(url).port, urlsplit(base).port or 0)
                # No garbage collection in the load generator while it measures: its pauses
                # (up to 100 ms with the heap the seeding left) would count as server latency.
                # A run allocates a few hundred MB at most.
                gc.collect()
                gc.freeze()
                gc.disable()
                try:
                    scenarios = run_async(run_scenarios(base, course_ids, start, args, meter))
                finally:
                    gc.enable()
    speed = f"reference Python workload {reference_ms():.0f} ms"
    return BackendRun(backend, args.workers, wanted, scenarios, speed)


def run_async(work: Awaitable[list[Scenario]]) -> list[Scenario]:
    """The load generator's event loop: uvloop when installed (it is with uvicorn[standard]),
    to keep the client's share of the machine small."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(work)  # type: ignore[arg-type]
    return uvloop.run(work)  # type: ignore[arg-type]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--rate", type=float, default=200.0, help="target req/s (default 200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="per scenario (default 20)")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1,
        help="uvicorn worker processes (default: one per CPU, as for `tvec serve` under load)",
    )  # fmt: skip
    parser.add_argument(
        "--patients", type=int, default=0, help="patients/courses to seed (default: enough for "
        "one recording per request, rate * (seconds + 1) + clients)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if min(args.clients, args.workers) < 1 or args.rate <= 0 or args.seconds <= 0:
        parser.error("--clients, --workers, --rate and --seconds must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the server, the cluster and the temp dirs are cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        f"tvec API load benchmark: {os.cpu_count()} CPUs shared by server and load generator; "
        f"{server_stack()}; Python {sys.version.split()[0]}; open-loop latency from due time"
    )
    runs = []
    for backend in backends:
        try:
            runs.append(run_backend(backend, args))
        except Exception as exc:  # setup failure: say what broke, exit non-zero
            print(f"[{backend}] setup failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1
        print_run(runs[-1], args)
    print_comparison(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
