"""The organisation's settings: access requests, the identity-proofing routes it accepts and
their caps, and the minimum identity level."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import g, request, url_for
from werkzeug.wrappers import Response

from ... import assurance
from ...models.enums import AdminRole
from ...services.lifecycle import reminders
from ...services.proofing import ROUTES
from ...services.proofing import settings as proofing
from ..errors import shown_on
from ..pages import page, redirect_to
from . import bp
from .auth import admin_required

Page = Response


def _current() -> dict[str, Any]:
    return {
        "allow_access_requests": g.org.allow_access_requests,
        "activation_reminders": reminders.reminders_enabled(g.org),
        "minimum_ial": proofing.minimum_ial(g.org),
        "routes": {route: proofing.route_settings(g.org, route) for route in ROUTES},
    }


def _page(values: dict[str, Any], status: int = 200, **extra: Any) -> Page:
    return page(
        "admin/settings.html",
        status,
        values=values,
        routes=ROUTES,
        levels=assurance.LEVELS,
        rank=assurance.rank,
        done=request.args.get("done"),
        errors=extra.pop("errors", {}),
        **extra,
    )


@bp.get("/settings")
@admin_required(AdminRole.ORG_ADMIN)
def settings() -> Page:
    return _page(_current())


@bp.post("/settings")
@admin_required(AdminRole.ORG_ADMIN)
def save_settings() -> Page | Response:
    form = request.form
    enabled = [route for route in ROUTES if form.get(f"route_{route}") == "on"]
    caps = {route: form[f"cap_{route}"] for route in ROUTES if f"cap_{route}" in form}
    allow = form.get("allow_access_requests") == "on"
    minimum = form.get("minimum_ial", "")
    remind = form.get("activation_reminders") == "on"
    values = {
        "allow_access_requests": allow,
        "activation_reminders": remind,
        "minimum_ial": minimum,
        "routes": {
            route: {
                "enabled": route in enabled,
                "cap": caps.get(route, proofing.route_settings(g.org, route)["cap"]),
            }
            for route in ROUTES
        },
    }
    with shown_on(partial(_page, values), field="settings"):
        proofing.configure_organisation(
            g.org,
            enable=enabled,
            disable=[route for route in ROUTES if route not in enabled],
            caps=caps,
            minimum=minimum,
            allow_access_requests=allow,
            actor=g.admin.username,
        )
        reminders.set_reminders(g.org, remind, actor=g.admin.username)
    return redirect_to(url_for("admin.settings", done="saved"))
