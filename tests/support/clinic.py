"""Plain helpers for the clinic API tests: an app on a migrated database, staff, logins, patients.

No fixtures here: each test module calls these functions (and closes what it opened).
"""

from __future__ import annotations

import hashlib
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI

from tests.factories import screening_answers
from tvec.app import create_app
from tvec.config import Settings
from tvec.persistence.migrate import upgrade
from tvec.schemas.clinic import UserIn
from tvec.schemas.programme import AttestationIn, TrainingIn
from tvec.services import auth, staff_safety
from tvec.services.context import Actor, Context
from tvec.services.permissions import Role

with warnings.catch_warnings():
    # starlette.testclient warns on import that it runs on httpx rather than httpx2 (a
    # StarletteDeprecationWarning, which is a UserWarning). Targeted: nothing else is silenced.
    warnings.filterwarnings(
        "ignore", message="Using `httpx` with `starlette.testclient` is deprecated"
    )
    from fastapi.testclient import TestClient

# For test modules: `pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)`.
TESTCLIENT_WARNING = "ignore:Using `httpx` with `starlette.testclient` is deprecated:UserWarning"

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TODAY = NOW.date()


def fixed_clock() -> datetime:
    """The clinic's clock in these tests: 1 June 2026, 09:00 UTC, forever."""
    return NOW


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def at_ten(day: date) -> str:
    """An administration time on `day` (10:00 UTC), as the API takes it."""
    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=UTC).isoformat()


# ---- the app ------------------------------------------------------------------------------------


def make_app(
    url: str, clock: Callable[[], datetime] | None = None, **settings: Any
) -> tuple[FastAPI, Context]:
    """The API on a freshly migrated database; the clock defaults to the fixed one above, and
    `settings` are TVEC_* settings other than the database's."""
    upgrade(url)
    app = create_app(Settings(database_url=url, **settings), clock or fixed_clock)
    return app, app.state.ctx


def close_app(app: FastAPI) -> None:
    """Close the app's database connections (PostgreSQL resets the schema between tests)."""
    app.state.ctx.engine.dispose()


@contextmanager
def running_app(
    url: str, clock: Callable[[], datetime] | None = None
) -> Iterator[tuple[FastAPI, Context]]:
    app, ctx = make_app(url, clock)
    try:
        yield app, ctx
    finally:
        close_app(app)


def client_for(app: FastAPI) -> TestClient:
    """A client that never raises the server's exceptions: a 500 is a response to assert on."""
    return TestClient(app, raise_server_exceptions=False)


# ---- staff --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    username: str
    password: str
    actor: Actor


def seed_staff(
    ctx: Context, centre: str = "Test centre", prefix: str = ""
) -> dict[Role, StaffMember]:
    """A centre with one user per role; usernames are `<prefix><role>`, passwords keep the rules."""
    admin_name = f"{prefix}admin"
    admin = auth.bootstrap_centre(
        ctx,
        centre,
        UserIn(
            username=admin_name,
            full_name="Ada Admin",
            role=Role.ADMIN,
            password=password_of(admin_name),
        ),
    )
    admin_actor = Actor(admin.id, admin.centre_id, Role.ADMIN, admin_name)
    staff = {Role.ADMIN: StaffMember(admin_name, password_of(admin_name), admin_actor)}
    for role in Role:
        if role is Role.ADMIN:
            continue
        username = f"{prefix}{role.value}"
        user = auth.create_user(
            ctx,
            admin_actor,
            UserIn(
                username=username,
                full_name=f"Test {role.value}",
                role=role,
                password=password_of(username),
            ),
        )
        staff[role] = StaffMember(
            username, password_of(username), Actor(user.id, user.centre_id, role, username)
        )
    clear_for_programme(ctx, admin_actor, [m.actor for m in staff.values()])
    return staff


PROGRAMME_TRAINING = "imlygic-handling"


def clear_for_programme(ctx: Context, admin: Actor, actors: Sequence[Actor]) -> None:
    """The safety programme's staff records for the clinical staff among `actors`: a current
    training (two years) and an attestation that they may prepare and give the product. The
    training was completed two days ago: an actor's own day may run ahead of their centre's (the
    centre's time zone is the one the service checks "not in the future" against)."""
    today = ctx.today(admin) - timedelta(days=2)
    for actor in actors:
        if actor.role not in staff_safety.CLINICAL_STAFF:
            continue
        staff_safety.attest(ctx, actor, AttestationIn(cleared=True))
        training = TrainingIn(
            user_id=actor.user_id,
            course=PROGRAMME_TRAINING,
            completed_on=today,
            expires_on=today + timedelta(days=730),
        )
        staff_safety.record_training(ctx, admin, training)


def password_of(username: str) -> str:
    """A password that keeps tvec's rules (long, not common, not containing the username)."""
    return f"pw-{hashlib.sha256(username.encode()).hexdigest()[:12]}-tEst"


def login(client: TestClient, username: str, password: str) -> dict[str, str]:
    """Bearer headers for the user. The login's session cookie is dropped from the client, so
    requests made without these headers stay anonymous."""
    response = client.post("/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def login_form(client: TestClient) -> dict[str, str]:
    """The login page's form token, as a browser gets it: GET /login sets the login cookie on the
    client and puts the same value in the form (posts to /login without it are refused)."""
    page = client.get("/login")
    assert page.status_code == 200, page.text
    found = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert found, "no login form token on the login page"
    return {"login_csrf": found.group(1)}


def login_all(client: TestClient, staff: dict[Role, StaffMember]) -> dict[Role, dict[str, str]]:
    return {role: login(client, m.username, m.password) for role, m in staff.items()}


# ---- clinical records over HTTP -----------------------------------------------------------------

# name, site, longest cm, perpendicular cm. Initial-visit bands (USPI §2.2 Table 2):
# 3.2 cm → 2 mL, 1.8 cm → 1 mL, 0.9 cm → 0.5 mL; the visceral lesion is never injected.
DEFAULT_LESIONS: tuple[tuple[str, str, str, str], ...] = (
    ("L1", "cutaneous", "3.2", "2.0"),
    ("L2", "subcutaneous", "1.8", "1.2"),
    ("L3", "nodal", "0.9", "0.6"),
    ("V1", "visceral", "3.0", "2.5"),
)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.status_code}: {response.text}"
    return response.json() if response.content else None


def items(response: Any) -> list[Any]:
    """The items of a whole list answered as one page (every list endpoint pages)."""
    page = ok(response)
    assert set(page) == {"items", "total", "limit", "offset"}, page
    assert page["total"] == len(page["items"]), "more than one page: ask for a larger limit"
    return list(page["items"])


def make_patient_ready_for_course(
    client: TestClient,
    headers: dict[str, str],
    *,
    mrn: str = "MRN-0001",
    lesions: Sequence[tuple[str, str, str, str]] = DEFAULT_LESIONS,
    measured_on: date | None = None,
    screened_on: date | None = None,
    immunocompromised: bool = False,
    pregnant: bool = False,
    screen: bool = True,
    contraindications: Sequence[str] = (),
) -> dict[str, Any]:
    """Register a patient with diagnosis, screening, lesions and baseline measurements.

    The diagnosis is complete (within the US indication, and the EU one but for the default
    lesions' visceral lesion, which the EU indication excludes); the screening answers every item
    of the contraindication list no, except `contraindications` (`immunocompromised` answers
    immunodeficiency yes, `pregnant` pregnancy).

    Returns {"patient", "diagnosis", "screening", "lesions" (by name), "measurements"}.
    """
    baseline = measured_on or days_ago(30)
    patient = ok(
        client.post(
            "/patients",
            json={
                "mrn": mrn,
                "given_name": "Maren",
                "family_name": "Hollowmere",
                "birth_date": "1961-04-12",
                "sex": "female",
            },
            headers=headers,
        ),
        201,
    )
    pid = patient["id"]
    diagnosis = ok(
        client.put(
            f"/patients/{pid}/diagnosis",
            json={
                "stage": "IIIC",
                "recurrent_after_surgery": True,
                "unresectable": True,
                "distant_sites": [],
                "diagnosed_on": (baseline - timedelta(days=90)).isoformat(),
            },
            headers=headers,
        )
    )
    screening = None
    if screen:
        screening = ok(
            client.post(
                f"/patients/{pid}/screenings",
                json={
                    "screened_on": (screened_on or baseline - timedelta(days=3)).isoformat(),
                    "answers": screening_answers(
                        *contraindications,
                        *(["immunodeficiency"] if immunocompromised else []),
                        *(["pregnancy"] if pregnant else []),
                    ),
                    "answered_by": "patient, confirmed by the nurse",
                },
                headers=headers,
            ),
            201,
        )
    made = {}
    for name, site, _, _ in lesions:
        made[name] = ok(
            client.post(
                f"/patients/{pid}/lesions",
                json={
                    "name": name,
                    "site": site,
                    "location": f"{site} site of {name}",
                    "first_seen": (baseline - timedelta(days=10)).isoformat(),
                },
                headers=headers,
            ),
            201,
        )
    measurements = measure(
        client,
        headers,
        pid,
        baseline,
        {name: (longest, perp) for name, _, longest, perp in lesions},
        made,
    )
    return {
        "patient": patient,
        "diagnosis": diagnosis,
        "screening": screening,
        "lesions": made,
        "measurements": measurements,
    }


def measure(
    client: TestClient,
    headers: dict[str, str],
    patient_id: int,
    day: date,
    sizes: dict[str, tuple[str, str]],
    lesions: dict[str, dict[str, Any]],
) -> list[dict[str, Any]]:
    """Record one visit's measurements ({lesion name: (longest, perpendicular)})."""
    items = [
        {"lesion_id": lesions[name]["id"], "longest_cm": longest, "perpendicular_cm": perp}
        for name, (longest, perp) in sizes.items()
    ]
    return ok(  # type: ignore[no-any-return]
        client.post(
            f"/patients/{patient_id}/measurements",
            json={"measured_on": day.isoformat(), "method": "caliper", "items": items},
            headers=headers,
        ),
        201,
    )


def add_vial_lot(
    client: TestClient,
    pharmacist: dict[str, str],
    lot: str,
    pfu_per_ml: int,
    expiry: date | None = None,
) -> dict[str, Any]:
    """A vial lot in the centre's stock (the pharmacist's job); expiry defaults to a year ahead."""
    return ok(  # type: ignore[no-any-return]
        client.post(
            "/vial-lots",
            json={
                "lot": lot,
                "pfu_per_ml": pfu_per_ml,
                "expiry_date": (expiry or TODAY + timedelta(days=365)).isoformat(),
            },
            headers=pharmacist,
        ),
        201,
    )


def start_course(
    client: TestClient, oncologist: dict[str, str], patient_id: int, start: date
) -> dict[str, Any]:
    return ok(  # type: ignore[no-any-return]
        client.post(
            f"/patients/{patient_id}/courses",
            json={"label_variant": "us", "start_date": start.isoformat()},
            headers=oncologist,
        ),
        201,
    )


# The reason these tests give to plan from sizes not measured that day (tvec's rule asks for one;
# tests/e2e/test_api_measure_plan.py tests the rule itself). Ignored when every size is today's.
OLDER_SIZES = "test plans from the sizes on file"


def plan_visit(
    client: TestClient,
    headers: dict[str, str],
    course_id: int,
    stale_reason: str | None = OLDER_SIZES,
) -> dict[str, Any]:
    body = {} if stale_reason is None else {"stale_reason": stale_reason}
    return ok(client.post(f"/courses/{course_id}/visits", json=body, headers=headers), 201)  # type: ignore[no-any-return]


def administration_body(
    visit: dict[str, Any],
    lot: str,
    day: date,
    *,
    volumes: dict[str, str] | None = None,
    override_reason: str | None = None,
) -> dict[str, Any]:
    """What the nurse gives: the plan's volumes (or `volumes` by target) from one lot."""
    chosen = volumes or {i["lesion_id"]: str(i["volume_ml"]) for i in visit["plan"]["injections"]}
    body: dict[str, Any] = {
        "version": visit["version"],
        "administered_at": at_ten(day),
        "items": [
            {"target": target, "volume_ml": volume, "vial_lot": lot}
            for target, volume in chosen.items()
        ],
    }
    if override_reason is not None:
        body["override_reason"] = override_reason
    return body


def audit_total(client: TestClient, admin: dict[str, str]) -> int:
    return ok(client.get("/audit", params={"limit": 1}, headers=admin))["total"]  # type: ignore[no-any-return]
