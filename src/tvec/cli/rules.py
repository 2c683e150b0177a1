"""`tvec rules`: the active rules, as a clinician reviews them."""

from __future__ import annotations

import typer
from rich.table import Table

from tvec.cli.output import DISCLAIMER, choose_label, console, print_json, refuse_bad_input
from tvec.knowledge import available_criteria, load_criteria
from tvec.knowledge.ctcae_rules import adverse_event_sections
from tvec.knowledge.follow_up import follow_up_sections, load_follow_up
from tvec.knowledge.policies import load_policies
from tvec.knowledge.policy_book import policy_section
from tvec.knowledge.programme import programme_for_label, programme_sections
from tvec.knowledge.rulebook import (
    all_rules_markdown,
    criteria_section,
    label_sections,
    trial_section,
)
from tvec.knowledge.trials import available_trials, load_trial


@refuse_bad_input
def rules(
    label: str = typer.Option("us", "--label", help="Label variant: us or eu."),
    markdown: bool = typer.Option(
        False, "--markdown", help="The docs/rules.md page, all variants."
    ),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable rules."),
) -> None:
    """Print the label, billing, response and safety-programme rules with their sources."""
    active = choose_label(label)
    criteria = [load_criteria(name) for name in available_criteria()]
    if markdown:
        typer.echo(all_rules_markdown(), nl=False)
        return
    programme = programme_for_label(active.variant)
    if json_out:
        policies = list(load_policies().values())
        print_json(
            {"label": active, "criteria": criteria, "policies": policies, "programme": programme}
        )
        return
    console.print(f"[bold]{active.title}[/bold] — {active.revision}")
    trials = [trial_section(load_trial(name)) for name in available_trials()]
    trials += adverse_event_sections()
    trials += follow_up_sections(load_follow_up())
    policy_tables = [policy_section(p) for p in load_policies().values()]
    sections = [*label_sections(active), *(criteria_section(c) for c in criteria), *trials]
    for section in [*sections, *policy_tables, *programme_sections(programme)]:
        table = Table(title=section.title, title_justify="left", show_lines=False)
        for column in section.columns:
            table.add_column(column, overflow="fold")
        for row in section.rows:
            table.add_row(*row)
        console.print(table)
    console.print(f"[italic]{DISCLAIMER}[/italic]")
