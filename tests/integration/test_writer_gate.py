"""SQLite writers take turns through the WriterGate: across threads, across processes, and with a
time limit that ends in DatabaseBusy (the API's 503) rather than waiting for ever."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tvec.persistence.db import DatabaseBusy, WriterGate

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
