"""Command line entry point (Typer + Rich): parse, call the domain, render."""
