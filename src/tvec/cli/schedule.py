"""`tvec schedule --start DATE`: the course calendar, from doses actually given."""

from __future__ import annotations

from datetime import date

import typer
from rich.table import Table

from tvec.cli.output import (
    DISCLAIMER,
    choose_label,
    console,
    fail,
    parse_iso_date,
    print_json,
    refuse_bad_input,
)
from tvec.domain.rules import CourseEndReason, LabelRules
from tvec.domain.schedule import Course, course_calendar, end_course, record_dose


@refuse_bad_input
def schedule(
    start: str = typer.Option(..., "--start", help="First-dose date (YYYY-MM-DD)."),
    given: list[str] = typer.Option(
        [], "--given", help="A date a dose was given; repeat in order."
    ),
    override: list[str] = typer.Option(
        [], "--override", help="DATE=REASON: accept an early dose on DATE, with the reason."
    ),
    reinitiated: list[str] = typer.Option(
        [],
        "--reinitiated",
        help="A given date (third dose or later) that re-initiated treatment after a complete"
        " response; never the second dose.",
    ),
    reinitiation: bool = typer.Option(
        False,
        "--reinitiation",
        help="The course re-initiates treatment after an earlier course's complete response:"
        " every visit at 10^8 PFU/mL every 14 days.",
    ),
    end: str | None = typer.Option(None, "--end", help="Date the course ended."),
    end_reason: CourseEndReason | None = typer.Option(None, "--end-reason", help="Why it ended."),
    label: str = typer.Option("us", "--label", help="Label variant: us or eu."),
    json_out: bool = typer.Option(False, "--json", help="Print the calendar as JSON."),
) -> None:
    """Visit calendar: first dose, second 3 weeks later, then every 2 weeks, for 6 months."""
    rules = choose_label(label)
    first = Course(parse_iso_date("--start", start), reinitiation=reinitiation)
    course = _course(rules, first, given, override, reinitiated)
    if (end is None) != (end_reason is None):
        fail("--end and --end-reason go together")
    if end is not None and end_reason is not None:
        course = end_course(rules, course, parse_iso_date("--end", end), end_reason)
    visits = course_calendar(rules, course)
    if json_out:
        print_json(
            {"start": course.start, "label": rules.variant, "visits": visits, "end": course.end}
        )
        return
    title = f"Course from {course.start.isoformat()}"
    if course.reinitiation:
        title += " (re-initiation after a complete response)"
    table = Table(title=title, title_justify="left")
    for column in ("#", "visit", "date", "earliest", "strength PFU/mL", "status", "override"):
        table.add_column(column)
    for v in visits:
        table.add_row(
            str(v.number),
            v.kind.value,
            v.date.isoformat(),
            v.earliest.isoformat(),
            f"{v.concentration_pfu_per_ml:,}",
            v.status.value,
            v.override_reason or "",
        )
    console.print(table)
    if course.end is not None:
        console.print(f"course ended {course.end.on.isoformat()}: {course.end.reason.value}")
    console.print(f"[italic]{DISCLAIMER}[/italic]")


def _course(
    rules: LabelRules, course: Course, given: list[str], overrides: list[str], reinit: list[str]
) -> Course:
    days = [parse_iso_date("--given", text) for text in given]
    reasons = dict(_override(text) for text in overrides)
    restarts = {parse_iso_date("--reinitiated", text) for text in reinit}
    for day in [*reasons, *restarts]:
        if day not in days:
            fail(f"{day.isoformat()}: names no --given date")
    for day in days:
        course = record_dose(
            rules, course, day, override_reason=reasons.get(day), reinitiation=day in restarts
        )
    return course


def _override(text: str) -> tuple[date, str]:
    day, sep, reason = text.partition("=")
    if not sep or not reason.strip():
        fail(f"--override: {text!r} must be DATE=REASON with a non-empty reason")
    return parse_iso_date("--override", day.strip()), reason.strip()
