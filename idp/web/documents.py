"""Discovery and JWKS answered from prebuilt bytes, in front of Flask.

Both documents change only when configuration or keys change, so there is no per-request
work that could not be done once: a small WSGI layer serves them with an ETag (304 on
If-None-Match) and the same security headers as every other response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import parse_etags

from ..services.platform.keys import KeyStore, KeyStoreError

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/jwks"
_COMMON = [
    ("Content-Type", "application/json"),
    ("Access-Control-Allow-Origin", "*"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
    ("Referrer-Policy", "no-referrer"),
]

# RFC 6797: sent whenever the configured issuer is https (see idp.create_app).
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class DocumentsMiddleware:
    def __init__(
        self, app: WSGIApp, discovery: tuple[bytes, str], keys: KeyStore, *, hsts: bool
    ) -> None:
        self.app = app
        self.discovery = discovery
        self.keys = keys
        self.common = [*_COMMON, HSTS] if hsts else _COMMON

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == DISCOVERY_PATH:
            body, etag, max_age = *self.discovery, 3600
        elif path == JWKS_PATH:
            try:
                body, etag = self.keys.jwks()
            except KeyStoreError:
                # No keys to publish (none readable yet): retry soon, never a stack trace.
                start_response(
                    "503 Service Unavailable",
                    [*self.common, ("Retry-After", "5"), ("Cache-Control", "no-store")],
                )
                return [b'{"error":"temporarily_unavailable"}']
            max_age = 300
        else:
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            start_response(
                "405 Method Not Allowed",
                [*self.common, ("Allow", "GET, HEAD"), ("Content-Length", "0")],
            )
            return [b""]
        headers = [*self.common, ("ETag", etag), ("Cache-Control", f"public, max-age={max_age}")]
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        if wanted and parse_etags(wanted).contains(etag.strip('"')):
            start_response("304 Not Modified", headers)
            return [b""]
        start_response("200 OK", [*headers, ("Content-Length", str(len(body)))])
        return [b""] if method == "HEAD" else [body]
