"""`tvec forecast FILE`: vials per ISO week and strength with intervals; an order suggestion."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from tvec.cli.output import (
    DISCLAIMER,
    choose_label,
    console,
    fail,
    print_json,
    read_text,
    refuse_bad_input,
)


@refuse_bad_input
def forecast(
    file: str = typer.Argument(..., help="JSON forecast request, or '-' for standard input."),
    weeks: int = typer.Option(4, "--weeks", min=1, max=52, help="Weeks to forecast (1-52)."),
    label: str = typer.Option("us", "--label", help="Label variant: us or eu."),
    json_out: bool = typer.Option(False, "--json", help="Print the forecast as JSON."),
) -> None:
    """Forecast vials per week and strength, with 80% and 95% intervals, and suggest an order."""
    from tvec.analytics.forecast import forecast_demand
    from tvec.analytics.forecast_order import suggest_orders
    from tvec.schemas.forecast import (
        parse_forecast_request,
        to_calendar,
        to_history,
        to_stock,
    )

    rules = choose_label(label)
    request = parse_forecast_request(read_text(file))
    _check_lesions(rules, request)
    calendar = to_calendar(request)
    stock, history = to_stock(request, rules), to_history(request, rules)
    result = forecast_demand(rules, calendar, history, request.as_of, weeks)
    orders = suggest_orders(result, stock, request.lead_time_days)
    record = _record(result, orders, rules.variant)
    record["sources"] = _sources(rules)
    if json_out:
        print_json(record)
    else:
        _show(record)


def _check_lesions(rules: Any, request: Any) -> None:
    """A patient's lesions the planner refuses (a route, a cluster) are named by the patient's
    place in the file, not by the pseudonym."""
    from tvec.domain.dose_plan import plan_visit
    from tvec.domain.errors import DomainError
    from tvec.domain.rules import VisitKind

    for n, patient in enumerate(request.patients):
        lesions = [lesion.to_domain() for lesion in patient.lesions]
        try:
            plan_visit(rules, VisitKind.SUBSEQUENT, lesions)
        except DomainError as exc:
            fail(f"patients[{n}]: {exc}")


def _sources(rules: Any) -> list[str]:
    """Where the planner's numbers come from; the forecast's own rules are tvec's choices."""
    from tvec.domain.rules import VisitKind

    cited = [rules.visit_rule(kind).source for kind in VisitKind]
    cited += [
        rules.volume_bands[0].source,
        rules.strength(rules.visit_rule(VisitKind.SUBSEQUENT).pfu_per_ml).source,
    ]
    return list(dict.fromkeys(cited))


def _strength(pfu_per_ml: int) -> str:
    return f"10^{len(str(pfu_per_ml)) - 1} PFU/mL"


def _record(result: Any, orders: Any, variant: str) -> dict[str, Any]:
    model = result.model
    return {
        "as_of": result.as_of,
        "weeks": result.weeks,
        "label": variant,
        "method": result.method,
        "simulations": result.simulations,
        "seed": result.seed,
        "model": {
            "continuation": round(model.continuation, 4),
            "continuation_visits": model.continuation_visits,
            "history_visits": model.history_visits,
            "gap_days": model.gap_days,
        },
        "demand": [_demand(d) for d in result.demand],
        "totals": [_demand(d) for d in result.totals],
        "orders": [{**vars(o), "expected": round(o.expected, 2)} for o in orders],
        "visits": [
            {
                **vars(v),
                "probability": round(v.probability, 4),
                "expected_vials": round(v.expected_vials, 3),
            }
            for v in result.visits
        ],
        "warnings": list(result.warnings),
    }


def _demand(d: Any) -> dict[str, Any]:
    return {
        "week": d.week,
        "pfu_per_ml": d.pfu_per_ml,
        "expected": round(d.expected, 2),
        "planned": d.planned,
        **{f"interval_{round(b.level * 100)}": [b.low, b.high] for b in d.intervals},
    }


def _show(record: dict[str, Any]) -> None:
    title = (
        f"Vials needed from {record['as_of'].isoformat()}, {record['weeks']} week(s), "
        f"{record['label']} label"
    )
    table = Table(title=title, title_justify="left")
    for column in (
        "week",
        "strength",
        "expected",
        "80% interval",
        "95% interval",
        "if all as planned",
    ):
        table.add_column(column)
    for d in record["demand"] + record["totals"]:
        table.add_row(
            d["week"],
            _strength(d["pfu_per_ml"]),
            f"{d['expected']:.1f}",
            "–".join(map(str, d["interval_80"])),
            "–".join(map(str, d["interval_95"])),
            str(d["planned"]),
        )
    console.print(table)
    for o in record["orders"]:
        line = (
            f"order {_strength(o['pfu_per_ml'])}: {o['order_vials']} vial(s), arriving "
            f"{o['arrives'].isoformat()} (need {o['need']}, the upper 95% bound; usable stock "
            f"{o['usable']} of {o['in_stock']})"
        )
        console.print(line, highlight=False)
        if o["expiring_unused"]:
            console.print(f"  {o['expiring_unused']} vial(s) expected to expire before use")
        if o["short_before_arrival"]:
            console.print(
                f"  [yellow]warning:[/yellow] up to {o['need_before_arrival']} vial(s) may be "
                "needed before an order placed today arrives, more than the usable stock"
            )
    model = record["model"]
    console.print(
        f"continuation per visit {model['continuation']:.3f} from {model['continuation_visits']} "
        f"visit(s); {model['history_visits']} visit(s) of history",
        highlight=False,
    )
    console.print(f"method: {record['method']}", highlight=False)
    console.print(f"dose plans: {'; '.join(record['sources'])}", highlight=False)
    console.print(
        "the continuation, interval and order rules are tvec's own choices, not the label's",
        highlight=False,
    )
    for warning in record["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    console.print(f"[italic]{DISCLAIMER}[/italic]")
