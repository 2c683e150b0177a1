"""OPTiM's stage definitions are knowledge data, and the outcomes report reads them from there."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.analytics.test_endpoints import small_cohort

from tvec.analytics.cohort_engine import cohort_responses
from tvec.knowledge import load_criteria
from tvec.knowledge.loader import DATA, KnowledgeError
from tvec.knowledge.trials import Trial, load_trial, load_trial_file
from tvec.reports import compute_endpoints
from tvec.reports.tables import comparison_table

CRITERIA = load_criteria("modified-who")
ROW = "Durable responders without visceral disease"


def test_the_trials_subgroup_without_visceral_disease_is_the_eu_indications_stages() -> None:
    subgroup = load_trial("optim").eu_subgroup
    assert subgroup.stages == ("IIIB", "IIIC", "IVM1a")
    assert "SmPC §4.1" in subgroup.stages_source
    assert "seed" not in subgroup.source.lower()


def test_a_trial_file_without_stages_for_its_subgroup_is_refused(tmp_path: Path) -> None:
    bundled = Path(str(DATA / "trials" / "optim.toml"))
    text = bundled.read_text(encoding="utf-8")
    broken = tmp_path / "optim.toml"
    broken.write_text(text.replace('stages = ["IIIB", "IIIC", "IVM1a"]', "stages = []"))
    with pytest.raises(KnowledgeError, match=r"eu_subgroup\.stages"):
        load_trial_file(broken)


def _no_visceral_row(trial: Trial) -> list[str]:
    cohort = small_cohort()
    endpoints, _caveats = compute_endpoints(cohort, cohort_responses(cohort, CRITERIA), CRITERIA)
    table = comparison_table(endpoints, trial, "OPTiM")
    return next(row for row in table.rows if row[0].startswith(ROW))


def test_the_report_counts_the_stages_the_trial_data_names() -> None:
    optim = load_trial("optim")
    assert _no_visceral_row(optim)[0] == f"{ROW} (IIIB–IVM1a)"
    narrower = optim.model_copy(
        update={"eu_subgroup": optim.eu_subgroup.model_copy(update={"stages": ("IIIB",)})}
    )
    assert _no_visceral_row(narrower)[0] == f"{ROW} (IIIB)"
