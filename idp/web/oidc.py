"""Protocol endpoints. Each is one call into the OIDC layer; pages only where a person acts."""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, g, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import csrf
from ..oidc import authorize as authz
from ..oidc.server import get_server
from .pages import page, redirect_to
from .protocol_limits import per_client, per_source
from .state import (
    current_session,
    drop_pending_request,
    load_pending_request,
    save_pending_request,
)

bp = Blueprint("oidc", __name__)


def _authorization_params() -> dict[str, str] | None:
    """Parameters of an authorization request; None if one is repeated (RFC 6749 §3.1)."""
    values = request.values
    params: dict[str, str] = {}
    for key in values:
        items = values.getlist(key)
        if len(items) > 1 and key in authz.SINGLE_VALUED:
            return None
        params[key] = items[0]
    return params


@bp.route("/authorize", methods=["GET", "POST"])
@csrf.exempt  # RPs may POST the authorization request (OIDC Core §3.1.2.1)
def authorize() -> Response:
    params = _authorization_params()
    if params is None:
        return _error_page(_("A parameter was sent more than once."), 400)
    return _run(params, started=time.time(), key=None)


@bp.get("/authorize/resume/<key>")
def resume(key: str) -> Response:
    pending = load_pending_request(key)
    if pending is None:
        return _error_page(
            _("This login request has expired. Go back to the service and start again."), 400
        )
    return _run(pending["params"], started=pending["started"], key=key)


@bp.post("/authorize/consent/<key>")
def consent(key: str) -> Response:
    pending = load_pending_request(key)
    if pending is None:
        return _error_page(
            _("This login request has expired. Go back to the service and start again."), 400
        )
    if request.form.get("decision") != "allow":
        outcome = authz.decide(pending["params"], "GET", None, None, pending["started"])
        drop_pending_request(key)
        if outcome.redirect_uri is None:
            return _error_page(_("The request is not valid."), 400)
        denied = authz.denied_params(pending["params"].get("state"))
        return _respond(outcome.redirect_uri, outcome.response_mode, denied)
    return _run(pending["params"], started=pending["started"], key=key, consent_given=True)


def _run(
    params: dict[str, str], started: float, key: str | None, consent_given: bool = False
) -> Response:
    browser_session, user = current_session()
    outcome = authz.decide(
        params, request.method, user, browser_session, started, consent_given=consent_given
    )
    if outcome.kind == "error_page":
        assert outcome.error is not None
        return _error_page(
            outcome.error.description or outcome.error.error, 400, code=outcome.error.error
        )
    if outcome.kind in ("login", "consent") and key is None:
        key = save_pending_request(params, started)
        if params.get("ui_locales"):
            from flask import session

            session["ui_locales"] = params["ui_locales"]
    if outcome.kind == "login":
        return redirect_to(url_for("login.start", r=key, login_hint=params.get("login_hint")))
    if outcome.kind == "consent":
        grant = outcome.grant
        if grant.request.client.row.logo_uri:
            # logo_uri (OIDC Dynamic Client Registration 1.0 §2) is an image on the relying
            # party's server, so this page alone, and only with a logo, lets images come from
            # any https origin. An image runs no script, and Referrer-Policy: no-referrer keeps
            # this page's address (the pending request's key) from the logo's server.
            g.csp_img_src = "'self' data: https:"
        return page(
            "oidc/consent.html",
            key=key,
            client=grant.request.client.row,
            scopes=grant.request.scope.split(),
            user=user,
        )
    if key is not None:
        drop_pending_request(key)
    assert outcome.redirect_uri is not None and outcome.params is not None
    return _respond(outcome.redirect_uri, outcome.response_mode, outcome.params)


def _respond(redirect_uri: str, mode: str, params: list[tuple[str, str]]) -> Response:
    if mode == "form_post":
        # OAuth 2.0 Form Post Response Mode §2: an auto-submitting form; the script runs
        # under a per-response CSP nonce.
        nonce = secrets.token_urlsafe(16)
        g.csp_script_nonce = nonce
        resp = page("oidc/form_post.html", action=redirect_uri, params=params, nonce=nonce)
        resp.headers["Cache-Control"] = "no-store"
        return resp
    # 302 after GET /authorize, 303 after the consent POST (RFC 9700 §4.12).
    resp = redirect_to(authz.redirect_location(redirect_uri, params))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _error_page(message: str, status: int, code: str | None = None) -> Response:
    # Never redirect to an unverified URI (RFC 6749 §4.1.2.1): explain here instead.
    return page("oidc/error.html", status, message=message, code=code)


@bp.post("/token")
@csrf.exempt
@per_client
@per_source
def token() -> Response:
    return get_server().create_token_response()


@bp.route("/userinfo", methods=["GET", "POST"])
@csrf.exempt
@per_source
def userinfo() -> Response:
    return get_server().create_endpoint_response("userinfo")


@bp.post("/revoke")
@csrf.exempt
@per_client
@per_source
def revoke() -> Response:
    return get_server().create_endpoint_response("revocation")


@bp.post("/introspect")
@csrf.exempt
@per_client
@per_source
def introspect() -> Response:
    return get_server().create_endpoint_response("introspection")


@bp.route("/logout", methods=["GET", "POST"])
@csrf.exempt  # RPs may POST logout requests; the confirmation form checks its own token
def logout() -> Response:
    current_session()
    req, problem = authz.validate_end_session()
    if problem is not None:
        return _error_page(problem, 400, code="invalid_request")
    confirmed = request.method == "POST" and request.form.get("confirm") == "yes"
    if confirmed:
        csrf.protect()
    if req.needs_confirmation and not confirmed:
        if g.get("idp_session") is None:
            return page("oidc/logged_out.html")
        return page("oidc/logout_confirm.html", params=request.values)
    response = get_server().create_endpoint_response("end_session", req)
    from flask import session

    session.clear()
    if response is not None and response.location:
        # Authlib answers with a 302 to the post-logout URI; after the confirmation POST it
        # is a 303 (RFC 9700 §4.12).
        return redirect_to(response.location)
    if response is not None:
        return response
    return page("oidc/logged_out.html")
