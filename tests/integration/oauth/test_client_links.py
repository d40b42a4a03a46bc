"""A relying party's logo, privacy policy and terms (OIDC Dynamic Client Registration 1.0 §2
logo_uri, policy_uri, tos_uri): absolute https URIs (http on loopback) without a fragment, at
most 512 characters, refused with the field named; shown on the consent page when set."""

from __future__ import annotations

import re

import pytest

from idp.services import clients
from idp.services.errors import InvalidInput
from tests.support.helpers import (
    REDIRECT_URI,
    auth_params,
    login,
    make_client,
    make_user,
    pkce_pair,
)

LINKS = {
    "logo_uri": "https://rp.example.dk/logo.png",
    "policy_uri": "https://rp.example.dk/privacy",
    "tos_uri": "https://rp.example.dk/terms",
}


def _create(**info):
    return clients.create_client(
        name="RP", redirect_uris=[REDIRECT_URI], info_uris=info, actor="test"
    )


@pytest.mark.parametrize("field", sorted(LINKS))
@pytest.mark.parametrize(
    "uri",
    [
        "ftp://rp.example.dk/x",
        "javascript:alert(1)",
        "/relative/logo.png",
        "http://rp.example.dk/x",
        "https://rp.example.dk/x#top",
        "https://rp.example.dk/" + "a" * 500,
    ],
)
def test_a_bad_link_is_refused_with_its_field(app, field, uri):
    with app.app_context():
        with pytest.raises(InvalidInput) as refused:
            _create(**{field: uri})
        assert refused.value.field == field
        assert clients.list_clients() == []


def test_links_are_set_at_create_changed_and_cleared_at_update(app):
    with app.app_context():
        client, _ = _create(**{**LINKS, "policy_uri": "http://localhost:8080/privacy"})
        assert (client.logo_uri, client.tos_uri) == (LINKS["logo_uri"], LINKS["tos_uri"])
        assert client.policy_uri == "http://localhost:8080/privacy"  # loopback may use http
        edit = {
            "redirect_uris": client.redirect_uris,
            "post_logout_redirect_uris": [],
            "grant_types": client.grant_types,
            "actor": "test",
        }
        clients.update_client(client, info_uris={"logo_uri": "", "tos_uri": None}, **edit)
        assert client.logo_uri is None and client.tos_uri is None
        assert client.policy_uri == "http://localhost:8080/privacy"  # not named: unchanged
        with pytest.raises(InvalidInput) as refused:
            clients.update_client(client, info_uris={"tos_uri": "https://x.dk/#f"}, **edit)
        assert refused.value.field == "tos_uri"
        # The longest allowed is 512 characters.
        longest = "https://rp.example.dk/" + "a" * (512 - len("https://rp.example.dk/"))
        clients.update_client(client, info_uris={"logo_uri": longest}, **edit)
        assert client.logo_uri == longest


def _consent_page(app, client, **links):
    rp = make_client(app, first_party=False, info_uris=links)
    user = make_user(app)
    response = client.get("/authorize", query_string=auth_params(rp, pkce_pair()[1]))
    done = login(client, user, start=response.location)
    page = client.get(done.location)
    assert page.status_code == 200 and "decision" in page.get_data(as_text=True)
    return page


def test_consent_page_shows_the_logo_and_links_when_set(app, client):
    page = _consent_page(app, client, **LINKS)
    html = page.get_data(as_text=True)
    logo = re.search(r'<img [^>]*id="client-logo"[^>]*>', html).group(0)
    assert f'src="{LINKS["logo_uri"]}"' in logo and 'alt="Test RP logo"' in logo
    assert 'class="idp-client-logo"' in logo and "style=" not in logo
    assert f'href="{LINKS["policy_uri"]}"' in html and f'href="{LINKS["tos_uri"]}"' in html
    # Only this page, and only with a logo, lets images come from another (https) origin.
    assert "img-src 'self' data: https:;" in page.headers["Content-Security-Policy"]


def test_consent_page_shows_no_logo_or_links_when_unset(app, client):
    page = _consent_page(app, client)
    html = page.get_data(as_text=True)
    assert "client-logo" not in html and "client-links" not in html
    assert "<img" not in html
    assert "img-src 'self' data:;" in page.headers["Content-Security-Policy"]


def test_consent_page_with_only_a_policy_links_it_alone(app, client):
    html = _consent_page(app, client, policy_uri=LINKS["policy_uri"]).get_data(as_text=True)
    assert 'id="client-policy"' in html
    assert 'id="client-tos"' not in html and 'id="client-logo"' not in html
