"""Time-based one-time codes (RFC 6238 on RFC 4226), as pure functions.

Secrets are raw bytes; codes are compared in constant time and every candidate step in the
window is computed, so the time taken does not depend on which step (if any) matched.
"""

from __future__ import annotations

import base64
import hmac
import re

import pyotp

DIGESTS = {"SHA1": "sha1", "SHA256": "sha256", "SHA512": "sha512"}
# ASCII digits only: str.isdigit() and \d also take full-width, Arabic-Indic and superscript
# digits, which hmac.compare_digest refuses (TypeError). Deliberately no NFKC folding: a code
# is typed from a screen that shows 0-9, so anything else is simply a wrong code.
_ASCII_DIGITS = re.compile(r"[0-9]+")


def to_base32(secret: bytes) -> str:
    """The secret as unpadded base32, as authenticator apps and otpauth URIs take it."""
    return base64.b32encode(secret).decode().rstrip("=")


def from_base32(text: str) -> bytes:
    """A base32 secret back to bytes; spaces and missing padding are tolerated."""
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
    secret: bytes,
    code: str,
    centre: int,
    window: int,
    *,
    digits: int,
    algorithm: str,
    within: tuple[int, int] | None = None,
) -> int | None:
    """The step within ``centre ± window`` whose code equals ``code``, nearest the centre.

    ``within`` (first, last; inclusive) narrows the steps further: a tracked drift never
    takes the search beyond it.
    """
    cleaned = normalise_code(code)
    if cleaned is None or len(cleaned) != digits:
        return None
    matched: int | None = None
    for offset in sorted(range(-window, window + 1), key=abs):
        step = centre + offset
        if within is not None and not within[0] <= step <= within[1]:
            continue
        candidate = code_at(secret, step, digits=digits, algorithm=algorithm)
        if hmac.compare_digest(candidate, cleaned) and matched is None:
            matched = step
    return matched


def normalise_code(code: str) -> str | None:
    """The code without spaces and dashes, or None unless it is ASCII digits only.

    The one check of a typed code's characters: login, app confirmation (activation and
    /account/means) and code-display binding all reach it through :func:`matching_step`, and
    None there counts as a wrong code.
    """
    cleaned = code.strip().replace(" ", "").replace("-", "")
    return cleaned if _ASCII_DIGITS.fullmatch(cleaned) else None
