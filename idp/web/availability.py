"""Answers while the node cannot serve: 503, never a stack trace, never a page that pretends.

Two cases. A node that has not yet been ready since it started (the database down at start,
the schema behind, no signing keys, assets missing) answers every request but the health
checks with 503 until it is (:class:`StartGate`, re-checking at most once a second), so that
it serves neither a login page nor a discovery document it cannot stand behind. A node whose
database goes away while it runs answers the requests that need it with 503: a plain page, or
``temporarily_unavailable`` at the protocol endpoints (:func:`register`); it recovers by itself
when the database returns (the pool pings each connection before use).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.wrappers import Response

from ..extensions import db
from ..services.platform.key_sources import KeyStoreError
from ..services.platform.readiness import all_ok, node_checks
from .errors import JSON_ENDPOINTS, error_page
from .pages import oauth_error

log = logging.getLogger("idp.availability")
NOT_READY = "idp.not_ready"  # set in the WSGI environ while the start gate is closed
RETRY_AFTER = "5"
# Always through: the health checks, /metrics (a node that is not ready is what an operator
# most wants to see; it says idp_database_up 0), and the stylesheets the 503 page itself uses.
PASS_THROUGH = ("/health/", "/healthz", "/metrics", "/static/")
# Discovery and JWKS are answered before Flask (idp/web/documents.py).
DOCUMENT_PATHS = ("/.well-known/openid-configuration", "/jwks")
UNAVAILABLE = json.dumps(
    {"error": "temporarily_unavailable", "error_description": "the service is starting"}
).encode()

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class StartGate:
    """Outermost WSGI layer: closed until the node's readiness checks have all passed once."""

    def __init__(self, wsgi: WSGIApp, app: Flask) -> None:
        self.wsgi = wsgi
        self.app = app
        self.open = False
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def _ready(self) -> bool:
        now = time.monotonic()
        if now - self._checked < 1.0 or not self._lock.acquire(blocking=False):
            return self.open
        try:
            with self.app.app_context():
                checks = node_checks()
                db.session.remove()
            self.open = all_ok(checks)
            if not self.open:
                log.warning("not ready to serve: %s", checks)
            self._checked = now
        finally:
            self._lock.release()
        return self.open

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if self.open or path.startswith(PASS_THROUGH) or self._ready():
            return self.wsgi(environ, start_response)
        if path in DOCUMENT_PATHS:
            start_response(
                "503 Service Unavailable",
                [
                    ("Content-Type", "application/json"),
                    ("Cache-Control", "no-store"),
                    ("Retry-After", RETRY_AFTER),
                    ("Content-Length", str(len(UNAVAILABLE))),
                ],
            )
            return [UNAVAILABLE]
        environ[NOT_READY] = True  # Flask answers with its own 503 (below)
        return self.wsgi(environ, start_response)


def register(app: Flask) -> None:
    """The 503 answers inside Flask: the closed start gate, and the database or the keys
    failing under a request."""

    @app.before_request
    def closed_gate() -> Response | None:
        return _unavailable() if request.environ.get(NOT_READY) else None

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(KeyStoreError)
    def failed_under_request(error: Exception) -> Response:
        log.error("answering 503: %s", error)
        with contextlib.suppress(DBAPIError):  # the connection is gone; the pool drops it
            db.session.rollback()
        return _unavailable()


def _unavailable() -> Any:
    """503 with Retry-After: ``temporarily_unavailable`` where a program asks (RFC 6749
    §4.1.2.1 names the code), a plain translated page for a person."""
    response: Any
    if request.endpoint in JSON_ENDPOINTS:
        response = oauth_error(
            "temporarily_unavailable", "the service is temporarily unavailable", 503
        )
    else:
        response = error_page(
            503, _("The service is temporarily unavailable. Try again in a moment.")
        )
    response.headers["Retry-After"] = RETRY_AFTER
    return response
