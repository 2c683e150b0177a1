"""`python -m tvec …` is the `tvec` command."""

from tvec.cli.main import app

app(prog_name="tvec")
