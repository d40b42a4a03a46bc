"""The organisation's audit trail: newest first, filtered by action, actor and target."""

from __future__ import annotations

from flask import g, request
from werkzeug.wrappers import Response

from ...services import audit as audit_service
from ..pages import page
from . import bp
from .auth import admin_required

PER_PAGE = 50
MAX_PAGE = 1_000_000


@bp.get("/audit")
@admin_required()
def audit() -> Response:
    filters = {name: request.args.get(name, "").strip() for name in ("action", "actor", "target")}
    number = request.args.get("page", "1")
    result = audit_service.list_events(
        g.org,
        action=filters["action"] or None,
        actor=filters["actor"] or None,
        target=filters["target"] or None,
        page=min(int(number), MAX_PAGE) if number.isdigit() and len(number) < 8 else 1,
        per_page=PER_PAGE,
    )
    return page(
        "admin/audit.html",
        result=result,
        filters=filters,
        query={name: value for name, value in filters.items() if value},
        actions=audit_service.actions_of(g.org),
    )
