"""The database going away while the node runs, and coming back: requests get a plain 503 page
or ``temporarily_unavailable`` (never a stack trace), readiness goes red, and everything recovers
without a restart. The node reaches PostgreSQL through a TCP forwarder the test cuts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from werkzeug.serving import make_server

from tests.support.cluster import wait_until
from tests.support.helpers import postgresql_only
from tests.support.tcp_proxy import TcpProxy

pytestmark = postgresql_only("a PostgreSQL server that goes away and comes back")
TOKEN_REQUEST = {"grant_type": "refresh_token", "refresh_token": "x"}
CLIENT = ("no-such-client", "secret")  # looked up in the database


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit(":", 1)[0] if ":" in parts.netloc.split("@")[-1] else parts.netloc
    return urlunsplit(parts._replace(netloc=f"{netloc}:{port}"))


@pytest.fixture
def node(make_app: Any, database_url: str) -> Iterator[tuple[str, TcpProxy]]:
    target = urlsplit(database_url)
    proxy = TcpProxy((target.hostname or "127.0.0.1", target.port or 5432))
    proxy.start()
    make_app()  # the first app empties the tables afterwards: one that reaches the database
    app = make_app(database_url=_through(database_url, proxy.port))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", proxy
    finally:
        server.shutdown()
        proxy.stop()


def _ready(base: str) -> int:
    return requests.get(base + "/health/ready", timeout=10).status_code


def test_readiness_goes_red_and_back_and_requests_get_503_meanwhile(node):
    base, proxy = node
    assert _ready(base) == 200
    authorize = base + "/authorize?client_id=no-such-client&response_type=code"
    assert requests.get(authorize, timeout=10).status_code == 400  # the database answers

    proxy.stop()
    ready = requests.get(base + "/health/ready", timeout=10)
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "unavailable"
    assert requests.get(base + "/health/live", timeout=10).status_code == 200
    page = requests.get(authorize, timeout=10)
    assert page.status_code == 503 and page.headers["Retry-After"]
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Traceback" not in page.text and "psycopg" not in page.text
    token = requests.post(base + "/token", data=TOKEN_REQUEST, auth=CLIENT, timeout=10)
    assert token.status_code == 503
    assert token.json()["error"] == "temporarily_unavailable"

    proxy.start()  # the database is back: no restart of the node
    wait_until(lambda: _ready(base) == 200, 20, "ready again")
    assert requests.get(authorize, timeout=10).status_code == 400
    token = requests.post(base + "/token", data=TOKEN_REQUEST, auth=CLIENT, timeout=10)
    assert token.status_code == 401 and token.json()["error"] != "temporarily_unavailable"


def test_a_node_started_while_the_database_is_down_serves_nothing_until_it_is_up(node):
    base, proxy = node
    proxy.stop()  # before the node's first request: nothing has been checked yet
    for path in ("/login/", "/.well-known/openid-configuration", "/jwks"):
        response = requests.get(base + path, timeout=10)
        assert response.status_code == 503, path
        assert response.headers["Retry-After"], path
    assert requests.get(base + "/health/ready", timeout=10).status_code == 503
    proxy.start()
    wait_until(lambda: requests.get(base + "/login/", timeout=10).status_code == 200, 20, "serving")
    discovery = requests.get(base + "/.well-known/openid-configuration", timeout=10)
    assert discovery.status_code == 200 and discovery.json()["issuer"]
