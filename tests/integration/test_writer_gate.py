"""SQLite writers take turns through the WriterGate: across threads and across processes, each
wait with a time limit that ends in DatabaseBusy (the API's 503) rather than waiting for ever;
slow work (a login's password check) is done outside a writer's turn; and writing leaves the
interpreter's settings alone and starts no thread."""

from __future__ import annotations

import fcntl
import gc
import os
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
from tests.support.clinic import seed_staff

from tvec.bootstrap import build_context
from tvec.config import Settings
from tvec.persistence.db import DatabaseBusy, WriterGate
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


def test_a_writer_in_another_process_that_keeps_the_turn_ends_in_database_busy(
    tmp_path: Path,
) -> None:
    """The file lock has the same time limit as the thread queue: a writer of another process
    that never lets go (here: an fd of this test holding the flock) is waited for until the
    limit, then DatabaseBusy."""
    database = tmp_path / "clinic.db"
    holder = os.open(tmp_path / "clinic.db.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        gate = WriterGate(database, timeout_s=0.3)
        started = time.monotonic()
        with pytest.raises(DatabaseBusy, match="busy"), gate():
            pass
        assert 0.3 <= time.monotonic() - started < 5
        fcntl.flock(holder, fcntl.LOCK_UN)
        with gate():  # free again once the other writer is done
            pass
    finally:
        os.close(holder)


def test_a_writer_in_another_process_that_lets_go_in_time_hands_over_the_turn(
    tmp_path: Path,
) -> None:
    database = tmp_path / "clinic.db"
    holder = os.open(tmp_path / "clinic.db.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        threading.Timer(0.2, fcntl.flock, (holder, fcntl.LOCK_UN)).start()
        with WriterGate(database, timeout_s=10)():
            pass  # got the turn once the other writer let go, well within the limit
    finally:
        os.close(holder)


def test_writing_changes_no_interpreter_setting_and_starts_no_thread(tmp_path: Path) -> None:
    """What the persistence layer does stays inside the unit of work: the interpreter's switch
    interval and the garbage collector are left as they are, and no thread outlives a write."""
    url = f"sqlite:///{tmp_path}/clinic.db"
    upgrade(url)
    ctx = build_context(Settings(database_url=url))
    nurse = seed_staff(ctx)[Role.NURSE]
    interval, collecting, frozen = sys.getswitchinterval(), gc.isenabled(), gc.get_freeze_count()
    threads = set(threading.enumerate())
    patients.register_patient(
        ctx,
        nurse.actor,
        PatientIn(
            mrn="PLAIN-1",
            given_name="Maren",
            family_name="Sollberg",
            birth_date=date(1960, 1, 1),
            sex=Sex.FEMALE,
        ),
    )
    assert sys.getswitchinterval() == interval
    assert (gc.isenabled(), gc.get_freeze_count()) == (collecting, frozen)
    assert set(threading.enumerate()) <= threads
    ctx.engine.dispose()


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
        ctx,
        nurse.actor,
        PatientIn(
            mrn="GATE-1",
            given_name="Maren",
            family_name="Sollberg",
            birth_date=date(1960, 1, 1),
            sex=Sex.FEMALE,
        ),
    )
    finished["write"] = time.perf_counter()
    login.join(timeout=60)
    assert finished["write"] < finished["login"]
    ctx.engine.dispose()
