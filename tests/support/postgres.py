"""A throwaway PostgreSQL cluster for the test suite.

The cluster lives in a temporary directory, listens on 127.0.0.1 only, on a free port,
and is stopped and deleted when the context manager exits. Nothing here touches a
system-wide PostgreSQL installation (no service, no port 5432, no /var/lib/postgresql).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

SUPERUSER = "tvec"  # the cluster's bootstrap superuser (initdb -U), not a system account
DATABASE = "tvec_test"
# initdb/postgres refuse to run as root; when the tests run as root (containers, CI)
# the server binaries are run as this system user instead.
SYSTEM_USER = "postgres"
LOG_TAIL_LINES = 40


def find_pg_bindir() -> Path | None:
    """Directory holding the PostgreSQL *server* binaries (initdb, pg_ctl), or None.

    Order: $TVEC_PG_BINDIR; `pg_config --bindir` (only if it really holds initdb:
    a client-only libpq install ships pg_config without the server); the
    highest-versioned /usr/lib/postgresql/*/bin (Debian/Ubuntu layout, not on PATH).
    """
    if override := os.environ.get("TVEC_PG_BINDIR"):
        return Path(override)
    if pg_config := shutil.which("pg_config"):
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        bindir = Path(result.stdout.strip())
        if result.returncode == 0 and (bindir / "initdb").is_file():
            return bindir
    candidates = [
        path
        for path in Path("/usr/lib/postgresql").glob("*/bin")
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file()
    ]
    if not candidates:
        return None
    # Sort "9.6" < "15" numerically, not as strings.
    return max(candidates, key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)])


def _free_port() -> int:
    # Bind to port 0 and let the kernel choose; there is a small window before the server
    # binds it, acceptable for a test cluster.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(logfile: Path) -> str:
    try:
        lines = logfile.read_text(errors="replace").splitlines()
    except OSError:
        return "(no server log)"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(server log is empty)"


@contextmanager
def throwaway_cluster(*, durable: bool = False) -> Iterator[str]:
    """Start a fresh cluster; yield `postgresql+psycopg://tvec@127.0.0.1:PORT/tvec_test`.

    `durable`: commits are flushed to disk as on a production server (PostgreSQL's defaults),
    for measurements; otherwise crash safety is off, as the tests throw the data away anyway.
    """
    bindir = find_pg_bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (set TVEC_PG_BINDIR)")

    tmp = Path(tempfile.mkdtemp(prefix="tvec-pg-"))
    data, logfile = tmp / "data", tmp / "server.log"
    # Run the server binaries as root? initdb and postgres refuse. Drop to the `postgres`
    # system user for every child process instead (subprocess's user/group/extra_groups
    # do setgroups/setgid/setuid in the child: same effect as `runuser -u postgres --`
    # without depending on util-linux or on a PAM setup). The temp dir must be theirs.
    as_user: dict[str, Any] = {"cwd": tmp}  # a cwd the dropped user can enter
    if os.geteuid() == 0:
        shutil.chown(tmp, user=SYSTEM_USER, group=SYSTEM_USER)
        as_user |= {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []}

    def pg(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [bindir / args[0], *args[1:]]
        result = subprocess.run(cmd, capture_output=True, text=True, **as_user)
        if check and result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed (exit {result.returncode}): {result.stderr}")
        return result

    started = False
    try:
        pg(
            "initdb", "-D", data, "-U", SUPERUSER, "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        port = _free_port()
        # fsync/synchronous_commit/full_page_writes off: the data is thrown away at the end,
        # so crash safety buys nothing and costs seconds. -k: the Unix socket goes into the
        # temp dir (the default /var/run/postgresql may not exist or be writable).
        options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        started = True  # from here on, always try to stop (pg_ctl may time out half-started)
        result = pg("pg_ctl", "-D", data, "-o", options, "-l", logfile, "-w", "start", check=False)
        if result.returncode != 0:
            raise RuntimeError(
                f"PostgreSQL failed to start (pg_ctl exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n--- tail of {logfile.name} ---\n"
                f"{_log_tail(logfile)}"
            )
        pg("createdb", "-h", "127.0.0.1", "-p", str(port), "-U", SUPERUSER, DATABASE)
        yield f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    finally:
        if started:
            # -m immediate: no checkpoint, the data is about to be deleted anyway.
            pg("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(tmp, ignore_errors=True)


def reset_database(url: str) -> None:
    """Drop and recreate the `public` schema: an empty database in milliseconds."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            # A connection left inside a transaction by an earlier test would otherwise
            # make DROP SCHEMA wait forever; fail with a lock-timeout error instead.
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
