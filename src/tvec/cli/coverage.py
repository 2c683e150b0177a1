"""`tvec coverage check FILE --policy ID`: does a patient meet a payer's coverage policy?

FILE holds the patient's facts as JSON (`tvec.schemas.coverage`); the answer is the decision, each
criterion (met, not met or not known) with its reason and the policy section it comes from, the
documents still to attach and the authorization lengths; for a re-authorization, the drafted
request with its evidence. Bad facts, an unknown policy or a policy not in effect on the service
date: one line on stderr, exit code 2.
"""

from __future__ import annotations

import typer
from rich.markup import escape
from rich.table import Table

from tvec.cli.output import DISCLAIMER, console, print_json, read_text, refuse_bad_input
from tvec.domain.coverage import CoverageDecision, evaluate
from tvec.domain.reauthorization_draft import ReauthorizationDraft, draft_reauthorization
from tvec.knowledge import load_policy
from tvec.schemas.coverage import CoverageDecisionOut, parse_coverage_facts

coverage_app = typer.Typer(
    no_args_is_help=True,
    help="Coverage: check a patient's facts against a payer policy (criteria, documents, months).",
)

MET = {True: "[green]met[/green]", False: "[red]not met[/red]", None: "[yellow]not known[/yellow]"}


@coverage_app.command("check")
@refuse_bad_input
def check(
    file: str = typer.Argument(..., help="The patient's facts as JSON, or '-' for standard input."),
    policy: str = typer.Option(..., "--policy", help="Policy id, e.g. 5.01.562 (`tvec rules`)."),
    json_out: bool = typer.Option(False, "--json", help="Print the decision as JSON."),
) -> None:
    """Check a patient's facts against a payer's coverage policy: criteria, documents, months."""
    chosen = load_policy(policy)
    facts = parse_coverage_facts(read_text(file))
    decision = evaluate(chosen, facts)
    draft = draft_reauthorization(decision, facts.response) if facts.reauthorization else None
    if json_out:
        print_json(CoverageDecisionOut.of(decision, draft).model_dump(mode="json"))
    else:
        _show(decision, draft)


def _show(d: CoverageDecision, draft: ReauthorizationDraft | None) -> None:
    kind = "re-authorization" if d.reauthorization else "initial authorization"
    console.print(f"[bold]{escape(d.policy_title)}[/bold] — {kind}, {d.service_date.isoformat()}")
    console.print(f"Decision: [bold]{d.decision.value}[/bold]")
    table = Table(title="Criteria", title_justify="left")
    for column in ("criterion", "met", "reason", "source"):
        table.add_column(column, overflow="fold")
    for c in d.criteria:
        table.add_row(f"{c.id}: {escape(c.text)}", MET[c.met], escape(c.reason), escape(c.source))
    console.print(table)
    for doc in d.missing_documents:
        console.print(f"Missing document: {doc.id} ({escape(doc.text)}) [{escape(doc.source)}]")
    a = d.authorization
    console.print(
        f"Authorization: up to {a.months} months (initial {a.initial_months} for a "
        f"{a.review_type.value} review; re-authorization {a.reauthorization_months}) "
        f"[{escape(a.source)}]"
    )
    if draft is not None:
        console.print("[bold]Re-authorization request (draft)[/bold]")
        console.print(escape(draft.text))
    console.print(f"[italic]{DISCLAIMER}[/italic]")
