"""NSIS assurance levels and the rules that combine them. Pure functions, no I/O.

Levels are ordered ``Low < Substantial < High`` (eIDAS LoA). The level of an authentication is
the lowest of the identity level (IAL), the authenticator level (AAL) and, where a federation
is involved, the federation level.
"""

from __future__ import annotations

from collections.abc import Iterable

LEVELS: tuple[str, ...] = ("Low", "Substantial", "High")
ACR_PREFIX = "https://data.gov.dk/concept/core/nsis/loa/"
CLAIM_LOA = "https://data.gov.dk/concept/core/nsis/loa"
CLAIM_IAL = "https://data.gov.dk/concept/core/nsis/ial"
CLAIM_AAL = "https://data.gov.dk/concept/core/nsis/aal"
ACR_VALUES: tuple[str, ...] = tuple(ACR_PREFIX + level for level in LEVELS)


def is_level(value: object) -> bool:
    return isinstance(value, str) and value in LEVELS


def rank(level: str) -> int:
    """The position of a level; raises ValueError for anything that is not a level."""
    return LEVELS.index(level)


def lowest(levels: Iterable[str | None]) -> str | None:
    """The lowest of the given levels; None if any is None (nothing established)."""
    result: str | None = None
    for level in levels:
        if level is None:
            return None
        if result is None or rank(level) < rank(result):
            result = level
    return result


def at_least(level: str | None, required: str) -> bool:
    return level is not None and rank(level) >= rank(required)


def authenticator_level(amr: Iterable[str]) -> str | None:
    """AAL from the means used in one login (RFC 8176 amr values).

    Password alone is Low; password plus a one-time code (app or code display) is
    Substantial. High is reserved for hardware-bound keys (not issued yet).
    """
    used = set(amr)
    if "pwd" not in used:
        return None
    if "otp" in used:
        return "Substantial"
    return "Low"


def level_of_assurance(
    ial: str | None, aal: str | None, federation: str | None = None
) -> str | None:
    """LoA = min(IAL, AAL, federation level). None when identity or login is not established."""
    levels = [ial, aal] if federation is None else [ial, aal, federation]
    return lowest(levels)


def acr_for(loa: str) -> str:
    return ACR_PREFIX + loa


def level_from_acr(acr: str) -> str | None:
    if acr.startswith(ACR_PREFIX) and is_level(acr[len(ACR_PREFIX) :]):
        return acr[len(ACR_PREFIX) :]
    return None
