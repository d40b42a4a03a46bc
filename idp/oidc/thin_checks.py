"""The thin path's checks that need no database (idp/oidc/thin.py): client credentials as a
request presents them and as a cached client accepts them, PKCE, and the token response."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from ..services.clients.cache import ClientView
from ..services.platform.secrets import digest

SECRET_METHODS = ("client_secret_basic", "client_secret_post")
# (method, client_id, secret) as a request presents them: see credentials()
Presented = tuple[str, str, str | None]


def authenticates(client: ClientView, method: str, secret: str | None) -> bool:
    """Whether ``secret`` presented by ``method`` authenticates ``client`` (RFC 6749 §2.3.1:
    only by the method it registered)."""
    if client.token_endpoint_auth_method != method:
        return False
    if method == "none":
        return True
    stored = client.client_secret_hash
    return bool(stored) and hmac.compare_digest(digest(secret or ""), stored or "")


def may_exchange(
    client: ClientView, method: str, secret: str | None, challenge: str | None
) -> bool:
    """Whether ``client`` may redeem a code with these credentials: the checks of the
    step-by-step exchange before its code is read."""
    if method not in (*SECRET_METHODS, "none") or not authenticates(client, method, secret):
        return False
    if "authorization_code" not in client.grant_types:
        return False
    return challenge is not None or client.token_endpoint_auth_method != "none"


def may_have_credentials(
    client: ClientView, method: str, secret: str | None, scope: list[str]
) -> bool:
    """Whether a client_credentials request by ``client`` succeeds: a confidential client
    authenticated, registered for the grant, asking no scope beyond its own (else
    invalid_scope, RFC 6749 §5.2, from the full path)."""
    return (
        method in SECRET_METHODS
        and authenticates(client, method, secret)
        and "client_credentials" in client.grant_types
        and client.scope.issuperset(scope)
    )


def credentials(form: Mapping[str, str], authorization: str | None) -> Presented | None:
    """(method, client_id, secret) as the request presents them, or None when it is anything
    but one plain method (RFC 6749 §2.3: one method per request)."""
    if authorization is not None:
        if "client_id" in form or "client_secret" in form:
            return None
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(value, validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            return None
        basic_id, colon, basic_secret = decoded.partition(":")
        if not colon or not basic_id or "%" in decoded or "+" in decoded:
            return None  # form-encoded credentials: the full path decodes them
        return "client_secret_basic", basic_id, basic_secret
    client_id = form.get("client_id")
    if not client_id:
        return None
    secret = form.get("client_secret")
    return ("client_secret_post" if secret is not None else "none"), client_id, secret


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))) without padding."""
    hashed = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(hashed).rstrip(b"=").decode("ascii")


def user_token(lifetime: int, scope: str, client: ClientView) -> dict[str, Any]:
    """An access token for a person, with a refresh token when the client may refresh (as
    :func:`.grants.generate_bearer_token`)."""
    token: dict[str, Any] = {
        "access_token": secrets.token_urlsafe(32),
        "expires_in": lifetime,
        "token_type": "Bearer",
    }
    if scope:
        token["scope"] = scope
    if "refresh_token" in client.grant_types:
        token["refresh_token"] = secrets.token_urlsafe(32)
    return token


def with_scope(token: dict[str, Any], scope: str) -> dict[str, Any]:
    """``token`` made without a scope, as :func:`user_token` would have made it with one."""
    if not scope:
        return token
    ordered = {k: token[k] for k in ("access_token", "expires_in", "token_type")}
    return {**ordered, "scope": scope, **{k: v for k, v in token.items() if k not in ordered}}
