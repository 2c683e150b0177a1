"""`tvec dose-plan FILE`: the per-lesion plan for one visit."""

from __future__ import annotations

from dataclasses import replace

import typer
from rich.markup import escape
from rich.table import Table

from tvec.cli.output import (
    DISCLAIMER,
    choose_label,
    console,
    fmt,
    parse_iso_instant,
    print_json,
    read_text,
    refuse_bad_input,
)
from tvec.domain.dose_plan import DosePlan, plan_visit
from tvec.domain.indication import Indication, PatientFacts
from tvec.domain.thaw_list import ThawItem, thaw_list
from tvec.schemas.dose_plan import parse_dose_plan_request


@refuse_bad_input
def dose_plan(
    file: str = typer.Argument(..., help="JSON visit request, or '-' for standard input."),
    label: str = typer.Option("us", "--label", help="Label variant: us or eu."),
    json_out: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    appointment: str | None = typer.Option(
        None,
        "--appointment",
        help="Appointment time (ISO-8601 with its time zone): the thaw list gives clock times.",
    ),
) -> None:
    """Plan one visit: strength, per-lesion volume in injection order, vials, waste, billing."""
    rules = choose_label(label)
    request = parse_dose_plan_request(read_text(file))
    facts = request.patient.to_domain() if request.patient else PatientFacts()
    lesions = [lesion.to_domain() for lesion in request.lesions]
    plan = plan_visit(rules, request.visit, lesions, facts)
    if appointment is not None:
        at = parse_iso_instant("--appointment", appointment)
        plan = replace(plan, thaw_list=thaw_list(rules, plan, at))
    if json_out:
        print_json(plan)
    else:
        _show(plan)


def _show(plan: DosePlan) -> None:
    _show_indication(plan.indication)
    console.print(
        f"[bold]Visit: {plan.visit.value}[/bold] — "
        f"strength {plan.concentration_pfu_per_ml:,} PFU/mL"
        f" ({plan.cap_colour} cap), at most {fmt(plan.max_total_volume_ml)} mL"
    )
    table = Table(title="Inject in this order", title_justify="left")
    for column in ("#", "lesion", "longest cm", "new", "band max mL", "volume mL", "partial"):
        table.add_column(column)
    for n, i in enumerate(plan.injections, 1):
        name = (
            i.lesion_id
            if i.lesion_ids == (i.lesion_id,)
            else f"{i.lesion_id} ({'+'.join(i.lesion_ids)})"
        )
        table.add_row(
            str(n),
            name,
            fmt(i.longest_cm),
            "yes" if i.new else "",
            fmt(i.band_max_ml),
            fmt(i.volume_ml),
            "PARTIAL" if i.partial else "",
        )
    console.print(table)
    for skipped in plan.not_injected:
        console.print(f"not injected: {skipped.lesion_id} — {skipped.reason} [{skipped.source}]")
    console.print(
        f"total {fmt(plan.total_volume_ml)} mL = {plan.total_pfu:,} PFU; thaw {plan.vials} × 1 mL "
        f"vial(s); waste {fmt(plan.waste_ml)} mL"
    )
    for item in plan.thaw_list:
        console.print(escape(_thaw_line(item)), highlight=False)
    if plan.billing is not None:
        lines = "; ".join(
            f"{line.hcpcs} × {fmt(line.units)}{_modifier(line.modifier)} ({line.what})"
            for line in plan.billing.lines
        )
        nothing = f"no {plan.billing.hcpcs} line (nothing to administer)"
        console.print(f"billing: {lines or nothing}")
    if plan.indication is not None and plan.indication.within:
        console.print(f"within the label's indication [{plan.indication.source}]", highlight=False)
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"[italic]{DISCLAIMER}[/italic]")


def _show_indication(indication: Indication | None) -> None:
    """Outside the indication (or not shown to be within it): the first line, red and bold."""
    if indication is None or indication.within:
        return
    outside = len(indication.reasons) > len(indication.missing)
    head = "OUTSIDE THE LABEL'S INDICATION" if outside else "INDICATION NOT CONFIRMED"
    console.print(
        f"[bold red]{head}: {'; '.join(indication.reasons)} [{indication.source}][/bold red]",
        highlight=False,
    )


def _thaw_line(item: ThawItem) -> str:
    """When to start thawing and the latest use, as clock times with an appointment time."""
    vials = f"thaw list: {item.vials} × {item.pfu_per_ml:,} PFU/mL ({item.cap_colour} cap)"
    if item.start_at is not None and item.latest_use_at is not None:
        start = f"start thawing at {item.start_at.isoformat(timespec='minutes')}"
        latest = f"use by {item.latest_use_at.isoformat(timespec='minutes')}"
    else:
        start = f"start thawing {item.start_minutes_before} min before the appointment"
        hours, minutes = divmod(item.latest_use_minutes_after, 60)
        latest = f"use within {hours} h {minutes} min after it"
    sources = "".join(f"\n  [{source}]" for source in item.sources)
    return f"{vials}: {start}; {latest} at room temperature{sources}"


def _modifier(modifier: str | None) -> str:
    return f"-{modifier}" if modifier else ""
