"""End to end: from a row of the employee CSV to a Substantial login, with real parts only.

The downstream IdP under test is served by a real threaded WSGI server on 127.0.0.1 and is
driven only through its CLI (``app.test_cli_runner()``), over HTTP and through the mail it
sends: a real SMTP server (aiosmtpd) on 127.0.0.1 receives the activation mails. The upstream
private eID provider is a second instance of this IdP, served the same way.

The upstream is served as ``http://localhost:<port>``, the downstream as
``http://127.0.0.1:<port>``: cookies are per host, not per port, and both instances name
their session cookie ``idp_session``, so on one host name the browser's login at the upstream
would overwrite its session at the downstream (and with it the activation in progress).

Both instances share the test database, so usernames are unique across both and the CVRs
differ.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pyotp
import requests
from flask import Flask
from oic.oic import Client as OidcClient
from oic.oic.message import (
    AccessTokenResponse,
    AuthorizationRequest,
    AuthorizationResponse,
    IdToken,
    ProviderConfigurationResponse,
)
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from oic.utils.settings import OicClientSettings
from sqlalchemy import update

from idp.extensions import db
from idp.models import OutboxMail
from idp.models.types import utcnow
from tests.support.browser import Browser
from tests.support.e2e import Server, Smtp, activation_link, cli, downstream_app, write_csv

SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
CLAIM_UUID = "https://data.gov.dk/model/core/eid/professional/uuid/persistent"
CLAIM_CVR = "https://data.gov.dk/model/core/eid/professional/cvr"
CVR = "12345678"
ORG_NAME = "Eksempel Kommune"
UPSTREAM_CVR = "99999999"
PASSWORD = "a fine long passphrase"
UPSTREAM_PASSWORD = "the upstream's own passphrase"
RP_REDIRECT_URI = "http://127.0.0.1:9/callback"  # never served: the browser stops there
TIMEOUT = 10


# --- the person ------------------------------------------------------------------------------


def next_step_code(secret: str) -> str:
    """The code of the next time step: the activation used the current one (replay guard),
    and the IdP accepts one step of drift."""
    return pyotp.TOTP(secret).at(int(time.time()) + 30)


# --- the relying party -----------------------------------------------------------------------


def new_rp(issuer: str, client_id: str, secret: str) -> OidcClient:
    rp = OidcClient(client_authn_method=CLIENT_AUTHN_METHOD, settings=OicClientSettings(timeout=10))
    pcr = rp.provider_config(issuer)  # discovery and JWKS; raises if the issuer differs
    assert isinstance(pcr, ProviderConfigurationResponse)
    assert pcr["issuer"] == issuer
    rp.client_id = client_id
    rp.client_secret = secret
    rp.redirect_uris = [RP_REDIRECT_URI]
    return rp


def rp_login(
    rp: OidcClient, browser: Browser, *, username: str, password: str, code: str
) -> IdToken:
    """The authorization code flow with PKCE, the person logging in through the pages;
    returns the ID token as validated by pyoidc (signature, iss, aud, exp, iat, nonce)."""
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    pkce, verifier = rp.add_code_challenge()
    areq = rp.construct_AuthorizationRequest(
        request_args={
            "response_type": "code",
            "scope": ["openid", "profile", "organization"],
            "redirect_uri": RP_REDIRECT_URI,
            "state": state,
            "nonce": nonce,
            **pkce,
        }
    )
    assert isinstance(areq, AuthorizationRequest)
    page = browser.get(areq.request(rp.authorization_endpoint))
    answer = browser.log_in(page, username, password, code)
    assert answer.status_code == 302, (answer.status_code, answer.url, answer.text)
    redirect = answer.headers["Location"]
    assert redirect.startswith(RP_REDIRECT_URI + "?"), redirect
    aresp = rp.parse_response(AuthorizationResponse, info=redirect, sformat="urlencoded")
    assert isinstance(aresp, AuthorizationResponse), aresp
    assert aresp["state"] == state
    tokens = rp.do_access_token_request(
        state=state,
        request_args={"redirect_uri": RP_REDIRECT_URI, "code_verifier": verifier},
        authn_method="client_secret_basic",
        algs={"sign": "RS256"},  # pins the JWS alg: pyoidc would otherwise accept alg=none
    )
    assert isinstance(tokens, AccessTokenResponse), tokens
    id_token = tokens["id_token"]
    assert isinstance(id_token, IdToken)
    rp.verify_id_token(id_token, areq)
    assert id_token["nonce"] == nonce
    assert id_token["aud"] == [rp.client_id]
    return id_token


# --- 1. one imported row to a Substantial login ----------------------------------------------


def test_imported_row_to_substantial_login_through_mailed_link(
    make_app: Any,
    servers: Callable[[str], Server],
    smtp: Smtp,
    browser: Callable[..., Browser],
    tmp_path: Path,
) -> None:
    smtp.start()
    upstream, downstream = servers("localhost"), servers("127.0.0.1")
    callback = downstream.url + "/proofing/private-eid/callback"

    # The upstream eID provider: a person with password + TOTP at identity level Substantial,
    # and the downstream registered as its client.
    upstream_app: Flask = make_app(issuer=upstream.url)
    upstream.serve(upstream_app)
    cli(upstream_app, f"orgs create --cvr {UPSTREAM_CVR} --name 'Upstream eID A/S' --json")
    upstream_person = cli(
        upstream_app,
        f"users create --org {UPSTREAM_CVR} --username eid.anna --name 'Anna Jensen' "
        "--email anna@private.example.org --password-stdin --totp --ial Substantial --json",
        input=UPSTREAM_PASSWORD + "\n",
    )
    assert upstream_person["identity_level"] == "Substantial"
    registration = cli(
        upstream_app,
        f"clients add --org {UPSTREAM_CVR} --name 'Lokal IdP' --redirect-uri {callback} "
        "--first-party --json",
    )

    app = downstream_app(
        make_app,
        downstream,
        smtp,
        private_eid_issuer=upstream.url,
        private_eid_client_id=registration["client_id"],
        private_eid_client_secret=registration["client_secret"],
    )
    downstream.serve(app)

    # The operator: organisation, the one-row CSV, activation, mail.
    cli(app, f"orgs create --cvr {CVR} --name '{ORG_NAME}' --json")
    csv = write_csv(
        tmp_path / "people.csv",
        [{"rid": "4711", "name": "Anna Jensen", "email": "anna.jensen@example.dk"}],
    )
    imported = cli(app, f"users import {csv} --org {CVR} --json")
    assert [r["action"] for r in imported["rows"]] == ["created"], imported
    [person] = cli(app, f"users list --org {CVR} --json")
    assert (person["status"], person["identity_level"]) == ("imported", None)
    username = person["username"]
    activated = cli(app, f"users activate {username} --org {CVR} --login-means app --json")
    assert (activated["activated"], activated["failed"]) == (1, 0), activated
    sent = cli(app, "mail send --json")
    assert sent == {"sent": 1, "failed": 0, "waiting": 0, "given_up": 0}

    # The person reads the mail.
    [message] = smtp.handler.wait_for(1)
    assert message["To"] == "anna.jensen@example.dk"
    assert ORG_NAME in message["Subject"]
    link = activation_link(message)
    assert link.startswith(downstream.url + "/activate/"), link
    html_part = message.get_body(("html",))
    assert html_part is not None and f'href="{link}"' in html_part.get_content()
    token = link.removeprefix(downstream.url + "/activate/")

    # The journey, in one browser, over real HTTP.
    person_browser = browser(downstream.url, upstream.url)
    page = person_browser.get(link)
    assert page.status_code == 200, page.text
    assert "Anna Jensen" in page.text
    # Proofing: to the upstream, log in there, back through the callback to the journey.
    at_upstream = person_browser.submit(page, f"/activate/{token}/private-eid")
    assert at_upstream.url.startswith(upstream.url + "/login/"), (at_upstream.url, at_upstream.text)
    page = person_browser.log_in(
        at_upstream, "eid.anna", UPSTREAM_PASSWORD, pyotp.TOTP(upstream_person["totp_secret"]).now()
    )
    assert page.url == link, (page.status_code, page.url, page.text)
    assert page.status_code == 200
    # Password.
    page = person_browser.submit(
        page, f"/activate/{token}/password", password=PASSWORD, password2=PASSWORD
    )
    assert page.url == link, (page.status_code, page.url, page.text)
    # Authenticator app: the QR code and the key, then a code from the app.
    page = person_browser.submit(page, f"/activate/{token}/app")
    assert page.status_code == 200, page.text
    assert re.search(r'<div id="qr">\s*<svg', page.text), page.text
    key = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', page.text)
    assert key, page.text
    secret = key.group(1).replace(" ", "")
    page = person_browser.submit(
        page, f"/activate/{token}/app/confirm", code=pyotp.TOTP(secret).now()
    )
    assert page.status_code == 200 and 'id="done"' in page.text, page.text
    assert username in page.text
    # The link is used up.
    assert person_browser.get(link).status_code == 410

    [person] = cli(app, f"users list --org {CVR} --json")
    assert (person["status"], person["identity_level"]) == ("active", "Substantial"), person

    # A relying party of the downstream: the new identity logs in at Substantial.
    rp_registration = cli(
        app,
        f"clients add --org {CVR} --name 'E2E RP' --redirect-uri {RP_REDIRECT_URI} --first-party "
        "--json",
    )
    rp = new_rp(downstream.url, rp_registration["client_id"], rp_registration["client_secret"])
    id_token = rp_login(
        rp,
        browser(downstream.url),
        username=username,
        password=PASSWORD,
        code=next_step_code(secret),
    )
    assert id_token["iss"] == downstream.url
    assert id_token["acr"] == SUBSTANTIAL
    assert {"pwd", "otp"} <= set(id_token["amr"])
    assert id_token[CLAIM_UUID] == f"urn:uuid:{person['uuid']}"
    assert id_token[CLAIM_CVR] == CVR


# --- 2. an SMTP outage while fifty people are activated --------------------------------------


def test_smtp_outage_while_activating_fifty_people_loses_nothing(
    make_app: Any, servers: Callable[[str], Server], smtp: Smtp, tmp_path: Path
) -> None:
    server = servers("127.0.0.1")
    app = downstream_app(make_app, server, smtp)  # nothing listens on the SMTP port yet
    server.serve(app)
    cli(app, f"orgs create --cvr {CVR} --name '{ORG_NAME}' --json")
    people = {
        f"person{i:02d}@example.dk": f"Person {i:02d} Jensen" for i in range(50)
    }  # address -> name
    csv = write_csv(
        tmp_path / "fifty.csv",
        [
            {"rid": str(5000 + i), "name": name, "email": address}
            for i, (address, name) in enumerate(people.items())
        ],
    )
    imported = cli(app, f"users import {csv} --org {CVR} --json")
    assert Counter(r["action"] for r in imported["rows"]) == {"created": 50}

    # Activation does not depend on the mail server: every mail is queued.
    activated = cli(app, f"users activate --all-imported --org {CVR} --login-means app --json")
    assert (activated["activated"], activated["failed"]) == (50, 0), activated
    pending = cli(app, f"users list --org {CVR} --status pending_activation --limit 1000 --json")
    assert {p["email"] for p in pending} == set(people)

    # Delivering fails, says so, and keeps every mail for a retry after a backoff.
    failed = cli(app, "mail send --json")
    assert failed == {"sent": 0, "failed": 50, "waiting": 50, "given_up": 0}
    outbox = cli(app, "mail list --pending --json")
    assert sorted(m["to"] for m in outbox) == sorted(people)
    for mail in outbox:
        assert (mail["status"], mail["attempts"]) == ("pending", 1), mail
        assert mail["last_error"] and "refused" in mail["last_error"].lower(), mail

    smtp.start()
    early = cli(app, "mail send --json")  # the backoff has not passed: no retry storm
    assert early == {"sent": 0, "failed": 0, "waiting": 50, "given_up": 0}
    assert smtp.handler.messages == []

    with app.app_context():  # the backoff passes
        db.session.execute(
            update(OutboxMail).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    delivered = cli(app, "mail send --json")
    assert delivered == {"sent": 50, "failed": 0, "waiting": 0, "given_up": 0}
    messages = smtp.handler.wait_for(50)

    # Each person's mail arrived exactly once, with a link to that person's own journey.
    assert len(messages) == 50
    assert set(Counter(m["Message-ID"] for m in messages).values()) == {1}
    assert Counter(m["To"] for m in messages) == Counter(people.keys())
    assert Counter(smtp.handler.recipients) == Counter(people.keys())  # the SMTP envelope
    links = {m["To"]: activation_link(m) for m in messages}
    assert len(set(links.values())) == 50
    with requests.Session() as http:
        http.headers["Accept-Language"] = "en"
        for address, link in links.items():
            assert link.startswith(server.url + "/activate/"), link
            page = http.get(link, allow_redirects=False, timeout=TIMEOUT)
            assert page.status_code == 200, (address, page.text)
            greeting = re.search(r"<h1>(.*?)</h1>", page.text, re.S)
            assert greeting and people[address] in unescape(greeting.group(1)), (address, page.text)

    # Nothing is sent twice.
    again = cli(app, "mail send --json")
    assert again == {"sent": 0, "failed": 0, "waiting": 0, "given_up": 0}
    assert len(smtp.handler.messages) == 50
    assert cli(app, "mail list --pending --json") == []
