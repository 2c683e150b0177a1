"""The `tvec` command: thin wiring of the commands, each in its own module, imported when used.

Each command lives in its own module, and most need heavy libraries (the statistics, the database,
the web server, the plotting). Starting the command line must not pay for all of them: `COMMANDS`
names each command's module and its one-line summary, `tvec --help` lists the commands from that
table without importing any of them, and running a command imports its module only. A test holds
each summary equal to the help of the command it names, and the command built from a module is the
same as registering it on the app directly (same options, help, output and exit codes).

A usage error (an unknown option, a missing argument, an option value its type refuses) is shown
as every refusal of the command line is: one line `error: …` on stderr, exit code 2.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import import_module
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Entry:
    """Where a command lives (`module.attribute`: a command function or a Typer sub-app)."""

    module: str
    attribute: str
    summary: str


# In the order `tvec --help` lists them (commands, then command groups, as Typer does).
COMMANDS: dict[str, Entry] = {
    "rules": Entry(
        "tvec.cli.rules",
        "rules",
        "Print the dosing, schedule, storage, billing and response rules with their sources.",
    ),
    "dose-plan": Entry(
        "tvec.cli.dose_plan",
        "dose_plan",
        "Plan one visit: strength, per-lesion volume in injection order, vials, waste, billing.",
    ),
    "thaw-clock": Entry(
        "tvec.cli.thaw_clock",
        "thaw_clock",
        "Thaw clock of one vial: expiry, minutes left and the limits used, from its thaw events.",
    ),
    "schedule": Entry(
        "tvec.cli.schedule",
        "schedule",
        "Visit calendar: first dose, second 3 weeks later, then every 2 weeks, for 6 months.",
    ),
    "assess": Entry(
        "tvec.cli.assess",
        "assess",
        "Assess tumour response (bidimensional, WHO family) from serial lesion measurements.",
    ),
    "excursions": Entry(
        "tvec.cli.excursions",
        "excursions",
        "Find temperature excursions and gaps without data in a data logger's CSV export.",
    ),
    "forecast": Entry(
        "tvec.cli.forecast",
        "forecast",
        "Forecast vials per week and strength, with 80% and 95% intervals, and suggest an order.",
    ),
    "serve": Entry("tvec.cli.server", "serve", "Serve the REST API (interactive docs at /docs)."),
    "synth": Entry(
        "tvec.cli.synth",
        "synth",
        "Make a synthetic T-VEC registry: patients, lesions, measurements and survival.",
    ),
    "report": Entry(
        "tvec.cli.report",
        "report",
        "Build an outcomes report (HTML, and PDF) for a cohort, next to OPTiM's published figures.",
    ),
    "doctor": Entry(
        "tvec.cli.doctor",
        "doctor",
        "Check a deployment: keys, cookies, database, migrations, backups; say what to fix.",
    ),
    "db": Entry(
        "tvec.cli.server", "db_app", "Database: migrate, load demo data, back up and restore."
    ),
    "stats": Entry(
        "tvec.cli.stats",
        "stats_app",
        "Outcome statistics: compare two response rates, Kaplan–Meier, log-rank, Cox.",
    ),
    "audit": Entry(
        "tvec.cli.audit",
        "audit_app",
        "Audit log: check that its entries are as they were written.",
    ),
    "coverage": Entry(
        "tvec.cli.coverage",
        "coverage_app",
        "Coverage: check a patient's facts against a payer policy (criteria, documents, months).",
    ),
    "gs1": Entry(
        "tvec.cli.gs1",
        "gs1_app",
        "GS1 carton barcodes: read a scan into product, strength, lot, expiry and serial.",
    ),
}


def load(name: str) -> typer.Typer:
    """A Typer app holding only the command `name`, registered as `app` would register it."""
    entry = COMMANDS[name]
    target: Any = getattr(import_module(entry.module), entry.attribute)
    holder = typer.Typer(add_completion=False)
    holder.callback()(_no_options)
    if isinstance(target, typer.Typer):
        holder.add_typer(target, name=name)
    else:
        holder.command(name)(target)
    return holder


def _no_options() -> None:
    pass


class LazyCommands(TyperGroup):
    """The top-level group: lists `COMMANDS` by their summaries, imports a command to run it."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        # Summaries only: what the listing and the "did you mean" suggestions read.
        self.commands = {name: TyperCommand(name, help=e.summary) for name, e in COMMANDS.items()}
        self.listing = False

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS or self.listing:
            return self.commands.get(cmd_name)
        group = typer.main.get_command(load(cmd_name))
        assert isinstance(group, TyperGroup)
        return group.commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing = False

    # Usage errors arise while the arguments are parsed (`make_context`, here and, for the
    # command run, inside `invoke`): both report them as one line.
    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        with one_line_usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        with one_line_usage_errors():
            return super().invoke(ctx)


# Typer raises click's usage errors (from its own copy of click since Typer 0.2x): reach their
# classes through the module of the one Typer exports.
_CLICK_ERRORS: Any = sys.modules[typer.BadParameter.__module__]


@contextmanager
def one_line_usage_errors() -> Iterator[None]:
    """A usage error (an unknown command or option, a missing argument, a value its option's type
    refuses) is reported as every refusal is: one line on stderr, nothing on stdout, exit code 2
    (click's own code for it), instead of a usage text and a framed box."""
    try:
        yield
    except getattr(_CLICK_ERRORS, "NoArgsIsHelpError", ()):
        raise  # the command was given nothing: its help is the answer
    except _CLICK_ERRORS.ClickException as exc:
        sys.stderr.write(f"error: {_one_line(exc)}\n")
        raise typer.Exit(exc.exit_code) from None


def _one_line(exc: Any) -> str:
    """`--end-reason: 'x' is not one of …`, `Missing option '--start'.`: the option, the rule."""
    message = exc.format_message()
    param = getattr(exc, "param", None)
    missing = isinstance(exc, _CLICK_ERRORS.MissingParameter)
    if isinstance(exc, typer.BadParameter) and param is not None and not missing:
        name = "/".join(param.opts) if param.param_type_name == "option" else param.name
        rule = re.sub(r"^(Value error, )?Input should", "must", exc.message)
        message = f"{name}: {rule.removeprefix('Value error, ')}"
    return " ".join(message.split())


app = typer.Typer(
    name="tvec",
    cls=LazyCommands,
    help="T-VEC (talimogene laherparepvec) therapy: rules, dose plans, schedules, tumour response. "
    "tvec supports, and does not replace, clinical judgement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.callback()(_no_options)
