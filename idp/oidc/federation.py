"""The IdP as a strict OpenID Connect relying party of an upstream eID provider.

Discovery (issuer must match, OIDC Discovery §4.3), authorization code with PKCE S256, state
and nonce; the ID token's signature is checked against the upstream JWKS, and its iss, aud,
azp, exp, iat and nonce are validated (OIDC Core §3.1.3.7).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.errors import OAuth2Error
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..services.errors import N_, ServiceError
from ..services.platform.bounded_json import loads_bounded

CLOCK_SKEW = 60
# A discovery document or JWKS is a few KiB and nests 3 levels; generous bounds all the same.
UPSTREAM_JSON_DEPTH = 16
UPSTREAM_JSON_BYTES = 512 * 1024


class UpstreamError(ServiceError):
    """The upstream login did not give a usable answer; the message is for the person.

    502 Bad Gateway (RFC 9110 §15.6.3): the fault is the upstream provider's, not the request's.
    """

    status = 502


@dataclass(frozen=True)
class Upstream:
    issuer: str
    client_id: str
    client_secret: str
    scopes: str
    redirect_uri: str
    timeout: int


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    code_verifier: str


def _get_json(url: str, timeout: int) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
        # The upstream's answer is outside input too: bounded like every other JSON we read.
        data = loads_bounded(
            response.content, max_depth=UPSTREAM_JSON_DEPTH, max_bytes=UPSTREAM_JSON_BYTES
        )
    except (requests.RequestException, ValueError) as error:
        raise UpstreamError(
            N_(
                "The private eID provider cannot be reached right now (%(error)s). Try again later."
            ),
            error=type(error).__name__,
        ) from None
    if not isinstance(data, dict):
        raise UpstreamError(N_("The private eID provider gave an unreadable answer."))
    return data


def discover(upstream: Upstream) -> dict[str, Any]:
    meta = _get_json(upstream.issuer + "/.well-known/openid-configuration", upstream.timeout)
    if meta.get("issuer") != upstream.issuer:
        raise UpstreamError(N_("The private eID provider's configuration names another issuer."))
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(key), str):
            raise UpstreamError(
                N_("The private eID provider's configuration lacks %(key)s."), key=key
            )
    return meta


def start(upstream: Upstream, **params: str) -> tuple[str, PendingLogin]:
    """The URL to send the person to, and what to remember until they come back;
    ``params`` are further authorization request parameters (e.g. ``acr_values``)."""
    meta = discover(upstream)
    pending = PendingLogin(
        secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    )
    session = _session(upstream)
    url, _ = session.create_authorization_url(
        meta["authorization_endpoint"],
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
        **params,
    )
    return url, pending


def _session(upstream: Upstream) -> OAuth2Session:
    return OAuth2Session(
        upstream.client_id,
        upstream.client_secret,
        scope=upstream.scopes,
        redirect_uri=upstream.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name
    )


def finish(upstream: Upstream, params: dict[str, str], pending: PendingLogin) -> dict[str, Any]:
    """Check the callback, redeem the code and return the validated ID-token claims."""
    return redeem(upstream, params, pending)[1]


def redeem(
    upstream: Upstream, params: dict[str, str], pending: PendingLogin
) -> tuple[str, dict[str, Any]]:
    """:func:`finish`, returning the ID token itself as well (for an ``id_token_hint``)."""
    if not secrets.compare_digest(params.get("state", ""), pending.state):
        raise UpstreamError(
            N_(
                "The answer from the private eID provider does not belong to this login (state "
                "mismatch). Start again."
            )
        )
    if "error" in params:
        raise UpstreamError(
            N_("The private eID provider refused the login: %(error)s."), error=params["error"]
        )
    if "iss" in params and params["iss"] != upstream.issuer:  # RFC 9207 §2.4
        raise UpstreamError(N_("The answer came from another issuer than expected."))
    code = params.get("code")
    if not code:
        raise UpstreamError(N_("The private eID provider sent no code."))
    meta = discover(upstream)
    try:
        token = _session(upstream).fetch_token(
            meta["token_endpoint"],
            code=code,
            code_verifier=pending.code_verifier,
            timeout=upstream.timeout,
        )
    except (OAuth2Error, OAuthError) as error:
        # The requests client raises OAuthError (not the server-side OAuth2Error) for an
        # error response from the token endpoint (RFC 6749 §5.2).
        raise UpstreamError(
            N_("The private eID provider refused the code: %(error)s."), error=error.error
        ) from None
    except ValueError:
        raise UpstreamError(
            N_("The private eID provider gave an unreadable token answer.")
        ) from None
    except requests.RequestException:
        raise UpstreamError(N_("The private eID provider cannot be reached right now.")) from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise UpstreamError(N_("The private eID provider sent no ID token."))
    return id_token, validate_id_token(upstream, meta, id_token, pending.nonce)


def validate_id_token(
    upstream: Upstream, meta: dict[str, Any], id_token: str, nonce: str
) -> dict[str, Any]:
    try:
        keys = KeySet.import_key_set(_get_json(meta["jwks_uri"], upstream.timeout))  # type: ignore[arg-type]
    except (JoseError, KeyError, ValueError, TypeError):
        raise UpstreamError(N_("The private eID provider's signing keys are unreadable.")) from None
    try:
        token = jwt.decode(id_token, keys, algorithms=["RS256", "ES256", "PS256"])
    except (JoseError, ValueError) as error:
        raise UpstreamError(
            N_("The ID token's signature is not valid (%(error)s)."), error=error
        ) from None
    claims = dict(token.claims)
    now = time.time()
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud or [])
    problems = []
    if claims.get("iss") != upstream.issuer:
        problems.append("it was issued by another issuer")
    if upstream.client_id not in audiences:
        problems.append("it is meant for another client")
    if len(audiences) > 1 and claims.get("azp") != upstream.client_id:
        problems.append("its authorized party is another client")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] + CLOCK_SKEW < now:
        problems.append("it has expired")
    if not isinstance(claims.get("iat"), int | float) or claims["iat"] - CLOCK_SKEW > now:
        problems.append("it is issued in the future")
    if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(
        claims["nonce"], nonce
    ):
        problems.append("its nonce does not match this login")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        problems.append("it names no subject")
    if problems:
        raise UpstreamError(
            N_("The ID token is refused: %(problems)s."), problems="; ".join(problems)
        )
    return claims
