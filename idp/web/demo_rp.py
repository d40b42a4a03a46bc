"""The example relying party at /demo-rp/: a service of the IdP's own, for development only.

Mounted only with the ``dev_stand_ins`` setting (idp/__init__.py), it is a real OpenID
Connect client of this IdP over HTTP, written like the IdP's own upstream login
(idp/oidc/federation.py, whose pieces it uses): authorization code with PKCE S256, state and
nonce, ``acr_values`` asking for an NSIS level, the code redeemed at the token endpoint with
the demo client's secret (instance/demo-credentials.json, kept by ``idp demo``), the ID token
validated against the JWKS. Its page shows the level and the claims, and logs out through the
IdP's end-session endpoint.

What it remembers lives in a cookie of its own (path /demo-rp/, sealed, idp/web/sealing.py),
not in the IdP's session: a login at the IdP starts a new session cookie (session fixation)
and its logout empties it, as they would for a relying party on another host.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..assurance import CLAIM_LOA, acr_for, at_least, level_from_acr
from ..demo import DEMO_CLIENT_ID, DEMO_LOGOUT_PATH, DEMO_REDIRECT_PATH, saved_credentials
from ..models.enums import NsisLevel
from ..oidc import federation
from ..services.platform.runtime import settings
from .pages import page, redirect_to
from .sealing import seal, unseal

bp = Blueprint("demo_rp", __name__, url_prefix="/demo-rp")
log = logging.getLogger(__name__)

COOKIE = "demo_rp"
PURPOSE = "demo-rp"
TTL = 3600  # the cookie: a login shown for an hour
TRIP_TTL = 900  # from pressing a button to coming back
COOKIE_BYTES = 4000  # browsers keep cookies up to 4,096 bytes (RFC 6265 §6.1)
LEVELS = (NsisLevel.SUBSTANTIAL, NsisLevel.HIGH)
SCOPES = "openid profile email organization privileges"
# The IdP's answers at the redirect URI that a person is told about in words.
REFUSALS = {
    "unmet_authentication_requirements": "level",
    "access_denied": "denied",
    "login_required": "login",
    "consent_required": "denied",
}


def upstream() -> federation.Upstream | None:
    """The IdP as this relying party sees it, or None when the demo is not loaded."""
    secret = saved_credentials().get("client_secret")
    if not isinstance(secret, str) or not secret:
        return None
    cfg = settings()
    return federation.Upstream(
        issuer=cfg.issuer,
        client_id=DEMO_CLIENT_ID,
        client_secret=secret,
        scopes=SCOPES,
        redirect_uri=cfg.url(DEMO_REDIRECT_PATH),
        timeout=10,
    )


def _remembered() -> dict[str, Any]:
    return unseal(PURPOSE, request.cookies.get(COOKIE), TTL) or {}


def _remember(response: Response, state: dict[str, Any]) -> Response:
    response.set_cookie(
        COOKIE,
        seal(PURPOSE, state),
        max_age=TTL,
        path=DEMO_LOGOUT_PATH,
        secure=settings().session_cookie_secure,
        httponly=True,
        samesite="Lax",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _claims_of(id_token: str) -> dict[str, Any]:
    """The payload of an ID token validated at the callback (the cookie is sealed)."""
    payload = id_token.split(".")[1]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return data if isinstance(data, dict) else {}


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _home(
    status: int = 200, /, *, message: str | None = None, state: dict[str, Any] | None = None
) -> Response:
    """The page: the buttons, and the login this browser has here (``state``, else the
    cookie's) with its level and claims."""
    id_token = (_remembered() if state is None else state).get("id_token")
    claims = _claims_of(id_token) if isinstance(id_token, str) else None
    level = None
    if claims is not None:
        level = claims.get(CLAIM_LOA) or level_from_acr(str(claims.get("acr", "")))
    return page(
        "demo_rp/home.html",
        status,
        ready=upstream() is not None,
        levels=LEVELS,
        claims=sorted((k, _shown(v)) for k, v in (claims or {}).items()),
        logged_in=claims is not None,
        level=level,
        message=message,
    )


@bp.get("/")
def home() -> Response:
    return _home()


@bp.post("/login")
def login() -> Response:
    """Start a login at the IdP at the level of the button pressed."""
    target = upstream()
    level = request.form.get("level", "")
    if target is None or level not in LEVELS:
        return _home(400, message=_("Choose one of the buttons on this page."))
    try:
        url, pending = federation.start(target, acr_values=acr_for(level))
    except federation.UpstreamError:
        log.warning("demo-rp: the IdP's discovery document cannot be read", exc_info=True)
        return _home(502, message=_("The example service cannot reach the IdP right now."))
    trip = {
        "state": pending.state,
        "nonce": pending.nonce,
        "verifier": pending.code_verifier,
        "level": level,
        "t": int(time.time()),
    }
    return _remember(redirect_to(url), {**_remembered(), "trip": trip})


@bp.get("/callback")
def callback() -> Response:
    """The IdP's answer: a refusal in words, or the code redeemed and the ID token checked."""
    state = _remembered()
    trip = state.pop("trip", None)
    params = {k: v for k, v in request.args.items()}
    if not _belongs(trip, params.get("state", "")):
        message = _("This answer does not belong to a login started here. Start again.")
        return _remember(_home(400, message=message, state=state), state)
    if params.get("iss", settings().issuer) != settings().issuer:  # RFC 9207 §2.4
        message = _("This answer does not come from this IdP. Start again.")
        return _remember(_home(400, message=message, state=state), state)
    if "error" in params:
        return _remember(_home(403, message=_refusal(params["error"]), state=state), state)
    target = upstream()
    if target is None:
        return _remember(_home(503, state=state), state)
    pending = federation.PendingLogin(trip["state"], trip["nonce"], trip["verifier"])
    try:
        id_token, claims = federation.redeem(target, params, pending)
    except federation.UpstreamError as error:
        log.warning("demo-rp: the IdP's answer is refused: %s", error)
        message = _("The IdP's answer could not be used, so you are not logged in. Start again.")
        return _remember(_home(502, message=message, state=state), state)
    if not at_least(_level_of(claims), trip["level"]):
        message = _("The IdP logged you in below the level asked for.")
        return _remember(_home(403, message=message, state=state), state)
    kept = {"id_token": id_token}
    if len(seal(PURPOSE, kept)) > COOKIE_BYTES:  # a browser would drop the cookie
        message = _("This ID token is too large to keep here: this page shows it once.")
        return _remember(_home(200, message=message, state=kept), state)
    return _remember(redirect_to(settings().url(DEMO_LOGOUT_PATH)), kept)


def _belongs(trip: Any, state: str) -> bool:
    return (
        isinstance(trip, dict)
        and isinstance(trip.get("state"), str)
        and int(trip.get("t", 0)) > time.time() - TRIP_TTL
        and secrets.compare_digest(trip["state"].encode(), state.encode())
    )


def _level_of(claims: dict[str, Any]) -> str | None:
    """The NSIS level the ID token's ``acr`` names (None for any other acr)."""
    acr = claims.get("acr")
    return level_from_acr(acr) if isinstance(acr, str) else None


def _refusal(error: str) -> str:
    kind = REFUSALS.get(error)
    if kind == "level":
        return _(
            "You cannot log in at the level asked for: your identity or your login means is "
            "not at that level."
        )
    if kind == "denied":
        return _("The IdP did not let you log in to the example service.")
    if kind == "login":
        return _("You are not logged in at the IdP.")
    return _("The IdP refused the login (%(error)s).", error=error[:64])


@bp.post("/logout")
def logout() -> Response:
    """Forget the login here, then log out at the IdP (RP-initiated logout, its
    end_session_endpoint from discovery)."""
    id_token = _remembered().get("id_token")
    target = upstream()
    home_url = settings().url(DEMO_LOGOUT_PATH)
    if not isinstance(id_token, str) or target is None:
        return redirect_to(home_url)
    try:
        endpoint = federation.discover(target).get("end_session_endpoint")
    except federation.UpstreamError:
        endpoint = None
    if not isinstance(endpoint, str):
        return _home(502, message=_("The example service cannot reach the IdP right now."))
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": home_url})
    response = redirect_to(endpoint + "?" + query)
    response.delete_cookie(COOKIE, path=DEMO_LOGOUT_PATH)
    return response
