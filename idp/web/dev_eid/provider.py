"""What the development private-eID stand-in knows: its test citizens, its signing key, its one
client (the IdP itself), the authorization request's checks, its sealed codes and ID tokens.

Nothing here is MitID: the citizens are fictitious, with no CPR numbers, and anyone who can
open the page logs in as any of them. ``idp.config`` refuses ``dev_stand_ins`` unless the
issuer is a loopback address.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app
from joserfc import jwt
from joserfc.jwk import RSAKey

from ... import assurance
from ...models.enums import NsisLevel
from ...services.errors import N_, InvalidInput
from ...services.platform.runtime import settings
from ..private_eid import CALLBACK_PATH
from ..sealing import seal, unseal

PREFIX = "/dev-eid"
CLIENT_ID = "lokal-idp-dev"
KEY_FILE = "dev-eid-key.pem"
CODE_PURPOSE = "dev-eid-code"
CODE_TTL = 60  # seconds
ID_TOKEN_TTL = 300
DEFAULT_LEVEL = NsisLevel.SUBSTANTIAL
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_NAMESPACE = uuid.UUID("6f1d2c3e-8a4b-5c6d-9e0f-1a2b3c4d5e6f")


@dataclass(frozen=True)
class Citizen:
    key: str
    given_name: str
    family_name: str
    birthdate: str  # ISO 8601

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def subject(self) -> str:
        """Stable across runs and instances (a UUID derived from the key), never a CPR."""
        return str(uuid.uuid5(_NAMESPACE, self.key))


CITIZENS: tuple[Citizen, ...] = (
    Citizen("freja", "Freja", "Holm Nielsen", "1987-03-14"),
    Citizen("mads", "Mads", "Østergaard", "1962-11-02"),
    Citizen("aisha", "Aisha", "Karimi Jensen", "1995-07-21"),
    Citizen("bent", "Bent", "Ravn Larsen", "1948-01-30"),
)
BY_KEY = {c.key: c for c in CITIZENS}


def issuer() -> str:
    return settings().url(PREFIX)


def redirect_uri() -> str:
    return settings().url(CALLBACK_PATH)


def client_secret() -> str | None:
    """The secret of the stand-in's one client: the IdP's, when the stand-in is its upstream."""
    cfg = settings()
    if cfg.private_eid_issuer != issuer() or cfg.private_eid_client_id != CLIENT_ID:
        return None
    return cfg.private_eid_client_secret or None


def client_authenticated(client_id: str, secret: str) -> bool:
    expected = client_secret()
    return (
        expected is not None
        and secrets.compare_digest(client_id.encode(), CLIENT_ID.encode())
        and secrets.compare_digest(secret.encode(), expected.encode())
    )


# -- the signing key ----------------------------------------------------------------------------
def _key_pem(folder: Path) -> bytes:
    """The RSA key in the instance folder, generated once (mode 0600) and reused."""
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
        except FileExistsError:
            pass  # another worker made it first
    return path.read_bytes()


def load_key(folder: Path) -> RSAKey:
    key = RSAKey.import_key(_key_pem(folder))
    return RSAKey.import_key(_key_pem(folder), parameters={"kid": key.thumbprint()})


def signing_key() -> RSAKey:
    key: RSAKey = current_app.extensions["idp.dev_eid_key"]
    return key


def jwks() -> dict[str, Any]:
    return {"keys": [signing_key().as_dict(private=False, use="sig", alg="RS256")]}


def configuration() -> dict[str, Any]:
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": base + "/authorize",
        "token_endpoint": base + "/token",
        "jwks_uri": base + "/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "scopes_supported": ["openid"],
        "claims_supported": ["sub", "name", "given_name", "family_name", "birthdate"],
    }


# -- the authorization request --------------------------------------------------------------------
AUTHORIZE_PARAMS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)


def checked_request(args: dict[str, str]) -> dict[str, str]:
    """The authorization request's parameters, or ``InvalidInput`` naming what is wrong. The
    client and redirect URI are checked before anything else, and never redirected to."""
    params = {name: args.get(name, "") for name in AUTHORIZE_PARAMS}
    if client_secret() is None or params["client_id"] != CLIENT_ID:
        raise InvalidInput(N_("Unknown client."))
    if params["redirect_uri"] != redirect_uri():
        raise InvalidInput(N_("The redirect URI is not the registered one."))
    problems = []
    if params["response_type"] != "code":
        problems.append("response_type")
    if "openid" not in params["scope"].split():
        problems.append("scope")
    if params["code_challenge_method"] != "S256" or not _CHALLENGE.fullmatch(
        params["code_challenge"]
    ):
        problems.append("code_challenge (PKCE S256)")
    for name in ("state", "nonce"):
        if not 0 < len(params[name]) <= 512:
            problems.append(name)
    if problems:
        raise InvalidInput(
            N_("The login request is not valid: %(problems)s."), problems=", ".join(problems)
        )
    return params


def chosen(form: dict[str, str]) -> tuple[Citizen, str]:
    citizen = BY_KEY.get(form.get("citizen", ""))
    level = form.get("level", "")
    if citizen is None or not assurance.is_level(level):
        raise InvalidInput(N_("Choose a test citizen and a level."))
    return citizen, level


# -- codes and tokens -----------------------------------------------------------------------------
def seal_code(params: dict[str, str], citizen: Citizen, level: str, mark: int) -> str:
    return seal(
        CODE_PURPOSE,
        {
            "mark": mark,
            "client_id": params["client_id"],
            "redirect_uri": params["redirect_uri"],
            "challenge": params["code_challenge"],
            "nonce": params["nonce"],
            "citizen": citizen.key,
            "level": level,
            "auth_time": int(time.time()),
        },
    )


def unseal_code(code: str) -> dict[str, Any] | None:
    """The code's content when it is one of ours younger than 60 s, else None."""
    return unseal(CODE_PURPOSE, code, CODE_TTL)


def pkce_matches(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return 43 <= len(verifier) <= 128 and secrets.compare_digest(computed, challenge)


def id_token(grant: dict[str, Any]) -> str:
    citizen = BY_KEY[grant["citizen"]]
    now = int(time.time())
    claims = {
        "iss": issuer(),
        "sub": citizen.subject,
        "aud": grant["client_id"],
        "azp": grant["client_id"],
        "iat": now,
        "exp": now + ID_TOKEN_TTL,
        "auth_time": grant["auth_time"],
        "nonce": grant["nonce"],
        "acr": assurance.ACR_PREFIX + grant["level"],
        settings().private_eid_level_claim: grant["level"],
        "name": citizen.name,
        "given_name": citizen.given_name,
        "family_name": citizen.family_name,
        "birthdate": citizen.birthdate,
    }
    key = signing_key()
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)
