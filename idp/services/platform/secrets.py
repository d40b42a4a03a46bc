"""Random secrets and their digests (high-entropy secrets are hashed with SHA-256)."""

import hashlib
import hmac
import secrets


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random token; 32 bytes = 256 bits."""
    return secrets.token_urlsafe(nbytes)


def digest(value: str) -> str:
    """SHA-256 hex digest of a random secret; a slow hash buys nothing for 256 random bits."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def digest_matches(value: str, expected_digest: str) -> bool:
    """Whether ``value`` has the expected digest, compared in constant time."""
    return hmac.compare_digest(digest(value), expected_digest)
