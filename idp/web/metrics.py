"""``/metrics`` for Prometheus, and the count of every request the app answers.

Who may read it: a client whose address (as the throttles see it, behind ``trusted_proxies``)
is in ``metrics_allowed_networks`` (default loopback only). A request that came through a
proxy we do not trust (it carries ``X-Forwarded-For`` or ``Forwarded`` from a peer not in
``trusted_proxies``) is refused whatever its peer, since a load balancer on the same host would
otherwise make every client look like loopback. Anyone refused gets the 404 of any unknown
path (the endpoint's existence is not revealed). The answer sets no cookie and is never stored
by caches (``no-store``).
"""

from __future__ import annotations

import ipaddress

from flask import Blueprint, Flask, abort, request
from prometheus_client import CONTENT_TYPE_LATEST
from werkzeug.wrappers import Response

from ..services.platform import metrics
from ..services.platform.runtime import settings
from .client_address import client_address, proxy_networks
from .pages import scraped
from .request_log import elapsed, endpoint_name, from_trusted_proxy

bp = Blueprint("metrics", __name__)


def register(app: Flask) -> None:
    """Mount /metrics and count every answered request by endpoint and status."""
    app.register_blueprint(bp)
    app.after_request(_count)


def _count(response: Response) -> Response:
    metrics.request_served(endpoint_name(), response.status_code, elapsed())
    return response


@bp.get("/metrics")
def scrape() -> Response:
    if not may_read_metrics():
        abort(404)
    return scraped(metrics.exposition(), CONTENT_TYPE_LATEST)


def may_read_metrics() -> bool:
    """Whether the current request may read /metrics (see the module docstring)."""
    forwarded = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    if forwarded and not from_trusted_proxy():
        return False
    return address_allowed(client_address(), settings().metrics_allowed_networks)


def address_allowed(address: str, allowed: str) -> bool:
    """Whether ``address`` (IPv4-mapped IPv6 counts as its IPv4 address) is in one of the
    networks of the setting ``allowed``."""
    try:
        parsed = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    return any(parsed.version == n.version and parsed in n for n in proxy_networks(allowed))
