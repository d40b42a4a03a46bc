"""Unit tests: pure functions and source checks, no app and no database."""
