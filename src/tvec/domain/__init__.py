"""Pure clinical rules: standard library only, no I/O, no clock, no randomness, no settings.

Every number a rule uses arrives as an argument (a rule object built from `tvec.knowledge`).
"""
