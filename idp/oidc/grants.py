"""Grant classes: Authlib's, with the defaults a strict provider must override."""

from __future__ import annotations

import secrets
import time
from typing import Any

from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode
from authlib.oidc.core.grants.util import is_openid_scope
from authlib.oidc.core.util import create_half_hash
from joserfc import jwt

from ..services.oauth import codes
from ..services.oauth import tokens as oauth_service
from ..services.oauth.tokens import AuthContext
from ..services.platform.runtime import keystore, settings
from ..services.users import get_active_user
from .adapters import ClientAdapter, CodeAdapter, TokenAdapter
from .claims import Registration, assurance_claims, user_claims


class StrictCodeChallenge(CodeChallenge):
    """PKCE per RFC 7636 with S256 only.

    Authlib accepts ``plain``, treats a missing method as ``plain`` and asks a verifier only of
    public clients. Here: S256 only; a challenge is required of public clients and, by
    default, of every client; a verifier is required whenever a challenge was sent, and
    refused when none was (PKCE downgrade, RFC 9700 §4.8).
    """

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": CodeChallenge.CODE_CHALLENGE_METHODS["S256"]}

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        request = grant.request
        data = request.payload.data
        method = data.get("code_challenge_method")
        client: ClientAdapter = request.client
        if not data.get("code_challenge"):
            if method:
                raise InvalidRequestError("Missing 'code_challenge'")
            if client.is_public or client.row.require_pkce or settings().require_pkce:
                # RFC 9700 §2.1.1: PKCE for every client.
                raise InvalidRequestError("PKCE is required: send 'code_challenge' (S256)")
            return
        if method != "S256":
            # RFC 7636 §4.3 would default to plain; we accept only S256 (RFC 9700 §2.1.1).
            raise InvalidRequestError("'code_challenge_method' must be S256")
        super().validate_code_challenge(grant, redirect_uri)

    def validate_code_verifier(self, grant: Any, result: Any) -> None:
        request = grant.request
        authorization_code = request.authorization_code
        challenge = self.get_authorization_code_challenge(authorization_code)
        verifier = request.form.get("code_verifier")
        if challenge and not verifier:
            # RFC 6749 §5.2: a missing required parameter is invalid_request (RFC 7636 §4.6
            # keeps invalid_grant for a verifier that does not match).
            raise InvalidRequestError("Missing 'code_verifier'")
        super().validate_code_verifier(grant, result)


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def generate_authorization_code(self) -> str:
        return secrets.token_urlsafe(32)  # 256 bits

    @staticmethod
    def validate_authorization_redirect_uri(request: Any, client: ClientAdapter) -> str:
        # OIDC Core §3.1.2.1: redirect_uri is REQUIRED and must match a registered one exactly.
        redirect_uri = request.payload.redirect_uri
        if not redirect_uri:
            raise InvalidRequestError("Missing 'redirect_uri' in request.")
        if not client.check_redirect_uri(redirect_uri):
            raise InvalidRequestError("The 'redirect_uri' is not registered for this client.")
        return str(redirect_uri)

    def create_authorization_response(self, redirect_uri: str, grant_user: Any) -> Any:
        # The web layer builds the response (response_mode, iss); here we only make the code.
        self.request.user = grant_user
        code = self.generate_authorization_code()
        self.save_authorization_code(code, self.request)
        params = [("code", code)]
        if self.request.payload.state:
            params.append(("state", self.request.payload.state))
        return params

    def save_authorization_code(self, code: str, request: Any) -> None:
        data = request.payload.data
        codes.save_authorization_code(
            code,
            client_id=request.client.get_client_id(),
            user_id=request.user.id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.scope,
            nonce=data.get("nonce"),
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
            context=request.auth_context,
        )

    def query_authorization_code(self, code: str, client: ClientAdapter) -> CodeAdapter | None:
        # RFC 6749 §4.1.3: redirect_uri is REQUIRED when the authorization request had one,
        # which OIDC Core §3.1.2.1 makes every request: missing -> invalid_request (a
        # different one stays invalid_grant). Checked after client authentication and before
        # the code is consumed.
        if not self.request.payload.redirect_uri:
            raise InvalidRequestError("Missing 'redirect_uri'")
        row = codes.consume_authorization_code(code, client.get_client_id())
        return CodeAdapter(row) if row else None

    def delete_authorization_code(self, authorization_code: CodeAdapter) -> None:
        # Already consumed atomically in query_authorization_code; the row stays for replay
        # detection until purged.
        return None

    def authenticate_user(self, authorization_code: CodeAdapter) -> Any:
        return get_active_user(authorization_code.row.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation

    def authenticate_refresh_token(self, refresh_token: str) -> TokenAdapter | None:
        client = self.request.client
        row = oauth_service.take_refresh_token(refresh_token, client.get_client_id())
        return TokenAdapter(row, "refresh_token") if row else None

    def authenticate_user(self, refresh_token: TokenAdapter) -> Any:
        return refresh_token.get_user()

    def revoke_old_credential(self, refresh_token: TokenAdapter) -> None:
        return None  # marked used atomically in take_refresh_token


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def validate_token_request(self) -> None:
        super().validate_token_request()
        # RFC 6749 §5.2 invalid_scope: the requested scope exceeds what the client may have
        # (rather than silently issuing a narrower token).
        wanted = set((self.request.payload.scope or "").split())
        allowed = set((self.request.client.row.scope or "").split())
        if wanted - allowed:
            raise InvalidScopeError(f"Scope not allowed: {' '.join(sorted(wanted - allowed))}")


class OpenIDCodeExtension(OpenIDCode):
    """ID tokens signed with our keys, with our claims (DESIGN.md §5)."""

    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return codes.nonce_used(request.payload.client_id, nonce)

    def encode_id_token(self, token: dict[str, Any], request: Any) -> str:
        return encode_id_token(
            token, request.client, request.user, _context_of(request), _nonce_of(request)
        )


def grant_source(request: Any) -> Any:
    """The code or refresh-token row a token request redeems (None for client credentials);
    the new tokens inherit its family and how the person authenticated."""
    if request.authorization_code is not None:
        return request.authorization_code.row
    if request.refresh_token is not None:
        return request.refresh_token.row
    return None


def _context_of(request: Any) -> AuthContext:
    source = grant_source(request)
    return oauth_service.context_of(source) if source is not None else AuthContext()


def _nonce_of(request: Any) -> str | None:
    code = request.authorization_code
    return code.row.nonce if code is not None else None


def encode_id_token(
    token: dict[str, Any],
    client: ClientAdapter,
    user: Any,
    context: AuthContext,
    nonce: str | None,
) -> str:
    return build_id_token(token, client.row, user, context, nonce)


def build_id_token(
    token: dict[str, Any],
    client: Registration,
    user: Any,
    context: AuthContext,
    nonce: str | None,
) -> str:
    """The ID token for ``token`` (OIDC Core §2, §3.1.3.6), signed with the client's
    registered algorithm or the default; the thin path (.thin) and Authlib's grants share it."""
    cfg = settings()
    alg = client.id_token_signed_response_alg or cfg.id_token_default_alg
    key = keystore().signing_key(alg)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": cfg.issuer,
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": now,
        "exp": now + cfg.id_token_lifetime,
    }
    if nonce:
        claims["nonce"] = nonce
    claims.update(assurance_claims(context))
    if access_token := token.get("access_token"):
        # OIDC Core §3.1.3.6: at_hash, left half of the hash of the access token.
        claims["at_hash"] = create_half_hash(access_token, alg).decode()
    claims.update(user_claims(user, client, token.get("scope", "")))
    header = {"alg": alg, "kid": key.kid, "typ": "JWT"}
    return jwt.encode(header, claims, key, algorithms=[alg])


def add_id_token_on_refresh(grant: Any, response: Any) -> Any:
    """OIDC Core §12.2: a refresh may return a new ID token (no nonce, same auth_time)."""
    _, token, _ = response
    if is_openid_scope(token.get("scope")) and grant.request.user is not None:
        token["id_token"] = encode_id_token(
            token,
            grant.request.client,
            grant.request.user,
            oauth_service.context_of(grant.request.refresh_token.row),
            None,
        )
    return token


def generate_bearer_token(
    grant_type: str,
    client: ClientAdapter,
    user: Any = None,
    scope: str | None = None,
    expires_in: int | None = None,
    include_refresh_token: bool = True,
) -> dict[str, Any]:
    token: dict[str, Any] = {
        "token_type": "Bearer",
        "access_token": secrets.token_urlsafe(32),  # 256 bits, one urandom call
        "expires_in": expires_in or settings().access_token_lifetime,
    }
    if scope:
        token["scope"] = scope
    if include_refresh_token and user is not None and client.check_grant_type("refresh_token"):
        token["refresh_token"] = secrets.token_urlsafe(32)
    return token
