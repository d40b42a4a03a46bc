"""Time-based one-time codes (RFC 6238 on RFC 4226), as pure functions.

Secrets are raw bytes; codes are compared in constant time and every candidate step in the
window is computed, so the time taken does not depend on which step (if any) matched.
"""

from __future__ import annotations

import base64
import hmac

import pyotp

DIGESTS = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}


def to_base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode().rstrip("=")


def from_base32(text: str) -> bytes:
    cleaned = text.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def code_at(secret: bytes, step: int, *, digits: int = 6, algorithm: str = "SHA1") -> str:
    """The code for one time step (RFC 6238 §4.2: TOTP = HOTP(K, T))."""
    hotp = pyotp.HOTP(to_base32(secret), digits=digits, digest=DIGESTS[algorithm])
    return hotp.at(step)


def time_step(now: float, *, period: int = 30, t0: int = 0) -> int:
    """RFC 6238 §4.2: T = floor((now - T0) / X)."""
    return int((now - t0) // period)


def matching_step(
    secret: bytes, code: str, centre: int, window: int, *, digits: int, algorithm: str
) -> int | None:
    """The step within ``centre ± window`` whose code equals ``code``, nearest the centre."""
    cleaned = normalise_code(code)
    if cleaned is None or len(cleaned) != digits:
        return None
    matched: int | None = None
    for offset in sorted(range(-window, window + 1), key=abs):
        step = centre + offset
        candidate = code_at(secret, step, digits=digits, algorithm=algorithm)
        if hmac.compare_digest(candidate, cleaned) and matched is None:
            matched = step
    return matched


def normalise_code(code: str) -> str | None:
    cleaned = code.strip().replace(" ", "").replace("-", "")
    return cleaned if cleaned.isdigit() else None
