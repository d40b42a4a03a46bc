"""Control characters are refused at the edge, before any view or service sees the input.

A NUL byte cannot be stored in PostgreSQL text, and the other C0/C1 control characters have
no business in a name, a username, a search or a protocol parameter: they are how log lines,
mail headers and terminals get forged. Tab, line feed and carriage return stay allowed (a
textarea sends them). Protocol endpoints answer ``invalid_request`` (RFC 6749 §5.2); pages
answer a plain translated 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .pages import oauth_error

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Endpoints that speak OAuth JSON errors rather than pages.
PROTOCOL_PATHS = ("/token", "/revoke", "/introspect", "/userinfo", "/dev-eid/token")


def _texts() -> Iterable[str]:
    for source in (request.args, request.form):
        for key, values in source.lists():
            yield key
            yield from values
    for value in (request.view_args or {}).values():
        if isinstance(value, str):
            yield value
    for upload in request.files.values():
        yield upload.filename or ""


def refuse_control_characters() -> Response | None:
    """Stop a request whose parameters, path values or upload names carry a control character."""
    if not any(CONTROL.search(text) for text in _texts()):
        return None
    if request.path in PROTOCOL_PATHS:
        return oauth_error("invalid_request", "A parameter contains a control character", 400)
    abort(400, description=_("The request contains characters that are not allowed."))


def register(app: Flask) -> None:
    app.before_request(refuse_control_characters)
