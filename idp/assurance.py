"""NSIS assurance levels and the rules that combine them. Pure functions, no I/O.

Levels are ordered ``Low < Substantial < High`` (eIDAS LoA). The level of an authentication is
the lowest of the identity level (IAL), the authenticator level (AAL) and, where a federation
is involved, the federation level.
"""

from __future__ import annotations

from collections.abc import Iterable

from .models.enums import NsisLevel

LEVELS: tuple[str, ...] = tuple(NsisLevel)
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
        return NsisLevel.SUBSTANTIAL
    return NsisLevel.LOW


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


def effective_level(aal: str | None, age_minutes: float, lifetime: dict[str, int]) -> str | None:
    """The level a login still counts at after ``age_minutes``.

    A login counts at its own AAL while younger than that level's lifetime, then at each lower
    level while younger than that level's lifetime, and not at all after the longest.
    """
    if aal is None:
        return None
    for level in reversed(LEVELS[: rank(aal) + 1]):
        if age_minutes < lifetime[level]:
            return level
    return None


def parse_level(value: str) -> str | None:
    """A level from ``Low``/``Substantial``/``High`` or an NSIS acr URI; None if neither."""
    if is_level(value):
        return value
    return level_from_acr(value)


def requested_minimum(acr_values: list[str]) -> str | None:
    """The least level a relying party accepts, from the acr values it listed.

    OIDC Core §3.1.2.1: acr_values lists acceptable values; any of them satisfies the request,
    so the requirement is the lowest level among the values we recognise.
    """
    levels = [lvl for lvl in (level_from_acr(v) for v in acr_values) if lvl is not None]
    if not levels:
        return None
    return min(levels, key=rank)


def capped(level: str | None, cap: str | None) -> str | None:
    """``level`` limited to ``cap`` (a route cannot establish more than it is trusted for)."""
    if level is None or cap is None:
        return level
    return lowest([level, cap])
