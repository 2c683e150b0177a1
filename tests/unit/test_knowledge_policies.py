"""Payer policies are data: the bundled ones load, and a malformed file fails naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from tvec.domain.errors import InvalidInput
from tvec.knowledge import KnowledgeError, available_policies, load_policies, load_policy
from tvec.knowledge.policies import load_policy_file
from tvec.knowledge.policy_book import policies_markdown, policy_section
from tvec.knowledge.rulebook import all_rules_markdown

DATA = Path(__file__).parents[2] / "src/tvec/knowledge/data/policies"
SEED_TEXT = (DATA / "5.01.562.toml").read_text(encoding="utf-8")


def test_three_policies_are_on_file_the_real_one_first() -> None:
    assert available_policies() == ["5.01.562", "example-specialty-caps", "example-step-therapy"]
    assert list(load_policies()) == ["5.01.562", "example-specialty-caps", "example-step-therapy"]
    assert [p.example for p in load_policies().values()] == [False, True, True]


def test_5_01_562_as_written() -> None:
    policy = load_policy("5.01.562")
    assert policy.payer == "Premera Blue Cross"
    assert (policy.effective_from.isoformat(), policy.last_revised.isoformat()) == (
        "2025-05-01",
        "2025-04-21",
    )
    assert policy.effective_to is None
    assert [c.reads for c in policy.criteria] == [
        "diagnosis.cancer",
        "diagnosis.recurrent_after_surgery",
        "diagnosis.unresectable",
        "lesions",
        "response",
    ]
    assert all(c.source and d.source for c in policy.criteria for d in policy.documents_required)
    assert dict(policy.authorization.initial_months) == {
        "standard": 12,
        "non-formulary-exception": 6,
    }
    assert policy.shown_title == policy.title  # not an example


def test_an_unknown_policy_is_refused_naming_the_policy_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        load_policy("9.99.999")
    assert refused.value.field == "policy"
    assert "Payer policy names no policy on file" in str(refused.value)
    assert "5.01.562" in str(refused.value)


def broken(tmp_path: Path, old: str, new: str, name: str = "5.01.562.toml") -> Path:
    assert old in SEED_TEXT
    path = tmp_path / name
    path.write_text(SEED_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "field", "problem"),
    [
        pytest.param(
            'check = "cancer"', 'check = "age"', "criteria.0.check", "Input should be", id="check"
        ),
        pytest.param(
            'reads = "diagnosis.cancer"',
            'reads = "diagnosis.stage"',
            "criteria.0",
            "check 'cancer' reads 'diagnosis.cancer'",
            id="reads another fact than its check",
        ),
        pytest.param(
            'values = ["melanoma"]', "values = []", "criteria.0", "needs values", id="no values"
        ),
        pytest.param(
            'values = ["cutaneous", "subcutaneous", "nodal"]\napplies_to = "all"\n'
            'source = "5.01.562, Policy Coverage Criteria: Medical Necessity"\n\n[[criteria]]\n'
            'id = "continued-positive-response"\ncheck = "continued-response"\n'
            'reads = "response"\ntext = "Chart notes show a continued positive clinical '
            'response to therapy"\nvalues = []',
            'values = ["cutaneous", "subcutaneous", "nodal"]\napplies_to = "all"\n'
            'source = "5.01.562, Policy Coverage Criteria: Medical Necessity"\n\n[[criteria]]\n'
            'id = "continued-positive-response"\ncheck = "continued-response"\n'
            'reads = "response"\ntext = "Chart notes show a continued positive clinical '
            'response to therapy"\nvalues = ["PR"]',
            "criteria.4",
            "takes no values",
            id="values on a yes/no check",
        ),
        pytest.param(
            'id = "unresectable"', 'id = "melanoma"', "(top level)", "given twice", id="twice"
        ),
        pytest.param(
            "initial_months = { standard = 12, non-formulary-exception = 6 }",
            "initial_months = { standard = 12 }",
            "authorization",
            "missing: ['non-formulary-exception']",
            id="a review type without months",
        ),
        pytest.param(
            "reauthorization_months = 12",
            "reauthorization_months = 0",
            "authorization.reauthorization_months",
            "greater than 0",
            id="zero months",
        ),
        pytest.param(
            "effective_from = 2025-05-01",
            "effective_from = 2025-05-01\neffective_to = 2025-01-01",
            "(top level)",
            "effective_to is before effective_from",
            id="ends before it starts",
        ),
        pytest.param(
            'source = "5.01.562, Documentation Requirements"\n',
            "",
            "documents_required.0.source",
            "Field required",
            id="a document without its source",
        ),
        pytest.param("example = false", 'example = "no"', "example", "valid boolean", id="example"),
        pytest.param(
            "example = false", "example = false\nwhatever = 1", "whatever", "Extra", id="extra"
        ),
        pytest.param('id = "5.01.562"', 'id = "5.01.563"', "id", "is not the file's name", id="id"),
        pytest.param('payer = "Premera', "payer = Premera", "(syntax)", "", id="toml syntax"),
    ],
)
def test_a_malformed_policy_fails_at_load_with_file_and_field(
    tmp_path: Path, old: str, new: str, field: str, problem: str
) -> None:
    path = broken(tmp_path, old, new)
    with pytest.raises(KnowledgeError) as refused:
        load_policy_file(path)
    assert refused.value.path == str(path)
    assert refused.value.field == field
    assert problem in refused.value.problem
    assert str(refused.value).startswith(f"{path}: {field}: ")


def test_a_dose_cap_given_twice_for_a_strength_is_refused(tmp_path: Path) -> None:
    caps = (DATA / "example-specialty-caps.toml").read_text(encoding="utf-8")
    path = tmp_path / "example-specialty-caps.toml"
    path.write_text(caps.replace("pfu_per_ml = 100_000_000", "pfu_per_ml = 1_000_000"), "utf-8")
    with pytest.raises(KnowledgeError, match="dose_caps: \\['1000000'\\] given twice"):
        load_policy_file(path)


def test_the_rules_page_shows_every_policy_and_marks_the_examples() -> None:
    page = all_rules_markdown()
    assert "### Policy 5.01.562: Premera Blue Cross medical policy 5.01.562" in page
    assert page.count("(example policy)") == 2
    caps = policy_section(load_policy("example-specialty-caps"))
    assert ("units per visit at 10^8 PFU/mL", "at most 400") in [r[:2] for r in caps.rows]
    assert caps.rows[0][0] == "example policy"
    seed = policy_section(load_policy("5.01.562"))
    assert ("in effect", "from 2025-05-01, until replaced") in [r[:2] for r in seed.rows]
    ended = load_policy("5.01.562").__class__(
        **{**load_policy("5.01.562").__dict__, "effective_to": load_policy("5.01.562").last_revised}
    )
    assert ("in effect", "from 2025-05-01 to 2025-04-21") in [
        r[:2] for r in policy_section(ended).rows
    ]
    assert policies_markdown([]).startswith("## Payer coverage policies")
