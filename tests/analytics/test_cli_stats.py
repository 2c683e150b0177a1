"""`tvec stats` through Typer's runner: JSON shapes, tables, and one-line refusals (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import typer
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test as lifelines_logrank
from typer.testing import CliRunner, Result

from tests.analytics.data import assert_close
from tests.analytics.survival_example import make_survival_example
from tvec.analytics import cox_ph
from tvec.analytics.cox import Ties
from tvec.cli.stats import stats_app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "survival.csv"


def make_app() -> typer.Typer:
    """The real `tvec` command, with `stats` registered as users get it."""
    from tvec.cli.main import app

    return app


def test_stats_is_a_subcommand_of_tvec() -> None:
    from tvec.cli.main import COMMANDS, load

    assert "stats" in COMMANDS  # listed by `tvec --help`, imported when run
    assert any(group.typer_instance is stats_app for group in load("stats").registered_groups)


def make_run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(make_app(), ["stats", *args], input=stdin)


def make_json(*args: str, stdin: str | None = None) -> dict[str, Any]:
    result = make_run(*args, "--json", stdin=stdin)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def assert_refused(result: Result, *fragments: str) -> None:
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def make_csv(tmp_path: Path, text: str) -> str:
    path = tmp_path / "cohort.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- compare ------------------------------------------------------------------------------------


def test_compare_json_has_every_key_and_the_published_relative_risk() -> None:
    data = make_json("compare", "48/295", "3/141")
    assert set(data) >= {"a", "b", "risk_difference", "relative_risk", "odds_ratio", "p_values"}
    for arm, (events, n) in (("a", (48, 295)), ("b", (3, 141))):
        assert data[arm]["events"] == events
        assert data[arm]["n"] == n
        assert set(data[arm]["ci"]) == {"wald", "wilson", "exact"}
        assert all(len(ci) == 2 for ci in data[arm]["ci"].values())
    rr = data["relative_risk"]
    assert round(rr["estimate"], 1) == 7.6
    assert [round(x, 1) for x in rr["ci"]] == [2.4, 24.1]
    for key in ("risk_difference", "odds_ratio"):
        assert set(data[key]) >= {"estimate", "ci"}
    assert set(data["p_values"]) == {"fisher_exact", "chi_square"}
    assert data["p_values"]["fisher_exact"] < 1e-4
    assert data["warnings"] == []


def test_compare_prints_tables_for_people() -> None:
    result = make_run("compare", "48/295", "3/141")
    assert result.exit_code == 0
    for text in ("16.3%", "2.1%", "relative risk", "7.65", "2.42 to 24.13", "Newcombe"):
        assert text in result.stdout


def test_compare_alpha_and_yates_reach_the_statistics() -> None:
    plain = make_json("compare", "20/50", "10/50")
    wide = make_json("compare", "20/50", "10/50", "--alpha", "0.01", "--yates")
    assert wide["relative_risk"]["ci"][0] < plain["relative_risk"]["ci"][0]
    assert wide["chi_square"]["yates"]
    assert wide["p_values"]["chi_square"] > plain["p_values"]["chi_square"]


def test_compare_with_an_empty_arm_reports_null_ratios_and_warns() -> None:
    result = make_run("compare", "12/40", "0/35", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["relative_risk"]["estimate"] is None
    assert data["relative_risk"]["ci"] is None
    assert any("relative risk is undefined" in w for w in data["warnings"])
    assert "warning: the relative risk is undefined" in result.stderr
    corrected = make_json("compare", "12/40", "0/35", "--haldane")
    assert corrected["relative_risk"]["zero_correction"] is True
    assert_close(corrected["relative_risk"]["estimate"], (12.5 / 41) / (0.5 / 36))


@pytest.mark.parametrize(
    ("a", "b", "fragment"),
    [
        ("48/0", "3/141", "A: '48/0' has no patients"),
        ("50/40", "3/141", "A: '50/40' has more events (50) than patients (40)"),
        ("x/y", "3/141", "A: 'x/y' is not EVENTS/N"),
        ("-3/10", "3/141", "A: '-3/10' has a negative count"),
        ("48/295", "3/-141", "B: '3/-141' has a negative count"),
        ("48/295", "3.5/141", "B: '3.5/141' is not EVENTS/N"),
    ],
)
def test_compare_refuses_bad_counts_naming_the_argument(a: str, b: str, fragment: str) -> None:
    assert_refused(make_run("compare", a, b), fragment)


def test_compare_refuses_an_impossible_alpha() -> None:
    assert_refused(make_run("compare", "1/2", "1/2", "--alpha", "1.5"), "--alpha")


# --- km / logrank / cox on the example ----------------------------------------------------------


def test_the_example_csv_is_what_its_generator_makes() -> None:
    assert EXAMPLE.read_text(encoding="utf-8") == make_survival_example()


def test_km_json_matches_lifelines_per_group() -> None:
    data = make_json("km", str(EXAMPLE), "--at", "6,12,24")
    frame = pd.read_csv(EXAMPLE)
    assert [g["group"] for g in data["groups"]] == ["gm-csf", "t-vec"]
    for group in data["groups"]:
        mine = frame[frame["group"] == group["group"]]
        fitter = KaplanMeierFitter().fit(mine["time"], mine["event"])
        assert group["n"] == len(mine)
        assert group["events"] == mine["event"].sum()
        assert_close(group["median"]["estimate"], fitter.median_survival_time_)
        marks = group["landmarks"]
        assert [m["time"] for m in marks] == [6.0, 12.0, 24.0]
        expected = fitter.survival_function_at_times([6.0, 12.0, 24.0]).to_numpy()
        assert_close([m["survival"] for m in marks], expected)
        assert [m["at_risk"] for m in marks] == [
            int((mine["time"] >= t).sum()) for t in (6, 12, 24)
        ]
        assert len(group["table"]) == mine["time"].nunique()


def test_km_reads_stdin_and_needs_no_group_column() -> None:
    text = "months,died\n3,1\n5,0\n8,1\n13,1\n"
    data = make_json("km", "-", "--time", "months", "--event", "died", stdin=text)
    (only,) = data["groups"]
    assert only["group"] == "all"
    assert only["n"] == 4
    assert_close([row["survival"] for row in only["table"]], [0.75, 0.75, 0.375, 0.0])


def test_km_table_for_people() -> None:
    result = make_run("km", str(EXAMPLE), "--at", "12")
    assert result.exit_code == 0
    assert "t-vec" in result.stdout
    assert "S(12) · at risk" in result.stdout


def test_logrank_json_matches_lifelines() -> None:
    data = make_json("logrank", str(EXAMPLE))
    frame = pd.read_csv(EXAMPLE)
    t = frame["group"] == "t-vec"
    reference = lifelines_logrank(
        frame["time"][t], frame["time"][~t], frame["event"][t], frame["event"][~t]
    )
    assert_close(
        [data["statistic"], data["p_value"]], [reference.test_statistic, reference.p_value]
    )
    assert data["df"] == 1
    assert data["stratified_by"] is None
    assert {g["group"]: g["n"] for g in data["groups"]} == {"gm-csf": 20, "t-vec": 40}


def test_stratified_logrank_reports_its_strata() -> None:
    data = make_json("logrank", str(EXAMPLE), "--strata", "stage_iv")
    assert data["stratified_by"] == "stage_iv"
    assert data["strata"] == 2
    assert (
        "Log-rank (stratified, 2 strata)"
        in make_run("logrank", str(EXAMPLE), "--strata", "stage_iv").stdout
    )


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_json_is_the_library_fit(ties: Ties) -> None:
    data = make_json("cox", str(EXAMPLE), "--covariates", "age,stage_iv", "--ties", ties)
    frame = pd.read_csv(EXAMPLE)
    model = cox_ph(
        frame["time"], frame["event"], frame[["age", "stage_iv"]], ["age", "stage_iv"], ties
    )
    assert [term["name"] for term in data["terms"]] == ["age", "stage_iv"]
    assert_close([term["coef"] for term in data["terms"]], model.coefficients)
    assert data["ties"] == ties
    assert data["converged"] is True
    assert set(data["tests"]) == {"likelihood_ratio", "wald", "score"}
    assert_close(data["tests"]["likelihood_ratio"]["statistic"], model.likelihood_ratio.statistic)


def test_cox_table_for_people() -> None:
    result = make_run("cox", str(EXAMPLE), "--covariates", "age, stage_iv")
    assert result.exit_code == 0
    assert "stage_iv" in result.stdout
    assert "LR chi-square" in result.stdout


# --- refusals -----------------------------------------------------------------------------------

GOOD = "time,event,group,age\n1,1,a,50\n2,0,b,60\n3,1,a,70\n4,1,b,55\n"


@pytest.mark.parametrize(
    ("command", "text", "fragments"),
    [
        (["km"], "time,status\n1,1\n", ["no column 'event'", "time, status"]),
        (["km"], "time,event\n1,1\nsoon,0\n", ["line 3, column 'time'", "'soon' is not a number"]),
        (["km"], "time,event\n1,1\n-2,0\n", ["line 3, column 'time'", "-2 is negative"]),
        (["km"], "time,event\n1,1\n2,2\n", ["line 3, column 'event'", "2 must be 0 or 1"]),
        (["km"], "time,event\n1,1\n2,\n", ["line 3, column 'event'", "'' is not a number"]),
        (["km"], "time,event\n1,1\nnan,1\n", ["line 3, column 'time'", "not a finite number"]),
        (["km"], "time,event\n1,1\n2\n", ["line 3: 1 cells, the header has 2"]),
        (["km"], "", ["empty"]),
        (["km"], "time,event\n", ["no data rows"]),
        (["km", "--group", "arm"], GOOD, ["no column 'arm'"]),
        (["km", "--at", "6,soon"], GOOD, ["--at: 'soon' is not a number"]),
        (["logrank"], "time,event,group\n1,1,a\n2,0,a\n", ["column 'group' has one group only"]),
        (["logrank"], "time,event,group\n1,1,a\n2,0,\n", ["line 3, column 'group'", "empty"]),
        (["cox", "--covariates", "age,sex"], GOOD, ["no column 'sex'"]),
        (
            ["cox", "--covariates", "age"],
            GOOD.replace("50", "60").replace("70", "60").replace("55", "60"),
            ["column 'age' is constant"],
        ),
        (["cox", "--covariates", "age", "--ties", "exact"], GOOD, ["--ties: 'exact'"]),
        (
            ["cox", "--covariates", "age"],
            GOOD.replace("1,a", "0,a").replace("1,b", "0,b"),
            ["no events"],
        ),
    ],
)
def test_bad_csv_is_refused_in_one_line(
    tmp_path: Path, command: list[str], text: str, fragments: list[str]
) -> None:
    path = make_csv(tmp_path, text)
    assert_refused(make_run(command[0], path, *command[1:]), *fragments)


def test_a_missing_file_is_refused() -> None:
    assert_refused(make_run("km", "no-such-file.csv"), "no-such-file.csv: file not found")


def test_refusals_from_stdin_say_stdin() -> None:
    assert_refused(make_run("km", "-", stdin="time,event\n1,x\n"), "stdin: line 2, column 'event'")


def test_warnings_go_to_stderr_and_json(tmp_path: Path) -> None:
    path = make_csv(tmp_path, "time,event\n1,1\n2,0\n3,1\n4,0\n")
    result = make_run("km", path, "--at", "10", "--json")
    assert result.exit_code == 0
    assert "warning: survival after the last follow-up" in result.stderr
    data = json.loads(result.stdout)
    assert data["groups"][0]["landmarks"][0]["survival"] is None
    assert len(data["warnings"]) == 1


def test_everyone_censored_gives_null_medians(tmp_path: Path) -> None:
    path = make_csv(tmp_path, "time,event,group\n1,0,a\n2,0,b\n3,0,a\n")
    data = make_json("km", path)
    assert all(g["median"] == {"estimate": None, "ci": [None, None]} for g in data["groups"])
    result = make_run("logrank", path, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["statistic"] is None
    assert "NaN" not in result.stdout
    assert "Infinity" not in result.stdout


@pytest.mark.parametrize(
    "method",
    ["wald", "wald-cc", "newcombe", "newcombe-cc", "agresti-caffo", "miettinen-nurminen"],
)
def test_compare_rd_method_chooses_the_risk_difference_interval(method: str) -> None:
    from tvec.analytics.risk_difference import risk_difference_limits

    data = make_json("compare", "57/295", "2/141", "--rd-method", method)
    rd = data["risk_difference"]
    assert rd["method"] == method
    assert_close(rd["ci"], [float(v) for v in risk_difference_limits(57, 295, 2, 141, method)])


def test_compare_with_the_final_optim_method_prints_the_published_interval() -> None:
    result = make_run("compare", "57/295", "2/141", "--rd-method", "newcombe-cc")
    assert result.exit_code == 0
    assert "12.0% to 23.1%" in result.stdout  # J Immunother Cancer 2019;7:145, Table 2
    words = " ".join(result.stdout.replace("│", " ").split())  # the method cell may wrap
    assert "Newcombe hybrid score with continuity correction" in words


def test_compare_defaults_to_newcombe() -> None:
    assert make_json("compare", "57/295", "2/141")["risk_difference"]["method"] == "newcombe"


@pytest.mark.parametrize("bad", ["exact", "Newcombe", "", "score"])
def test_compare_refuses_an_unknown_rd_method_listing_the_allowed_ones(bad: str) -> None:
    result = make_run("compare", "57/295", "2/141", "--rd-method", bad)
    allowed = "wald, wald-cc, newcombe, newcombe-cc, agresti-caffo, miettinen-nurminen"
    assert_refused(result, "--rd-method", repr(bad), allowed)
