"""Conformance: the OpenID Connect code flow over real HTTP, checked by an independent RP.

The checks live here, not in a test module, because two test modules run them: against one
server (tests/conformance/test_conformance.py) and through HAProxy in front of two nodes
(tests/cluster/test_cluster.py). Each provides the ``live_server`` fixture they need.

The relying party is pyoidc (``oic``), which fetches discovery and the JWKS itself, builds the
requests, and validates the responses (ID token signature, iss, aud, exp, iat, nonce; the
authorization response's state and iss). What it leaves to the caller (at_hash for the code
flow, the NSIS acr and amr, RFC 7009/7662 semantics) is checked here explicitly. A
``requests.Session`` plays the browser through the server-rendered login pages.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pyotp
import pytest
import requests
from jwkest import BadSignature
from oic.exception import PyoidcError
from oic.extension.client import Client as OAuth2ExtensionClient
from oic.oauth2.exception import OtherError
from oic.oauth2.message import ErrorResponse, WrongSigningAlgorithm
from oic.oic import Client as OidcClient
from oic.oic.message import (
    AccessTokenResponse,
    AuthorizationErrorResponse,
    AuthorizationRequest,
    AuthorizationResponse,
    EndSessionRequest,
    IdToken,
    OpenIDSchema,
    ProviderConfigurationResponse,
)
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from oic.utils.settings import OicClientSettings

from idp.demo import load_demo
from idp.extensions import db
from tests.support.browser import Browser, location, only_form, path_of, query_of
from tests.support.helpers import LiveServer, make_client, make_user

# The demo client's URIs are the example relying party's, on the issuer (not mounted here:
# the browser stops at them).
DEMO_REDIRECT_PATH = "/demo-rp/callback"
DEMO_LOGOUT_PATH = "/demo-rp/"
SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
SCOPE = ["openid", "profile", "email"]


# --- the relying party ---------------------------------------------------------------------


def new_rp(issuer: str, client_id: str, secret: str, redirect_uri: str) -> OidcClient:
    settings = OicClientSettings(timeout=10)
    rp = OidcClient(client_authn_method=CLIENT_AUTHN_METHOD, settings=settings)
    pcr = rp.provider_config(issuer)  # discovery: raises if the issuer differs
    assert isinstance(pcr, ProviderConfigurationResponse)
    assert pcr["issuer"] == issuer
    # OIDC Discovery §3: required members present and well-typed. pyoidc also requires an
    # https issuer, which the loopback test server cannot have: check the rest on a copy.
    as_if_https = ProviderConfigurationResponse(**pcr.to_dict())
    as_if_https["issuer"] = "https" + issuer.removeprefix("http")
    assert as_if_https.verify()
    rp.client_id = client_id
    rp.client_secret = secret
    rp.redirect_uris = [redirect_uri]
    rp.post_logout_redirect_uris = [issuer + DEMO_LOGOUT_PATH]
    return rp


def token_client(rp: OidcClient) -> OAuth2ExtensionClient:
    """pyoidc's RFC 7009/7662 client, sharing the RP's registration and discovery."""
    ext = OAuth2ExtensionClient(
        client_id=rp.client_id,
        client_authn_method=CLIENT_AUTHN_METHOD,
        settings=OicClientSettings(timeout=10),
    )
    ext.client_secret = rp.client_secret
    ext.provider_info = rp.provider_info
    for endpoint in ("revocation_endpoint", "introspection_endpoint"):
        setattr(ext, endpoint, rp.provider_info[endpoint])
    return ext


def left_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode()


@dataclass
class SignedIn:
    rp: OidcClient
    browser: Browser
    state: str
    nonce: str
    tokens: AccessTokenResponse
    id_token: IdToken
    id_token_jwt: str


def sign_in(
    issuer: str,
    rp: OidcClient,
    browser: Browser,
    *,
    username: str,
    password: str,
    totp_secret: str,
    alg: str,
    expect_consent: bool,
) -> SignedIn:
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    pkce, verifier = rp.add_code_challenge()
    assert pkce["code_challenge_method"] == "S256"
    areq = rp.construct_AuthorizationRequest(
        request_args={
            "response_type": "code",
            "scope": SCOPE,
            "redirect_uri": rp.redirect_uris[0],
            "state": state,
            "nonce": nonce,
            **pkce,
        }
    )
    assert isinstance(areq, AuthorizationRequest)
    page = browser.get(areq.request(rp.authorization_endpoint))

    # username -> password -> one-time code, each a server-rendered form with a CSRF token
    page = browser.log_in(page, username, password, pyotp.TOTP(totp_secret).now())
    if expect_consent:
        assert page.status_code == 200 and "/authorize/" in path_of(page), page.text
        assert ("decision", "allow") in only_form(page.text).buttons
        page = browser.submit(page, decision="allow")

    redirect = location(page)
    assert redirect.startswith(rp.redirect_uris[0] + "?"), redirect
    # The library checks iss == the discovered issuer (RFC 9207) when present; require it too.
    aresp = rp.parse_response(AuthorizationResponse, info=redirect, sformat="urlencoded")
    assert isinstance(aresp, AuthorizationResponse), aresp
    assert aresp["state"] == state
    assert aresp["iss"] == issuer
    assert query_of(redirect)["iss"] == issuer

    tokens = rp.do_access_token_request(
        state=state,
        request_args={"redirect_uri": rp.redirect_uris[0], "code_verifier": verifier},
        authn_method="client_secret_basic",
        algs={"sign": alg},  # pins the JWS alg: pyoidc would otherwise accept alg=none
    )
    assert isinstance(tokens, AccessTokenResponse), tokens
    # verified by pyoidc: signature (keys from jwks_uri), iss, aud, exp, iat, and nonce
    id_token = tokens["id_token"]
    assert isinstance(id_token, IdToken)
    rp.verify_id_token(id_token, areq)
    assert (id_token.jws_header or {}).get("alg") == alg
    assert id_token["iss"] == issuer
    assert id_token["aud"] == [rp.client_id]
    assert id_token["nonce"] == nonce
    assert id_token["iat"] <= id_token["exp"]
    # OIDC Core §3.1.3.8: at_hash is the left half of SHA-256 of the access token
    assert id_token["at_hash"] == left_hash(tokens["access_token"])
    assert tokens["token_type"].lower() == "bearer"
    return SignedIn(rp, browser, state, nonce, tokens, id_token, tokens["id_token_jwt"])


# --- the tests ---------------------------------------------------------------------------


class ConformanceChecks:
    """The conformance tests. A test module runs them by subclassing this as a ``Test*``
    class where a ``live_server`` fixture gives the issuer's URL and an app on its database
    (for the demo data and factories)."""

    @pytest.fixture
    def demo(self, live_server: LiveServer) -> Iterator[SignedIn]:
        """The demo client and user exactly as `make run` creates them, signed in through the RP."""
        with live_server.app.app_context():
            info = load_demo()
            db.session.remove()
        assert info["issuer"] == live_server.url
        assert info["client_secret"] and info["password"] and info["totp_secret"]
        assert info["redirect_uris"] == [live_server.url + DEMO_REDIRECT_PATH]
        rp = new_rp(
            live_server.url, info["client_id"], info["client_secret"], info["redirect_uris"][0]
        )
        browser = Browser(live_server.url, stop_at=(live_server.url + DEMO_LOGOUT_PATH,))
        try:
            yield sign_in(
                live_server.url,
                rp,
                browser,
                username=info["username"],
                password=info["password"],
                totp_secret=info["totp_secret"],
                alg="RS256",
                expect_consent=True,
            )
        finally:
            browser.close()

    def test_discovery_matches_the_live_issuer(self, live_server: LiveServer) -> None:
        rp = OidcClient(
            client_authn_method=CLIENT_AUTHN_METHOD, settings=OicClientSettings(timeout=10)
        )
        pcr = rp.provider_config(live_server.url)
        assert pcr["issuer"] == live_server.url
        assert rp.authorization_endpoint == live_server.url + "/authorize"
        assert rp.token_endpoint == live_server.url + "/token"
        assert "S256" in pcr["code_challenge_methods_supported"]
        assert "client_secret_basic" in pcr["token_endpoint_auth_methods_supported"]
        assert pcr["authorization_response_iss_parameter_supported"] is True
        # the RP loaded the provider's signing keys from jwks_uri
        assert rp.keyjar.get_verify_key(owner=live_server.url)
        # a provider that claims another issuer is rejected by the RP
        other = OidcClient(
            client_authn_method=CLIENT_AUTHN_METHOD, settings=OicClientSettings(timeout=10)
        )
        with pytest.raises(PyoidcError, match="issuer mismatch"):
            other.handle_provider_config(pcr, live_server.url + "/elsewhere")

    def test_code_flow_id_token_and_userinfo(self, demo: SignedIn) -> None:
        claims = demo.id_token
        assert claims["acr"] == SUBSTANTIAL
        assert {"pwd", "otp"} <= set(claims["amr"])
        assert isinstance(claims["auth_time"], int)

        # the library's checks are live: a changed claim, another alg or another nonce fail
        issuer = claims["iss"]
        header, payload, signature = demo.id_token_jwt.split(".")
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        body["sub"] = "someone-else"
        changed = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
        with pytest.raises(BadSignature):
            IdToken().from_jwt(
                f"{header}.{changed}.{signature}", keyjar=demo.rp.keyjar, sender=issuer
            )
        with pytest.raises(WrongSigningAlgorithm):
            IdToken().from_jwt(
                demo.id_token_jwt, keyjar=demo.rp.keyjar, sender=issuer, algs={"sign": "ES256"}
            )
        with pytest.raises(OtherError, match="nonce"):
            demo.rp.verify_id_token(claims, {"nonce": "another-nonce"})

        # the library compares UserInfo's sub with the ID token's sub (raises SubMismatch)

        info = demo.rp.do_user_info_request(method="GET", state=demo.state)
        assert isinstance(info, OpenIDSchema), info
        assert info["sub"] == claims["sub"]
        assert info["email"] == "demo@example.dk"

    def test_refresh_rotates_and_reuse_revokes_the_family(self, demo: SignedIn) -> None:
        rp = demo.rp
        grant = rp.get_grant(demo.state)
        first = grant.get_token()
        assert first.refresh_token == demo.tokens["refresh_token"]
        refreshed = rp.do_access_token_refresh(
            state=demo.state, authn_method="client_secret_basic", algs={"sign": "RS256"}
        )
        assert isinstance(refreshed, AccessTokenResponse), refreshed
        second = grant.get_token()
        assert second.refresh_token == refreshed["refresh_token"]
        assert second.refresh_token != first.refresh_token
        assert second.access_token != first.access_token
        # OIDC Core §12.2: the new ID token (checked by the library) keeps iss, sub, aud, auth_time
        new = refreshed["id_token"]
        assert isinstance(new, IdToken)
        for claim in ("iss", "sub", "aud", "auth_time", "acr"):
            assert new[claim] == demo.id_token[claim], claim
        assert new["at_hash"] == left_hash(refreshed["access_token"])

        # reuse of the rotated-out refresh token is refused ...
        reused = rp.do_access_token_refresh(
            state=demo.state, token=first, authn_method="client_secret_basic"
        )
        assert isinstance(reused, ErrorResponse), reused
        assert reused["error"] == "invalid_grant"
        # ... and the whole family is revoked: the newest refresh token no longer works either
        newest = rp.do_access_token_refresh(
            state=demo.state, token=second, authn_method="client_secret_basic"
        )
        assert isinstance(newest, ErrorResponse), newest
        assert newest["error"] == "invalid_grant"

    def test_revocation_and_introspection(self, demo: SignedIn) -> None:
        ext = token_client(demo.rp)
        access = demo.tokens["access_token"]

        live = ext.do_token_introspection(
            request_args={"token": access, "token_type_hint": "access_token"},
            authn_method="client_secret_basic",
        )
        assert live["active"] is True, live.to_dict()
        assert live["client_id"] == demo.rp.client_id
        assert live["sub"] == demo.id_token["sub"]
        assert live["iss"] == demo.id_token["iss"]
        assert live["exp"] > live["iat"]

        revoked = ext.do_token_revocation(
            request_args={"token": access, "token_type_hint": "access_token"},
            authn_method="client_secret_basic",
        )
        assert revoked == 200

        # RFC 6750 §3.1: a revoked token is answered with 401 and error="invalid_token"
        userinfo = demo.rp.provider_info["userinfo_endpoint"]
        response = requests.get(userinfo, headers={"Authorization": f"Bearer {access}"}, timeout=10)
        assert response.status_code == 401
        challenge = response.headers.get("WWW-Authenticate", "")
        assert challenge.startswith("Bearer"), challenge
        assert 'error="invalid_token"' in challenge
        via_rp = demo.rp.do_user_info_request(method="GET", token=access)
        assert isinstance(via_rp, ErrorResponse) and via_rp["error"] == "invalid_token"

        dead = ext.do_token_introspection(
            request_args={"token": access, "token_type_hint": "access_token"},
            authn_method="client_secret_basic",
        )
        assert dead.to_dict() == {"active": False}

        # RFC 7009 §2.2: an unknown or invalid token is answered with 200 as well
        unknown = ext.do_token_revocation(
            request_args={"token": secrets.token_urlsafe(32)}, authn_method="client_secret_basic"
        )
        assert unknown == 200

    def test_rp_initiated_logout_ends_the_session(self, demo: SignedIn) -> None:
        rp, browser = demo.rp, demo.browser
        logout_state = secrets.token_urlsafe(12)
        ereq = rp.construct_EndSessionRequest(
            request_args={
                "id_token_hint": demo.id_token_jwt,
                "post_logout_redirect_uri": rp.post_logout_redirect_uris[0],
                "state": logout_state,
            }
        )
        assert isinstance(ereq, EndSessionRequest)
        response = browser.get(ereq.request(rp.provider_info["end_session_endpoint"]))
        target = location(response)
        assert target.split("?")[0] == rp.post_logout_redirect_uris[0]
        assert query_of(target)["state"] == logout_state

        # the browser session is gone: prompt=none cannot log in silently
        state = secrets.token_urlsafe(16)
        pkce, _ = rp.add_code_challenge()
        areq = rp.construct_AuthorizationRequest(
            request_args={
                "response_type": "code",
                "scope": SCOPE,
                "redirect_uri": rp.redirect_uris[0],
                "state": state,
                "nonce": secrets.token_urlsafe(16),
                "prompt": "none",
                **pkce,
            }
        )
        redirect = location(browser.get(areq.request(rp.authorization_endpoint)))
        assert redirect.startswith(rp.redirect_uris[0] + "?"), redirect
        error = rp.parse_response(AuthorizationResponse, info=redirect, sformat="urlencoded")
        assert isinstance(error, AuthorizationErrorResponse), error
        assert error["error"] == "login_required"
        assert error["state"] == state
        assert query_of(redirect)["iss"] == rp.provider_info["issuer"]

    def test_es256_id_token_is_validated_by_the_rp(self, live_server: LiveServer) -> None:
        redirect_uri = "http://127.0.0.1:8001/callback"
        app = live_server.app
        registered = make_client(
            app, id_token_alg="ES256", redirect_uri=redirect_uri, first_party=True
        )
        user = make_user(app)
        assert registered.client_secret and user.totp_secret
        rp = new_rp(live_server.url, registered.client_id, registered.client_secret, redirect_uri)
        assert "ES256" in rp.provider_info["id_token_signing_alg_values_supported"]
        browser = Browser(live_server.url)
        try:
            signed_in = sign_in(
                live_server.url,
                rp,
                browser,
                username=user.username,
                password=user.password,
                totp_secret=user.totp_secret,
                alg="ES256",
                expect_consent=False,
            )
        finally:
            browser.close()
        assert (signed_in.id_token.jws_header or {}).get("alg") == "ES256"
        assert signed_in.id_token["sub"] == user.uuid
        assert signed_in.id_token["acr"] == SUBSTANTIAL
        assert {"pwd", "otp"} <= set(signed_in.id_token["amr"])
