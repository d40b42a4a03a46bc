"""The authorization request, from validation to the response at the redirect URI.

The web layer supplies who is logged in and renders pages; the decisions live here as small
named steps, each raising an OAuth error that says where it goes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import (
    AccessDeniedError,
    InvalidRequestError,
    OAuth2Error,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError

from .. import assurance
from ..models import BrowserSession, Client, User
from ..services import clients as client_service
from ..services.means.authenticators import best_aal
from ..services.oauth import tokens as oauth_service
from ..services.oauth.tokens import AuthContext
from ..services.platform.bounded_json import MalformedJSON, loads_bounded
from ..services.platform.runtime import settings
from ..services.sessions import current_aal
from .id_token_hint import verify_id_token_hint
from .server import get_server

RESPONSE_MODES = ("query", "form_post")
SINGLE_VALUED = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "nonce",
    "prompt",
    "max_age",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
    "ui_locales",
    "acr_values",
    "claims",
    "id_token_hint",
)


class UnmetAuthenticationRequirements(OAuth2Error):
    # OpenID Connect Core 1.0 errata / EAP ACR Values §3: the OP cannot authenticate the
    # person as the RP asked.
    error = "unmet_authentication_requirements"


class RequestNotSupported(OAuth2Error):
    error = "request_not_supported"  # OIDC Core §3.1.2.6


class RequestUriNotSupported(OAuth2Error):
    error = "request_uri_not_supported"


@dataclass
class Outcome:
    """What the web layer must do next."""

    kind: str  # login | consent | respond | error_page
    redirect_uri: str | None = None
    response_mode: str = "query"
    params: list[tuple[str, str]] | None = None
    error: OAuth2Error | None = None
    grant: Any = None


def redirect_location(redirect_uri: str, params: list[tuple[str, str]]) -> str:
    """The redirect URI with the response parameters added to its query."""
    from authlib.common.urls import add_params_to_uri

    return str(add_params_to_uri(redirect_uri, params))


def denied_params(state: str | None) -> list[tuple[str, str]]:
    """The response when the person declines (RFC 6749 §4.1.2.1 access_denied)."""
    out = [("error", "access_denied"), ("error_description", "The person declined the request")]
    if state:
        out.append(("state", state))
    return _with_iss(out)


def validate_end_session() -> tuple[Any, str | None]:
    """Validate an RP-initiated logout request: (request, None) or (None, error message)."""
    try:
        return get_server().validate_endpoint_request("end_session"), None
    except OAuth2Error as error:
        return None, error.description or error.error


def build_request(params: dict[str, str], method: str) -> OAuth2Request:
    request = OAuth2Request(method, settings().url("/authorize"))
    request.payload = BasicOAuth2Payload(params)
    return request


def validate(params: dict[str, str], method: str, user: User | None) -> Any:
    """Validate an authorization request with Authlib's grant and our extra rules.

    Returns the grant. Raises OAuth2Error; ``error.redirect_uri`` is set only once the
    client and redirect URI are known to be good (RFC 6749 §4.1.2.1).
    """
    request = build_request(params, method)
    try:
        if params.get("response_type") != "code":
            # Checked before Authlib, whose error would quote the value, and an
            # error_description may hold only %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §4.1.2.1).
            raise UnsupportedResponseTypeError("Only response_type=code is supported")
        grant = get_server().get_consent_grant(request=request, end_user=user)
    except UnsupportedResponseTypeError as error:
        # Authlib would redirect to the client's first registered URI when none was given;
        # we redirect only to a redirect_uri that was given and is registered.
        error.redirect_uri = _checked_redirect_uri(params)
        raise
    redirect_uri = grant.redirect_uri
    try:
        _check_extra_parameters(params)
    except OAuth2Error as error:
        error.redirect_uri = redirect_uri
        raise
    return grant


def _checked_redirect_uri(params: dict[str, str]) -> str | None:
    from .server import query_client

    client = query_client(params.get("client_id", "")) if params.get("client_id") else None
    uri = params.get("redirect_uri")
    if client is not None and uri and client.check_redirect_uri(uri):
        return uri
    return None


# The whole authorization request, in bytes. It waits in the browser's session cookie while
# the person logs in, and a browser silently drops a cookie over 4 KB (RFC 6265 §6.1).
MAX_REQUEST_BYTES = 2048


def _check_extra_parameters(params: dict[str, str]) -> None:
    if "request" in params:
        raise RequestNotSupported("Request objects are not supported")
    if "request_uri" in params:
        raise RequestUriNotSupported("request_uri is not supported")
    if params.get("response_mode", "query") not in RESPONSE_MODES:
        raise InvalidRequestError("Unsupported 'response_mode'; use query or form_post")
    if "max_age" in params:
        value = params["max_age"]
        if not value.isdigit():
            raise InvalidRequestError("'max_age' must be a non-negative integer")
    if "openid" not in params.get("scope", "").split():
        raise InvalidRequestError("This is an OpenID provider: the 'openid' scope is required")
    required_level(params)  # a malformed claims parameter is an invalid request
    prompts = params.get("prompt", "").split()
    if any(p not in ("none", "login", "consent", "select_account") for p in prompts):
        raise InvalidRequestError("Unknown 'prompt' value")
    if "none" in prompts and len(prompts) > 1:
        raise InvalidRequestError("'prompt=none' cannot be combined with other values")
    # Last, so that a parameter that is malformed as well as large is named in the error.
    if sum(len(k.encode()) + len(v.encode()) for k, v in params.items()) > MAX_REQUEST_BYTES:
        raise InvalidRequestError(f"The request is larger than {MAX_REQUEST_BYTES} bytes")


def required_level(params: dict[str, str]) -> str | None:
    """The least level the relying party accepts, from acr_values and the claims parameter.

    Both are treated as requirements: a token is never issued below them (OIDC Core §5.5.1.1
    for an essential acr; for acr_values we are stricter than the spec's voluntary claim).
    """
    wanted = params.get("acr_values", "").split()
    if "claims" in params:
        try:
            # OIDC Core §5.5: "claims" is a JSON object; bounded in size and depth so that a
            # deeply nested one is a malformed request, not a crash.
            claims = loads_bounded(params["claims"])
        except MalformedJSON as error:
            raise InvalidRequestError(f"The 'claims' parameter is malformed ({error})") from None
        if not isinstance(claims, dict):
            raise InvalidRequestError("The 'claims' parameter must be a JSON object")
        for member in ("id_token", "userinfo"):
            section = claims.get(member) or {}
            acr = section.get("acr") if isinstance(section, dict) else None
            if isinstance(acr, dict):
                if isinstance(acr.get("value"), str):
                    wanted.append(acr["value"])
                if isinstance(acr.get("values"), list):
                    wanted.extend(v for v in acr["values"] if isinstance(v, str))
    return assurance.requested_minimum(wanted)


def needs_login(params: dict[str, str], session: BrowserSession | None, started: float) -> bool:
    """Whether the person must (re)authenticate for this request.

    ``started`` is when the request first arrived; a login after it satisfies prompt=login.
    """
    if session is None:
        return True
    auth_time = session.auth_time.timestamp()
    if auth_time > started:
        return False  # the person logged in for this very request
    if "login" in params.get("prompt", "").split():
        return True
    # OIDC Core §3.1.2.1: a login older than max_age -> actively re-authenticate.
    return "max_age" in params and time.time() - auth_time > int(params["max_age"])


def decide(
    params: dict[str, str],
    method: str,
    user: User | None,
    session: BrowserSession | None,
    started: float,
    consent_given: bool = False,
) -> Outcome:
    """Run the request through every step and say what happens next."""
    try:
        grant = validate(params, method, user if session else None)
    except OAuth2Error as error:
        return _error_outcome(error, params)
    redirect_uri = grant.redirect_uri
    mode = params.get("response_mode", "query")
    prompts = params.get("prompt", "").split()
    client = grant.request.client.row
    try:
        hint = verified_hint(params, client_id=client.client_id)
        if needs_login(params, session, started) or hint_names_another_person(
            hint, user, session, client, started
        ):
            if "none" in prompts:
                raise LoginRequiredError()
            return Outcome("login", redirect_uri, mode)
        assert user is not None and session is not None
        check_organisation_admitted(client, user)
        context = _context(user, session)
        loa = assurance.level_of_assurance(context.ial, context.aal)
        required = required_level(params)
        if required is not None and not assurance.at_least(loa, required):
            reachable = assurance.level_of_assurance(user.identity_level, best_aal(user))
            if (
                not assurance.at_least(reachable, required)
                or session.auth_time.timestamp() > started
            ):
                raise UnmetAuthenticationRequirements(
                    f"The person cannot be authenticated at {required}"
                )
            if "none" in prompts:
                raise LoginRequiredError()
            return Outcome("login", redirect_uri, mode)  # step-up with stronger means
        if loa is None:
            raise UnmetAuthenticationRequirements(
                "The person's identity has not been proofed; no login can be issued"
            )
        scope = grant.request.scope
        if consent_given:
            oauth_service.grant_consent(user, client, scope)
        elif "consent" in prompts or not oauth_service.has_consent(user, client, scope):
            if "none" in prompts:
                raise ConsentRequiredError()
            return Outcome("consent", redirect_uri, mode, grant=grant)
        grant.request.auth_context = context
        params_out = grant.create_authorization_response(redirect_uri, user)
    except OAuth2Error as error:
        error.redirect_uri = redirect_uri
        return _error_outcome(error, params)
    return Outcome("respond", redirect_uri, mode, params=_with_iss(params_out))


def verified_hint(params: dict[str, str], client_id: str) -> dict[str, Any] | None:
    """The claims of a verified ``id_token_hint``, None without one (OIDC Core §3.1.2.1); a
    hint that fails verification is an invalid request (§3.1.2.6)."""
    hint = params.get("id_token_hint")
    if not hint:
        return None
    return verify_id_token_hint(hint, client_id)


def hint_names_another_person(
    hint: dict[str, Any] | None,
    user: User | None,
    session: BrowserSession | None,
    client: Client,
    started: float,
) -> bool:
    """Whether the hint names someone other than the logged-in person (OIDC Core §3.1.2.2:
    then prompt=none is login_required, and otherwise the person logs in afresh). A login made
    for this very request stands: the hint is a hint, not a lock."""
    if hint is None or user is None or session is None:
        return False
    if session.auth_time.timestamp() > started:
        return False
    return bool(hint["sub"] != oauth_service.subject_for(user, client))


def check_organisation_admitted(client: Client, user: User) -> None:
    """An organisation's service admits only the organisations it allows (its own by
    default); anyone else is refused at the redirect URI (RFC 6749 §4.1.2.1 access_denied)."""
    if not client_service.may_log_in(client, user):
        raise AccessDeniedError("People of your organisation may not log in to this service")


def _context(user: User, session: BrowserSession) -> AuthContext:
    """How sure we are now: a login's level ages (NSIS session lifetimes per level)."""
    context = AuthContext(
        auth_time=session.auth_time,
        amr=list(session.amr),
        ial=user.identity_level,
        aal=current_aal(session),
        session_id=session.id,
    )
    loa = assurance.level_of_assurance(context.ial, context.aal)
    context.acr = assurance.acr_for(loa) if loa else None
    return context


def _with_iss(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [*params, ("iss", settings().issuer)]  # RFC 9207 §2


def _error_outcome(error: OAuth2Error, params: dict[str, str]) -> Outcome:
    if not error.redirect_uri:
        return Outcome("error_page", error=error)
    out = [("error", error.error)]
    if error.description:
        out.append(("error_description", error.description))
    if params.get("state"):
        out.append(("state", params["state"]))
    mode = params.get("response_mode", "query")
    if mode not in RESPONSE_MODES:
        mode = "query"
    return Outcome("respond", error.redirect_uri, mode, params=_with_iss(out), error=error)
