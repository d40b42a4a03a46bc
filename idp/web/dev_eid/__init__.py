"""The development private-eID stand-in at /dev-eid: an OpenID provider with a few fictitious
test citizens, so that a newcomer can walk proofing with a private eID on their own machine.

Mounted only with the ``dev_stand_ins`` setting, which idp.config refuses unless the issuer
is a loopback address; not mounted, /dev-eid is 404. With the setting on and no
``private_eid_issuer`` configured, the IdP uses it as its private-eID upstream (create_app
fills the settings) and calls it over HTTP, so the server needs two request slots or more.
The rules of the protocol live in :mod:`.provider`; codes are sealed and single use.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import unquote, urlencode

from flask import Blueprint, Flask, jsonify, request
from flask import Response as FlaskResponse
from werkzeug.wrappers import Response

from ... import assurance
from ...extensions import csrf
from ...services.errors import InvalidInput
from ...services.oauth.dev_eid_codes import issue_mark, redeem_mark
from ..pages import oauth_error, page, redirect_to
from . import provider

bp = Blueprint("dev_eid", __name__, url_prefix=provider.PREFIX)


def install(app: Flask) -> None:
    """Load (or generate once) the signing key and mount the blueprint."""
    app.extensions["idp.dev_eid_key"] = provider.load_key(Path(app.instance_path))
    app.register_blueprint(bp)


@bp.get("/.well-known/openid-configuration")
def configuration() -> FlaskResponse:
    return _no_store(jsonify(provider.configuration()))


@bp.get("/jwks")
def jwks() -> FlaskResponse:
    return _no_store(jsonify(provider.jwks()))


def _no_store(response: FlaskResponse) -> FlaskResponse:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/authorize")
def authorize() -> Response:
    params = provider.checked_request(request.args.to_dict())
    return _login_page(params, citizen="", level=provider.DEFAULT_LEVEL)


def _login_page(params: dict[str, str], *, citizen: str, level: str, status: int = 200) -> Response:
    return page(
        "dev_eid/authorize.html",
        status,
        params=params,
        citizens=provider.CITIZENS,
        levels=assurance.LEVELS,
        chosen_citizen=citizen,
        chosen_level=level,
        error=status != 200,
    )


@bp.post("/authorize")
def log_in() -> Response:
    """The chosen citizen logs in: back to the (checked) redirect URI with a code and state."""
    params = provider.checked_request(request.form.to_dict())
    if request.form.get("cancel"):
        return _back(params, error="access_denied")
    form = request.form.to_dict()
    try:
        citizen, level = provider.chosen(form)
    except InvalidInput:
        return _login_page(
            params, citizen=form.get("citizen", ""), level=form.get("level", ""), status=400
        )
    code = provider.seal_code(params, citizen, level, issue_mark())
    return _back(params, code=code)


def _back(params: dict[str, str], **answer: str) -> Response:
    query = urlencode({**answer, "state": params["state"], "iss": provider.issuer()})
    return redirect_to(params["redirect_uri"] + "?" + query)


@bp.post("/token")
@csrf.exempt
def token() -> FlaskResponse:
    """The code for an ID token (client_secret_basic, PKCE S256); OAuth errors in JSON."""
    auth = request.authorization
    if (
        auth is None
        or auth.type != "basic"
        or not provider.client_authenticated(
            unquote(auth.username or ""), unquote(auth.password or "")
        )
    ):
        response = oauth_error("invalid_client", "client authentication failed", 401)
        response.headers["WWW-Authenticate"] = 'Basic realm="dev-eid"'
        return response
    form = request.form
    if form.get("grant_type") != "authorization_code":
        return oauth_error("unsupported_grant_type", "only authorization_code", 400)
    if not form.get("code"):
        return oauth_error("invalid_request", "code is missing", 400)
    grant = provider.unseal_code(form["code"])
    if (
        grant is None
        or grant["client_id"] != provider.CLIENT_ID
        or form.get("redirect_uri") != grant["redirect_uri"]
        or not provider.pkce_matches(form.get("code_verifier", ""), grant["challenge"])
    ):
        return oauth_error("invalid_grant", "the code is unknown, expired or not yours", 400)
    if not redeem_mark(int(grant["mark"])):
        return oauth_error("invalid_grant", "the code was already used", 400)
    return _no_store(
        jsonify(
            access_token=secrets.token_urlsafe(32),
            token_type="Bearer",  # noqa: S106 - a token type
            expires_in=provider.ID_TOKEN_TTL,
            id_token=provider.id_token(grant),
        )
    )
