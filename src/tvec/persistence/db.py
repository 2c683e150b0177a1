"""Engine and session factory: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import StaticPool

# Stable constraint names, so Alembic can alter constraints on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


BUSY_TIMEOUT_S = 30  # how long a writer waits for the SQLite database before giving up
# How often, at most, a process copies SQLite's write-ahead log back into the database file, in
# a thread of its own after a writer's turn (WalCheckpoints). At 200 writes/s the log then holds
# well under SQLite's own threshold for a checkpoint inside a commit (1000 pages).
CHECKPOINT_EVERY_S = 0.1
# The interpreter's switch interval while a thread of this process holds SQLite's writer's turn
# (QuickHandback): the longest the turn's holder waits for Python's interpreter lock after each
# database call, instead of the default 5 ms. Measured under benchmarks/api_load.py.
WRITER_SWITCH_INTERVAL_S = 0.0002


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def make_engine(url: str, *, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    # No ping before each checkout (it costs a round trip per unit of work): a connection the
    # server dropped fails its request once, SQLAlchemy then discards the whole pool, and the API
    # answers 503 "retry" (tvec.api.errors). Connections are renewed hourly regardless.
    return create_engine(url, echo=echo, pool_size=20, max_overflow=20, pool_recycle=3600)


def read_options(engine: Engine) -> dict[str, Any]:
    """Execution options of a read-only unit of work.

    PostgreSQL: autocommit, which saves the BEGIN and ROLLBACK round trips and changes nothing
    a reader sees (at READ COMMITTED, the default, every statement takes its own snapshot inside
    a transaction too). SQLite: a plain BEGIN, so that all reads see one snapshot; never waits
    for a writer (WAL).
    """
    if engine.dialect.name == "postgresql":
        return {"tvec_readonly": True, "isolation_level": "AUTOCOMMIT"}
    return {"tvec_readonly": True}


def _sqlite_engine(url: str, echo: bool) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    args: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}}
    if path in ("", ":memory:"):
        args["poolclass"] = StaticPool  # one shared connection, or each would see its own database
    else:
        args["pool_size"] = 20
    engine = create_engine(url, echo=echo, **args)
    _GATES[engine] = WriterGate(None if path in ("", ":memory:") else Path(path))
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin_immediate)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Autocommit mode at the driver level: SQLAlchemy's "begin" event below issues BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA synchronous=FULL")  # a committed clinical record survives a crash
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # A writing transaction takes the write lock at its start, so two writers queue up instead of
    # one failing half-way with "database is locked" after reading stale data. Read-only units of
    # work (execution option `tvec_readonly`) begin normally and never wait for a writer (WAL).
    readonly = connection.get_execution_options().get("tvec_readonly", False)
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


class DatabaseBusy(Exception):
    """A writer waited longer than the busy timeout for the database."""


class WriterGate:
    """Queues the writing transactions on one SQLite file, in this process and across processes.

    SQLite allows one writer at a time. Left to SQLite, a writer that finds the lock taken polls
    it with growing sleeps (1, 2, 5, 10 … 100 ms), so under load the lock often sits free while
    the waiters sleep, and 50 concurrent requests serialise at a fraction of what the database
    can do. Here a waiting writer blocks on a thread lock (other threads of this process) and
    then on an advisory `flock` of a file beside the database (other processes, e.g. a second
    server worker or the CLI); both wake the next writer the moment the lock is released.
    Written by hand because the file-lock libraries poll with sleeps too, which is the very
    thing to avoid. SQLite's own lock and busy timeout stay in force beneath, for writers that
    do not come through here.
    """

    def __init__(self, path: Path | None, timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self._timeout_s = timeout_s
        self._thread_lock = threading.Lock()
        self._lock_file = None if path is None else path.with_name(path.name + ".writer-lock")
        self._fd: int | None = None
        self._pid = -1
        self._checkpoints = None if path is None else WalCheckpoints(path)

    @contextmanager
    def __call__(self) -> Iterator[None]:
        if not self._thread_lock.acquire(timeout=self._timeout_s):
            raise DatabaseBusy("the database is busy; try again")
        try:
            fd = self._file()
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # blocks without holding the GIL
            try:
                with QUICK_HANDBACK():
                    yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()
            if self._checkpoints is not None:
                self._checkpoints.soon()

    def __del__(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)

    def _file(self) -> int | None:
        # Opened on first use (in the process that writes: after a server worker has forked).
        if self._lock_file is not None and (self._fd is None or self._pid != os.getpid()):
            self._fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


class QuickHandback:
    """While a writer holds SQLite's turn, Python hands its interpreter lock back to it sooner.

    The sqlite3 driver lets go of Python's interpreter lock (the GIL) during every call into
    SQLite, and takes it again afterwards. When another thread of the process is running Python
    meanwhile (parsing a request, checking a token, serialising an answer), the writer waits for
    it: up to the interpreter's switch interval, 5 ms by default, after each of the five or so
    calls of a write. Meanwhile every other writer, in every process, waits for the turn, so at
    200 writes/s these waits alone can fill it (measured: the turn held 3 ms instead of 1, and
    queues of 30 ms and more). Here the switch interval is WRITER_SWITCH_INTERVAL_S for as long as
    any writer of this process holds a turn, and what it was before once none does; the
    interval is one setting for the whole process, hence the count. Written by hand: nothing
    else sets the interval for a span of time.
    """

    def __init__(self, interval_s: float) -> None:
        self._interval_s = interval_s
        self._lock = threading.Lock()
        self._holders = 0
        self._saved = sys.getswitchinterval()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(self._interval_s)
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0:
                    sys.setswitchinterval(self._saved)


QUICK_HANDBACK = QuickHandback(WRITER_SWITCH_INTERVAL_S)


class WalCheckpoints:
    """Copies SQLite's write-ahead log back into the database file outside any writer's turn.

    Left to SQLite, the commit that takes the log past 1000 pages does this copy itself (a
    checkpoint: several MB written and flushed to disk), inside its writer's turn, and every
    other writer waits for it: commits of 20 to 200 ms, measured under
    benchmarks/api_load.py. Here, a writer that ends its turn asks for a checkpoint, and one runs
    within CHECKPOINT_EVERY_S (one per interval at most), in one background thread per process
    and on a connection of its own, while writers go on (a PASSIVE checkpoint takes no writer's
    lock and copies only what no reader still needs). SQLite's own checkpoint stays in force
    beneath, should the log grow past its threshold all the same (say, behind a long reader).
    Written by hand: SQLite has the pragma, but Python's driver does not expose its hook for
    "the log grew", and no library does this for SQLAlchemy.
    """

    _pool: ThreadPoolExecutor | None = None
    _pool_pid = -1
    _pool_lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._pending = False  # a checkpoint is queued and has not started
        self._last = float("-inf")  # when the last one started

    def soon(self) -> None:
        """Ask for a checkpoint: one runs within CHECKPOINT_EVERY_S, unless one is pending."""
        with self._lock:
            if self._pending:
                return
            self._pending = True
            due = max(time.monotonic(), self._last + CHECKPOINT_EVERY_S)
        self._executor().submit(self._run, due)

    def _run(self, due: float) -> None:
        time.sleep(max(0.0, due - time.monotonic()))
        with self._lock:
            # from here, a writer's request is for a checkpoint after this one
            self._pending, self._last = False, time.monotonic()
        try:
            # mode=rw: never create the file (a database removed meanwhile stays removed)
            uri = f"{self._path.resolve().as_uri()}?mode=rw"
            connection = sqlite3.connect(uri, uri=True, timeout=0, isolation_level=None)
            try:
                connection.execute("PRAGMA synchronous=FULL")  # as every writer's connection
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                connection.close()
        except sqlite3.Error:
            pass  # busy, or the file is gone: SQLite's own checkpoint remains, next turn retries

    @classmethod
    def _executor(cls) -> ThreadPoolExecutor:
        # One thread per process for every database, made in the process that writes (a server
        # worker is started afresh, but a forked process must not reuse its parent's thread).
        with cls._pool_lock:
            if cls._pool is None or cls._pool_pid != os.getpid():
                cls._pool = ThreadPoolExecutor(1, thread_name_prefix="tvec-wal-checkpoint")
                cls._pool_pid = os.getpid()
            return cls._pool


_GATES: WeakKeyDictionary[Engine, WriterGate] = WeakKeyDictionary()


def has_writer_gate(engine: Engine) -> bool:
    return engine in _GATES


def writer_gate(engine: Engine) -> AbstractContextManager[None]:
    """What a writing unit of work holds for its whole transaction: SQLite's queue, else nothing
    (PostgreSQL has row locks and needs no queue)."""
    gate = _GATES.get(engine)
    return nullcontext() if gate is None else gate()
