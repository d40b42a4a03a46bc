"""The access log with log_format = json: one JSON line per request on ``idp.access``, with
the request id the response's X-Request-ID has, the path without its query string or link
tokens, the endpoint, status, duration, the client address behind trusted proxies, and the
client id and person's UUID once known (never a username, e-mail address or secret)."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from idp.web.request_log import JsonFormatter
from tests.support.helpers import authorize_code, login, make_client, make_user, redeem


class Lines:
    """The JSON lines the app's loggers write while a test runs."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    def all(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]

    def access(self) -> list[dict[str, Any]]:
        return [line for line in self.all() if line["logger"] == "idp.access"]

    def raw(self) -> str:
        return self.stream.getvalue()


@pytest.fixture
def lines() -> Iterator[Lines]:
    """What the ``idp`` loggers write, through the app's JsonFormatter (the app's own handler
    writes the same lines to standard error)."""
    captured = Lines()
    handler = logging.StreamHandler(captured.stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("idp")
    logger.addHandler(handler)
    try:
        yield captured
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def json_app(make_app: Any) -> Flask:
    return make_app(log_format="json")  # type: ignore[no-any-return]


def test_one_json_line_per_request_with_its_request_id_and_never_the_query(json_app, lines):
    response = json_app.test_client().get("/login/?code=secret-code-4711&state=st4te")
    assert response.status_code == 200
    [line] = lines.access()
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["path"] == "/login/"
    assert (line["method"], line["endpoint"], line["status"]) == ("GET", "login.start", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["remote_addr"] == "127.0.0.1"
    assert line["level"] == "INFO" and line["ts"].endswith("+00:00")
    assert "secret-code-4711" not in lines.raw() and "st4te" not in lines.raw()


def test_a_refused_request_is_logged_with_the_id_it_was_answered_with(json_app, lines):
    client = json_app.test_client()
    response = client.get("/no/such/page")
    refused = client.get("/login/?username=a%00b")  # the input guard answers before any view
    [missing, guarded] = lines.access()
    assert (missing["endpoint"], missing["status"]) == ("unmatched", 404)
    assert missing["request_id"] == response.headers["X-Request-ID"]
    assert guarded["status"] == 400 and guarded["request_id"] == refused.headers["X-Request-ID"]


def test_link_tokens_in_the_path_are_not_logged(json_app, lines):
    token = secrets.token_urlsafe(32)
    client = json_app.test_client()
    client.get(f"/activate/{token}")
    client.get(f"/recovery/{token}")
    client.get(f"/activate/{token}/no-such-step")  # unmatched: the token-like segment goes
    paths = [line["path"] for line in lines.access()]
    assert paths == ["/activate/<token>", "/recovery/<token>", "/activate/<redacted>/no-such-step"]
    assert token not in lines.raw()


def test_the_client_address_is_the_one_behind_a_trusted_proxy(make_app, lines):
    app = make_app(log_format="json", trusted_proxies="10.0.0.5")
    app.test_client().get(
        "/health/live",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "10.0.0.5"},
    )
    app.test_client().get(
        "/health/live",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "198.51.100.2"},  # not a proxy we trust
    )
    assert [line["remote_addr"] for line in lines.access()] == ["203.0.113.7", "198.51.100.2"]


def test_client_id_and_user_uuid_are_on_the_lines_once_known(json_app, lines):
    user, rp = make_user(json_app), make_client(json_app)
    client = json_app.test_client()
    code, verifier, _ = authorize_code(client, rp, user)
    token = redeem(client, rp, code, verifier)
    assert token.status_code == 200
    userinfo = client.get(
        "/userinfo", headers={"Authorization": f"Bearer {token.json['access_token']}"}
    )
    assert userinfo.status_code == 200
    client.get("/account/")
    by_endpoint = {line["endpoint"]: line for line in lines.access()}

    assert by_endpoint["oidc.token"]["client_id"] == rp.client_id
    assert by_endpoint["oidc.token"]["user_uuid"] == user.uuid
    assert by_endpoint["oidc.userinfo"]["client_id"] == rp.client_id
    assert by_endpoint["oidc.userinfo"]["user_uuid"] == user.uuid
    assert by_endpoint["account.home"]["user_uuid"] == user.uuid
    assert by_endpoint["login.code"]["user_uuid"] == user.uuid
    assert "client_id" not in by_endpoint["account.home"]
    raw = lines.raw()
    for secret in (user.username, f"{user.username}@example.dk", user.password, code):
        assert secret not in raw
    assert token.json["access_token"] not in raw


def test_every_line_written_in_a_request_carries_its_ids(make_app, lines):
    app = make_app(log_format="json")

    def signed_in_page() -> str:
        from idp.web.state import current_session

        current_session()  # the browser session tells who the person is
        logging.getLogger("idp.some_view").warning("something happened")
        return "ok"

    app.add_url_rule("/test-only/log", view_func=signed_in_page)
    user = make_user(app)
    client = app.test_client()
    login(client, user)
    response = client.get("/test-only/log")
    [line] = [line for line in lines.all() if line["logger"] == "idp.some_view"]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert line["user_uuid"] == user.uuid and line["level"] == "WARNING"


def test_an_exception_stays_inside_its_line(json_app, lines):
    logger = logging.getLogger("idp.test_access_log")
    with json_app.test_request_context("/"):
        try:
            raise RuntimeError("boom\nsecond line")
        except RuntimeError:
            logger.exception("failed")
    [line] = lines.all()
    assert line["message"] == "failed" and "RuntimeError: boom" in line["exc"]
    assert len(lines.raw().splitlines()) == 1


def test_text_format_writes_no_access_log(make_app, lines):
    app = make_app(log_format="text")
    assert app.test_client().get("/health/live").status_code == 200
    assert lines.access() == []
