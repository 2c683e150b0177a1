"""`tvec thaw-clock FILE`: how long a thawed vial (or its filled syringe) may still be used."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from tvec.cli.output import (
    DISCLAIMER,
    choose_label,
    console,
    print_json,
    read_text,
    refuse_bad_input,
)
from tvec.domain.stability import ThawClock
from tvec.domain.stability import thaw_clock as clock_of
from tvec.schemas.thaw_clock import parse_thaw_clock_request


@refuse_bad_input
def thaw_clock(
    file: str = typer.Argument(..., help="JSON thaw events, or '-' for standard input."),
    label: str = typer.Option("us", "--label", help="Label variant: us or eu."),
    json_out: bool = typer.Option(False, "--json", help="Print the clock as JSON."),
) -> None:
    """Thaw clock of one vial: expiry, minutes left and the limits used, from its thaw events."""
    rules = choose_label(label)
    request = parse_thaw_clock_request(read_text(file))
    events = [event.to_domain() for event in request.events]
    clock = clock_of(rules, request.pfu_per_ml, events, request.now, request.lot_limit_hours)
    if json_out:
        print_json(as_json(clock))
    else:
        _show(clock)


def as_json(clock: ThawClock) -> dict[str, Any]:
    return {
        "expired": clock.expired,
        "expires_at": clock.expires_at,
        "remaining_minutes": clock.remaining_minutes,
        "limit_sources": list(clock.limit_sources),
    }


def _show(clock: ThawClock) -> None:
    hours, minutes = divmod(clock.remaining_minutes, 60)
    status = (
        "[bold red]EXPIRED: discard[/bold red]"
        if clock.expired
        else f"{hours} h {minutes} min left"
    )
    table = Table(title="Thaw clock", title_justify="left", show_header=False)
    table.add_column("")
    table.add_column("")
    table.add_row("status", status)
    table.add_row("expires at", clock.expires_at.isoformat())
    table.add_row("binding limit", clock.binding_source)
    for source in clock.limit_sources[1:]:
        table.add_row("also applied", source)
    console.print(table)
    console.print(
        "Time at each temperature uses up its share of that limit; the shares add up to 1 "
        "(tvec ruling).",
        highlight=False,
    )
    console.print(f"[italic]{DISCLAIMER}[/italic]")
