"""Engine and session factory: SQLite by default, PostgreSQL in production."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Iterator
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
# How often a writer waiting for another process's file lock tries it again.
FILE_LOCK_RETRY_S = 0.001


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
    the waiters sleep. Here a waiting writer first blocks on a thread lock (other threads of this
    process: woken the moment the lock is released), then takes an advisory `flock` of a file
    beside the database (other processes, e.g. a second server worker or the CLI). Both waits
    share one time limit, after which the writer gives up with DatabaseBusy. SQLite's own lock
    and busy timeout stay in force beneath, for writers that do not come through here.
    """

    def __init__(self, path: Path | None, timeout_s: float = BUSY_TIMEOUT_S) -> None:
        self._timeout_s = timeout_s
        self._thread_lock = threading.Lock()
        self._lock_file = None if path is None else path.with_name(path.name + ".writer-lock")
        self._fd: int | None = None
        self._pid = -1

    @contextmanager
    def __call__(self) -> Iterator[None]:
        deadline = time.monotonic() + self._timeout_s
        if not self._thread_lock.acquire(timeout=self._timeout_s):
            raise DatabaseBusy("the database is busy; try again")
        try:
            fd = self._file()
            if fd is not None:
                _lock_file(fd, deadline)
            try:
                yield
            finally:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()

    def __del__(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)

    def _file(self) -> int | None:
        # Opened on first use (in the process that writes: after a server worker has forked).
        if self._lock_file is not None and (self._fd is None or self._pid != os.getpid()):
            self._fd = os.open(self._lock_file, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd


def _lock_file(fd: int, deadline: float) -> None:
    """Take the exclusive `flock` on fd before the deadline, else raise DatabaseBusy.

    `flock` either blocks with no time limit or fails at once (LOCK_NB), so the lock is tried
    without blocking and tried again after a short sleep until the deadline. Only writers of
    other processes are waited for here (this process's queue at the thread lock).
    """
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise DatabaseBusy("the database is busy; try again") from None
            time.sleep(FILE_LOCK_RETRY_S)


_GATES: WeakKeyDictionary[Engine, WriterGate] = WeakKeyDictionary()


def writer_gate(engine: Engine) -> AbstractContextManager[None]:
    """What a writing unit of work holds for its whole transaction: SQLite's queue, else nothing
    (PostgreSQL has row locks and needs no queue)."""
    gate = _GATES.get(engine)
    return nullcontext() if gate is None else gate()
