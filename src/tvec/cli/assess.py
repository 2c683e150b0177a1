"""`tvec assess FILE --start DATE`: tumour response over time for one patient.

Reads a CSV of lesion measurements (see `tvec.schemas.measurements_csv`), applies the chosen
response criteria and prints the assessments, the patient-level summary and the lesion-level table.
Percent changes are shown to one decimal place rounded towards zero, so that none reads across a
threshold, and shares to the nearest (`tvec.domain.percent`); the domain keeps them exact. Each
assessment's category reads as `tvec.domain.response.assessment_label` writes it, e.g.
"PR (unconfirmed, confirm on or after 2026-03-02)".
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tvec.cli.output import (
    DISCLAIMER,
    console,
    fail,
    fmt,
    parse_iso_date,
    print_json,
    read_text,
    refuse_bad_input,
)
from tvec.domain.percent import pct_text, share_text, shown_pct, shown_share
from tvec.domain.response import Assessment, ResponseAssessment, assess_response
from tvec.domain.rules import ResponseCriteria
from tvec.knowledge import available_criteria, load_criteria
from tvec.schemas.measurements_csv import read_measurements

CRITERIA_HELP = f"Response criteria: {', '.join(available_criteria())}."


@refuse_bad_input
def assess(
    file: Annotated[Path, typer.Argument(help="CSV of lesion measurements, or '-' for stdin.")],
    start: Annotated[
        str, typer.Option("--start", help="Start date (first dose, baseline), YYYY-MM-DD.")
    ],
    criteria: Annotated[str, typer.Option("--criteria", help=CRITERIA_HELP)] = "modified-who",
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Assess tumour response (bidimensional, WHO family) from serial lesion measurements."""
    start_date = parse_iso_date("--start", start)
    rules = _criteria(criteria)
    result = assess_response(rules, start_date, read_measurements(read_text(str(file))))
    if json_out:
        print_json(_as_json(result))
    else:
        _show(result, rules)


def _criteria(name: str) -> ResponseCriteria:
    known = available_criteria()
    if name not in known:
        fail(f"--criteria: unknown {name!r}; choose one of: {', '.join(known)}")
    return load_criteria(name)


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None else shown_pct(value)


def _share(value: Decimal | None) -> Decimal | None:
    return None if value is None else shown_share(value)


def _as_json(result: ResponseAssessment) -> dict[str, Any]:
    return {
        "criteria": result.criteria,
        "start": result.start,
        "baseline_date": result.baseline_date,
        "baseline_spd_cm2": result.baseline_spd_cm2,
        "assessments": [_assessment_json(a) for a in result.assessments],
        "best_overall_response": result.best_overall_response,
        "time_to_response_days": result.time_to_response_days,
        "duration_of_response_days": result.duration_of_response_days,
        "response_ongoing": result.response_ongoing,
        "durable_response": result.durable_response,
        "lesion_summary": [
            {
                "group": g.group,
                "lesions": g.lesions,
                "shrank_at_least_pct": g.shrank_at_least_pct,
                "shrank_count": g.shrank_count,
                "shrank_share": _share(g.shrank_share),
                "resolved_count": g.resolved_count,
                "resolved_share": _share(g.resolved_share),
            }
            for g in result.lesion_summary
        ],
    }


def _assessment_json(a: Assessment) -> dict[str, Any]:
    return {
        "date": a.date,
        "day": a.day,
        "spd_cm2": a.spd_cm2,
        "change_from_baseline_pct": _pct(a.change_from_baseline_pct),
        "change_from_nadir_pct": _pct(a.change_from_nadir_pct),
        "category": a.category,
        "label": a.label,
        "new_lesion_ids": list(a.new_lesion_ids),
        "confirmed": a.confirmed,
        "counted": a.counted,
        "confirmation": a.confirmation,
        "confirm_on_or_after": a.confirm_on_or_after,
    }


def _show(result: ResponseAssessment, rules: ResponseCriteria) -> None:
    console.print(f"[bold]Criteria: {escape(rules.title)}[/bold]")
    console.print(f"start {result.start.isoformat()} (baseline {result.baseline_date.isoformat()})")
    console.print(_assessment_table(result))
    for line in _summary_lines(result):
        console.print(line)
    console.print(_lesion_table(result))
    console.print(f"[italic]{DISCLAIMER}[/italic]")


def _assessment_table(result: ResponseAssessment) -> Table:
    table = Table(title="Assessments", title_justify="left")
    for column in ("date", "day", "SPD cm²", "vs baseline", "vs nadir"):
        table.add_column(column)
    table.add_column("category", overflow="fold", min_width=16)  # wraps, never cut short
    table.add_column("new")
    for a in result.assessments:
        table.add_row(
            a.date.isoformat(),
            str(a.day),
            fmt(a.spd_cm2),
            pct_text(a.change_from_baseline_pct),
            pct_text(a.change_from_nadir_pct),
            a.label,
            escape(", ".join(a.new_lesion_ids)),
        )
    return table


def _summary_lines(result: ResponseAssessment) -> list[str]:
    if result.duration_of_response_days is None:
        duration = "–"
    else:
        state = "ongoing" if result.response_ongoing else "ended"
        duration = f"{result.duration_of_response_days} days ({state})"
    ttr = result.time_to_response_days
    latest = result.assessments[-1]
    return [
        f"latest assessment {latest.date.isoformat()}: {latest.label}",
        f"best overall response: [bold]{result.best_overall_response.value}[/bold]",
        f"time to response: {'–' if ttr is None else f'{ttr} days'}",
        f"duration of response: {duration}",
        f"durable response: [bold]{result.durable_response.value}[/bold]",
    ]


def _lesion_table(result: ResponseAssessment) -> Table:
    threshold = fmt(result.lesion_summary[0].shrank_at_least_pct) if result.lesion_summary else ""
    table = Table(title="Lesion-level response", title_justify="left")
    for column in ("group", "lesions", f"shrank ≥ {threshold}%", "resolved"):
        table.add_column(column)
    for g in result.lesion_summary:
        table.add_row(
            g.group.value,
            str(g.lesions),
            _count_share(g.shrank_count, g.shrank_share),
            _count_share(g.resolved_count, g.resolved_share),
        )
    return table


def _count_share(count: int, share: Decimal | None) -> str:
    return "–" if share is None else f"{count} ({share_text(share)})"
