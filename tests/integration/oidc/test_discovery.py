"""Discovery lists exactly what is implemented (OIDC Discovery 1.0 §3)."""

from __future__ import annotations


def test_discovery_document(app, client):
    response = client.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json
    assert doc["issuer"] == "http://127.0.0.1:5000"
    assert doc["response_types_supported"] == ["code"]
    assert doc["response_modes_supported"] == ["query", "form_post"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert set(doc["grant_types_supported"]) == {
        "authorization_code",
        "refresh_token",
        "client_credentials",
    }
    assert doc["authorization_response_iss_parameter_supported"] is True
    assert "https://data.gov.dk/concept/core/nsis/loa/Substantial" in doc["acr_values_supported"]
    assert set(doc["id_token_signing_alg_values_supported"]) == {"RS256", "ES256"}
    assert "implicit" not in " ".join(doc["grant_types_supported"])


def test_every_advertised_endpoint_exists(app, client):
    doc = client.get("/.well-known/openid-configuration").json
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "introspection_endpoint",
        "end_session_endpoint",
    ):
        path = doc[key].removeprefix("http://127.0.0.1:5000")
        assert client.options(path).status_code != 404, key


def test_discovery_has_etag(app, client):
    etag = client.get("/.well-known/openid-configuration").headers["ETag"]
    assert (
        client.get("/.well-known/openid-configuration", headers={"If-None-Match": etag}).status_code
        == 304
    )


def test_documents_carry_security_headers_and_refuse_other_methods(app, client):
    for path in ("/.well-known/openid-configuration", "/jwks"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert client.head(path).status_code == 200
        assert client.post(path).status_code == 405
