"""Request ids: generated for every request, taken from X-Request-ID only when a trusted proxy
sent a plain one, echoed in the response, and written into the JSON log lines of the request."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from flask import Flask, g

from idp.web.request_log import JsonFormatter

GENERATED = re.compile(r"[0-9a-f]{32}")
PROXY = "10.0.0.5"


def _id(app: Flask, peer: str, header: str | None = None) -> str:
    headers = {"X-Request-ID": header} if header is not None else {}
    response = app.test_client().get(
        "/health/live", headers=headers, environ_base={"REMOTE_ADDR": peer}
    )
    return response.headers["X-Request-ID"]


def test_every_response_has_a_new_id_when_none_is_given(app):
    first, second = _id(app, "127.0.0.1"), _id(app, "127.0.0.1")
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_a_trusted_proxys_id_is_kept(make_app):
    app = make_app(trusted_proxies=PROXY)
    assert _id(app, PROXY, "lb-7f3a.42") == "lb-7f3a.42"


@pytest.mark.parametrize(
    ("peer", "header"),
    [
        ("203.0.113.9", "planted-by-a-client"),  # not a trusted proxy
        (PROXY, "x" * 129),  # too long
        (PROXY, "has space"),
        (PROXY, ""),
    ],
)
def test_an_id_from_anyone_else_or_not_a_plain_token_is_replaced(make_app, peer, header):
    app = make_app(trusted_proxies=PROXY)
    given = _id(app, peer, header)
    assert given != header and GENERATED.fullmatch(given)


def test_json_log_lines_carry_the_request_id(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("idp.test_request_id")
    logger.addHandler(handler)
    try:
        with app.test_request_context("/"):
            app.preprocess_request()
            logger.warning("inside a request")
            expected = g.request_id
        logger.warning("outside any request")
    finally:
        logger.removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["message"] == "inside a request" and inside["request_id"] == expected
    assert GENERATED.fullmatch(inside["request_id"])
    assert "request_id" not in outside and outside["level"] == "WARNING"
