"""The authorization server: Authlib's Flask server with our storage and our rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import OAuth2Request
from authlib.oauth2.rfc6749.errors import (
    InvalidClientError,
    InvalidRequestError,
    OAuth2Error,
    UnsupportedTokenTypeError,
)
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import UserInfoEndpoint
from authlib.oidc.rpinitiated import EndSessionEndpoint
from flask import Flask, current_app, g
from flask import request as http_request

from ..services import clients as client_service
from ..services import sessions as session_service
from ..services.oauth import subjects
from ..services.oauth import tokens as oauth_service
from ..services.oauth.tokens import AuthContext
from ..services.platform import log_context, metrics
from ..services.platform.runtime import keystore, settings
from .adapters import ClientAdapter, TokenAdapter
from .claims import assurance_claims, user_claims
from .grants import (
    AuthorizationCodeGrant,
    ClientCredentialsGrant,
    OpenIDCodeExtension,
    RefreshTokenGrant,
    StrictCodeChallenge,
    add_id_token_on_refresh,
    generate_bearer_token,
    grant_source,
)


def query_client(client_id: str) -> ClientAdapter | None:
    cache = g.setdefault("_idp_clients", {})
    if client_id not in cache:
        row = client_service.get_client(client_id)
        cache[client_id] = ClientAdapter(row) if row else None
        if row is not None:
            log_context.note(client_id=row.client_id)
    return cache[client_id]


def save_token(token: dict[str, Any], request: Any) -> None:
    source = grant_source(request)
    user = request.user
    oauth_service.store_token(
        token,
        client_id=request.client.get_client_id(),
        user_id=user.id if user is not None else None,
        family_id=source.family_id if source is not None else None,
        context=oauth_service.context_of(source) if source is not None else AuthContext(),
    )
    metrics.token_issued(request.payload.grant_type)
    log_context.note(user_uuid=user.uuid if user is not None else None)


def check_single_valued() -> None:
    """RFC 6749 §3.2 (token), RFC 7009 §2.1, RFC 7662 §2.1: "Request and response parameters
    MUST NOT be included more than once" -> invalid_request."""
    form = http_request.form
    repeated = sorted(k for k in form if len(form.getlist(k)) > 1)
    if repeated:
        raise InvalidRequestError(f"Parameter sent more than once: {', '.join(repeated)}")


def check_one_client_auth_method(request: Any) -> None:
    """RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each
    request" -> invalid_request (a client_secret in the body beside HTTP Basic)."""
    authorization = request.headers.get("Authorization", "")
    if authorization.lower().startswith("basic ") and "client_secret" in request.form:
        raise InvalidRequestError("Use one client authentication method, not two")


class Server(AuthorizationServer):
    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        # Lets the web layer replay a stored authorization request after login.
        if isinstance(request, OAuth2Request):
            return request
        return super().create_oauth2_request(request)

    def create_token_response(self, request: Any = None) -> Any:
        request = self.create_oauth2_request(request)
        try:
            check_single_valued()
            if not request.payload.grant_type:
                # RFC 6749 §5.2: a missing required parameter is invalid_request;
                # unsupported_grant_type is for a grant type the server does not know.
                raise InvalidRequestError("Missing 'grant_type'")
        except OAuth2Error as error:
            return self.handle_error_response(request, error)
        return super().create_token_response(request)

    def create_endpoint_response(self, name: str, request: Any = None) -> Any:
        if name in ("revocation", "introspection") and request is None:
            try:
                check_single_valued()
            except OAuth2Error as error:
                return self.handle_error_response(None, error)
        return super().create_endpoint_response(name, request)

    def authenticate_client(self, request: Any, methods: Any, endpoint: str = "token") -> Any:
        check_one_client_auth_method(request)
        try:
            return super().authenticate_client(request, methods, endpoint)
        except InvalidClientError as error:
            # RFC 6749 §5.2: answer failed client authentication with 401 and a
            # WWW-Authenticate challenge, whatever method the client tried.
            error.status_code = 401
            raise


class BearerValidator(BearerTokenValidator):
    def authenticate_token(self, token_string: str) -> TokenAdapter | None:
        row = oauth_service.find_access_token(token_string)
        return TokenAdapter(row) if row else None


@contextmanager
def unsupported_token_type_is_400() -> Iterator[None]:
    """RFC 7009 §2.2.1 answers unsupported_token_type as an RFC 6749 §5.2 error response, where
    every error but invalid_client is 400 (Authlib makes it 401)."""
    try:
        yield
    except UnsupportedTokenTypeError as error:
        error.status_code = 400
        raise


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def check_params(self, request: Any, client: Any) -> None:
        with unsupported_token_type_is_400():
            super().check_params(request, client)

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenAdapter | None:
        found = oauth_service.find_token(token_string, token_type_hint)
        return TokenAdapter(*found) if found else None

    def authenticate_token(self, request: Any, client: Any) -> TokenAdapter | None:
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        # RFC 7009 §2.1: a token of another client is not revoked; answer as for an unknown
        # token so the response does not reveal that it exists.
        if token is None or not token.check_client(client):
            return None
        return token

    def revoke_token(self, token: TokenAdapter, request: Any) -> None:
        oauth_service.revoke(token.row, token.kind)


class Introspection(IntrospectionEndpoint):
    # RFC 7662 §2.1: the endpoint requires client authentication; public clients may not use it.
    CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def check_params(self, request: Any, client: Any) -> None:
        with unsupported_token_type_is_400():
            super().check_params(request, client)

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenAdapter | None:
        found = oauth_service.find_token(token_string, token_type_hint)
        return TokenAdapter(*found) if found else None

    def check_permission(self, token: TokenAdapter, client: Any, request: Any) -> bool:
        # A client may introspect only the tokens issued to it.
        return token.check_client(client)

    def introspect_token(self, token: TokenAdapter) -> dict[str, Any]:
        row = token.row
        active = (
            oauth_service.token_is_active(row)
            if token.kind == "access_token"
            else oauth_service.refresh_token_usable(row)
        )
        if not active:
            return {"active": False}
        data: dict[str, Any] = {
            "active": True,
            "iss": settings().issuer,
            "client_id": row.client_id,
            "scope": row.scope,
            "token_type": "Bearer" if token.kind == "access_token" else "refresh_token",
            "iat": int(row.issued_at.timestamp()),
            "exp": int(
                (
                    row.expires_at
                    if token.kind == "access_token"
                    else row.refresh_expires_at or row.expires_at
                ).timestamp()
            ),
            "aud": row.client_id,
        }
        user = token.get_user()
        client = token.get_client()
        if user is not None and client is not None:
            data["sub"] = subjects.subject_for(user, client.row)
            data["username"] = user.username
            data.update(assurance_claims(oauth_service.context_of(row)))
        return data

    def create_endpoint_response(self, request: Any) -> Any:
        client = self.authenticate_endpoint_client(request)
        token = self.authenticate_token(request, client)
        # RFC 7662 §2.2: unknown, expired, revoked or foreign tokens are {"active": false}.
        if token is None or not self.check_permission(token, client, request):
            return (
                200,
                {"active": False},
                [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
            )
        return (
            200,
            self.introspect_token(token),
            [("Content-Type", "application/json"), ("Cache-Control", "no-store")],
        )


class UserInfo(UserInfoEndpoint):
    def __call__(self, request: Any) -> Any:
        token: TokenAdapter = self.resource_protector.acquire_token("openid")
        client = token.get_client()
        user = token.get_user()
        if client is None or user is None:
            from authlib.oauth2.rfc6750 import InvalidTokenError

            raise InvalidTokenError()
        log_context.note(client_id=client.get_client_id(), user_uuid=user.uuid)
        info = user_claims(user, client.row, token.get_scope())
        ctx = assurance_claims(oauth_service.context_of(token.row))
        info.update({k: v for k, v in ctx.items() if k not in ("auth_time",)})
        return 200, info, [("Content-Type", "application/json"), ("Cache-Control", "no-store")]


class EndSession(EndSessionEndpoint):
    def get_server_jwks(self) -> Any:
        return keystore().public_key_set()

    def _validate_id_token_hint(self, id_token_hint: str) -> dict[str, Any]:
        # The one verification of hints, shared with /authorize. Authlib compares a given
        # client_id with "aud" itself after this.
        from .id_token_hint import verify_id_token_hint

        return verify_id_token_hint(id_token_hint, None)

    def validate_request(self, request: Any) -> Any:
        result = super().validate_request(request)
        claims = result.id_token_claims
        uri = request.payload.data.get("post_logout_redirect_uri")
        if uri and result.redirect_uri is None and claims is not None:
            # Exact match against the registered post-logout URIs, else no redirect at all.
            raise InvalidRequestError("'post_logout_redirect_uri' is not registered")
        return result

    def end_session(self, end_session_request: Any) -> None:
        ended = session_service.end_session(g.get("idp_sid"))
        if ended is not None:
            oauth_service.revoke_session_tokens(ended.id)


def get_server() -> Server:
    """The authorization server of the current app."""
    return current_app.extensions["idp.oauth_server"]


def init_server(app: Flask) -> Server:
    """Build one authorization server per app (Authlib's registries are per instance)."""
    server = Server()
    resource_protector = ResourceProtector()
    app.config["OAUTH2_SCOPES_SUPPORTED"] = None
    server.init_app(app, query_client=query_client, save_token=save_token)
    server.register_token_generator("default", generate_bearer_token)
    server.register_grant(AuthorizationCodeGrant, [StrictCodeChallenge(), OpenIDCodeExtension()])
    server.register_grant(RefreshTokenGrant, [_RefreshIdToken()])
    server.register_grant(ClientCredentialsGrant)
    resource_protector.register_token_validator(BearerValidator())
    server.register_endpoint(Revocation)
    server.register_endpoint(Introspection)
    server.register_endpoint(UserInfo(resource_protector=resource_protector))
    server.register_endpoint(EndSession)
    app.extensions["idp.oauth_server"] = server
    return server


class _RefreshIdToken:
    def __call__(self, grant: Any) -> None:
        grant.register_hook("after_create_token_response", add_id_token_on_refresh)
