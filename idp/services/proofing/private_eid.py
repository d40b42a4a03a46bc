"""Private eID proofing: OpenID Connect federation to an upstream eID provider.

The flow itself is in ``idp.oidc.federation`` (the only place that speaks OAuth); this module
holds the route's own rule: which level the upstream login carries.
"""

from __future__ import annotations

from typing import Any

from ... import assurance


def upstream_level(claims: dict[str, Any], claim_name: str) -> str | None:
    """The level in the configured claim: a plain level or an NSIS acr URI; else None."""
    value = claims.get(claim_name)
    if not isinstance(value, str):
        return None
    return assurance.parse_level(value)
