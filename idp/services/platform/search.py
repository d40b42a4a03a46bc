"""Substring search over a few text columns, for the people lists and the CLI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_

from ..errors import N_, InvalidInput

# Longer than any name, e-mail address or username we store; a longer pattern is refused
# rather than sent to the database (SQLite stops a LIKE pattern over 50,000 bytes with an
# error, and no search that long can match).
MAX_SEARCH = 254


def contains_any(search: str, columns: Sequence[Any]) -> ColumnElement[bool]:
    """Case-insensitive: some column contains ``search`` (wildcards in it are literal)."""
    text = search.strip().lower()
    if len(text) > MAX_SEARCH:
        raise InvalidInput(N_("Search for at most %(count)s characters"), count=MAX_SEARCH)
    return or_(*(func.lower(c).contains(text, autoescape=True) for c in columns))
