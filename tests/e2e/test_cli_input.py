"""What the command line does with input it cannot take: JSON read as written (no repeated keys, no
text for a number), the API's bounds, impossible dates and bad option values each get one line on
stderr naming the lesion or option and the rule broken, exit code 2, and nothing on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from tvec.cli.main import app

EXAMPLES = Path(__file__).parents[2] / "examples"
LESION = '{"id": "L1", "longest_cm": 2, "site": "nodal"}'


def make_run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=stdin)


def make_request(*lesions: str, visit: str = '"visit": "initial"') -> str:
    return f'{{{visit}, "lesions": [{", ".join(lesions)}]}}'


def assert_refused(result: Result, message: str) -> None:
    assert (result.exit_code, result.stdout) == (2, ""), result.output
    assert result.stderr == f"error: {message}\n"


# name, the visit request, the one line on stderr
BAD_REQUESTS = [
    (
        "a lesion's field given twice",
        make_request('{"id": "L1", "longest_cm": 1, "longest_cm": 9, "site": "nodal"}'),
        "lesion L1 (lesions[0]): longest_cm is given more than once; give each field once",
    ),
    (
        "a lesion's id given twice",
        make_request(LESION, '{"id": "L2", "id": "L3", "longest_cm": 1, "site": "nodal"}'),
        "lesions[1]: id is given more than once; give each field once",
    ),
    (
        "the visit given twice",
        make_request(LESION, visit='"visit": "initial", "visit": "subsequent"'),
        "input: visit is given more than once; give each field once",
    ),
    (
        "a cluster id that is another lesion's id",
        make_request(LESION, '{"id": "L2", "longest_cm": 1, "site": "nodal", "cluster": "L1"}'),
        "lesion L2: Cluster 'L1' is also the id of lesion L1 in the dose plan; "
        "give the cluster an id no lesion has",
    ),
    (
        "a number written as text",
        make_request('{"id": "L1", "longest_cm": "3.2", "site": "nodal"}'),
        "lesion L1: longest_cm must be a JSON number (got '3.2')",
    ),
    (
        "true written as text",
        make_request('{"id": "L1", "longest_cm": 1, "site": "nodal", "new": "yes"}'),
        "lesion L1: new must be true or false (got 'yes')",
    ),
    (
        "true written as 1",
        make_request('{"id": "L1", "longest_cm": 1, "site": "nodal", "injectable": 1}'),
        "lesion L1: injectable must be true or false (got 1)",
    ),
    (
        "true given as a number",
        make_request('{"id": "L1", "longest_cm": true, "site": "nodal"}'),
        "lesion L1: longest_cm must be a JSON number (got True)",
    ),
    (
        "an id given as a number",
        make_request('{"id": 7, "longest_cm": 1, "site": "nodal"}'),
        "lesions[0]: id must be a JSON string (got 7)",
    ),
    (
        "a 1e400 cm lesion",
        make_request('{"id": "L1", "longest_cm": 1e400, "site": "nodal"}'),
        "lesion L1: longest_cm must have no more than 6 digits in total (got 1E+400)",
    ),
    (
        "a lesion over the API's 100 cm",
        make_request('{"id": "L1", "longest_cm": 100.5, "site": "nodal"}'),
        "lesion L1: longest_cm must be less than or equal to 100 (got 100.5)",
    ),
    (
        "a diameter finer than the API keeps",
        make_request('{"id": "L1", "longest_cm": 2, "perpendicular_cm": 1.005, "site": "nodal"}'),
        "lesion L1: perpendicular_cm must have no more than 2 decimal places (got 1.005)",
    ),
    (
        "a lesion id longer than the API's 40 characters",
        make_request(f'{{"id": "{"L" * 41}", "longest_cm": 1, "site": "nodal"}}'),
        f"lesion {'L' * 41}: id must have at most 40 characters (got {'L' * 41})",
    ),
    (
        "NaN",
        make_request('{"id": "L1", "longest_cm": NaN, "site": "nodal"}'),
        "input: (json) is not valid JSON: NaN is not a JSON number",
    ),
    (
        "a syntax error on the third line",
        '{"visit": "initial",\n "lesions": [\n  {"id": "L1", "longest_cm": 1 "site": "nodal"}]}',
        "input: (json) is not valid JSON at line 3, column 32: Expecting ',' delimiter",
    ),
    (
        "a missing closing bracket",
        '{"visit": "initial", "lesions": [',
        "input: (json) is not valid JSON at line 1, column 34: Expecting value",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("request_json", "message"), [pytest.param(*case[1:], id=case[0]) for case in BAD_REQUESTS]
)
def test_a_bad_visit_request_is_refused_in_one_line(request_json: str, message: str) -> None:
    assert_refused(make_run("dose-plan", "-", "--json", stdin=request_json), message)


def test_json_numbers_are_read_exactly_and_integers_are_numbers_too() -> None:
    request = make_request(
        '{"id": "L1", "longest_cm": 2, "perpendicular_cm": 1.25, "site": "nodal"}'
    )
    result = make_run("dose-plan", "-", "--json", stdin=request)
    assert result.exit_code == 0, result.output
    (injection,) = json.loads(result.stdout)["injections"]
    assert (injection["lesion_id"], injection["longest_cm"]) == ("L1", 2)


@pytest.mark.parametrize("source", ["file", "stdin"])
def test_a_json_file_with_a_byte_order_mark_is_read_like_one_without(
    source: str, tmp_path: Path
) -> None:
    text = (EXAMPLES / "visit-initial.json").read_text(encoding="utf-8")
    expected = make_run("dose-plan", str(EXAMPLES / "visit-initial.json"), "--json")
    marked = tmp_path / "visit.json"
    marked.write_text(text, encoding="utf-8-sig")
    assert marked.read_bytes().startswith(b"\xef\xbb\xbf")
    if source == "file":
        result = make_run("dose-plan", str(marked), "--json")
    else:
        result = make_run("dose-plan", "-", "--json", stdin="\ufeff" + text)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected.stdout


def test_a_course_cannot_end_before_it_starts() -> None:
    result = make_run(
        "schedule",
        "--start",
        "2026-01-05",
        "--end",
        "2026-01-04",
        "--end-reason",
        "other-treatment-required",
    )
    assert_refused(result, "end date 2026-01-04 is before the course start 2026-01-05")


# name, the command line, the one line on stderr
BAD_OPTIONS = [
    (
        "a start that is not a date",
        ["schedule", "--start", "notadate"],
        "--start: 'notadate' is not an ISO date (YYYY-MM-DD)",
    ),
    (
        "an end reason the label does not know",
        ["schedule", "--start", "2026-01-05", "--end", "2026-02-01", "--end-reason", "bored"],
        "--end-reason: 'bored' is not one of 'no-injectable-lesions', "
        "'other-treatment-required', 'completed'.",
    ),
    (
        "an unknown label",
        ["dose-plan", str(EXAMPLES / "visit-initial.json"), "--label", "xx"],
        "--label: unknown variant 'xx'; known: eu, us",
    ),
    (
        "unknown criteria",
        ["assess", str(EXAMPLES / "patient-durable-cr.csv"), "--start", "2026-01-05",
         "--criteria", "bogus"],
        "--criteria: unknown 'bogus'; choose one of: modified-who, who",
    ),
    ("a missing required option", ["schedule"], "Missing option '--start'."),
    ("a missing file argument", ["dose-plan"], "Missing argument 'file'."),
    (
        "an unknown option",
        ["schedule", "--start", "2026-01-05", "--strat", "2026-01-05"],
        "No such option: --strat (Possible options: --start)",
    ),
    ("an unknown option of tvec itself", ["--verbose"], "No such option: --verbose"),
    ("a mistyped command", ["schedul"], "No such command 'schedul'. Did you mean 'schedule'?"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"), [pytest.param(*case[1:], id=case[0]) for case in BAD_OPTIONS]
)
def test_a_bad_option_value_is_one_line_not_a_box(args: list[str], message: str) -> None:
    assert_refused(make_run(*args), message)


def test_a_command_given_nothing_still_shows_its_help() -> None:
    result = make_run()
    assert "dose-plan" in result.stdout + result.stderr
    assert "error:" not in result.stderr
