"""What the cluster tests do over HTTP: log in, get a code, redeem it, refresh, and race two
requests at two nodes (a ``threading.Barrier`` lets both go at the same moment)."""

from __future__ import annotations

import ipaddress
import itertools
import threading
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

import requests
from joserfc.jwk import KeySet

from tests.support.browser import Browser, location, path_of, query_of
from tests.support.helpers import GENERIC, TestClient, TestUser, auth_params, pkce_pair

T = TypeVar("T")
TIMEOUT = 15
_addresses = itertools.count(1)


def new_address() -> str:
    """A client address of its own (in 10.113.0.0/16, RFC 1918) for X-Forwarded-For: requests
    come from 127.0.0.1, a trusted proxy, so a node counts them under this address and each
    flow has throttles of its own."""
    return str(ipaddress.IPv4Address("10.113.0.0") + next(_addresses))


def to_code_step(browser: Browser, base: str, user: TestUser) -> requests.Response:
    """Username and password at ``base``; returns the code page."""
    page = browser.get(base + "/login/")
    page = browser.submit(page, username=user.username)
    assert path_of(page) == "/login/password", (page.url, page.text)
    page = browser.submit(page, password=user.password)
    assert path_of(page) == "/login/code", (page.url, page.text)
    return page


def sign_in(browser: Browser, base: str, user: TestUser) -> None:
    page = browser.submit(to_code_step(browser, base, user), code=user.code())
    assert path_of(page) == "/account/", (page.url, page.text)


def authorize(browser: Browser, base: str, client: TestClient) -> tuple[str, str]:
    """An authorization request at ``base`` by a signed-in browser; returns (code, verifier)."""
    verifier, challenge = pkce_pair()
    response = browser.get(f"{base}/authorize?{urlencode(auth_params(client, challenge))}")
    redirect = location(response)
    assert redirect.startswith(client.redirect_uri + "?"), redirect
    return query_of(redirect)["code"], verifier


def redeem(base: str, client: TestClient, code: str, verifier: str) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": client.redirect_uri,
        "code_verifier": verifier,
    }
    auth = (client.client_id, client.client_secret or "")
    return requests.post(base + "/token", data=data, auth=auth, timeout=TIMEOUT)


def refresh(base: str, client: TestClient, token: str) -> requests.Response:
    data = {"grant_type": "refresh_token", "refresh_token": token}
    auth = (client.client_id, client.client_secret or "")
    return requests.post(base + "/token", data=data, auth=auth, timeout=TIMEOUT)


def race(*calls: Callable[[], T]) -> list[T]:
    """Run ``calls`` in threads released together; their results in the order given."""
    barrier = threading.Barrier(len(calls))
    results: list[T | BaseException | None] = [None] * len(calls)

    def run(index: int, call: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=TIMEOUT)
            results[index] = call()
        except BaseException as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * TIMEOUT)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


def refused(page: requests.Response) -> str:
    """A refused code: the password page again, saying only that something was not right."""
    assert page.status_code == 200 and GENERIC in page.text, (page.url, page.text)
    return "refused"


def jwks(base: str) -> KeySet:
    response = requests.get(base + "/jwks", timeout=10)
    assert response.status_code == 200
    return KeySet.import_key_set(response.json())


def kids(base: str) -> set[str]:
    """The key ids in the JWKS at ``base``."""
    return {key.kid for key in jwks(base) if key.kid}


def outcome(response: requests.Response) -> str:
    """A token response as ``ok`` or its OAuth error code."""
    if response.status_code == 200:
        assert "access_token" in response.json()
        return "ok"
    assert response.status_code == 400, (response.status_code, response.text)
    return str(response.json()["error"])
