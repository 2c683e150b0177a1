"""SQLite writers take turns through the WriterGate: across threads, across processes, and with a
time limit that ends in DatabaseBusy (the API's 503) rather than waiting for ever; slow work
(a login's password check) is done outside a writer's turn, and so is the copy of the
write-ahead log into the database file (a checkpoint)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest
from tests.support.clinic import seed_staff

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.db import (
    WRITER_SWITCH_INTERVAL_S,
    DatabaseBusy,
    WalCheckpoints,
    WriterGate,
)
from tvec.persistence.migrate import upgrade
from tvec.schemas.clinic import PatientIn, Sex
from tvec.services import auth, patients
from tvec.services.permissions import Role

HOLD_IN_CHILD = """
import sys
from pathlib import Path
from tvec.persistence.db import WriterGate
with WriterGate(Path(sys.argv[1]))():
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_second_writer_in_the_process_waits_then_gives_up_with_database_busy(
    tmp_path: Path,
) -> None:
    gate = WriterGate(tmp_path / "clinic.db", timeout_s=0.2)
    with gate():
        failed: list[BaseException] = []

        def second_writer() -> None:
            try:
                with gate():
                    pass
            except DatabaseBusy as exc:
                failed.append(exc)

        other = threading.Thread(target=second_writer)
        other.start()
        other.join(timeout=5)
    assert len(failed) == 1
    assert "busy" in str(failed[0])
    with gate():  # free again once the first writer is done
        pass


def test_a_writer_in_another_process_holds_the_turn_until_it_is_done(tmp_path: Path) -> None:
    database = tmp_path / "clinic.db"
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_IN_CHILD, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        assert child.stdin is not None
        assert child.stdout.readline().strip() == "held"
        got_turn = threading.Event()

        def writer_here() -> None:
            with WriterGate(database)():
                got_turn.set()

        here = threading.Thread(target=writer_here)
        here.start()
        try:
            assert not got_turn.wait(0.5), "took the turn while the other process held it"
        finally:
            child.stdin.write("done\n")
            child.stdin.flush()
        assert got_turn.wait(10), "did not get the turn after the other process let go"
        here.join(timeout=5)


def test_an_in_memory_database_has_the_thread_queue_only() -> None:
    gate = WriterGate(None, timeout_s=0.1)
    with gate(), pytest.raises(DatabaseBusy), gate():
        pass


def test_the_holder_of_the_turn_gets_the_interpreter_back_sooner_until_no_writer_holds_one(
    tmp_path: Path,
) -> None:
    default = sys.getswitchinterval()
    assert default > WRITER_SWITCH_INTERVAL_S
    first, second = WriterGate(tmp_path / "a.db"), WriterGate(tmp_path / "b.db")
    second_holds, second_may_go = threading.Event(), threading.Event()

    def other_writer() -> None:
        with second():
            second_holds.set()
            second_may_go.wait(5)

    other = threading.Thread(target=other_writer)
    with first():
        assert sys.getswitchinterval() == pytest.approx(WRITER_SWITCH_INTERVAL_S)
        other.start()
        assert second_holds.wait(5)
    # The first writer is done, the second (another database, another thread) still writes.
    assert sys.getswitchinterval() == pytest.approx(WRITER_SWITCH_INTERVAL_S)
    second_may_go.set()
    other.join(timeout=5)
    assert sys.getswitchinterval() == default
    with pytest.raises(RuntimeError), first():
        raise RuntimeError("a write that fails")
    assert sys.getswitchinterval() == default


def test_a_login_checks_the_password_without_holding_up_other_writers(tmp_path: Path) -> None:
    """argon2 is slow on purpose; while one login checks its password, a nurse's write (here:
    registering a patient) must go through, not wait for the hash behind the writer's turn."""
    url = f"sqlite:///{tmp_path}/clinic.db"
    upgrade(url)
    # A deliberately slow hash (hundreds of ms), so the overlap is certain.
    ctx = build_context(Settings(database_url=url, argon2_time_cost=40, argon2_memory_kib=8192))
    staff = seed_staff(ctx)
    nurse = staff[Role.NURSE]
    finished: dict[str, float] = {}
    hashing = threading.Event()

    def log_in() -> None:
        hashing.set()
        auth.login(ctx, nurse.username, nurse.password)
        finished["login"] = time.perf_counter()

    login = threading.Thread(target=log_in)
    login.start()
    hashing.wait(timeout=5)
    time.sleep(0.05)  # the login is now checking the password
    patients.register_patient(
        ctx, nurse.actor, PatientIn(mrn="GATE-1", birth_date=date(1960, 1, 1), sex=Sex.FEMALE)
    )
    finished["write"] = time.perf_counter()
    login.join(timeout=60)
    assert finished["write"] < finished["login"]
    ctx.engine.dispose()


def _in_database_file_alone(database: Path, copy: Path, mrn: str) -> bool:
    """Whether the database file, read without its write-ahead log, holds the patient."""
    shutil.copyfile(database, copy)  # the -wal file beside it is not copied
    with closing(sqlite3.connect(copy)) as connection:
        return (
            connection.execute("SELECT 1 FROM patients WHERE mrn = ?", (mrn,)).fetchone()
            is not None
        )


def test_a_commit_reaches_the_database_file_by_a_checkpoint_outside_the_writers_turn(
    tmp_path: Path,
) -> None:
    """SQLite would copy the log into the database file only once the log passes 1000 pages,
    inside some unlucky writer's commit; here a background checkpoint does it soon after each
    writer's turn, so even one small write is in the database file itself shortly after."""
    database = tmp_path / "clinic.db"
    upgrade(f"sqlite:///{database}")
    ctx = build_context(Settings(database_url=f"sqlite:///{database}"))
    nurse = seed_staff(ctx)[Role.NURSE]
    patients.register_patient(
        ctx, nurse.actor, PatientIn(mrn="CKPT-1", birth_date=date(1960, 1, 1), sex=Sex.FEMALE)
    )
    deadline = time.monotonic() + 10
    while not _in_database_file_alone(database, tmp_path / "copy.db", "CKPT-1"):
        assert time.monotonic() < deadline, "the commit stayed in the write-ahead log only"
        time.sleep(0.05)
    ctx.engine.dispose()


def test_a_checkpoint_never_creates_a_database_that_is_not_there(tmp_path: Path) -> None:
    missing = tmp_path / "gone.db"
    checkpoints = WalCheckpoints(missing)
    checkpoints.soon()
    checkpoints.soon()  # pending or just run: not asked twice
    WalCheckpoints._executor().submit(lambda: None).result(timeout=10)  # the queue has run
    assert not missing.exists()
