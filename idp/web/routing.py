"""Path converters: an ``<int:…>`` in a route is a database id, so it is bounded like one."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

# The largest id a BIGINT (PostgreSQL) or INTEGER (SQLite) column holds; a larger number in
# a path is a 404 like any id that does not exist, not an overflow in the database driver.
MAX_ID = 2**63 - 1


class DatabaseId(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 0)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def register(app: Flask) -> None:
    """Before any blueprint: every ``<int:…>`` of the URL map becomes a :class:`DatabaseId`."""
    app.url_map.converters["int"] = DatabaseId
