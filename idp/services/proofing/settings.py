"""An organisation's proofing settings: which routes it accepts, the highest level each may
establish there (its cap, never above what the route can reach), and the least identity level
(the minimum IAL) its people need before they are activated. A route is *available* to an
organisation when the organisation accepts it and this server has what it needs
(:func:`missing`): the one test every journey and page asks."""

from __future__ import annotations

from typing import Any

from ... import assurance
from ...extensions import db
from ...models import Organisation
from ...models.enums import NsisLevel, ProofingRoute
from .. import audit
from ..errors import N_, InvalidInput
from ..platform.runtime import settings as server_settings
from . import ROUTES

DEFAULT_MINIMUM_IAL = NsisLevel.SUBSTANTIAL


def route_settings(org: Organisation, route: str) -> dict[str, Any]:
    """The organisation's settings for one route, with the route's defaults filled in."""
    spec = ROUTES[route]
    stored = (org.settings or {}).get("routes", {}).get(route, {})
    return {
        "enabled": stored.get("enabled", spec.enabled_by_default),
        "cap": stored.get("cap", spec.default_cap),
    }


def missing(route: str) -> str | None:
    """What this server lacks for ``route`` to work (an English sentence marked for
    translation), or None when nothing is missing."""
    if route == ProofingRoute.PRIVATE_EID and not server_settings().private_eid_issuer:
        return N_("No private eID provider is configured on this server (private_eid_issuer).")
    return None


def available(org: Organisation, route: str) -> bool:
    """Whether ``org``'s people can use ``route``: the organisation accepts it and this server
    is set up for it."""
    return bool(route_settings(org, route)["enabled"]) and missing(route) is None


def minimum_ial(org: Organisation) -> str:
    """The least identity level the organisation's people need (Substantial by default)."""
    return str((org.settings or {}).get("minimum_ial", DEFAULT_MINIMUM_IAL))


def configure_organisation(
    org: Organisation,
    *,
    enable: list[str] | None = None,
    disable: list[str] | None = None,
    caps: dict[str, str] | None = None,
    minimum: str | None = None,
    allow_access_requests: bool | None = None,
    actor: str,
) -> dict[str, Any]:
    """Change an organisation's proofing settings, validated; returns the new settings.

    A route this server is not set up for cannot be enabled (see :func:`missing`); disabling
    always works, and a route neither enabled nor disabled keeps its stored setting."""
    _check_routes([*(enable or []), *(disable or []), *(caps or {})])
    _check_enabled(enable or [])
    _check_caps(caps or {})
    _check_minimum(minimum)
    routes: dict[str, dict[str, Any]] = {r: route_settings(org, r) for r in ROUTES}
    # Other keys (e.g. the activation reminders' switch) are kept.
    settings: dict[str, Any] = {
        **(org.settings or {}),
        "routes": routes,
        "minimum_ial": minimum or minimum_ial(org),
    }
    for route in enable or []:
        routes[route]["enabled"] = True
    for route in disable or []:
        routes[route]["enabled"] = False
    for route, cap in (caps or {}).items():
        routes[route]["cap"] = cap
    org.settings = settings
    if allow_access_requests is not None:
        org.allow_access_requests = allow_access_requests
    audit.record(
        "org.configured",
        actor=actor,
        org_id=org.id,
        target=org.cvr,
        details={**settings, "allow_access_requests": org.allow_access_requests},
    )
    db.session.commit()
    return settings


def _check_routes(routes: list[str]) -> None:
    """Only the known proofing routes can be configured."""
    for route in routes:
        if route not in ROUTES:
            raise InvalidInput(
                N_("Unknown proofing route %(route)r; routes: %(routes)s"),
                route=route,
                routes=", ".join(ROUTES),
                field=f"route_{route}",
            )


def _check_enabled(routes: list[str]) -> None:
    """A route can be enabled only when nothing it needs is missing on this server."""
    for route in routes:
        reason = missing(route)
        if reason is not None:
            raise InvalidInput(reason, field=f"route_{route}")


def _check_caps(caps: dict[str, str]) -> None:
    """A cap is a level, and no higher than what its route can establish."""
    for route, cap in caps.items():
        if not assurance.is_level(cap):
            raise InvalidInput(
                N_("Cap for %(route)s must be one of %(levels)s"),
                route=route,
                levels=", ".join(assurance.LEVELS),
                field=f"cap_{route}",
            )
        if assurance.rank(cap) > assurance.rank(ROUTES[route].max_level):
            raise InvalidInput(
                N_("%(route)s can establish at most %(level)s"),
                route=route,
                level=ROUTES[route].max_level,
                field=f"cap_{route}",
            )


def _check_minimum(minimum: str | None) -> None:
    if minimum is not None and not assurance.is_level(minimum):
        raise InvalidInput(
            N_("Minimum IAL must be one of %(levels)s"),
            levels=", ".join(assurance.LEVELS),
            field="minimum_ial",
        )
