"""State the browser carries but must neither read nor alter: sealed with Fernet (AES-CBC +
HMAC) under a key derived from the app's secret key and the state's purpose, with a lifetime.
Used for the login in progress, a private eID round trip, and uploads between a dry run and
its confirmation."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet(purpose: str) -> Fernet:
    secret = str(current_app.secret_key)
    key = hashlib.sha256(f"idp-sealed|{purpose}|{secret}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(purpose: str, payload: dict[str, Any]) -> str:
    """An opaque token holding ``payload`` (JSON), usable only for the same purpose."""
    return _fernet(purpose).encrypt(json.dumps(payload).encode()).decode()


def unseal(purpose: str, token: str | None, ttl: int) -> dict[str, Any] | None:
    """The payload of a token of this purpose younger than ``ttl`` seconds, else None."""
    if not token:
        return None
    try:
        data = json.loads(_fernet(purpose).decrypt(token.encode(), ttl=ttl))
    except (InvalidToken, ValueError):
        return None
    return data if isinstance(data, dict) else None
