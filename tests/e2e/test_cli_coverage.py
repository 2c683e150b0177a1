"""`tvec coverage check FILE --policy ID`: the billing office's check of a patient's facts.

Run as a real process on the issue's example facts; `--json` gives the decision, each criterion
(id, met, reason, source), the missing documents and the authorization months; bad facts, an
unknown policy or a policy not in effect are one line on stderr and exit code 2.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
INITIAL = json.loads((ROOT / "examples/coverage/initial.json").read_text(encoding="utf-8"))
REAUTH = json.loads((ROOT / "examples/coverage/reauthorization.json").read_text(encoding="utf-8"))


def check(facts: Any, *args: str) -> subprocess.CompletedProcess[str]:
    text = facts if isinstance(facts, str) else json.dumps(facts)
    return subprocess.run(
        [sys.executable, "-m", "tvec", "coverage", "check", "-", *args],
        cwd=ROOT,
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_issue_example_meets_5_01_562_as_json() -> None:
    done = check(INITIAL, "--policy", "5.01.562", "--json")
    assert (done.returncode, done.stderr) == (0, "")
    out = json.loads(done.stdout)
    assert out["decision"] == "meets"
    assert [(c["id"], c["met"]) for c in out["criteria"]] == [
        ("melanoma", True),
        ("recurrent-after-initial-surgery", True),
        ("unresectable", True),
        ("lesions-cutaneous-subcutaneous-nodal", True),
    ]
    assert out["criteria"][0]["source"].startswith("5.01.562, Policy Coverage Criteria")
    assert out["missing_documents"] == []
    assert (
        out["authorization"]["initial_months"],
        out["authorization"]["reauthorization_months"],
    ) == (
        12,
        6 + 6,
    )
    assert out["reauthorization_draft"] is None


def test_missing_facts_and_documents_need_documentation() -> None:
    facts = {**INITIAL, "documents": ["office-notes"], "lesions": None}
    facts["review_type"] = "non-formulary-exception"
    out = json.loads(check(facts, "--policy", "5.01.562", "--json").stdout)
    assert out["decision"] == "needs-documentation"
    assert out["missing_documents"] == ["history", "physical-exam"]
    lesions = out["criteria"][3]
    assert (lesions["met"], lesions["reason"]) == (None, "the lesions are not recorded")
    assert out["authorization"]["months"] == 6


def test_an_example_policy_says_so_and_a_criterion_not_met_is_shown() -> None:
    facts = {**INITIAL, "prior_therapies": ["ipilimumab"]}
    done = check(facts, "--policy", "example-step-therapy")
    assert done.returncode == 0
    assert "(example policy)" in done.stdout
    assert "Decision: does-not-meet" in done.stdout
    out = json.loads(check(facts, "--policy", "example-step-therapy", "--json").stdout)
    step = next(c for c in out["criteria"] if c["id"] == "after-anti-pd-1")
    assert step["met"] is False
    assert step["reason"].startswith("none of pembrolizumab, nivolumab given before")
    assert out["example_policy"] is True


def test_a_reauthorization_drafts_the_request_with_the_response_evidence() -> None:
    out = json.loads(check(REAUTH, "--policy", "5.01.562", "--json").stdout)
    assert out["criteria"][-1]["id"] == "continued-positive-response"
    assert out["criteria"][-1]["met"] is True
    draft = out["reauthorization_draft"]
    assert draft["supports_continuation"] is True
    assert "2026-11-30 4.00 cm² (-60.0%, PR)" in draft["text"]
    progressed = json.loads(json.dumps(REAUTH))
    progressed["response"]["spd_trend"][-1] |= {"spd_cm2": 14.0, "category": "PD"}
    text = check(progressed, "--policy", "5.01.562").stdout
    assert "The evidence does not support continuation" in text


@pytest.mark.parametrize(
    ("facts", "args", "message"),
    [
        (
            {**INITIAL, "favourite_colour": "blue"},
            ("--policy", "5.01.562"),
            "error: Coverage facts: favourite_colour",
        ),
        (
            {**INITIAL, "reauthorization": "no"},
            ("--policy", "5.01.562"),
            "error: Coverage facts: reauthorization must be true or false",
        ),
        (
            {**INITIAL, "lesions": [{"id": "L1", "site": "cutaneous", "longest_cm": "2.1"}]},
            ("--policy", "5.01.562"),
            "error: Coverage facts: lesions.0.longest_cm",
        ),
        (
            {**INITIAL, "service_date": "6 Dec 2026"},
            ("--policy", "5.01.562"),
            "error: Coverage facts: service_date must be a date written YYYY-MM-DD",
        ),
        (
            {**INITIAL, "service_date": "2025-04-30"},
            ("--policy", "5.01.562"),
            "error: Coverage: Service date is outside the dates policy 5.01.562 is in effect",
        ),
        (INITIAL, ("--policy", "9.99.999"), "error: Coverage: Payer policy names no policy"),
        ("{not json", ("--policy", "5.01.562"), "error: input: (json) is not valid JSON"),
    ],
    ids=[
        "unknown field",
        "wrong type",
        "text for a number",
        "bad date",
        "not in effect",
        "policy",
        "json",
    ],
)
def test_bad_input_is_one_line_naming_the_field(
    facts: Any, args: tuple[str, ...], message: str
) -> None:
    done = check(facts, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(message)
    assert done.stderr.count("\n") == 1


def test_the_rules_list_every_policy_with_its_caps() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tvec", "rules", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    policies = {p["id"]: p for p in json.loads(done.stdout)["policies"]}
    assert list(policies) == ["5.01.562", "example-specialty-caps", "example-step-therapy"]
    caps = policies["example-specialty-caps"]["dose_caps"]
    assert [(c["pfu_per_ml"], c["max_units_per_visit"]) for c in caps] == [(10**6, 4), (10**8, 400)]
    assert policies["5.01.562"]["example"] is False
