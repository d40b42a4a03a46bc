"""Request ids, the access log and the JSON log lines that carry them.

Every request gets an id: the ``X-Request-ID`` a trusted proxy (``trusted_proxies``) sent, if
it is a plain token of at most 128 characters, else a new random one. Anyone else's header is
ignored, so a client cannot plant ids in the logs. The id goes back in the response's
``X-Request-ID`` and into every JSON log line written while the request is served.

With ``log_format = "json"`` every answered request also writes one line on the ``idp.access``
logger: method, path, endpoint, status, duration, client address (as the throttles see it,
behind ``trusted_proxies``), and the client id and person's UUID when known. The path is
the path alone: never the query string (it carries codes, tokens and state), and with the
single-use link tokens of ``/activate/<token>`` and ``/recovery/<token>`` (and any other
token-like segment) replaced. With ``log_format = "text"`` there is no access log.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request, request_started
from flask.logging import default_handler
from werkzeug.wrappers import Response

from ..config import Settings
from ..services.platform import log_context
from ..services.platform.runtime import settings
from .client_address import client_address, proxy_networks

HEADER = "X-Request-ID"
VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
ACCESS = logging.getLogger("idp.access")
UNMATCHED = "unmatched"  # the endpoint of a request no URL rule matched (404, 405)
# Path variables that are secrets (single-use link tokens) or keys into the browser's
# session; and any segment that looks like a token (43 characters of token_urlsafe(32)).
SECRET_PATH_ARGS = ("token", "key")
TOKEN_LIKE = re.compile(r"[A-Za-z0-9_-]{32,}")


def register(app: Flask) -> None:
    """Give each request its id and start time before anything else runs (the rate limiter,
    CSRF and the input guard may answer before any view), send the id back, log the request."""
    request_started.connect(_start, app)
    app.after_request(_finish)


def request_id() -> str | None:
    """The current request's id (chosen now if nothing has asked yet), or None outside a
    request."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        g.request_id = choose_request_id(request.headers.get(HEADER, ""), request.remote_addr)
    return str(g.request_id)


def choose_request_id(given: str, peer: str | None) -> str:
    """The id of a request that came from ``peer`` with ``given`` as its X-Request-ID."""
    return given if VALID.fullmatch(given) and peer_is_trusted(peer) else _new_id()


def elapsed() -> float:
    """Seconds since the current request started."""
    return time.perf_counter() - g.get("request_started", time.perf_counter())


def endpoint_name() -> str:
    """The Flask endpoint that answers the request (never the raw path)."""
    return request.url_rule.endpoint if request.url_rule is not None else UNMATCHED


def _start(sender: Flask, **_: Any) -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish(response: Response) -> Response:
    response.headers[HEADER] = request_id() or _new_id()
    if settings().log_format == "json":
        log_access(access_fields(response))
    return response


def log_access(fields: dict[str, Any]) -> None:
    """Write one access line (``fields`` as :func:`access_fields` makes them)."""
    ACCESS.info(
        "%s %s %s", fields["method"], fields["path"], fields["status"], extra={"access": fields}
    )


def access_fields(response: Response) -> dict[str, Any]:
    """What the access log says about the request answered with ``response``."""
    return {
        "method": request.method[:16],
        "path": loggable_path(),
        "endpoint": endpoint_name(),
        "status": response.status_code,
        "duration_ms": round(elapsed() * 1000, 3),
        "remote_addr": client_address(),
    }


def loggable_path() -> str:
    """The request's path without its query string, with secret path values replaced by
    their variable's name and token-like segments by ``<redacted>``."""
    secret = {
        str(value): f"<{name}>"
        for name, value in (request.view_args or {}).items()
        if name in SECRET_PATH_ARGS and value
    }
    segments = request.path.split("/")
    return "/".join(
        secret.get(s) or ("<redacted>" if TOKEN_LIKE.fullmatch(s) else s) for s in segments
    )


def from_trusted_proxy() -> bool:
    """Whether the direct peer is one of ``trusted_proxies``."""
    return peer_is_trusted(request.remote_addr)


def peer_is_trusted(remote_addr: str | None) -> bool:
    """Whether ``remote_addr`` is one of ``trusted_proxies``."""
    networks = proxy_networks(settings().trusted_proxies)
    try:
        peer = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    return any(peer.version == net.version and peer in net for net in networks)


def _new_id() -> str:
    return secrets.token_hex(16)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, and in a request its request id
    and the client id and person's UUID when known; an exception's traceback as ``exc``
    (inside the line, so a traceback never breaks the one-object-per-line rule)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (current := request_id()) is not None:
            line["request_id"] = current
        line.update(log_context.noted())
        access = getattr(record, "access", None)
        if isinstance(access, dict):
            line.update(access)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str)


def configure_logging(cfg: Settings) -> None:
    """With ``log_format`` json: JSON lines on standard error from the ``idp`` loggers
    (``idp.access`` among them), in place of Flask's default handler and not passed on to the
    root logger (a handler some library put there would print them again in its own format).
    INFO and up either way."""
    logger = logging.getLogger("idp")
    # Handlers an app made earlier in this process installed go; others (a test's) stay.
    kept = [
        h for h in logger.handlers if not getattr(h, "idp_json", False) and h is not default_handler
    ]
    if cfg.log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.idp_json = True  # type: ignore[attr-defined]
        logger.handlers = [*kept, handler]
        logger.propagate = False
    else:
        logger.handlers = [h for h in logger.handlers if not getattr(h, "idp_json", False)]
        logger.propagate = True
    logger.setLevel(logging.INFO)
