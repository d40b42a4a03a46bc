"""Throttling of guessed secrets at /token, /userinfo, /introspect and /revoke.

RFC 6819 §4.3.5 (online guessing of client secrets) and §5.1.4.2.3 (lock accounts after
failures): failed client authentications count per client id (``client_failure_rate_limit``,
one bucket for the three client-authenticated endpoints), and failed requests of any kind
count per client address (``source_failure_rate_limit``, one bucket for all four). Only
failures count (Flask-Limiter's ``deduct_when``), so good traffic costs one counter lookup per
limit and is never slowed. A breach answers 429 (RFC 6585 §4) with ``Retry-After`` and an
OAuth-style JSON error body.
"""

from __future__ import annotations

import time
from urllib.parse import unquote_plus

from flask import Response, request
from flask_limiter import RequestLimit
from limits import parse_many

from ..extensions import limiter
from ..services.platform.runtime import settings
from .pages import oauth_error


def _client_id() -> str:
    """The client id the request claims (not yet authenticated: that is what is counted)."""
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username:
        return unquote_plus(auth.username)  # RFC 6749 §2.3.1: form-encoded in Basic
    return request.form.get("client_id", "")[:200] or "-"


def _failed(response: Response) -> bool:
    # 401: a wrong client secret (RFC 6749 §5.2 invalid_client) or a bad bearer token
    # (RFC 6750 §3.1 invalid_token). Nothing else is a guess at a secret we can see here.
    return response.status_code == 401


def _too_many(limit: RequestLimit) -> Response:
    retry_after = max(1, int(limit.reset_at - time.time()))
    # No RFC 6749 §5.2 code means "slow down" at these endpoints; temporarily_unavailable
    # (RFC 6749 §4.1.2.1) is the registered code closest to it.
    response = oauth_error(
        "temporarily_unavailable", "Too many failed attempts. Try again later.", 429
    )
    response.headers["Retry-After"] = str(retry_after)
    return response


CLIENT_SCOPE, SOURCE_SCOPE = "oauth-client-failures", "oauth-source-failures"

per_client = limiter.shared_limit(
    lambda: settings().client_failure_rate_limit,
    scope=CLIENT_SCOPE,
    key_func=_client_id,
    deduct_when=_failed,
    on_breach=_too_many,
)
per_source = limiter.shared_limit(
    lambda: settings().source_failure_rate_limit,
    scope=SOURCE_SCOPE,
    deduct_when=_failed,
    on_breach=_too_many,
)


def held_back(client_id: str | None, source: str) -> bool:
    """Whether a request from ``source`` (and for ``client_id``, when given) would be refused
    by the limits above right now: the thin path (idp/web/thin.py) asks before it answers, and
    leaves a held-back request to the decorated views (their 429). The same buckets as
    Flask-Limiter's own check: [key prefix], key, shared scope."""
    cfg = settings()
    if not cfg.ratelimit_enabled:
        return False
    buckets = [(cfg.source_failure_rate_limit, source, SOURCE_SCOPE)]
    if client_id is not None:
        buckets.append((cfg.client_failure_rate_limit, client_id, CLIENT_SCOPE))
    prefix = [limiter._key_prefix] if limiter._key_prefix else []
    strategy = limiter.limiter
    return any(
        not strategy.test(item, *prefix, key, scope)
        for setting, key, scope in buckets
        for item in parse_many(setting)
    )
