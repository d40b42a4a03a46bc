"""How the web layer answers a browser: a rendered page or a redirect, each made in one place.

Every view renders through :func:`page` and redirects through :func:`redirect_to`;
tests/integration/web/test_pages.py fails when a module under idp/web renders or redirects by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Response as FlaskResponse
from flask import jsonify, redirect, render_template, request, stream_with_context
from werkzeug.wrappers import Response

HTML = "text/html; charset=utf-8"


def page(template: str, status: int = 200, /, **context: Any) -> Response:
    """``template`` rendered with ``context`` as an HTML page answering with ``status``.

    The content type is set here, not left to a default: werkzeug's own Response class says
    text/plain, and a browser then shows the page's source. (Positional parameters, so that
    a template may be given a ``status`` of its own.)
    """
    body = render_template(template, **context)
    return Response(body, status=status, content_type=HTML)


def redirect_to(location: str) -> Response:
    """Send the browser on to ``location``.

    A redirect answering a POST is 303 See Other, so the browser follows it with a GET and
    never re-posts the form (RFC 9700 §4.12: a 307/308 would re-send the password; RFC 9110
    §15.4.4); any other method gets 302 Found.
    """
    return redirect(location, code=303 if request.method == "POST" else 302)


def plain_text(body: str, status: int) -> Response:
    """A plain-text answer, for when no page can be rendered (a package without templates)."""
    return Response(body, status=status, mimetype="text/plain")


def scraped(body: bytes, content_type: str) -> Response:
    """A document for a machine that polls it (/metrics in the Prometheus text format): the
    numbers of this moment, never stored by a cache (RFC 9111 §5.2.2.5)."""
    response = Response(body, content_type=content_type)
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_download(filename: str, lines: Iterable[str], **headers: str) -> Response:
    """A streamed CSV attachment named ``filename`` (the lines of safe_csv.iter_csv); it
    holds personal data, so it is never cached (RFC 9111 §5.2.2.5)."""
    body = stream_with_context(line.encode("utf-8") for line in lines)
    response = Response(body, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    return response


def oauth_error(error: str, description: str, status: int) -> FlaskResponse:
    """An OAuth error response of a protocol endpoint (RFC 6749 §5.2): JSON, never cached."""
    response = jsonify(error=error, error_description=description)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
