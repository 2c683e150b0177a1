"""Use cases: one function per thing a user does, each one transaction, each permission-checked."""
