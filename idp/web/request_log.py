"""Request ids and the JSON log lines that carry them.

Every request gets an id: the ``X-Request-ID`` a trusted proxy (``trusted_proxies``) sent, if
it is a plain token of at most 128 characters, else a new random one. Anyone else's header is
ignored, so a client cannot plant ids in the logs. The id goes back in the response's
``X-Request-ID`` and into every JSON log line written while the request is served.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets

from flask import Flask, g, has_request_context, request
from werkzeug.wrappers import Response

from ..config import Settings
from ..services.platform.runtime import settings
from .client_address import proxy_networks

HEADER = "X-Request-ID"
VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def register(app: Flask) -> None:
    """Give each request its id and send it back."""
    app.before_request(_assign)
    app.after_request(_echo)


def request_id() -> str | None:
    """The current request's id, or None outside a request."""
    return g.get("request_id") if has_request_context() else None


def _assign() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if VALID.fullmatch(given) and _from_trusted_proxy() else _new_id()


def _echo(response: Response) -> Response:
    response.headers[HEADER] = g.get("request_id") or _new_id()
    return response


def _from_trusted_proxy() -> bool:
    networks = proxy_networks(settings().trusted_proxies)
    try:
        peer = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(peer.version == net.version and peer in net for net in networks)


def _new_id() -> str:
    return secrets.token_hex(16)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request id if any."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (current := request_id()) is not None:
            line["request_id"] = current
        return json.dumps(line)


def configure_logging(cfg: Settings) -> None:
    """JSON lines on the ``idp`` loggers when ``log_format`` is json; INFO and up."""
    if cfg.log_format == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.getLogger("idp").handlers = [handler]
    logging.getLogger("idp").setLevel(logging.INFO)
