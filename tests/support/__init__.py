"""Test-support helpers (not tests themselves)."""
