"""The example relying party /demo-rp/ (issue 12): a real OpenID Connect client of the IdP
over HTTP, mounted only with ``dev_stand_ins``.

The demo person (password + app code, identity at Substantial) logs in at Substantial and the
page shows the level and the ID token's claims; High for them is the IdP's
unmet_authentication_requirements, shown in words; an answer whose state was not started in
this browser is refused; the log-out button ends the login at the IdP too; without the switch
there is no /demo-rp/.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from idp.assurance import ACR_PREFIX, CLAIM_LOA
from tests.support.browser import Browser, path_of, query_of
from tests.support.danish_text import DanishCheck
from tests.support.demo_rp import demo_code, served_demo
from tests.support.e2e import Server


def _logged_in_at_substantial(server: Server, info: dict[str, Any], http: Browser) -> Any:
    page = http.get(server.url + "/demo-rp/")
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert 'id="demo-note"' in page.text  # "for development only"
    page = http.submit(page, "/demo-rp/login", level="Substantial")
    page = http.log_in(page, info["username"], info["password"], demo_code(info))
    assert "/authorize/" in path_of(page), page.text  # consent: the client is the operator's
    page = http.submit(page, decision="allow")
    assert page.status_code == 200, page.text
    return page


def _claims(page: Any) -> dict[str, str]:
    rows = re.findall(r"<tr><td><code>(.*?)</code></td><td><code>(.*?)</code></td></tr>", page.text)
    return {html.unescape(k): html.unescape(v) for k, v in rows}


def test_the_demo_person_logs_in_at_substantial_and_sees_claims_and_level(
    make_app: Any, servers: Callable[..., Server], browser: Callable[..., Browser]
) -> None:
    server = servers()
    _, info = served_demo(make_app, server)
    http = browser(server.url)
    page = _logged_in_at_substantial(server, info, http)
    assert path_of(page) == "/demo-rp/"  # the callback kept the login and sent the browser on
    assert "Logged in at level Substantial" in page.text
    assert "for development only" in page.text
    claims = _claims(page)
    assert claims["acr"] == ACR_PREFIX + "Substantial"
    assert claims[CLAIM_LOA] == "Substantial"
    assert claims["aud"] == "demo-rp" and claims["iss"] == server.url
    assert claims["name"] == "Demo Bruger" and claims["email"] == "demo@example.dk"
    assert claims["https://data.gov.dk/model/core/eid/professional/cvr"] == "12345678"
    assert "sub" in claims and "nonce" in claims

    # High for a person whose identity is at Substantial: the IdP's refusal, in words
    refused = http.submit(page, "/demo-rp/login", level="High")
    assert refused.status_code == 403, refused.text
    assert "You cannot log in at the level asked for" in refused.text
    assert "Logged in at level Substantial" in refused.text  # the earlier login stays

    # log out: here and at the IdP (RP-initiated logout back to /demo-rp/)
    out = http.submit(http.get(server.url + "/demo-rp/"), "/demo-rp/logout")
    assert path_of(out) == "/demo-rp/" and out.status_code == 200
    assert "Logged in at level" not in out.text
    assert http.get(server.url + "/account/").url.startswith(server.url + "/login/")


def test_the_pages_in_danish(
    make_app: Any, servers: Callable[..., Server], browser: Callable[..., Browser]
) -> None:
    """Danish throughout, but for the claims table (the ID token as it is)."""
    server = servers()
    app, info = served_demo(make_app, server)
    check = DanishCheck(app)
    http = Browser(server.url, language="da")
    try:
        start = http.get(server.url + "/demo-rp/")
        assert "Log ind på niveau Betydelig" in start.text
        assert "Log ind på niveau Høj" in start.text
        page = _logged_in_at_substantial(server, info, http)
        refused = http.submit(page, "/demo-rp/login", level="High")
    finally:
        http.close()
    assert "Logget ind på niveau Betydelig" in refused.text
    for shown in (start, page, refused):
        outside_table = re.sub(r"(?s)<table.*?</table>", "", shown.text)
        assert check.leaks(outside_table) == [], shown.url


def _started(server: Server, http: Browser, level: str) -> dict[str, str]:
    """Press a button; the authorization request it sends the browser to."""
    page = http.get(server.url + "/demo-rp/")
    [token] = set(re.findall(r'name="csrf_token" value="([^"]+)"', page.text))
    started = http.http.post(
        server.url + "/demo-rp/login",
        data={"csrf_token": token, "level": level},
        allow_redirects=False,
        timeout=10,
    )
    assert started.status_code == 303, started.text
    assert started.headers["Location"].startswith(server.url + "/authorize?")
    return query_of(started.headers["Location"])


def _answer(server: Server, http: Browser, **query: str) -> Any:
    url = server.url + "/demo-rp/callback?" + urlencode(query)
    return http.http.get(url, allow_redirects=False, timeout=10)


def test_an_answer_not_started_here_is_refused(
    make_app: Any, servers: Callable[..., Server], browser: Callable[..., Browser]
) -> None:
    server = servers()
    served_demo(make_app, server)
    http = browser(server.url)
    forged_form = http.http.post(
        server.url + "/demo-rp/login", data={"level": "High"}, allow_redirects=False, timeout=10
    )
    assert forged_form.status_code == 400 and "Location" not in forged_form.headers  # CSRF
    request = _started(server, http, "High")
    assert request["acr_values"] == ACR_PREFIX + "High"
    assert request["code_challenge_method"] == "S256" and request["nonce"]
    assert request["client_id"] == "demo-rp"
    assert request["redirect_uri"] == server.url + "/demo-rp/callback"
    for forged in ({"code": "x", "state": "forged"}, {"code": "x"}):
        _started(server, http, "Substantial")
        answer = _answer(server, http, **forged)
        assert answer.status_code == 400, (forged, answer.text)
        assert "does not belong to a login started here" in answer.text
    # the genuine state in another browser
    state = _started(server, http, "Substantial")["state"]
    stranger = _answer(server, browser(server.url), code="x", state=state)
    assert stranger.status_code == 400
    assert "does not belong to a login started here" in stranger.text
    # in its own browser it passes the check, and the made-up code is the IdP's to refuse
    own = _answer(server, http, code="x", state=state, iss=server.url)
    assert own.status_code == 502, own.text
    assert "could not be used, so you are not logged in" in own.text
    # an answer naming another issuer (RFC 9207)
    state = _started(server, http, "Substantial")["state"]
    other = _answer(server, http, code="x", state=state, iss="http://127.0.0.1:1")
    assert other.status_code == 400 and "does not come from this IdP" in other.text


def test_without_the_switch_there_is_no_demo_rp(make_app: Any) -> None:
    app = make_app()
    client = app.test_client()
    assert client.get("/demo-rp/").status_code == 404
    assert client.get("/demo-rp/callback?code=x&state=y").status_code == 404


def test_without_the_demo_loaded_the_page_says_how(make_app: Any) -> None:
    app = make_app(dev_stand_ins=True)
    client = app.test_client()
    page = client.get("/demo-rp/")
    assert page.status_code == 200 and page.content_type == "text/html; charset=utf-8"
    text = page.get_data(as_text=True)
    assert "The demo is not loaded here. Run idp demo (or make run) first." in text
    assert 'action="/demo-rp/login"' not in text
    [token] = set(re.findall(r'name="csrf_token" value="([^"]+)"', text))
    pressed = client.post("/demo-rp/login", data={"csrf_token": token, "level": "Substantial"})
    assert pressed.status_code == 400


def test_an_id_token_too_large_for_the_cookie_is_shown_once(
    make_app: Any,
    servers: Callable[..., Server],
    browser: Callable[..., Browser],
    monkeypatch: Any,
) -> None:
    from idp.web import demo_rp

    monkeypatch.setattr(demo_rp, "COOKIE_BYTES", 200)
    server = servers()
    _, info = served_demo(make_app, server)
    http = browser(server.url)
    page = _logged_in_at_substantial(server, info, http)
    assert "/demo-rp/callback" in page.url  # shown by the callback itself, not kept
    assert "too large to keep here" in page.text
    assert _claims(page)["acr"] == ACR_PREFIX + "Substantial"
    assert "Logged in at level" not in http.get(server.url + "/demo-rp/").text
