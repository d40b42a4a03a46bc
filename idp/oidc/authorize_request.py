"""Is the authorization request well-formed? Authlib's grant validates the client, redirect
URI, scope and PKCE; the rules it does not know (OpenID-only, prompt, max_age, claims, size)
are here, each raising an OAuth error that says where it goes.
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import (
    InvalidRequestError,
    OAuth2Error,
    UnsupportedResponseTypeError,
)
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload

from .. import assurance
from ..models import User
from ..services.platform.bounded_json import MalformedJSON, loads_bounded
from ..services.platform.runtime import settings
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


class RequestNotSupported(OAuth2Error):
    error = "request_not_supported"  # OIDC Core §3.1.2.6


class RequestUriNotSupported(OAuth2Error):
    error = "request_uri_not_supported"


def build_request(params: dict[str, str], method: str) -> OAuth2Request:
    """The authorization request as Authlib sees it, at our /authorize URL."""
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
