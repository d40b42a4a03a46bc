"""Cookie prefix and HSTS: decided from configuration, never from what a proxy forwards."""

from __future__ import annotations

from tests.support.helpers import login, make_user


def test_secure_session_cookie_has_the_host_prefix(make_app):
    app = make_app(session_cookie_secure=True)
    client = app.test_client()
    response = login(client, make_user(app))
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = [c for c in cookies if c.startswith("__Host-idp_session=")]
    assert session_cookie, cookies
    # RFC 6265bis §4.1.3.2: __Host- cookies are Secure, Path=/ and carry no Domain.
    assert "Secure" in session_cookie[0]
    assert "Path=/" in session_cookie[0]
    assert "Domain=" not in session_cookie[0]
    assert client.get("/account/").status_code == 200


def test_insecure_development_cookie_keeps_its_plain_name(app, client):
    response = login(client, make_user(app))
    assert any(c.startswith("idp_session=") for c in response.headers.getlist("Set-Cookie"))


def test_hsts_follows_an_https_issuer_behind_a_tls_terminating_proxy(make_app):
    # The proxy speaks plain http to the node and says nothing of the scheme.
    app = make_app(issuer="https://login.example.dk", session_cookie_secure=True)
    response = app.test_client().get("/login/", base_url="http://10.0.0.5")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_hsts_for_an_http_issuer_whatever_the_proxy_claims(app, client):
    response = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    discovery = client.get("/.well-known/openid-configuration")
    assert "Strict-Transport-Security" not in discovery.headers


def test_discovery_and_jwks_carry_hsts_for_an_https_issuer(make_app):
    app = make_app(issuer="https://login.example.dk", session_cookie_secure=True)
    client = app.test_client()
    for path in ("/.well-known/openid-configuration", "/jwks"):
        assert client.get(path).headers["Strict-Transport-Security"].startswith("max-age=")
