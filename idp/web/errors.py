"""Plain error pages, never a stack trace; and the one answer to a service's refusal.

A ``ServiceError`` carries its HTTP status and a translatable message. A view does not catch
it: it wraps the service call in :func:`shown_on` naming the page it would show the refusal
on (the form again, with the message and, where the form has one, at the input at fault), and
the handler below renders that page with the error's status. Without such a page the refusal
is a plain error page, or OAuth-style JSON at the protocol endpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from flask import Flask, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Response

from ..extensions import db
from ..services.errors import ServiceError
from .pages import oauth_error, page, plain_text

# The endpoints a program calls (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009, RFC 7662): JSON.
JSON_ENDPOINTS = frozenset(
    {"oidc.token", "oidc.userinfo", "oidc.revoke", "oidc.introspect", "dev_eid.token"}
)
ErrorPage = Callable[[ServiceError], Response]
# What an HTTP error says when its view gave no message of its own (Werkzeug's is English).
HTTP_MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("The page does not exist. Check the address, or start from the front page."),
    405: _l("The page cannot be used this way."),
    413: _l("The file is too large."),
    429: _l("Too many attempts. Wait a while and try again."),
    500: _l("An error occurred on our side. Try again later."),
}


# A view's page: ``show(status, error=...)`` or ``show(status, errors=...)``, with its context.
FormPage = Callable[..., Response]


class shown_on:  # used as a statement, ``with shown_on(...)``: named like one
    """Within this block a ``ServiceError`` is answered with a page of the view's own.

    ``shown_on(show, **context)`` renders ``show(error.status, error=<message>, **context)``;
    with ``field=`` the form shows errors at their inputs, so the message goes to
    ``errors={error.field or field: <message>}`` instead. The status is always the error's own
    (its class declares it). ``render=`` gives a page made from the error itself; ``only=``
    narrows the errors meant and ``but=`` leaves some to the plain error page. The innermost
    block wins.
    """

    def __init__(
        self,
        show: FormPage | None = None,
        /,
        *,
        field: str | None = None,
        render: ErrorPage | None = None,
        only: type[ServiceError] = ServiceError,
        but: tuple[type[ServiceError], ...] = (),
        **context: Any,
    ) -> None:
        if render is None:
            if show is None:
                raise TypeError("shown_on needs a page: show or render")
            render = _form_renderer(show, field, context)
        self.render = render
        self.only = only
        self.but = but

    def __enter__(self) -> shown_on:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(error, self.only) and not isinstance(error, self.but):
            # Keyed by the error itself: one a view caught and dealt with leaves no page behind.
            pages: dict[int, ErrorPage] = g.setdefault("error_pages", {})
            pages.setdefault(id(error), self.render)
        # None: the error goes on to the handler.


def _form_renderer(show: FormPage, field: str | None, context: dict[str, Any]) -> ErrorPage:
    def render(error: ServiceError) -> Response:
        if field is None:
            return show(error.status, error=error.localized(), **context)
        return show(error.status, errors={error.field or field: error.localized()}, **context)

    return render


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        return error_page(400, _("The form has expired. Go back and try again."))

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError) -> Response:
        # A rule's refusal: nothing of the refused change stays, and the person sees its
        # message in their language with the status the error carries; never a 500.
        db.session.rollback()
        render: ErrorPage | None = g.get("error_pages", {}).pop(id(error), None)
        if render is not None:
            return render(error)
        if request.endpoint in JSON_ENDPOINTS:
            return oauth_error("invalid_request", str(error), error.status)
        return error_page(error.status, error.localized())

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded) -> Response:
        # The protocol endpoints answer in JSON (idp/web/protocol_limits.py); pages get a page.
        if error.response is not None:
            return error.response  # type: ignore[return-value]  # werkzeug's sansio type
        return http_error(error)

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge) -> Response:
        # More than MAX_CONTENT_LENGTH (the max_upload_mb setting): refused before it is read.
        if request.endpoint in JSON_ENDPOINTS:
            return oauth_error("invalid_request", "request too large", 413)
        limit = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        return error_page(413, _("The file is too large: at most %(mb)s MB.", mb=limit))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        code = error.code or 500
        message = error.description or ""
        if message == type(error).description and code in HTTP_MESSAGES:
            message = str(HTTP_MESSAGES[code])
        response = error_page(code, message)
        # Keep what the exception says in its headers (Allow on a 405, Retry-After on a 429).
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response


def error_page(code: int, message: str) -> Response:
    """The plain error page with ``code`` and ``message`` (plain text without templates)."""
    try:
        return page("error.html", code, code=code, message=message)
    except TemplateNotFound:
        # A package without its templates (health says so): an exception escaping the error
        # handler makes the WSGI server drop the connection, so answer in plain text instead.
        return plain_text(f"{code} {message}\n", code)
