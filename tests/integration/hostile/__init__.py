"""Hostile tests: each case an attacker tried against the running product, kept so that the
guard that stops it cannot be removed without a failing test (issue 9)."""
