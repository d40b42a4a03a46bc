"""The organisation's settings: access requests, the identity-proofing routes it accepts and
their caps, and the minimum identity level. A route this server is not set up for is shown
as not available, with the reason; its checkbox is disabled, so a save leaves its stored
setting as it is (a forged field enabling it is refused by the service)."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import g, request, url_for
from werkzeug.wrappers import Response

from ... import assurance
from ...models.enums import AdminRole
from ...services.errors import localize
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
        missing={route: _missing(route) for route in ROUTES},
        rank=assurance.rank,
        done=request.args.get("done"),
        errors=extra.pop("errors", {}),
        **extra,
    )


def _missing(route: str) -> str | None:
    """Why ``route`` cannot be enabled on this server, in the page's language; else None."""
    reason = proofing.missing(route)
    return None if reason is None else localize(reason, {})


@bp.get("/settings")
@admin_required(AdminRole.ORG_ADMIN)
def settings() -> Page:
    return _page(_current())


@bp.post("/settings")
@admin_required(AdminRole.ORG_ADMIN)
def save_settings() -> Page | Response:
    form = request.form
    enabled = [route for route in ROUTES if form.get(f"route_{route}") == "on"]
    # An unavailable route's disabled checkbox is never sent: its stored setting stays.
    disabled = [r for r in ROUTES if r not in enabled and proofing.missing(r) is None]
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
            disable=disabled,
            caps=caps,
            minimum=minimum,
            allow_access_requests=allow,
            actor=g.admin.username,
        )
        reminders.set_reminders(g.org, remind, actor=g.admin.username)
    return redirect_to(url_for("admin.settings", done="saved"))
