"""Adapters that give our tables the interfaces Authlib asks for (models stay Authlib-free)."""

from __future__ import annotations

import hmac
import time
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list

from ..models import AuthorizationCode, Client, Token, User
from ..services.oauth import tokens as oauth_service
from ..services.platform.secrets import digest
from ..services.users import get_active_user


class ClientAdapter(ClientMixin):
    def __init__(self, row: Client) -> None:
        self.row = row
        self.client_id = row.client_id
        self.id_token_signed_response_alg = row.id_token_signed_response_alg

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {
            "post_logout_redirect_uris": list(self.row.post_logout_redirect_uris or []),
            "token_endpoint_auth_method": self.row.token_endpoint_auth_method,
        }

    @property
    def is_public(self) -> bool:
        return self.row.token_endpoint_auth_method == "none"

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        # OIDC Core §3.1.2.1: redirect_uri is REQUIRED; never fall back to a registered one.
        return None

    def get_allowed_scope(self, scope: str) -> str:
        if not scope:
            return ""
        allowed = set(scope_to_list(self.row.scope))
        return list_to_scope([s for s in scope_to_list(scope) if s in allowed])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Exact string comparison (RFC 9700 §4.1.3), no prefix or pattern matching.
        return any(hmac.compare_digest(redirect_uri, u) for u in self.row.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        if not self.row.client_secret_hash:
            return False
        return hmac.compare_digest(digest(client_secret), self.row.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == self.row.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in (self.row.grant_types or [])

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in (self.row.grant_types or [])


class CodeAdapter(AuthorizationCodeMixin):
    def __init__(self, row: AuthorizationCode) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope

    def get_nonce(self) -> str | None:
        return self.row.nonce

    def get_auth_time(self) -> int:
        return int(self.row.auth_time.timestamp())

    def get_acr(self) -> str | None:
        return self.row.acr

    def get_amr(self) -> list[str]:
        return list(self.row.amr or [])


class TokenAdapter(TokenMixin):
    """An access or refresh token row; ``kind`` says which the presented string matched."""

    def __init__(self, row: Token, kind: str = "access_token") -> None:
        self.row = row
        self.kind = kind
        self.scope = row.scope

    def check_client(self, client: ClientAdapter) -> bool:
        return self.row.client_id == client.get_client_id()

    def get_scope(self) -> str:
        return self.row.scope

    def get_expires_in(self) -> int:
        return max(0, int(self.row.expires_at.timestamp() - time.time()))

    def is_expired(self) -> bool:
        return self.row.expires_at.timestamp() <= time.time()

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None

    def get_user(self) -> User | None:
        return get_active_user(self.row.user_id) if self.row.user_id is not None else None

    def get_client(self) -> ClientAdapter | None:
        from ..services.clients import get_client

        row = get_client(self.row.client_id)
        return ClientAdapter(row) if row else None

    def is_active(self) -> bool:
        return oauth_service.token_is_active(self.row)
