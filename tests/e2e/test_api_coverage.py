"""Coverage from the patient's record, through the API and the service, on SQLite and PostgreSQL.

The billing office checks a course against policy 5.01.562: the chart fills the diagnosis and the
lesions (latest sizes and dates), the documents are asked for; the answers are kept with the
course (audited, new versions, a stale version refused, a refused answer keeping nothing); the
re-authorization is drafted from the response engine; facts given whole are checked as the CLI
checks them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.support.clinic import (
    TESTCLIENT_WARNING,
    TestClient,
    client_for,
    days_ago,
    login_all,
    make_patient_ready_for_course,
    measure,
    ok,
    running_app,
    seed_staff,
    start_course,
)

from tvec.domain.errors import Conflict, InvalidInput, PermissionDenied
from tvec.schemas.coverage import CoverageAnswersIn
from tvec.services import coverage
from tvec.services.permissions import Role

pytestmark = pytest.mark.filterwarnings(TESTCLIENT_WARNING)

ROOT = Path(__file__).parents[2]
LESIONS = (("L1", "cutaneous", "3.2", "2.0"), ("L2", "subcutaneous", "1.8", "1.2"))
START = days_ago(60)
POLICY = "5.01.562"
DOCUMENTS = ["office-notes", "history", "physical-exam"]


class Clinic:
    def __init__(self, client: TestClient, staff: Any) -> None:
        self.client, self.staff = client, staff
        self.h = login_all(client, staff)

    def course(self, mrn: str) -> tuple[int, int, dict[str, Any]]:
        ready = make_patient_ready_for_course(
            self.client, self.h[Role.NURSE], mrn=mrn, lesions=LESIONS, measured_on=START
        )
        pid = ready["patient"]["id"]
        course = start_course(self.client, self.h[Role.ONCOLOGIST], pid, START)
        return pid, course["id"], ready["lesions"]

    def get(self, path: str, role: Role = Role.BILLING, **params: str) -> Any:
        return self.client.get(path, params=params, headers=self.h[role])

    def answer(self, course_id: int, body: dict[str, Any], policy: str = POLICY) -> Any:
        return self.client.put(
            f"/courses/{course_id}/coverage/answers",
            params={"policy": policy},
            json=body,
            headers=self.h[Role.BILLING],
        )


@pytest.fixture
def clinic(database_url: str) -> Iterator[Clinic]:
    with running_app(database_url) as (app, ctx):
        yield Clinic(client_for(app), seed_staff(ctx))


def test_the_chart_fills_the_facts_and_the_documents_are_asked_for(clinic: Clinic) -> None:
    _, course_id, _ = clinic.course("MRN-C1")
    found = ok(clinic.get(f"/courses/{course_id}/coverage", policy=POLICY))
    assert found["diagnosis_from_chart"] is True
    assert [
        (x["name"], x["site"], x["longest_cm"], x["measured_on"]) for x in found["lesions"]
    ] == [
        ("L1", "cutaneous", "3.20", START.isoformat()),
        ("L2", "subcutaneous", "1.80", START.isoformat()),
    ]
    decision = found["coverage"]
    assert [c["met"] for c in decision["criteria"]] == [True, True, True, True]
    assert decision["decision"] == "needs-documentation"
    assert decision["missing_documents"] == DOCUMENTS
    assert found["questions"] == [
        "Office visit notes with the diagnosis",
        "Relevant history",
        "Physical evaluation",
    ]
    assert found["answers_version"] is None


def test_answers_are_kept_with_the_course_in_versions_and_audited(clinic: Clinic) -> None:
    _, course_id, _ = clinic.course("MRN-C2")
    first = ok(clinic.answer(course_id, {"documents": DOCUMENTS}))
    assert first["coverage"]["decision"] == "meets"
    assert (first["answers_version"], first["questions"]) == (1, [])
    nfe = {"documents": DOCUMENTS, "review_type": "non-formulary-exception", "version": 1}
    second = ok(clinic.answer(course_id, nfe))
    assert second["answers_version"] == 2
    assert second["coverage"]["authorization"]["months"] == 6
    stale = clinic.answer(course_id, {"documents": [], "version": 1})
    assert stale.status_code == 409
    unversioned = clinic.answer(course_id, {"documents": []})
    assert (unversioned.status_code, unversioned.json()["field"]) == (409, "version")
    again = ok(clinic.get(f"/courses/{course_id}/coverage", policy=POLICY))
    assert again["answers_version"] == 2
    assert again["answers"]["documents"] == DOCUMENTS
    history = ok(
        clinic.client.get(
            "/audit", params={"entity": "coverage-answers"}, headers=clinic.h[Role.ADMIN]
        )
    )
    assert [e["action"] for e in history["items"]] == ["create", "update"]
    assert history["items"][0]["reason"] == "coverage answers for policy 5.01.562"


@pytest.mark.parametrize(
    ("policy", "body", "field"),
    [
        ("9.99.999", {"documents": DOCUMENTS}, "policy"),
        (POLICY, {"service_date": "2025-04-30"}, "service_date"),
        (POLICY, {"review_type": "urgent"}, "review_type"),
        (POLICY, {"documents": DOCUMENTS, "shoe_size": 9}, "shoe_size"),
    ],
    ids=["unknown policy", "not in effect", "unknown review type", "unknown field"],
)
def test_a_refused_answer_names_the_field_and_keeps_nothing(
    clinic: Clinic, policy: str, body: dict[str, Any], field: str
) -> None:
    _, course_id, _ = clinic.course("MRN-C3")
    refused = clinic.answer(course_id, body, policy)
    assert refused.status_code == 422
    assert refused.json()["field"].endswith(field)
    kept = ok(clinic.get(f"/courses/{course_id}/coverage", policy=POLICY))
    assert kept["answers_version"] is None


def test_only_the_office_and_oncologists_check_and_only_their_centres_courses(
    clinic: Clinic,
) -> None:
    _, course_id, _ = clinic.course("MRN-C4")
    assert (
        clinic.get(f"/courses/{course_id}/coverage", Role.NURSE, policy=POLICY).status_code == 403
    )
    assert (
        clinic.get(f"/courses/{course_id}/coverage", Role.ONCOLOGIST, policy=POLICY).status_code
        == 200
    )
    other = login_all(clinic.client, seed_staff(clinic.client.app.state.ctx, "Other", "o-"))  # type: ignore[attr-defined]
    outside = clinic.client.get(
        f"/courses/{course_id}/coverage", params={"policy": POLICY}, headers=other[Role.BILLING]
    )
    assert outside.status_code == 404


def test_the_reauthorization_is_drafted_from_the_response(clinic: Clinic) -> None:
    pid, course_id, lesions = clinic.course("MRN-C5")
    nurse = clinic.h[Role.NURSE]
    measure(
        clinic.client,
        nurse,
        pid,
        days_ago(30),
        {"L1": ("2.0", "1.5"), "L2": ("1.0", "1.0")},
        lesions,
    )
    measure(
        clinic.client,
        nurse,
        pid,
        days_ago(0),
        {"L1": ("1.5", "1.0"), "L2": ("0.8", "0.8")},
        lesions,
    )
    found = ok(clinic.get(f"/courses/{course_id}/reauthorization", policy=POLICY))
    response = found["coverage"]["criteria"][-1]
    assert (response["id"], response["met"]) == ("continued-positive-response", True)
    draft = found["coverage"]["reauthorization_draft"]
    assert draft["continued_response_met"] is True
    assert f"{START.isoformat()} 8.56 cm² (baseline)" in draft["text"]
    assert "2026-06-01 2.14 cm² (-75.0%, PR)" in draft["text"]
    assert "Best overall response so far (modified WHO): PR" in draft["text"]


def test_progression_says_the_evidence_does_not_support_continuation(clinic: Clinic) -> None:
    pid, course_id, lesions = clinic.course("MRN-C6")
    measure(
        clinic.client,
        clinic.h[Role.NURSE],
        pid,
        days_ago(0),
        {"L1": ("4.5", "3.0"), "L2": ("2.0", "1.5")},
        lesions,
    )
    found = ok(clinic.get(f"/courses/{course_id}/reauthorization", policy=POLICY))
    draft = found["coverage"]["reauthorization_draft"]
    assert draft["continued_response_met"] is False
    assert draft["supports_continuation"] is False
    assert draft["conclusion"].startswith("The evidence does not support continuation")


def test_facts_given_whole_are_checked_as_the_command_line_checks_them(clinic: Clinic) -> None:
    facts = (ROOT / "examples/coverage/initial.json").read_text(encoding="utf-8")
    done = clinic.client.post(
        "/coverage/check", params={"policy": POLICY}, content=facts, headers=clinic.h[Role.BILLING]
    )
    assert ok(done)["decision"] == "meets"
    bad = json.dumps(
        {**json.loads(facts), "lesions": [{"id": "L1", "site": "cutaneous", "injectable": "yes"}]}
    )
    refused = clinic.client.post(
        "/coverage/check", params={"policy": POLICY}, content=bad, headers=clinic.h[Role.BILLING]
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "lesions.0.injectable"


def test_the_service_reads_and_writes_in_one_unit_of_work(clinic: Clinic) -> None:
    ctx = clinic.client.app.state.ctx  # type: ignore[attr-defined]
    billing, nurse = clinic.staff[Role.BILLING].actor, clinic.staff[Role.NURSE].actor
    _, course_id, _ = clinic.course("MRN-C7")
    answers = CoverageAnswersIn(documents=DOCUMENTS, prescriber_specialty="family medicine")
    preview = coverage.evaluate_course(ctx, billing, course_id, "example-specialty-caps", answers)
    assert preview.decision.decision.value == "does-not-meet"
    assert preview.answers_version is None  # a preview keeps nothing
    kept = coverage.record_answers(ctx, billing, course_id, "example-specialty-caps", answers)
    assert kept.answers_version == 1
    assert kept.decision.policy_title.endswith("(example policy)")
    with pytest.raises(Conflict):
        coverage.record_answers(ctx, billing, course_id, "example-specialty-caps", answers, 7)
    with pytest.raises(PermissionDenied):
        coverage.evaluate_course(ctx, nurse, course_id, POLICY)
    with pytest.raises(InvalidInput):
        coverage.record_answers(
            ctx,
            billing,
            course_id,
            POLICY,
            CoverageAnswersIn(service_date=START.replace(year=2024)),
        )
    assert [c.course_id for c in coverage.courses_to_check(ctx, billing)] == [course_id]
