"""The web admin: an organisation's administrators manage its people, login means, services
and settings. Every view is scoped to the administrator's own organisation; no rule lives here.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The views register on bp.
from . import (  # noqa: E402,F401
    audit,
    auth,
    bulk_activation,
    export,
    home,
    importing,
    inventory,
    people,
    person,
    privileges,
    registrar,
    requests,
    services,
    settings,
)
