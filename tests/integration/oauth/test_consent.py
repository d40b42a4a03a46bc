"""Consent: first-party clients skip it; others ask once per client and scope set; revocable."""

from __future__ import annotations

import re

from tests.support.helpers import (
    auth_params,
    csrf_of,
    login,
    make_client,
    make_user,
    pkce_pair,
    query_of,
)


def _start(client, rp, user, **extra):
    response = client.get("/authorize", query_string=auth_params(rp, pkce_pair()[1], **extra))
    if "/login/" in (response.location or ""):
        done = login(client, user, start=response.location)
        response = client.get(done.location)
    return response


def _answer(client, page, decision):
    html = page.get_data(as_text=True)
    action = re.search(r'action="([^"]*consent[^"]*)"', html).group(1)
    return client.post(action, data={"csrf_token": csrf_of(html), "decision": decision})


def test_third_party_client_asks_for_consent_once(app, client):
    rp = make_client(app, first_party=False)
    user = make_user(app)
    page = _start(client, rp, user)
    assert page.status_code == 200 and "decision" in page.get_data(as_text=True)
    allowed = _answer(client, page, "allow")
    assert allowed.status_code == 303  # the answer to a POST (RFC 9700 §4.12)
    assert "code" in query_of(allowed.location)
    again = _start(client, rp, user)
    assert again.status_code == 302 and "code" in query_of(again.location)


def test_consent_is_per_scope_set(app, client):
    rp = make_client(app, first_party=False)
    user = make_user(app)
    _answer(client, _start(client, rp, user, scope="openid"), "allow")
    wider = _start(client, rp, user, scope="openid email")
    assert wider.status_code == 200  # asks again for the wider set


def test_denied_consent_returns_access_denied(app, client):
    rp = make_client(app, first_party=False)
    user = make_user(app)
    page = _start(client, rp, user, state="s1")
    query = query_of(_answer(client, page, "deny").location)
    assert query["error"] == "access_denied"
    assert query["state"] == "s1"
    assert query["iss"] == "http://127.0.0.1:5000"


def test_prompt_none_without_consent_returns_consent_required(app, client):
    rp = make_client(app, first_party=False)
    user = make_user(app)
    _start(client, rp, user)  # logs in, consent page shown but not answered
    response = client.get("/authorize", query_string=auth_params(rp, pkce_pair()[1], prompt="none"))
    assert query_of(response.location)["error"] == "consent_required"


def test_first_party_client_skips_consent(app, client):
    rp = make_client(app, first_party=True)
    user = make_user(app)
    assert "code" in query_of(_start(client, rp, user).location)


def test_consent_can_be_withdrawn(app, client):
    rp = make_client(app, first_party=False)
    user = make_user(app)
    _answer(client, _start(client, rp, user), "allow")
    account = client.get("/account/").get_data(as_text=True)
    action = re.search(r'action="(/account/consents/\d+/revoke)"', account).group(1)
    client.post(action, data={"csrf_token": csrf_of(account)})
    assert _start(client, rp, user).status_code == 200  # asked again


def test_consent_form_needs_csrf(app, client):
    rp = make_client(app, first_party=False)
    user = make_user(app)
    page = _start(client, rp, user)
    action = re.search(r'action="([^"]*consent[^"]*)"', page.get_data(as_text=True)).group(1)
    assert client.post(action, data={"decision": "allow"}).status_code == 400
