"""Test support: factories, helpers and fakes the test modules share; no tests here."""
