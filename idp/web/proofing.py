"""Proving who you are: the person's proofing page and the private eID round trip."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..models import User
from ..oidc import federation
from ..services.errors import ServiceError
from ..services.platform.runtime import settings
from ..services.proofing import records as proofing_service
from ..services.proofing.private_eid import upstream_level
from .pages import page, redirect_to
from .sealing import seal, unseal
from .state import current_session

bp = Blueprint("proofing", __name__)
PENDING_KEY = "eid"
PENDING_TTL = 900


def upstream() -> federation.Upstream | None:
    cfg = settings()
    if not cfg.private_eid_issuer:
        return None
    return federation.Upstream(
        issuer=cfg.private_eid_issuer,
        client_id=cfg.private_eid_client_id,
        client_secret=cfg.private_eid_client_secret,
        scopes=cfg.private_eid_scopes,
        redirect_uri=cfg.url("/proofing/private-eid/callback"),
        timeout=cfg.private_eid_timeout_seconds,
    )


def start_private_eid(user: User, return_to: str) -> Response:
    """Send the person to the upstream eID provider (also used by the activation journey)."""
    target = upstream()
    if (
        target is None
        or not proofing_service.route_settings(user.organisation, "private_eid")["enabled"]
    ):
        return _result(user, _("The private eID route is not available."), ok=False)
    try:
        url, pending = federation.start(target)
    except federation.UpstreamError as error:
        return _result(user, error.localized(), ok=False)
    payload = {
        "s": pending.state,
        "n": pending.nonce,
        "v": pending.code_verifier,
        "u": user.id,
        "r": return_to,
        "t": int(time.time()),
    }
    session[PENDING_KEY] = seal("private-eid", payload)
    return redirect_to(url)


def _result(user: User | None, message: str, ok: bool, status: int = 400) -> Response:
    return page("proofing/result.html", 200 if ok else status, user=user, message=message, ok=ok)


@bp.get("/account/proofing")
def home() -> Response:
    _browser_session, user = current_session()
    if user is None:
        return redirect_to(url_for("login.start"))
    return page(
        "proofing/home.html",
        user=user,
        records=proofing_service.records_of(user),
        private_eid=upstream() is not None
        and proofing_service.route_settings(user.organisation, "private_eid")["enabled"],
        minimum=proofing_service.minimum_ial(user.organisation),
    )


@bp.post("/account/proofing/private-eid")
def start() -> Response:
    _browser_session, user = current_session()
    if user is None:
        return redirect_to(url_for("login.start"))
    return start_private_eid(user, url_for("proofing.home"))


@bp.get("/proofing/private-eid/callback")
def callback() -> Response:
    blob = session.pop(PENDING_KEY, None)
    target = upstream()
    data = unseal("private-eid", blob, PENDING_TTL)
    if data is None or target is None:
        return _result(
            None,
            _("This private eID login has expired or was not started here. Start again."),
            ok=False,
        )
    if data.get("p") == "access_request":
        return _access_request_callback(target, data)
    user = _person(data["u"])
    if user is None:
        return _result(None, _("This private eID login does not belong to this session."), ok=False)
    pending = federation.PendingLogin(data["s"], data["n"], data["v"])
    try:
        claims = federation.finish(target, dict(request.args), pending)
    except federation.UpstreamError as error:
        return _result(user, error.localized(), ok=False, status=502)
    level = upstream_level(claims, settings().private_eid_level_claim)
    if level is None:
        return _result(
            user,
            _(
                "The private eID login did not say at which level it was made, "
                "so it cannot prove your identity."
            ),
            ok=False,
        )
    try:
        proofing_service.record_private_eid(
            user,
            issuer=target.issuer,
            subject=claims["sub"],
            upstream_level=level,
            actor=user.username,
        )
    except ServiceError as error:
        return _result(user, error.localized(), ok=False, status=403)
    return redirect_to(data["r"])


def _access_request_callback(target: federation.Upstream, data: dict[str, Any]) -> Response:
    """A requester who is not a user yet: keep the proven upstream identity in their sealed
    session state; the access request pages take it from there."""
    from .access import store_proven

    pending = federation.PendingLogin(data["s"], data["n"], data["v"])
    try:
        claims = federation.finish(target, dict(request.args), pending)
    except federation.UpstreamError as error:
        return _result(None, error.localized(), ok=False, status=502)
    level = upstream_level(claims, settings().private_eid_level_claim)
    if level is None:
        return _result(
            None,
            _(
                "The private eID login did not say at which level it was made, "
                "so it cannot prove your identity."
            ),
            ok=False,
        )
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    store_proven(
        int(data["o"]), issuer=target.issuer, subject=claims["sub"], level=level, name=name.strip()
    )
    return redirect_to(data["r"])


def _person(user_id: int) -> User | None:
    """The person the login was started for: the logged-in one, or the one whose activation
    link is being followed in this browser."""
    _browser_session, user = current_session()
    if user is not None and user.id == user_id:
        return user
    from .activation import person_for_activation

    return person_for_activation(user_id)
