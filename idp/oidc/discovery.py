"""OpenID Provider metadata (OIDC Discovery 1.0 §3): exactly what is implemented."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .. import assurance
from ..config import Settings
from ..services.clients import SCOPES
from .claims import CLAIMS_SUPPORTED


def metadata(cfg: Settings) -> dict[str, Any]:
    url = cfg.url
    return {
        "issuer": cfg.issuer,
        "authorization_endpoint": url("/authorize"),
        "token_endpoint": url("/token"),
        "userinfo_endpoint": url("/userinfo"),
        "jwks_uri": url("/jwks"),
        "revocation_endpoint": url("/revoke"),
        "introspection_endpoint": url("/introspect"),
        "end_session_endpoint": url("/logout"),
        "scopes_supported": list(SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "revocation_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "introspection_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
        ],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS_SUPPORTED,
        "claims_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
        "acr_values_supported": list(assurance.ACR_VALUES),
        "prompt_values_supported": ["none", "login", "consent"],
        "ui_locales_supported": ["da", "en"],
        "claim_types_supported": ["normal"],
        # RFC 9207 §3
        "authorization_response_iss_parameter_supported": True,
    }


def serialised(cfg: Settings) -> tuple[bytes, str]:
    """The discovery document as bytes with its ETag; built once per process."""
    body = json.dumps(metadata(cfg), separators=(",", ":")).encode()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
