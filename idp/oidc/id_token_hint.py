"""Verifying an ID token we issued when a relying party hands it back as ``id_token_hint``.

One function serves the authorization endpoint (OIDC Core §3.1.2.1: the hint is "an ID Token
previously issued by the Authorization Server") and the end-session endpoint (RP-Initiated
Logout §2: "the OP MUST validate that it was the issuer of the ID Token").
"""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.errors import InvalidRequestError
from joserfc import jwt
from joserfc.errors import JoseError

from ..services.platform.keys import ALGORITHMS
from ..services.platform.runtime import keystore, settings

# Our ID tokens are a few KiB (the privileges claim included); a longer hint is not ours.
MAX_HINT_CHARS = 16 * 1024


def verify_id_token_hint(hint: str, client_id: str | None) -> dict[str, Any]:
    """The claims of a hint signed by one of our published keys with RS256 or ES256, issued by
    us and (when ``client_id`` is given) to that client. An expired hint is accepted: OIDC Core
    §3.1.2.1 lets it be sent after it expired. Anything else raises ``invalid_request``."""
    if len(hint) > MAX_HINT_CHARS:
        raise InvalidRequestError("'id_token_hint' is too long")
    try:
        # Only our asymmetric algorithms: never "none", never HS* (an HS256 token "signed"
        # with our public key as the secret must not verify).
        token = jwt.decode(hint, keystore().public_key_set(), algorithms=list(ALGORITHMS))
    except (JoseError, ValueError, TypeError, RecursionError) as error:
        raise InvalidRequestError("'id_token_hint' is not a valid ID token of ours") from error
    claims = dict(token.claims)
    if claims.get("iss") != settings().issuer:
        raise InvalidRequestError("'id_token_hint' was not issued by this provider")
    if not isinstance(claims.get("sub"), str):
        raise InvalidRequestError("'id_token_hint' names no subject")
    if client_id is not None:
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if client_id not in audiences:
            raise InvalidRequestError("'id_token_hint' was not issued to this client")
    return claims
