"""The audit log: scoped to a centre, without clinical values for the admin, append-only in the
database, and hash-chained per centre so that `tvec audit verify` names an entry changed by SQL.

Two centres, A and B, each with one user per role (tests.support.clinic.seed_staff).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.exc import DBAPIError
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    StaffMember,
    client_for,
    items,
    login,
    ok,
    running_app,
    seed_staff,
)
from typer.testing import CliRunner

from tvec.cli.main import app as cli
from tvec.persistence.audit_chain import (
    APP_ROLE,
    GENESIS,
    append_only_statements,
    entry_hash,
    execute_all,
    verify_database,
)
from tvec.persistence.migrate import upgrade
from tvec.persistence.models import AuditRow
from tvec.schemas.clinic import PatientCorrection, PatientIn
from tvec.services import patients
from tvec.services.context import Context
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

MRN_A, BIRTH_A = "MRN-A-4711", "1950-03-17"
MRN_B = "MRN-B-0815"


def two_centres(ctx: Context) -> tuple[dict[Role, StaffMember], dict[Role, StaffMember]]:
    return seed_staff(ctx, "Centre A", "a-"), seed_staff(ctx, "Centre B", "b-")


def register(ctx: Context, staff: dict[Role, StaffMember], mrn: str, birth: str) -> int:
    nurse = staff[Role.NURSE].actor
    patient = patients.register_patient(
        ctx,
        nurse,
        PatientIn(
            mrn=mrn,
            given_name="Saffi",
            family_name="Hollowmere",
            birth_date=date.fromisoformat(birth),
            sex="female",
        ),
    )
    patients.correct_patient(
        ctx,
        nurse,
        patient.id,
        PatientCorrection(version=1, reason="sex entered wrongly", sex="male"),
    )
    return patient.id


def headers(client: Any, member: StaffMember) -> dict[str, str]:
    return login(client, member.username, member.password)


# ---- scope: the admin sees their centre's entries, without values ------------------------------


def test_an_admin_of_centre_b_sees_none_of_centre_as_entries_and_no_clinical_values(
    database_url: str,
) -> None:
    with running_app(database_url) as (app, ctx):
        a, b = two_centres(ctx)
        pid_a = register(ctx, a, MRN_A, BIRTH_A)
        pid_b = register(ctx, b, MRN_B, "1960-01-02")
        client = client_for(app)
        admin_b, admin_a = headers(client, b[Role.ADMIN]), headers(client, a[Role.ADMIN])
        a_users = {m.actor.user_id for m in a.values()}
        for params in ({}, {"entity": "patient"}, {"entity": "user"}, {"entity": "auth-session"}):
            response = client.get("/audit", params={**params, "limit": 200}, headers=admin_b)
            page = ok(response)
            assert MRN_A not in response.text
            assert BIRTH_A not in response.text
            assert MRN_B not in response.text  # nor its own centre's clinical values
            for entry in page["items"]:
                assert "before" not in entry
                assert "after" not in entry
                assert entry["user_id"] not in a_users
                assert (entry["entity"], entry["entity_id"]) != ("patient", pid_a)
        own = items(client.get("/audit", params={"entity": "patient"}, headers=admin_b))
        assert [(e["entity_id"], e["action"], e["reason"]) for e in own] == [
            (pid_b, "create", None),
            (pid_b, "correct", "sex entered wrongly"),
        ]
        theirs = items(client.get("/audit", params={"entity": "patient"}, headers=admin_a))
        assert [e["entity_id"] for e in theirs] == [pid_a, pid_a]
        # the values are for those who may read the record, in its own centre only
        nurse_a, nurse_b = headers(client, a[Role.NURSE]), headers(client, b[Role.NURSE])
        history = items(client.get(f"/audit/patient/{pid_a}", headers=nurse_a))
        assert [(h["before"] or {}).get("sex") for h in history] == [None, "female"]
        assert history[0]["after"]["mrn"] == MRN_A
        assert items(client.get(f"/patients/{pid_a}/history", headers=nurse_a))[1]["after"][
            "sex"
        ] == ("male")
        assert items(client.get(f"/audit/patient/{pid_a}", headers=nurse_b)) == []
        assert client.get(f"/patients/{pid_a}/history", headers=nurse_b).status_code == 404
        assert client.get(f"/audit/patient/{pid_a}", headers=admin_a).status_code == 403
        unknown = client.get(f"/audit/no-such-record/{pid_a}", headers=nurse_a)
        assert unknown.status_code == 422
        assert "entity" in unknown.text


def test_user_and_session_entries_never_hold_a_password_hash_or_a_token_hash(
    database_url: str,
) -> None:
    with running_app(database_url) as (app, ctx):
        a, _ = two_centres(ctx)
        client = client_for(app)
        nurse = headers(client, a[Role.NURSE])
        ok(client.post("/auth/logout", headers=nurse), 204)
        with ctx.engine.connect() as connection:
            rows = connection.execute(select(AuditRow.entity, AuditRow.before, AuditRow.after))
            seen = {entity: (before, after) for entity, before, after in rows}
        assert {"user", "auth-session"} <= set(seen)
        for before, after in seen.values():
            for values in (before or {}, after or {}):
                assert "password_hash" not in values
                assert "token_hash" not in values
                assert not any(str(v).startswith("$argon2") for v in values.values())


# ---- append-only in the database --------------------------------------------------------------


def test_update_and_delete_on_the_audit_table_are_refused_by_the_database(
    database_url: str,
) -> None:
    with running_app(database_url) as (_, ctx):
        a, _ = two_centres(ctx)
        register(ctx, a, MRN_A, BIRTH_A)
        before = count(ctx.engine)
        refusals = [
            "UPDATE audit_log SET reason = 'nothing happened'",
            "DELETE FROM audit_log",
            "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
        ]
        if ctx.engine.dialect.name == "postgresql":
            refusals.append("TRUNCATE audit_log")
        for statement in refusals:
            with (
                pytest.raises(DBAPIError, match="append-only"),
                ctx.engine.begin() as connection,
            ):
                connection.execute(text(statement))
        assert count(ctx.engine) == before
        assert verify_database(ctx.engine).intact


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditRow)).scalar_one())


# ---- the chain --------------------------------------------------------------------------------


def audit_verify(url: str, *options: str) -> Any:
    return CliRunner().invoke(cli, ["audit", "verify", *options], env={"TVEC_DATABASE_URL": url})


def tamper(url: str, statement: str, **params: Any) -> None:
    """What an attacker with the owner's rights could do: drop the guard, change the log."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            execute_all(connection, append_only_statements(engine.dialect.name, drop=True))
            connection.execute(text(statement), params)
    finally:
        engine.dispose()


def test_the_chain_verifies_on_a_populated_database_and_names_a_tampered_entry(
    database_url: str,
) -> None:
    with running_app(database_url) as (_, ctx):
        a, b = two_centres(ctx)
        pid_a = register(ctx, a, MRN_A, BIRTH_A)
        register(ctx, b, MRN_B, "1960-01-02")
        register(ctx, a, "MRN-A-0002", "1970-07-07")
        intact = audit_verify(database_url)
        assert intact.exit_code == 0, intact.output
        assert "audit log intact" in intact.stdout
        assert "2 centre chain(s)" in intact.stdout
        heads = [line for line in intact.stdout.splitlines() if line.startswith("head ")]
        assert len(heads) == 2
        assert all(len(line.rsplit(":", 1)[1]) == 64 for line in heads)
        with ctx.engine.connect() as connection:
            entries = connection.execute(
                select(AuditRow.id, AuditRow.centre_id, AuditRow.seq)
                .where(AuditRow.entity == "patient", AuditRow.entity_id == pid_a)
                .order_by(AuditRow.id)
            ).all()
            later = connection.execute(
                select(AuditRow.id)
                .where(AuditRow.centre_id == entries[1].centre_id, AuditRow.seq > entries[1].seq)
                .order_by(AuditRow.seq)
            ).first()
    assert later is not None
    correction = entries[1]
    # the correction's reason rewritten by SQL: that entry is named, and only in centre A
    tamper(database_url, "UPDATE audit_log SET reason = 'typo' WHERE id = :id", id=correction.id)
    changed = audit_verify(database_url)
    assert changed.exit_code == 1
    assert changed.stdout == ""
    [line] = changed.stderr.splitlines()
    assert line.startswith(f"broken: audit entry {correction.id} (centre {correction.centre_id}, ")
    assert "changed after it was written" in line
    # an entry removed: the one after the gap is named
    tamper(database_url, "DELETE FROM audit_log WHERE id = :id", id=correction.id)
    removed = audit_verify(database_url)
    assert removed.exit_code == 1
    assert f"broken: audit entry {later.id} (centre {correction.centre_id}, " in removed.stderr
    assert "removed or added after the fact" in removed.stderr


def test_a_recorded_head_shows_newest_entries_removed_and_a_chain_rebuilt_with_new_hashes(
    database_url: str,
) -> None:
    with running_app(database_url) as (_, ctx):
        a, _ = two_centres(ctx)
        register(ctx, a, MRN_A, BIRTH_A)
        centre = a[Role.NURSE].actor.centre_id
        [recorded] = [
            line.split(" ", 1)[1]
            for line in audit_verify(database_url).stdout.splitlines()
            if line.startswith(f"head {centre}:")
        ]
        register(ctx, a, "MRN-A-0002", "1970-07-07")  # the log goes on after the head was kept
        assert audit_verify(database_url, "--head", recorded).exit_code == 0
        with ctx.engine.connect() as connection:
            table = AuditRow.__table__
            rows = connection.execute(
                select(table).where(table.c.centre_id == centre).order_by(table.c.seq)
            ).all()
    # the newest entries removed, back to before the recorded head: the chain alone still holds
    seq = int(recorded.split(":")[1])
    tamper(
        database_url, "DELETE FROM audit_log WHERE centre_id = :c AND seq >= :s", c=centre, s=seq
    )
    assert audit_verify(database_url).exit_code == 0
    removed = audit_verify(database_url, "--head", recorded)
    assert removed.exit_code == 1
    assert f"broken: centre {centre}: the log ends at entry number {seq - 1}" in removed.stderr
    # the whole chain rebuilt, with a reason rewritten and every hash recomputed
    previous = GENESIS
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log WHERE centre_id = :c"), {"c": centre})
            for row in rows:
                fields = dict(row._mapping)
                if fields["entity"] == "patient" and fields["action"] == "correct":
                    fields["reason"] = "no reason"
                fields["hash"] = previous = entry_hash(fields, previous)
                connection.execute(AuditRow.__table__.insert().values(**fields))  # type: ignore[attr-defined]
    finally:
        engine.dispose()
    assert audit_verify(database_url).exit_code == 0  # consistent, as far as the chain can tell
    rebuilt = audit_verify(database_url, "--head", recorded)
    assert rebuilt.exit_code == 1
    [anchored] = [row for row in rows if row.seq == seq]
    assert f"broken: audit entry {anchored.id} (centre {centre}, number {seq})" in rebuilt.stderr
    assert "rewritten" in rebuilt.stderr
    bad = audit_verify(database_url, "--head", "1:x:y")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: --head:")


def test_the_chain_stays_valid_under_8_parallel_writers_of_one_centre(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: nothing to race")
    with running_app(database_url) as (_, ctx):
        a, _ = two_centres(ctx)
        start = threading.Barrier(8)
        failures: list[BaseException] = []

        def writer(n: int) -> None:
            try:
                start.wait(timeout=30)
                for round_ in range(3):
                    register(ctx, a, f"MRN-P-{n}-{round_}", "1955-05-05")
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert failures == []
        verdict = verify_database(ctx.engine)
        assert verdict.intact, [str(b) for b in verdict.breaks]
        with ctx.engine.connect() as connection:
            centre = a[Role.NURSE].actor.centre_id
            numbers = connection.execute(
                select(AuditRow.seq).where(AuditRow.centre_id == centre).order_by(AuditRow.seq)
            ).scalars()
            assert list(numbers) == list(range(1, len(list_of(ctx, centre)) + 1))
        # 8 writers × 3 patients × (registration + correction)
        assert len([e for e in list_of(ctx, centre) if e[0] == "patient"]) == 8 * 3 * 2


def list_of(ctx: Context, centre: int) -> list[tuple[str, int]]:
    with ctx.engine.connect() as connection:
        rows = connection.execute(
            select(AuditRow.entity, AuditRow.entity_id).where(AuditRow.centre_id == centre)
        )
        return [(e, i) for e, i in rows]


# ---- entries written before the log was chained ------------------------------------------------


def test_the_migration_gives_earlier_entries_their_centre_and_chains_them(
    database_url: str,
) -> None:
    upgrade(database_url, "0003")
    engine = create_engine(database_url)
    at = "2026-05-01 10:00:00"
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO centres (id, name) VALUES (1, 'Centre A'), (2, 'Centre B')",
                "INSERT INTO users (id, centre_id, username, full_name, role, password_hash,"
                f" active, created_at) VALUES (1, 2, 'b-nurse', 'B', 'nurse', 'x', true, '{at}')",
                "INSERT INTO patients (id, centre_id, mrn, birth_date, sex, created_at, version)"
                f" VALUES (1, 1, 'MRN-A-1', '1950-01-01', 'female', '{at}', 1)",
            ):
                connection.execute(text(statement))
            old = [  # (user_id, entity, entity_id, after): by nobody, by B's nurse, about A's patient
                (None, "centre", 1, {"id": 1, "name": "Centre A"}),
                (None, "user", 1, {"id": 1, "centre_id": 2, "username": "b-nurse"}),
                (1, "patient", 1, {"id": 1, "centre_id": 2, "mrn": "MRN-B-1"}),
                (None, "diagnosis", 1, {"id": 1, "patient_id": 1, "stage": "IIIB"}),
            ]
            for user_id, entity, entity_id, after in old:
                connection.execute(
                    AuditRow.__table__.insert().values(  # type: ignore[attr-defined]
                        at=date(2026, 5, 1),
                        user_id=user_id,
                        action="create",
                        entity=entity,
                        entity_id=entity_id,
                        entity_version=None,
                        reason=None,
                        before=None,
                        after=after,
                    )
                )
    except Exception:
        engine.dispose()
        raise
    try:
        upgrade(database_url)
        with engine.connect() as connection:
            rows = connection.execute(
                select(AuditRow.entity, AuditRow.centre_id, AuditRow.seq).order_by(AuditRow.id)
            ).all()
        assert [tuple(row) for row in rows] == [
            ("centre", 1, 1),
            ("user", 2, 1),
            ("patient", 2, 2),  # the acting user's centre
            ("diagnosis", 1, 2),  # the patient's centre
        ]
        assert verify_database(engine).intact
    finally:
        engine.dispose()


def test_on_postgresql_the_application_role_may_add_to_the_log_but_not_change_it(
    database_url: str,
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("roles are PostgreSQL's")
    upgrade(database_url)
    owner = create_engine(database_url)
    try:
        with owner.begin() as connection:  # what a deployment's administrator does once
            connection.execute(
                text(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'clinic')"
                    f" THEN CREATE ROLE clinic LOGIN IN ROLE {APP_ROLE}; END IF; END $$"
                )
            )
    finally:
        owner.dispose()
    as_clinic = database_url.replace("://tvec@", "://clinic@", 1)
    assert as_clinic != database_url
    with running_app(as_clinic) as (app, ctx):  # the whole clinic works as this role
        a, _ = two_centres(ctx)
        register(ctx, a, MRN_A, BIRTH_A)
        client = client_for(app)
        assert items(client.get("/audit", headers=headers(client, a[Role.ADMIN])))
        for statement in (
            "UPDATE audit_log SET reason = 'nothing happened'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "DROP TRIGGER audit_log_no_change ON audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        ):
            with (
                pytest.raises(DBAPIError, match=r"permission denied|must be owner"),
                ctx.engine.begin() as connection,
            ):
                connection.execute(text(statement))
        assert verify_database(ctx.engine).intact


def test_audit_verify_on_a_database_without_the_log_says_so_in_one_line(tmp_path: Path) -> None:
    result = audit_verify(f"sqlite:///{tmp_path}/empty.db")
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "could not read the audit log" in line
    assert "tvec db upgrade" in line


def test_entries_stamped_by_the_real_clock_with_non_ascii_reasons_verify(database_url: str) -> None:
    # microseconds and a time zone on the way in; what each database hands back must hash the same
    with running_app(database_url, clock=lambda: datetime.now(UTC)) as (_, ctx):
        a, _ = two_centres(ctx)
        nurse = a[Role.NURSE].actor
        patient = patients.register_patient(
            ctx,
            nurse,
            PatientIn(
                mrn="MRN-Ü-1",
                given_name="Zoë",
                family_name="Ångström-Ruiz",
                birth_date=date(1950, 1, 1),
                sex="female",
            ),
        )
        patients.correct_patient(
            ctx,
            nurse,
            patient.id,
            PatientCorrection(
                version=1, reason="Geschlecht falsch erfasst — korrigiert", sex="male"
            ),
        )
        verdict = verify_database(ctx.engine)
        assert verdict.intact, [str(b) for b in verdict.breaks]
        assert verdict.entries > 0
