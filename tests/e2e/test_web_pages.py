"""Every web page at the HTML level, without a browser: renders, links, permissions, CSRF, forms.

One migrated SQLite database with the demo data (clock fixed at 1 June 2026) serves the module;
tests that write build their own patients through the services, so they do not disturb each
other. Pages are read with the standard library's HTML parser. "Nothing saved" means every table
has the same number of rows as before.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi import FastAPI
from tests.support.browser import (
    DEMO_PASSWORD,
    OLDER_SIZES,
    DuePatient,
    Staff,
    demo_staff,
    make_due_patient,
    row_counts,
    showcase_patient,
)
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TODAY,
    client_for,
    close_app,
    login_form,
    make_app,
)
from tests.support.wording import assert_plain

from tvec.services import cold_chain, readings_import, visits
from tvec.services.context import Context
from tvec.services.permissions import Action, Role, allowed
from tvec.services.seeding import load_demo

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

DISCLAIMER = "supports, and does not replace, clinical judgement"
NOT_ALLOWED = "Not allowed for your role"
CONTROLS = ("input", "select", "textarea")
_mrns = itertools.count(1)


# ---- reading HTML -------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    index: int  # position among the page's start tags
    ancestors: tuple[str, ...]  # tags of the open elements around it
    text: str = ""


@dataclass
class Doc:
    """A page as a flat list of elements in document order, each with its text."""

    html: str
    elements: list[Element] = field(default_factory=list)
    text: str = ""

    def __post_init__(self) -> None:
        parser = _Parser(self)
        parser.feed(self.html)
        parser.close()

    def all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.elements
            if (tag is None or e.tag == tag) and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag} {attrs}>, found {len(found)}"
        return found[0]

    def by_id(self, element_id: str) -> Element:
        return self.one(id=element_id)

    def testid(self, name: str) -> Element:
        return self.one(data_testid=name)

    def links(self) -> list[str]:
        return [e.attrs["href"] for e in self.all("a") if "href" in e.attrs]

    def nav_links(self) -> set[str]:
        nav = self.one("nav", aria_label="Main")
        end = next(
            (e.index for e in self.elements[nav.index + 1 :] if "nav" not in e.ancestors),
            len(self.elements),
        )
        return {e.attrs["href"] for e in self.elements[nav.index : end] if e.tag == "a"}

    def selected(self, select_id: str) -> list[str]:
        select = self.by_id(select_id)
        options = itertools.takewhile(
            lambda e: e.tag == "option", self.elements[select.index + 1 :]
        )
        return [o.attrs.get("value", "") for o in options if "selected" in o.attrs]

    def csrf(self) -> str:
        values = {e.attrs.get("value", "") for e in self.all("input", name="csrf")}
        assert len(values) == 1, f"expected one csrf value on the page, found {values}"
        return values.pop()

    def field_error(self, name: str) -> str:
        """The error shown next to the control `name`: right after it, and tied to it."""
        control = self.control(name)
        following = next(  # the next element after the control (and its options) closes
            e
            for e in self.elements[control.index + 1 :]
            if len(e.ancestors) <= len(control.ancestors)
        )
        error_id = control.attrs.get("aria-describedby", "")
        assert control.attrs.get("aria-invalid") == "true", f"{name} is not marked invalid"
        assert (following.tag, following.attrs.get("id")) == ("span", error_id), (
            f"no error right after {name}"
        )
        return following.text.strip()

    def control(self, name: str) -> Element:
        return next(e for e in self.elements if e.tag in CONTROLS and e.attrs.get("name") == name)

    def value(self, name: str) -> str:
        control = self.control(name)
        return control.text if control.tag == "textarea" else control.attrs.get("value", "")

    def forms_posting_to(self, prefix: str) -> list[str]:
        return [
            e.attrs.get("action", "")
            for e in self.all("form")
            if e.attrs.get("action", "").startswith(prefix)
        ]


class _Parser(HTMLParser):
    def __init__(self, doc: Doc) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = doc
        self.open: list[Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(
            tag,
            {k: v or "" for k, v in attrs},
            len(self.doc.elements),
            tuple(e.tag for e in self.open),
        )
        self.doc.elements.append(element)
        if tag not in VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i].tag == tag:
                del self.open[i:]
                return

    def handle_data(self, data: str) -> None:
        if any(e.tag in ("script", "style") for e in self.open):
            return
        self.doc.text += data
        for element in self.open:
            element.text += data


# ---- the clinic ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clinic:
    app: FastAPI
    ctx: Context
    staff: Staff
    due: DuePatient  # visit 2 (10^8) planned, due today, not given
    visit_id: int  # that planned visit
    showcase: int  # a demo responder with a response page worth reading
    location: int  # the pharmacy's freezer, with a day of readings

    def url(self, template: str) -> str:
        return template.format(
            loc=self.location,
            pid=self.due.patient_id,
            vid=self.visit_id,
            v1=self.due.first_visit_id,
            show=self.showcase,
        )

    def patient(self, *, days_since_first_dose: int = 21) -> DuePatient:
        """A fresh patient of its own for a test that writes."""
        return make_due_patient(
            self.ctx, self.staff, f"WEB-{next(_mrns):04d}", days_since_first_dose
        )

    def planned(self, patient: DuePatient) -> int:
        nurse, course = self.staff.nurse, patient.course_id
        return visits.plan_next_visit(self.ctx, nurse, course, stale_reason=OLDER_SIZES).id


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    url = f"sqlite:///{tmp_path_factory.mktemp('web-pages') / 'tvec.db'}"
    app, ctx = make_app(url)
    load_demo(ctx)
    staff = demo_staff(ctx)
    due = make_due_patient(ctx, staff, "WEB-DUE")
    planned = visits.plan_next_visit(ctx, staff.nurse, due.course_id, stale_reason=OLDER_SIZES)
    try:
        showcase = showcase_patient(ctx, staff)
        yield Clinic(app, ctx, staff, due, planned.id, showcase, a_freezer(ctx, staff))
    finally:
        close_app(app)


def a_freezer(ctx: Context, staff: Staff) -> int:
    """A freezer with a few hours of readings, one of them out of band."""
    freezer = cold_chain.add_location(ctx, staff.pharmacist, "Freezer A", "freezer")
    now = ctx.clock().replace(microsecond=0)
    readings = [(now - timedelta(minutes=10 * i), -62.0 if i == 5 else -80.0) for i in range(30)]
    readings_import.import_readings(ctx, staff.pharmacist, freezer.id, sorted(readings))
    return freezer.id


def logged_in(clinic: Clinic, role: Role) -> Any:
    """A TestClient holding a fresh session cookie for the demo user of `role`."""
    username = role.value
    client = client_for(clinic.app)
    response = client.post(
        "/login",
        data={"username": username, "password": DEMO_PASSWORD.format(username)}
        | login_form(client),
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def page(client: Any, url: str, status: int = 200) -> Doc:
    response = client.get(url, follow_redirects=False)
    assert response.status_code == status, (
        f"GET {url}: {response.status_code} {response.text[:300]}"
    )
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return Doc(response.text)


def post(client: Any, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data=data, follow_redirects=False)


# ---- the pages and who may use them -------------------------------------------------------------


def roles_that(action: Action) -> frozenset[Role]:
    return frozenset(role for role in Role if allowed(role, action))


CLINICAL = roles_that(Action.READ_CLINICAL)
PAGES: dict[str, tuple[str, frozenset[Role]]] = {
    "worklist": ("/", CLINICAL),
    "patients": ("/patient-list", CLINICAL),  # "/patients" is the REST API's JSON list
    "chart": ("/chart/{pid}", CLINICAL),
    "chart-responder": ("/chart/{show}", CLINICAL),
    "response": ("/chart/{show}/response", CLINICAL),
    "adverse-event": ("/chart/{pid}/adverse-events/new", roles_that(Action.RECORD_ADVERSE_EVENT)),
    "patient-details": ("/chart/{pid}/details", roles_that(Action.CORRECT_PATIENT)),
    "follow-up": ("/chart/{pid}/follow-up", CLINICAL),
    "visit-measure": ("/chart/{pid}/visit", roles_that(Action.RECORD_LESIONS)),
    "visit-plan": ("/chart/{pid}/visit/{vid}", CLINICAL),
    "visit-record": ("/chart/{pid}/visit/{vid}/record", roles_that(Action.RECORD_ADMINISTRATION)),
    "visit-summary": ("/chart/{pid}/visit/{v1}/summary", CLINICAL),
    "vials": ("/vials", roles_that(Action.READ_VIALS)),
    "vials-receive": ("/vials/receive", roles_that(Action.MANAGE_VIALS)),
    "stock": ("/vials/stock", roles_that(Action.MANAGE_VIALS)),
    "reconciliation": ("/vials/reconciliation", roles_that(Action.MANAGE_VIALS)),
    "forecast": ("/vials/forecast", roles_that(Action.MANAGE_VIALS)),
    "pharmacy-board": ("/pharmacy", roles_that(Action.READ_VIALS)),
    "storage": ("/storage", roles_that(Action.MANAGE_VIALS)),
    "storage-location": ("/storage/{loc}", roles_that(Action.MANAGE_VIALS)),
    "billing": ("/billing", roles_that(Action.READ_BILLING)),
    "coverage": ("/coverage", roles_that(Action.CHECK_COVERAGE)),
    "authorizations": ("/authorizations", roles_that(Action.REQUEST_PRIOR_AUTH)),
    "payer-review": ("/payer-review", roles_that(Action.REVIEW_PRIOR_AUTH)),
    "research": ("/research", roles_that(Action.READ_DEIDENTIFIED)),
    "outcomes-report": ("/research/outcomes-report", roles_that(Action.READ_DEIDENTIFIED)),
    "admin": ("/admin", roles_that(Action.MANAGE_USERS)),
    "centre-contact": ("/admin/centre-contact", roles_that(Action.MANAGE_USERS)),
    "education": ("/chart/{pid}/education/new", roles_that(Action.ISSUE_ALERT_CARD)),
    "exposures": ("/exposure-log", CLINICAL),
    "exposure-new": ("/exposure-log/new", roles_that(Action.RECORD_EXPOSURE)),
    "trainings": ("/admin/trainings", roles_that(Action.RECORD_TRAINING)),
    "attestation": ("/attestation", roles_that(Action.ATTEST)),
    "safety": ("/safety", CLINICAL),
}
LANDING = {Role.BILLING: "/billing", Role.RESEARCHER: "/research", Role.ADMIN: "/admin"}
LANDING[Role.PAYER_REVIEWER] = "/payer-review"
NAVIGATION = {
    "patients",
    "vials",
    "stock",
    "pharmacy-board",
    "storage",
    "billing",
    "coverage",
    "authorizations",
    "payer-review",
    "research",
    "outcomes-report",
    "admin",
    "exposures",
    "trainings",
    "attestation",
    "safety",
}  # in the menu


def _case(name: str, role: Role) -> Any:
    return pytest.param(name, role, id=f"{name}-{role.value}")


ALLOWED_CASES = [
    _case(name, role) for name, (_url, roles) in PAGES.items() for role in sorted(roles)
]
REFUSED_CASES = [
    _case(name, role)
    for name, (_url, roles) in PAGES.items()
    if name != "worklist"  # "/" sends the other roles to their own page (tested below)
    for role in sorted(set(Role) - roles)
]


# ---- every page: renders, who is logged in, the disclaimer, links, labels -----------------------


@pytest.mark.parametrize(("name", "role"), ALLOWED_CASES)
def test_every_page_renders_for_a_role_allowed_to_see_it_with_who_and_the_disclaimer(
    clinic: Clinic, name: str, role: Role
) -> None:
    doc = page(logged_in(clinic, role), clinic.url(PAGES[name][0]))
    assert doc.testid("username").text.strip() == role.value
    assert doc.testid("role").text.strip() == role.value
    assert DISCLAIMER in doc.text
    assert doc.one("h1").text.strip()


def test_the_login_page_carries_the_disclaimer_and_names_nobody(clinic: Clinic) -> None:
    doc = page(client_for(clinic.app), "/login")
    assert DISCLAIMER in doc.text
    assert doc.all(data_testid="username") == []
    assert doc.one("form", action="/login")


@pytest.mark.parametrize(
    ("url", "status", "heading"),
    [("/billing", 403, NOT_ALLOWED), ("/chart/999999", 404, "Not found")],
    ids=["403", "404"],
)
def test_error_pages_are_pages_with_the_disclaimer(
    clinic: Clinic, url: str, status: int, heading: str
) -> None:
    doc = page(logged_in(clinic, Role.NURSE), url, status)
    assert doc.one("h1").text.strip() == heading
    assert DISCLAIMER in doc.text
    assert "Back to the start" in [a.text for a in doc.all("a", href="/")]  # a way back


@pytest.mark.parametrize(
    ("url", "status"),
    [("/billing", 403), ("/chart/999999", 404), ("/chart/not-a-number", 422)],
    ids=["403", "404", "422"],
)
def test_error_pages_still_show_who_is_logged_in_and_their_menu(
    clinic: Clinic, url: str, status: int
) -> None:
    doc = page(logged_in(clinic, Role.NURSE), url, status)
    assert doc.testid("username").text.strip() == "nurse"
    assert doc.testid("role").text.strip() == "nurse"
    assert doc.nav_links() == {"/"} | {
        PAGES[name][0] for name in NAVIGATION if Role.NURSE in PAGES[name][1]
    }


def test_an_error_page_names_the_field_without_the_request_plumbing(clinic: Clinic) -> None:
    doc = page(logged_in(clinic, Role.NURSE), "/chart/not-a-number", 422)
    message = doc.one("p", role="alert").text.strip()
    # the field's label, not "path.patient_id: Input should be a valid integer"
    assert message == "Patient: must be a whole number, such as 3", message


LINK_CASES = [
    pytest.param(name, role, id=name)
    for name, role in [
        *((n, Role.NURSE) for n, (_u, roles) in PAGES.items() if Role.NURSE in roles),
        ("vials", Role.PHARMACIST),
        ("storage", Role.PHARMACIST),
        ("storage-location", Role.PHARMACIST),
        ("billing", Role.BILLING),
        ("research", Role.RESEARCHER),
        ("admin", Role.ADMIN),
    ]
]


@pytest.mark.parametrize(("name", "role"), LINK_CASES)
def test_every_internal_link_on_a_page_resolves(clinic: Clinic, name: str, role: Role) -> None:
    client = logged_in(clinic, role)
    url = clinic.url(PAGES[name][0])
    response = client.get(url)
    assert response.status_code == 200
    links = sorted({href for href in Doc(response.text).links() if href.startswith("/")})
    assert links, f"{url} has no links"
    broken = {}
    for href in links:
        followed = client.get(href)
        if followed.status_code >= 400 or followed.url.path == "/login":
            broken[href] = followed.status_code
    assert broken == {}, f"broken links on {url}"


def test_the_login_page_links_resolve(clinic: Clinic) -> None:
    client = client_for(clinic.app)
    doc = page(client, "/login")
    for href in {h for h in doc.links() if h.startswith("/")}:
        assert client.get(href).status_code < 400, href


def _label_problems(doc: Doc) -> list[str]:
    """Controls a screen reader could not name: no <label for=id>, and not inside a <label>."""
    labelled = {e.attrs.get("for") for e in doc.all("label")}
    problems = []
    for e in doc.elements:
        if e.tag not in CONTROLS or e.attrs.get("type") in ("hidden", "submit", "button"):
            continue
        element_id = e.attrs.get("id")
        if element_id and element_id not in labelled:
            problems.append(f"<{e.tag} id={element_id}> has no <label for>")
        if not element_id and "label" not in e.ancestors:
            problems.append(f"<{e.tag} name={e.attrs.get('name')}> has neither id nor label")
    ids = [e.attrs["id"] for e in doc.elements if "id" in e.attrs]
    problems += [f"id {i} is used twice" for i in sorted({i for i in ids if ids.count(i) > 1})]
    return problems


LABEL_CASES = [
    pytest.param(name, sorted(roles)[0] if Role.NURSE not in roles else Role.NURSE, id=name)
    for name, (_url, roles) in PAGES.items()
] + [pytest.param("vials", Role.PHARMACIST, id="vials-with-the-lot-form")]


@pytest.mark.parametrize(("name", "role"), LABEL_CASES)
def test_every_control_has_a_label(clinic: Clinic, name: str, role: Role) -> None:
    doc = page(logged_in(clinic, role), clinic.url(PAGES[name][0]))
    assert _label_problems(doc) == []


def test_controls_have_labels_on_the_login_page_the_new_lesion_row_and_pages_with_errors(
    clinic: Clinic,
) -> None:
    assert _label_problems(page(client_for(clinic.app), "/login")) == []
    client = logged_in(clinic, Role.NURSE)
    row = client.get(clinic.url("/chart/{pid}/visit/new-lesion?i=0"))
    assert row.status_code == 200
    assert _label_problems(Doc(row.text)) == []
    csrf = page(client, clinic.url("/chart/{pid}/visit")).csrf()
    refused = post(
        client,
        clinic.url("/chart/{pid}/visit/{vid}/record"),
        {"csrf": csrf, "version": "1", "administered_at": "", "volume-L1": "x"},
    )
    assert refused.status_code == 422
    assert _label_problems(Doc(refused.text)) == []


# ---- permissions: navigation, buttons, refusals -------------------------------------------------


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_a_role_finds_exactly_its_own_pages_in_the_navigation(clinic: Clinic, role: Role) -> None:
    client = logged_in(clinic, role)
    response = client.get("/")  # the role's landing page
    assert response.status_code == 200
    expected = {"/"} | {
        PAGES[name][0] for name in NAVIGATION if role in PAGES[name][1]
    }  # "/" is the tvec home link (and the worklist for clinical staff)
    assert Doc(response.text).nav_links() == expected


@pytest.mark.parametrize("role", sorted(LANDING), ids=[r.value for r in sorted(LANDING)])
def test_home_sends_a_role_without_clinical_access_to_its_own_page(
    clinic: Clinic, role: Role
) -> None:
    response = logged_in(clinic, role).get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, LANDING[role])


@pytest.mark.parametrize(("name", "role"), REFUSED_CASES)
def test_a_page_a_role_may_not_use_is_refused_with_the_403_page(
    clinic: Clinic, name: str, role: Role
) -> None:
    doc = page(logged_in(clinic, role), clinic.url(PAGES[name][0]), 403)
    assert doc.one("h1").text.strip() == NOT_ALLOWED
    assert f"role {role.value} may not" in doc.text


def test_the_nurse_is_offered_the_clinical_actions(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.NURSE)
    chart = page(client, clinic.url("/chart/{pid}"))
    assert chart.testid("start-visit").attrs["href"] == clinic.url("/chart/{pid}/visit")
    assert chart.one("a", href=clinic.url("/chart/{pid}/adverse-events/new"))
    plan = page(client, clinic.url("/chart/{pid}/visit/{vid}"))
    assert plan.testid("to-record").attrs["href"] == clinic.url("/chart/{pid}/visit/{vid}/record")
    worklist = page(client, "/")
    assert clinic.url("/chart/{pid}/visit") in worklist.links()


def test_the_plan_page_tells_the_pharmacist_what_to_thaw_and_when(clinic: Clinic) -> None:
    doc = page(logged_in(clinic, Role.PHARMACIST), clinic.url("/chart/{pid}/visit/{vid}"))
    vials = doc.testid("vials").text.strip()
    text = " ".join(doc.testid("thaw-list").text.split())
    assert f"Thaw list: {vials} × " in text
    assert "start thawing 30 min before the appointment" in text
    assert "tvec ruling: start thawing 30 min before the appointment" in text


def test_the_pharmacist_is_offered_no_clinical_write_action(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.PHARMACIST)
    for url in ("/", "/chart/{pid}", "/chart/{show}", "/chart/{pid}/visit/{vid}"):
        doc = page(client, clinic.url(url))
        assert doc.all(data_testid="start-visit") == [], url
        assert doc.all(data_testid="to-record") == [], url
        assert [h for h in doc.links() if h.endswith(("/visit", "/new", "/record"))] == [], url
        assert doc.forms_posting_to("/chart/") == [], url
        assert "Start visit" not in doc.text, url
        assert "Record adverse event" not in doc.text, url
    assert page(client, "/vials").forms_posting_to("/vials") == ["/vials"]  # hers to keep


def test_the_nurse_sees_the_vial_lots_but_no_form_to_add_one(clinic: Clinic) -> None:
    doc = page(logged_in(clinic, Role.NURSE), "/vials")
    assert "DEMO8-B01" in doc.testid("office-table").text
    assert doc.forms_posting_to("/vials") == []


def _csrf_for(client: Any, clinic: Clinic, role: Role) -> str:
    return page(client, LANDING.get(role, clinic.url("/chart/{pid}"))).csrf()


REFUSED_WRITES = [
    (Role.PHARMACIST, "/chart/{pid}/adverse-events/new"),
    (Role.PHARMACIST, "/chart/{pid}/visit/measure"),
    (Role.PHARMACIST, "/chart/{pid}/visit/plan"),
    (Role.PHARMACIST, "/chart/{pid}/visit/{vid}/record"),
    (Role.NURSE, "/vials"),
    (Role.NURSE, "/admin/users"),
    (Role.RESEARCHER, "/chart/{pid}/adverse-events/new"),
    (Role.RESEARCHER, "/chart/{pid}/visit/{vid}/record"),
    (Role.BILLING, "/vials"),
    (Role.ADMIN, "/chart/{pid}/visit/measure"),
]


@pytest.mark.parametrize(
    ("role", "url"), REFUSED_WRITES, ids=[f"{r.value}:{u}" for r, u in REFUSED_WRITES]
)
def test_the_server_refuses_a_write_the_role_may_not_make_and_saves_nothing(
    clinic: Clinic, role: Role, url: str
) -> None:
    client = logged_in(clinic, role)
    data = {
        "csrf": _csrf_for(client, clinic, role),
        **_valid_form(clinic, url, clinic.due),
    }
    before = row_counts(clinic.ctx)
    response = post(client, clinic.url(url), data)
    # The 403 page, or the form again with the refusal (the visit forms show it in place).
    assert response.status_code in (403, 422), response.text[:300]
    assert f"role {role.value} may not" in Doc(response.text).text
    assert row_counts(clinic.ctx) == before


def _valid_form(clinic: Clinic, url: str, patient: DuePatient) -> dict[str, str]:
    """What a user allowed to post to `url` would submit (without the csrf value)."""
    if url.endswith("/adverse-events/new"):
        return {
            "term": "Chills",
            "grade": "2",
            "related": "yes",
            "onset": TODAY.isoformat(),
            "resolved_on": "",
            "action_taken": "paracetamol",
        }
    if url.endswith("/visit/measure"):
        return {
            "measured_on": TODAY.isoformat(),
            "method": "caliper",
            "new_count": "0",
            **{f"m-{lid}-longest": "2.8" for lid in patient.lesion_ids.values()},
            **{f"m-{lid}-perpendicular": "1.9" for lid in patient.lesion_ids.values()},
        }
    if url.endswith("/visit/plan"):
        return {"stale_reason": OLDER_SIZES}  # the sizes on file are not today's
    if url.endswith("/record"):
        return {
            "step": "confirm",  # the review step's button: only a confirm saves
            "version": "1",
            "administered_at": f"{TODAY.isoformat()}T09:00",
            "idempotency_key": f"key-{next(_mrns)}",
            "volume-L1": "2",
            "lot-L1": "DEMO8-B01",
            "volume-L2": "1",
            "lot-L2": "DEMO8-B01",
            "volume-L3": "0.5",
            "lot-L3": "DEMO8-B02",
        }
    if url == "/vials":
        return {
            "lot": f"LOT-{next(_mrns)}",
            "pfu_per_ml": "100000000",
            "expiry_date": (TODAY + timedelta(days=200)).isoformat(),
        }
    if url == "/admin/users":
        return {
            "username": f"user-{next(_mrns)}",
            "full_name": "Nell Newcomer",
            "role": "nurse",
            "password": "a-long-enough-password",
        }
    raise AssertionError(url)


# ---- not logged in ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_without_a_login_a_page_sends_the_user_to_the_login_page(clinic: Clinic, name: str) -> None:
    url = clinic.url(PAGES[name][0])
    response = client_for(clinic.app).get(url, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={url}"


def test_after_logging_in_the_user_lands_on_the_page_they_asked_for(clinic: Clinic) -> None:
    client = client_for(clinic.app)
    url = clinic.url("/chart/{pid}")
    login = page(client, client.get(url, follow_redirects=False).headers["location"])
    assert login.one("input", name="next").attrs["value"] == url
    form = {"username": "nurse", "password": "demo-nurse-pass", "next": url} | login_form(client)
    response = post(client, "/login", form)
    assert (response.status_code, response.headers["location"]) == (303, url)
    assert page(client, url).testid("username").text.strip() == "nurse"


def test_a_wrong_password_keeps_the_username_and_says_so(clinic: Clinic) -> None:
    client = client_for(clinic.app)
    form = {"username": "nurse", "password": "not-the-password"} | login_form(client)
    response = post(client, "/login", form)
    assert response.status_code == 401
    doc = Doc(response.text)
    assert doc.testid("form-error").text.strip() == "wrong username or password"
    assert doc.value("username") == "nurse"


# ---- CSRF: a form posted without the page's value changes nothing ------------------------------

WRITES = {  # form → (role, the page it is on, where it posts)
    "adverse-event": (
        Role.NURSE,
        "/chart/{pid}/adverse-events/new",
        "/chart/{pid}/adverse-events/new",
    ),
    "measurements": (Role.NURSE, "/chart/{pid}/visit", "/chart/{pid}/visit/measure"),
    "dose-plan": (Role.NURSE, "/chart/{pid}/visit", "/chart/{pid}/visit/plan"),
    "administration": (
        Role.NURSE,
        "/chart/{pid}/visit/{vid}/record",
        "/chart/{pid}/visit/{vid}/record",
    ),
    "vial-lot": (Role.PHARMACIST, "/vials", "/vials"),
    "user": (Role.ADMIN, "/admin", "/admin/users"),
}


@pytest.mark.parametrize("form", list(WRITES))
def test_a_post_without_the_pages_csrf_value_changes_nothing(clinic: Clinic, form: str) -> None:
    role, page_url, post_url = WRITES[form]
    patient = clinic.patient()
    ids = {"pid": patient.patient_id, "vid": clinic.planned(patient)}
    page_url, post_url = page_url.format(**ids), post_url.format(**ids)
    client = logged_in(clinic, role)
    token = page(client, page_url).csrf()
    other_session = page(logged_in(clinic, role), page_url).csrf()
    assert other_session != token
    data = _valid_form(clinic, post_url, patient)
    before = row_counts(clinic.ctx)
    for forged in ({}, {"csrf": ""}, {"csrf": "0" * 32}, {"csrf": other_session}):
        response = post(client, post_url, {**data, **forged})
        # The form again, saying why nothing was saved; the user is still logged in.
        assert response.status_code == 403, response.text[:300]
        doc = Doc(response.text)
        assert "The form expired" in doc.testid("form-error").text
        assert doc.testid("username").text.strip() == role.value
        assert row_counts(clinic.ctx) == before, f"saved with csrf={forged}"
    # The same form with the page's own value goes through: the refusals above were the token's.
    response = post(client, post_url, {**data, "csrf": token})
    assert response.status_code in (200, 303), response.text[:500]
    assert row_counts(clinic.ctx) != before


EXPIRED_FORMS = {  # form → (role, page, where it posts, what the user typed, a field to check)
    "adverse-event": (
        Role.NURSE,
        "/chart/{pid}/adverse-events/new",
        "/chart/{pid}/adverse-events/new",
        {"other_specify": "rigors after the dose", "action_taken": "paracetamol"},
    ),
    "measurements": (
        Role.NURSE,
        "/chart/{pid}/visit",
        "/chart/{pid}/visit/measure",
        {"m-{L1}-longest": "2.4", "m-{L1}-perpendicular": "1.7"},
    ),
    "administration": (
        Role.NURSE,
        "/chart/{pid}/visit/{vid}/record",
        "/chart/{pid}/visit/{vid}/record",
        {"volume-L2": "0.8"},
    ),
    "vial-lot": (Role.PHARMACIST, "/vials", "/vials", {"lot": "LOT-TYPED-1"}),
    "user": (Role.ADMIN, "/admin", "/admin/users", {"full_name": "Tessa Typed"}),
}


@pytest.mark.parametrize("form", list(EXPIRED_FORMS))
def test_a_form_posted_with_a_stale_csrf_value_comes_back_with_what_was_typed(
    clinic: Clinic, form: str
) -> None:
    """The session changed since the page was opened (logged in again in another tab): the
    user sees the form again, filled in, told to submit again, and not the login page."""
    role, page_url, post_url, typed = EXPIRED_FORMS[form]
    patient = clinic.patient()
    ids = {"pid": patient.patient_id, "vid": clinic.planned(patient)}
    page_url, post_url = page_url.format(**ids), post_url.format(**ids)
    typed = {k.format(L1=patient.lesion_ids["L1"]): v for k, v in typed.items()}
    stale = page(logged_in(clinic, role), page_url).csrf()
    client = logged_in(clinic, role)
    fresh = page(client, page_url).csrf()
    before = row_counts(clinic.ctx)
    response = post(
        client, post_url, {**_valid_form(clinic, post_url, patient), **typed, "csrf": stale}
    )
    assert response.status_code == 403, response.text[:300]
    doc = Doc(response.text)
    assert "Please check the values below and submit again" in doc.testid("form-error").text
    for name, value in typed.items():
        assert doc.value(name) == value, name
    assert doc.csrf() == fresh  # submitting it again works
    assert row_counts(clinic.ctx) == before


@pytest.mark.parametrize(
    ("post_url", "form_page"),
    [
        ("/chart/{pid}/visit/measure", "/chart/{pid}/visit"),
        ("/chart/{pid}/visit/plan", "/chart/{pid}/visit"),
        ("/admin/users", "/admin"),
    ],
    ids=["measure", "plan", "admin-users"],
)
def test_a_post_after_the_session_ended_sends_the_user_back_to_the_forms_page(
    clinic: Clinic, post_url: str, form_page: str
) -> None:
    """Not to the POST-only address, which a browser cannot open after logging in (405)."""
    response = post(client_for(clinic.app), clinic.url(post_url), {"csrf": "0" * 32})
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={clinic.url(form_page)}"


def test_logout_without_the_csrf_value_keeps_the_session_and_with_it_ends_it(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.NURSE)
    cookie = dict(client.cookies)
    token = page(client, "/").csrf()
    response = post(client, "/logout", {"csrf": "0" * 32})
    assert response.headers["location"] == "/login"
    client.cookies.update(cookie)  # a forged logout must not end the real session
    assert page(client, "/").testid("username").text.strip() == "nurse"
    post(client, "/logout", {"csrf": token})
    client.cookies.update(cookie)  # the old cookie is no longer a session
    response = client.get("/", follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login?next=/")


# ---- forms: field-level errors next to the field, typed values kept, nothing saved --------------


def _refused(clinic: Clinic, client: Any, url: str, data: dict[str, str]) -> Doc:
    before = row_counts(clinic.ctx)
    response = post(client, url, data)
    assert response.status_code == 422, response.text[:500]
    assert row_counts(clinic.ctx) == before
    doc = Doc(response.text)
    assert doc.testid("form-error")
    shown = [doc.testid("form-error"), *doc.all(class_="field-error")]
    for message in shown:
        assert_plain(message.text)  # labels, not field names; no Pydantic English
    return doc


def test_an_adverse_event_of_grade_7_is_refused_next_to_the_grade_keeping_what_was_typed(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.NURSE)
    url = clinic.url("/chart/{pid}/adverse-events/new")
    typed = {
        **_valid_form(clinic, url, clinic.due),
        "term": "other",
        "other_specify": 'chills "rigors" <b>after</b> dose',
        "grade": "7",
        "criteria": "hospitalisation",
        "action_taken": "paracetamol & fluids",
    }
    doc = _refused(clinic, client, url, {**typed, "csrf": page(client, url).csrf()})
    assert doc.field_error("grade") == "Grade: enter 5 or less"
    for name in ("other_specify", "onset", "action_taken"):
        assert doc.value(name) == typed[name], name
    assert "selected" in doc.one("option", value="other").attrs
    assert "checked" in doc.one("input", name="criteria", value="hospitalisation").attrs
    assert "checked" in doc.one("input", name="related", value="yes").attrs


def test_an_adverse_event_with_onset_in_the_future_is_refused_next_to_the_onset(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.NURSE)
    url = clinic.url("/chart/{pid}/adverse-events/new")
    future = (TODAY + timedelta(days=3)).isoformat()
    typed = {**_valid_form(clinic, url, clinic.due), "grade": "3", "onset": future}
    doc = _refused(clinic, client, url, {**typed, "csrf": page(client, url).csrf()})
    assert "Onset date must not be in the future" in doc.field_error("onset")
    assert doc.value("onset") == future
    assert doc.selected("f-grade") == ["3"]


def test_a_measurement_with_perpendicular_above_longest_is_refused_next_to_it(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.NURSE)
    patient = clinic.patient()
    url = f"/chart/{patient.patient_id}/visit"
    l2 = patient.lesion_ids["L2"]
    typed = {
        **_valid_form(clinic, url + "/measure", patient),
        f"m-{l2}-longest": "1.0",
        f"m-{l2}-perpendicular": "2.0",
        "method": "ruler",
    }
    doc = _refused(clinic, client, url + "/measure", {**typed, "csrf": page(client, url).csrf()})
    assert doc.field_error(f"m-{l2}-perpendicular") == (
        "Perpendicular diameter (cm) must not exceed the longest diameter (1.0 cm) (got 2.0)"
    )
    assert (doc.value(f"m-{l2}-longest"), doc.value(f"m-{l2}-perpendicular")) == ("1.0", "2.0")
    assert doc.value(f"m-{patient.lesion_ids['L1']}-longest") == "2.8"
    assert doc.selected("method") == ["ruler"]


def test_a_new_lesion_without_a_location_is_refused_next_to_it_and_nothing_is_saved(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.NURSE)
    patient = clinic.patient()
    url = f"/chart/{patient.patient_id}/visit"
    typed = {
        **_valid_form(clinic, url + "/measure", patient),
        "new_count": "1",
        "new-0-name": "N1",
        "new-0-site": "subcutaneous",
        "new-0-location": "",
        "new-0-longest": "0.7",
        "new-0-perpendicular": "0.5",
    }
    doc = _refused(clinic, client, url + "/measure", {**typed, "csrf": page(client, url).csrf()})
    assert doc.field_error("new-0-location")
    assert (doc.value("new-0-name"), doc.value("new-0-longest")) == ("N1", "0.7")
    assert doc.selected("new-0-site") == ["subcutaneous"]


def _record_form(clinic: Clinic, client: Any, patient: DuePatient, visit_id: int) -> Doc:
    return page(client, f"/chart/{patient.patient_id}/visit/{visit_id}/record")


def test_a_lot_of_the_wrong_strength_is_refused_next_to_the_lot_and_nothing_is_saved(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.NURSE)
    patient = clinic.patient()
    visit_id = clinic.planned(patient)
    url = f"/chart/{patient.patient_id}/visit/{visit_id}/record"
    form = _record_form(clinic, client, patient, visit_id)
    assert form.selected("lot-L1") == []  # the first lot of the right strength is offered
    assert form.value("volume-L1") == "2"  # the plan's volume
    typed = {
        **_valid_form(clinic, url, patient),
        "csrf": form.csrf(),
        "volume-L1": "1.5",
        "lot-L1": "DEMO6-A01",
    }
    doc = _refused(clinic, client, url, typed)
    assert doc.field_error("lot-L1") == (
        "Vial lot is 1,000,000 PFU/mL but this visit needs 100,000,000 PFU/mL (got DEMO6-A01)"
    )
    assert doc.selected("lot-L1") == ["DEMO6-A01"]
    assert [doc.value(f"volume-{t}") for t in ("L1", "L2", "L3")] == ["1.5", "1", "0.5"]
    assert visits.get_visit(clinic.ctx, clinic.staff.nurse, visit_id).status == "planned"


def test_an_overdose_is_refused_next_to_the_volume_and_nothing_is_saved(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.NURSE)
    patient = clinic.patient()
    visit_id = clinic.planned(patient)
    url = f"/chart/{patient.patient_id}/visit/{visit_id}/record"
    typed = {
        **_valid_form(clinic, url, patient),
        "csrf": _record_form(clinic, client, patient, visit_id).csrf(),
        "volume-L2": "1.5",  # L2 (1.8 cm) may have at most 1 mL
    }
    doc = _refused(clinic, client, url, typed)
    assert doc.field_error("volume-L2").startswith(
        "Volume (mL) exceeds the lesion's maximum of 1 mL"
    )
    assert doc.value("volume-L2") == "1.5"
    assert doc.selected("lot-L3") == ["DEMO8-B02"]
    assert visits.list_administrations(clinic.ctx, clinic.staff.nurse, visit_id) == []


def test_an_early_dose_needs_an_oncologists_reason(clinic: Clinic) -> None:
    patient = clinic.patient(days_since_first_dose=15)  # visit 2 is due in 6 days
    visit_id = clinic.planned(patient)
    url = f"/chart/{patient.patient_id}/visit/{visit_id}"
    nurse = logged_in(clinic, Role.NURSE)
    assert "today is early: an oncologist's reason is needed" in page(nurse, url).text
    form = _record_form(clinic, nurse, patient, visit_id)
    assert form.all(name="override_reason") == []  # not the nurse's to give
    data = _valid_form(clinic, url + "/record", patient)
    doc = _refused(clinic, nurse, url + "/record", {**data, "csrf": form.csrf()})
    assert "earliest" in doc.testid("form-error").text
    oncologist = logged_in(clinic, Role.ONCOLOGIST)
    token = _record_form(clinic, oncologist, patient, visit_id).csrf()
    doc = _refused(clinic, oncologist, url + "/record", {**data, "csrf": token})
    assert "earliest" in doc.field_error("override_reason")
    assert doc.value("volume-L1") == "2"
    reason = "travelling abroad on the due date"
    response = post(oncologist, url + "/record", {**data, "csrf": token, "override_reason": reason})
    assert (response.status_code, response.headers["location"]) == (
        303,
        url + "/summary?notice=dose-recorded",  # a notice code of tvec.web.notices, no text
    )
    assert f"Given early: {reason}." in page(oncologist, url + "/summary").text


def test_a_duplicate_vial_lot_is_refused_next_to_the_lot_number(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.PHARMACIST)
    typed = {**_valid_form(clinic, "/vials", clinic.due), "lot": "DEMO8-B01"}
    doc = _refused(clinic, client, "/vials", {**typed, "csrf": page(client, "/vials").csrf()})
    assert doc.field_error("lot") == "lot DEMO8-B01 is already registered"
    assert (doc.value("lot"), doc.value("expiry_date")) == ("DEMO8-B01", typed["expiry_date"])


def test_a_refused_vial_lot_keeps_the_strength_that_was_chosen(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.PHARMACIST)
    typed = {**_valid_form(clinic, "/vials", clinic.due), "lot": "DEMO8-B01"}
    doc = _refused(clinic, client, "/vials", {**typed, "csrf": page(client, "/vials").csrf()})
    assert doc.selected("f-pfu_per_ml") == ["100000000"]


def test_a_strength_that_is_not_the_labels_is_refused_next_to_the_strength(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.PHARMACIST)
    typed = {**_valid_form(clinic, "/vials", clinic.due), "pfu_per_ml": "12345"}
    doc = _refused(clinic, client, "/vials", {**typed, "csrf": page(client, "/vials").csrf()})
    error = doc.field_error("pfu_per_ml")
    assert "must be one of the label's strengths" in error
    assert "(got 12345)" in error
    assert doc.value("lot") == typed["lot"]


def test_a_taken_username_is_refused_next_to_it_and_the_password_is_not_echoed(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.ADMIN)
    typed = {**_valid_form(clinic, "/admin/users", clinic.due), "username": "nurse"}
    doc = _refused(clinic, client, "/admin/users", {**typed, "csrf": page(client, "/admin").csrf()})
    assert doc.field_error("username") == "choose another username"
    assert (doc.value("username"), doc.value("full_name")) == ("nurse", "Nell Newcomer")
    assert doc.value("password") == ""


def test_a_refused_new_user_keeps_the_role_that_was_chosen(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.ADMIN)
    typed = {**_valid_form(clinic, "/admin/users", clinic.due), "username": "nurse"}
    doc = _refused(clinic, client, "/admin/users", {**typed, "csrf": page(client, "/admin").csrf()})
    assert doc.selected("f-role") == ["nurse"]


def test_a_role_that_does_not_exist_is_refused_next_to_the_role(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.ADMIN)
    typed = {**_valid_form(clinic, "/admin/users", clinic.due), "role": "superuser"}
    doc = _refused(clinic, client, "/admin/users", {**typed, "csrf": page(client, "/admin").csrf()})
    assert doc.field_error("role").startswith("Role: must be one of: oncologist, nurse")


# ---- bugs found by probing ----------------------------------------------------------------------


def test_a_malformed_measurement_form_is_a_form_error_not_a_500(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.NURSE)
    patient = clinic.patient()
    url = f"/chart/{patient.patient_id}/visit"
    data = {**_valid_form(clinic, url + "/measure", patient), "new_count": "two"}
    before = row_counts(clinic.ctx)
    response = post(client, url + "/measure", {**data, "csrf": page(client, url).csrf()})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "New count: must be a whole number" in Doc(response.text).testid("form-error").text
    assert row_counts(clinic.ctx) == before


def test_a_negative_size_is_refused_next_to_that_lesions_field_in_plain_words(
    clinic: Clinic,
) -> None:
    """Pydantic names it items.0.longest_cm; the user sees it next to the box they typed in."""
    client = logged_in(clinic, Role.NURSE)
    patient = clinic.patient()
    url = f"/chart/{patient.patient_id}/visit"
    l3 = patient.lesion_ids["L3"]
    data = {**_valid_form(clinic, url + "/measure", patient), f"m-{l3}-longest": "-1"}
    doc = _refused(clinic, client, url + "/measure", {**data, "csrf": page(client, url).csrf()})
    assert re.fullmatch(
        r"Longest diameter \(cm\), row \d: enter 0 cm or more", doc.field_error(f"m-{l3}-longest")
    )
    assert "items" not in doc.text
    assert doc.value(f"m-{l3}-longest") == "-1"


def test_a_refusal_of_a_hidden_field_is_said_at_the_top_not_lost(clinic: Clinic) -> None:
    client = logged_in(clinic, Role.NURSE)
    patient = clinic.patient()
    visit_id = clinic.planned(patient)
    url = f"/chart/{patient.patient_id}/visit/{visit_id}/record"
    data = {**_valid_form(clinic, url, patient), "version": "one"}
    doc = _refused(clinic, client, url, {**data, "csrf": page(client, url).csrf()})
    assert doc.testid("form-error").text.startswith("Record version: must be a whole number")


@pytest.mark.parametrize(
    "role", sorted(set(Role) - roles_that(Action.RECORD_LESIONS)), ids=lambda r: r.value
)
def test_the_new_lesion_row_is_refused_to_roles_that_may_not_record_lesions(
    clinic: Clinic, role: Role
) -> None:
    response = logged_in(clinic, role).get(clinic.url("/chart/{pid}/visit/new-lesion?i=0"))
    assert response.status_code == 403


def test_the_demo_worklist_offers_the_nurse_a_demo_patient_whose_visit_is_due(
    clinic: Clinic,
) -> None:
    doc = page(logged_in(clinic, Role.NURSE), "/")
    table = doc.testid("due-visits")
    due = table.text  # this module's own patients are due today
    assert "DEMO-" in due
    rows = itertools.takewhile(lambda e: e.tag != "table", doc.elements[table.index + 1 :])
    demo = [row.text for row in rows if row.tag == "tr" and "DEMO-" in row.text]
    assert len(demo) >= 3, due  # a few, due today and overdue, to start a visit from
    assert any("due today" in row for row in demo), demo
    assert any("overdue" in row for row in demo), demo


# ---- the researcher's outcomes report -----------------------------------------------------------


def test_the_outcomes_report_page_shows_the_centres_de_identified_report_and_its_pdf(
    clinic: Clinic,
) -> None:
    client = logged_in(clinic, Role.RESEARCHER)
    doc = page(client, "/research/outcomes-report")
    assert doc.one("h1").text.strip() == "Outcomes report"
    assert doc.one("a", href="/research/outcomes-report").attrs.get("aria-current") == "page"
    with clinic.ctx.uow(readonly=True) as uow:
        registered = len(uow.patients.in_centre(clinic.staff.nurse.centre_id))
    assert f"({registered} registered)" in doc.testid("report-summary").text
    report = doc.testid("report").text
    assert "clinic records of tvec demo centre, read by researcher (researcher)" in report
    assert f"of {registered} registered" in report
    assert "Response and survival by arm" in report
    assert "OPTiM (published)" in report
    assert len(doc.all("svg")) >= 6
    assert "DEMO-" not in doc.text  # no MRN
    assert "WEB-" not in doc.text
    pdf = client.get(doc.testid("report-pdf").attrs["href"])
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment; filename=")
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "role", sorted(set(Role) - roles_that(Action.READ_DEIDENTIFIED)), ids=lambda r: r.value
)
def test_the_outcomes_report_pdf_is_refused_to_other_roles(clinic: Clinic, role: Role) -> None:
    response = logged_in(clinic, role).get("/research/outcomes-report.pdf")
    assert response.status_code == 403


# ---- re-initiation after a complete response (USPI §2.2) ----------------------------------------


def test_a_reinitiation_course_reads_as_re_initiation_on_the_chart_and_the_worklist(
    clinic: Clinic,
) -> None:
    from datetime import date
    from decimal import Decimal

    from tvec.schemas import clinic as s
    from tvec.services import courses, lesions

    ctx, staff = clinic.ctx, clinic.staff
    first = clinic.patient(days_since_first_dose=150)
    start = TODAY - timedelta(days=150)

    def measured(day: date, sizes: dict[int, tuple[str, str]]) -> None:
        lesions.record_measurements(
            ctx,
            staff.nurse,
            first.patient_id,
            s.MeasurementsIn(
                measured_on=day,
                method=s.Method.CALIPER,
                items=[
                    s.MeasurementItem(
                        lesion_id=i, longest_cm=Decimal(a), perpendicular_cm=Decimal(b)
                    )
                    for i, (a, b) in sizes.items()
                ],
            ),
        )

    gone = dict.fromkeys(first.lesion_ids.values(), ("0", "0"))
    measured(start + timedelta(days=35), gone)  # complete response, confirmed 5 weeks later
    measured(start + timedelta(days=70), gone)
    version = courses.get_course(ctx, staff.oncologist, first.course_id).version
    courses.end_treatment(
        ctx,
        staff.oncologist,
        first.course_id,
        s.CourseEnd(
            version=version,
            end_date=start + timedelta(days=70),
            end_reason=s.CourseEndReason.NO_INJECTABLE_LESIONS,
        ),
    )
    new = lesions.add_lesion(
        ctx,
        staff.nurse,
        first.patient_id,
        s.LesionIn(
            name="N1",
            site=s.Site.CUTANEOUS,
            location="right forearm",
            first_seen=TODAY - timedelta(days=7),
        ),
    )
    restart = TODAY - timedelta(days=5)
    measured(restart, {new.id: ("1.2", "1.0")})
    course = courses.start_course(
        ctx,
        staff.oncologist,
        first.patient_id,
        s.CourseIn(start_date=restart, reinitiation=True),
    )
    assert course.reinitiation

    client = logged_in(clinic, Role.NURSE)
    chart = page(client, f"/chart/{first.patient_id}")
    notice = chart.one(data_testid="reinitiation").text
    assert "re-initiation" in notice
    assert (start + timedelta(days=35)).isoformat() in notice
    table = chart.one("table", data_testid="calendar")
    rows = [r.text for r in chart.all("tr") if r.index > table.index and "tbody" in r.ancestors]
    assert all(word in rows[0] for word in ("re-initiation", restart.isoformat(), "10^8 PFU/mL"))
    assert "re-initiation" in rows[1]
    assert "10^6" not in table.text
    worklist = page(client, "/").one("table", data_testid="due-visits").text
    assert first.mrn in worklist
    assert "1 · re-initiation" in worklist
