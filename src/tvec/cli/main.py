"""The `tvec` command: thin wiring of the commands, each in its own module."""

from __future__ import annotations

import typer

from tvec.cli.assess import assess
from tvec.cli.dose_plan import dose_plan
from tvec.cli.report import report
from tvec.cli.rules import rules
from tvec.cli.schedule import schedule
from tvec.cli.server import db_app, serve
from tvec.cli.stats import stats_app
from tvec.cli.synth import synth

app = typer.Typer(
    name="tvec",
    help="T-VEC (talimogene laherparepvec) therapy: rules, dose plans, schedules, tumour response. "
    "tvec supports, and does not replace, clinical judgement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("rules")(rules)
app.command("dose-plan")(dose_plan)
app.command("schedule")(schedule)
app.command("assess")(assess)
app.add_typer(db_app, name="db")
app.command("serve")(serve)
app.add_typer(stats_app, name="stats")
app.command("synth")(synth)
app.command("report")(report)
