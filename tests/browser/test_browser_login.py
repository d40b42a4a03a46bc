"""A third-party login in a real browser: headless Chromium (Debian's) driven by Playwright, the
IdP on a real server on 127.0.0.1 and a relying party of this module's own on 127.0.0.1.

The relying party is registered as an ordinary (not first-party) service, so the person sees
the consent page. The login goes through the real pages (username, password, the code of an
authenticator app), the consent page must render as a page (not as its HTML source), and the
answer reaches the relying party in the query and, with ``response_mode=form_post``, as a form
that Chromium posts by itself (its script runs under the response's CSP nonce). The relying
party then redeems the code at /token and checks the ID token. The error page, the logout
confirmation and the logged-out page are walked too. Every document the IdP serves to the
browser is recorded and must be ``text/html``. Screenshots go to
test-artifacts/screenshots/login/.

Skipped where Chromium or Playwright is missing, and failed under CI=true
(tests/support/chromium.py).
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.chromium import (  # skips this module where Chromium or Playwright is missing
    SCREENSHOTS,
    Documents,
    Page,
    expect,
    screenshot_taker,
)
from tests.support.helpers import (
    LiveServer,
    TestClient,
    TestUser,
    make_client,
    make_user,
    pkce_pair,
)

SERVICE = "Test RP"  # the name tests/support/helpers.make_client registers
TIMEOUT = 10


# --- the relying party -------------------------------------------------------------------------


@dataclass
class Arrival:
    """One request that reached the relying party's redirect URI."""

    method: str
    path: str
    params: dict[str, str]


class RelyingParty:
    """A tiny relying party on 127.0.0.1 (stdlib http.server in a thread): its redirect URI
    accepts GET (the query response) and POST (form_post), records what arrived and answers
    with a plain page."""

    def __init__(self) -> None:
        self.arrivals: queue.Queue[Arrival] = queue.Queue()
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, params: dict[str, str]) -> None:
                arrivals.put(Arrival(self.command, urlsplit(self.path).path, params))
                body = b"<!doctype html><title>RP</title><h1 id='rp'>The service got an answer</h1>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/favicon.ico":  # Chromium asks; it is no answer
                    self.send_error(404)
                    return
                self._answer(dict(parse_qsl(urlsplit(self.path).query)))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = self.rfile.read(length).decode("ascii")
                self._answer(dict(parse_qsl(form)))

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.redirect_uri = self.url + "/callback"
        self.logged_out_uri = self.url + "/logged-out"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self) -> Arrival:
        """The next request that reached the relying party (waits for it)."""
        return self.arrivals.get(timeout=TIMEOUT)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=TIMEOUT)


@pytest.fixture
def relying_party() -> Iterator[RelyingParty]:
    rp = RelyingParty()
    yield rp
    rp.stop()


@dataclass
class World:
    idp: LiveServer
    rp: RelyingParty
    client: TestClient
    person: TestUser
    documents: Documents


@pytest.fixture
def world(live_server: LiveServer, relying_party: RelyingParty) -> World:
    client = make_client(
        live_server.app,
        first_party=False,  # an ordinary service: the person is asked for consent
        redirect_uri=relying_party.redirect_uri,
        post_logout_redirect_uris=[relying_party.logged_out_uri],
    )
    person = make_user(live_server.app, "anna.jensen", totp=True)
    return World(live_server, relying_party, client, person, Documents(live_server.url))


@pytest.fixture(scope="module")
def screenshots() -> Callable[[Page, str], None]:
    return screenshot_taker(SCREENSHOTS / "login")


# --- steps -------------------------------------------------------------------------------------


def no_markup_shown(page: Page) -> None:
    """The page is rendered: what a person reads has no HTML source in it."""
    text = page.inner_text("body")
    for markup in ("<form", "<html", "<!doctype", "<input", "<button", "<h1"):
        assert markup not in text.lower(), f"{page.url} shows its source:\n{text[:500]}"


def log_in(page: Page, person: TestUser) -> None:
    """Through the login pages: username, password, the authenticator app's code."""
    expect(page).to_have_url(re.compile(r"/login/"))
    page.fill("#username", person.username)
    page.get_by_role("button", name="Continue").click()
    page.fill("#password", person.password)
    page.get_by_role("button", name="Continue").click()
    page.fill("#code", person.code())
    page.get_by_role("button", name="Log in").click()


def start_authorization(page: Page, w: World, **extra: str) -> tuple[dict[str, str], str]:
    """The relying party sends the browser to /authorize (code flow, PKCE S256); returns the
    request's parameters and the code verifier."""
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": w.client.client_id,
        "redirect_uri": w.client.redirect_uri,
        "scope": "openid profile email",
        "state": "state-" + pkce_pair()[0][:12],
        "nonce": "nonce-" + pkce_pair()[0][:12],
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        **extra,
    }
    page.goto(f"{w.idp.url}/authorize?{urlencode(params)}")
    return params, verifier


def consent(page: Page, w: World, shoot: Callable[[Page, str], None], shot: str) -> None:
    """The consent page, rendered; the person allows."""
    expect(page).to_have_url(re.compile(re.escape(w.idp.url) + r"/authorize/resume/"))
    heading = page.get_by_role("heading", name=f"Allow {SERVICE} to log you in?")
    expect(heading).to_be_visible()
    expect(page.get_by_text("Logged in as Anna Jensen.")).to_be_visible()
    allow = page.get_by_role("button", name="Allow")
    expect(allow).to_be_visible()
    expect(page.get_by_role("button", name="Deny")).to_be_visible()
    no_markup_shown(page)
    shoot(page, shot)
    allow.click()


def redeem_and_check(w: World, params: dict[str, str], verifier: str, code: str) -> str:
    """The relying party's back channel: the code for tokens at /token, then the ID token
    checked against the IdP's published keys; returns the ID token."""
    assert w.client.client_secret
    discovery = requests.get(w.idp.url + "/.well-known/openid-configuration", timeout=TIMEOUT)
    config = discovery.json()
    assert config["issuer"] == w.idp.url
    answer = requests.post(
        config["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": w.client.redirect_uri,
            "code_verifier": verifier,
        },
        auth=(w.client.client_id, w.client.client_secret),
        timeout=TIMEOUT,
    )
    assert answer.status_code == 200, answer.text
    tokens = answer.json()
    keys = KeySet.import_key_set(requests.get(config["jwks_uri"], timeout=TIMEOUT).json())
    token = jwt.decode(tokens["id_token"], keys, algorithms=["RS256", "ES256"])
    claims = token.claims
    assert claims["iss"] == w.idp.url
    assert claims["aud"] in (w.client.client_id, [w.client.client_id])
    assert claims["nonce"] == params["nonce"]
    assert claims["sub"] and claims["exp"] > claims["iat"]
    assert claims.get("name") == "Anna Jensen"  # the profile scope that was consented to
    return str(tokens["id_token"])


# --- the tests -----------------------------------------------------------------------------------


def test_third_party_login_with_consent_reaches_the_relying_party_in_chromium(
    world: World, new_page: Callable[[], Page], screenshots: Callable[[Page, str], None]
) -> None:
    w = world
    page = w.documents.watch(new_page())
    params, verifier = start_authorization(page, w)
    screenshots(page, "query-login-username")
    log_in(page, w.person)
    consent(page, w, screenshots, "query-consent")

    page.wait_for_url(w.rp.redirect_uri + "?*")
    expect(page.locator("#rp")).to_be_visible()
    arrival = w.rp.received()
    assert (arrival.method, arrival.path) == ("GET", "/callback")
    assert arrival.params["state"] == params["state"]
    assert arrival.params["iss"] == w.idp.url
    id_token = redeem_and_check(w, params, verifier, arrival.params["code"])

    # The relying party logs the person out again (RP-Initiated Logout 1.0 §2): no question
    # with a valid id_token_hint, straight back to its registered post-logout URI.
    logout = {
        "id_token_hint": id_token,
        "post_logout_redirect_uri": w.rp.logged_out_uri,
        "state": "bye",
    }
    page.goto(f"{w.idp.url}/logout?{urlencode(logout)}")
    page.wait_for_url(w.rp.logged_out_uri + "?state=bye")
    assert w.rp.received().path == "/logged-out"

    w.documents.assert_all_html()
    w.documents.assert_posts_redirect_with_303()
    paths = w.documents.paths()
    assert any(p.startswith("/authorize/resume/") for p in paths), paths
    assert any(p.startswith("/login/code") for p in paths), paths


def test_third_party_login_with_form_post_posts_to_the_relying_party_in_chromium(
    world: World, new_page: Callable[[], Page], screenshots: Callable[[Page, str], None]
) -> None:
    w = world
    page = w.documents.watch(new_page())
    params, verifier = start_authorization(page, w, response_mode="form_post")
    log_in(page, w.person)
    consent(page, w, screenshots, "form-post-consent")

    # The IdP answers the consent with an auto-submitting form; Chromium runs its script only
    # if the CSP nonce matches, and then posts the answer to the relying party.
    page.wait_for_url(w.rp.redirect_uri)
    expect(page.locator("#rp")).to_be_visible()
    screenshots(page, "form-post-at-the-relying-party")
    arrival = w.rp.received()
    assert (arrival.method, arrival.path) == ("POST", "/callback")
    assert arrival.params["state"] == params["state"]
    assert arrival.params["iss"] == w.idp.url
    assert "code" in arrival.params
    redeem_and_check(w, params, verifier, arrival.params["code"])

    w.documents.assert_all_html()
    w.documents.assert_posts_redirect_with_303()
    # The consent POST was answered by the form_post page itself, served as a page.
    consented = [entry for entry in w.documents.seen if "/authorize/consent/" in entry[0]]
    assert [(status, ctype) for _url, status, ctype in consented] == [
        (200, "text/html; charset=utf-8")
    ]


def test_error_page_logout_confirmation_and_logged_out_page_in_chromium(
    world: World, new_page: Callable[[], Page], screenshots: Callable[[Page, str], None]
) -> None:
    w = world
    page = w.documents.watch(new_page())

    # A request the IdP refuses without redirecting (unknown client): its error page.
    response = page.goto(f"{w.idp.url}/authorize?client_id=nobody&response_type=code")
    assert response is not None and response.status == 400
    expect(page.get_by_role("heading", name="Login request refused")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_visible()
    no_markup_shown(page)
    screenshots(page, "error-page")

    # Logged in (straight to the account page), then logging out from the IdP itself.
    page.goto(w.idp.url + "/login/")
    log_in(page, w.person)
    expect(page).to_have_url(w.idp.url + "/account/")
    page.goto(w.idp.url + "/logout")
    expect(page.get_by_role("heading", name="Log out?")).to_be_visible()
    no_markup_shown(page)
    screenshots(page, "logout-confirmation")
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="You are logged out")).to_be_visible()
    no_markup_shown(page)
    screenshots(page, "logged-out")
    page.goto(w.idp.url + "/account/")
    expect(page).to_have_url(re.compile(r"/login/"))  # the session has ended

    w.documents.assert_all_html()
    w.documents.assert_posts_redirect_with_303()
    statuses = {urlsplit(url).path: status for url, status, _type in w.documents.seen}
    assert statuses["/authorize"] == 400 and statuses["/logout"] == 200, statuses
