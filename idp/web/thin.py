"""The thin path: /token and /userinfo answered by a plain WSGI handler in front of Flask.

Profiles of the token endpoint (issue 14) put most of a request's CPU in the ORM, Flask's and
Authlib's request machinery and the client read. This layer answers the common valid requests
— client_credentials and authorization-code exchanges at /token, bearer requests at /userinfo —
with Core statements and the per-process client cache (idp/oidc/thin.py), and hands every other
request to Flask unchanged, its body restored: Authlib and the views own every refusal, so the
thin path cannot loosen one. A request whose client or address is held back by the failure
throttles, and any request the database fails on, also goes to Flask (which answers 429 or
503, and so gives a request on a stale pooled connection its one retry).

What it answers carries what Flask's answers carry: the security headers, ``no-store``, the
request id, one access line and the request and token metrics. Behind the start gate and the
documents layer (idp/__init__.py).
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_plus

from flask import Flask
from sqlalchemy.exc import InterfaceError, OperationalError, TimeoutError

from ..extensions import db
from ..oidc.thin import Answer, ThinProtocol
from ..oidc.thin_checks import credentials
from ..services.platform import metrics
from ..services.platform.hot_sql import StatementFailed
from ..services.platform.runtime import settings
from .client_address import address_of, source_key_of
from .documents import HSTS
from .protocol_limits import held_back
from .request_log import HEADER, choose_request_id, log_access

MAX_BODY = 16 * 1024
FORM = "application/x-www-form-urlencoded"
ENDPOINTS = {"/token": "oidc.token", "/userinfo": "oidc.userinfo"}
# What idp/web/headers.py sets on a JSON response, and no-store (RFC 6749 §5.1 adds Pragma for
# token responses, as Authlib does).
_HEADERS = [
    ("Content-Type", "application/json"),
    ("Cache-Control", "no-store"),
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; form-action 'self' https: http:; frame-ancestors 'none'; "
        "base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
]
_UNAVAILABLE = (OperationalError, InterfaceError, TimeoutError, StatementFailed)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ThinPath:
    def __init__(self, wsgi: WSGIApp, app: Flask, *, hsts: bool) -> None:
        self.wsgi = wsgi
        self.app = app
        common = [*_HEADERS, HSTS] if hsts else _HEADERS
        self.headers = {
            "oidc.token": [*common, ("Pragma", "no-cache")],
            "oidc.userinfo": common,
        }
        self.protocol: ThinProtocol | None = None

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        endpoint = ENDPOINTS.get(environ.get("PATH_INFO", ""))
        if endpoint is None or environ.get("QUERY_STRING"):
            return self.wsgi(environ, start_response)
        started = time.perf_counter()
        with self.app.app_context():
            try:
                answer = self._answer(endpoint, environ)
            except _UNAVAILABLE:
                answer = None  # Flask tries again, and answers 503 if the database is away
            if answer is None:
                return self.wsgi(environ, start_response)
            return self._respond(endpoint, environ, answer, started, start_response)

    def _answer(self, endpoint: str, environ: dict[str, Any]) -> Answer | None:
        authorization = environ.get("HTTP_AUTHORIZATION")
        source = source_key_of(_address(environ))
        if self.protocol is None:
            self.protocol = ThinProtocol(db.engine)
        if endpoint == "oidc.userinfo":
            if environ.get("REQUEST_METHOD") != "GET" or not authorization:
                return None
            if environ.get("CONTENT_LENGTH") not in (None, "", "0") or held_back(None, source):
                return None
            return self.protocol.userinfo(authorization)
        form = _form(environ)
        if form is None:
            return None
        claimed = credentials(form, authorization)
        if claimed is None or held_back(claimed[1], source):
            return None
        return self.protocol.token(form, claimed)

    def _respond(
        self,
        endpoint: str,
        environ: dict[str, Any],
        answer: Answer,
        started: float,
        start_response: Callable[..., Any],
    ) -> Iterable[bytes]:
        body = json.dumps(answer.body, sort_keys=True).encode()
        peer = environ.get("REMOTE_ADDR")
        request_id = choose_request_id(environ.get("HTTP_X_REQUEST_ID", ""), peer)
        start_response(
            "200 OK",
            [*self.headers[endpoint], ("Content-Length", str(len(body))), (HEADER, request_id)],
        )
        seconds = time.perf_counter() - started
        metrics.request_served(endpoint, 200, seconds)
        if answer.grant_type:
            metrics.token_issued(answer.grant_type)
        if settings().log_format == "json":
            fields = {
                "method": environ.get("REQUEST_METHOD", ""),
                "path": environ.get("PATH_INFO", ""),
                "endpoint": endpoint,
                "status": 200,
                "duration_ms": round(seconds * 1000, 3),
                "remote_addr": _address(environ),
                "request_id": request_id,
                "client_id": answer.client_id,
            }
            if answer.user_uuid:
                fields["user_uuid"] = answer.user_uuid
            log_access(fields)
        return [body]


def _address(environ: dict[str, Any]) -> str:
    forwarded = environ.get("HTTP_X_FORWARDED_FOR")
    return address_of(environ.get("REMOTE_ADDR"), [forwarded] if forwarded else [])


def _form(environ: dict[str, Any]) -> dict[str, str] | None:
    """The form of a plain urlencoded POST, or None for anything else. The body read is put
    back, so that Flask reads the same bytes when the request goes on."""
    if environ.get("REQUEST_METHOD") != "POST" or "HTTP_TRANSFER_ENCODING" in environ:
        return None
    mimetype, _, params = environ.get("CONTENT_TYPE", "").partition(";")
    if mimetype.strip().lower() != FORM or params.strip().lower() not in ("", "charset=utf-8"):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    if len(body) != length:
        return None
    return _parse(body)


def _parse(body: bytes) -> dict[str, str] | None:
    """Strictly parsed pairs: printable ASCII after decoding, no empty or repeated names (RFC
    6749 §3.2: parameters MUST NOT be included more than once)."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError:
        return None
    form: dict[str, str] = {}
    for pair in text.split("&"):
        name, equals, value = pair.partition("=")
        if not equals or not name:
            return None
        try:
            name, value = unquote_plus(name, errors="strict"), unquote_plus(value, errors="strict")
        except UnicodeDecodeError:
            return None
        if name in form or not (name + value).isascii() or not (name + value).isprintable():
            return None
        form[name] = value
    return form
