"""What the fuzz pass (test_fuzz.py) found, each pinned by a test of its own."""

from __future__ import annotations

import io

import pytest

from tests.support.helpers import auth_params, csrf_of, make_client, pkce_pair, query_of


def test_an_unknown_response_type_is_not_quoted_into_the_error(app, client):
    rp = make_client(app)
    _verifier, challenge = pkce_pair()
    params = auth_params(rp, challenge, response_type='"Ærø"')
    response = client.get("/authorize", query_string=params)
    assert response.status_code == 302
    assert query_of(response.location)["error"] == "unsupported_response_type"


def test_an_authorization_request_too_large_for_the_cookie_is_refused(app, client):
    rp = make_client(app)
    _verifier, challenge = pkce_pair()
    response = client.get("/authorize", query_string=auth_params(rp, challenge, state="s" * 3000))
    assert response.status_code == 302
    assert query_of(response.location)["error"] == "invalid_request"


def test_a_username_too_long_for_the_cookie_is_refused(client):
    token = csrf_of(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"csrf_token": token, "username": "a" * 5000})
    assert response.status_code == 200
    assert "That username is too long." in response.get_data(as_text=True)
    assert all(len(c) < 4000 for c in response.headers.getlist("Set-Cookie"))


def test_an_id_beyond_any_column_is_a_404(admin_http):
    assert admin_http.get("/admin/people/" + "9" * 40).status_code == 404


def test_a_search_longer_than_any_value_is_a_plain_400(admin_http):
    response = admin_http.get("/admin/imported", query_string={"q": "a" * 60_000})
    assert response.status_code == 400
    assert "Search for at most 254 characters" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path,field", [("/admin/import", "file"), ("/admin/login-means/upload", "seed_file")]
)
def test_a_csv_header_over_the_field_limit_is_a_clear_refusal(admin_http, path, field):
    data = {"csrf_token": admin_http.csrf, field: (io.BytesIO(b"A" * 200_000), "x.csv")}
    response = admin_http.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not valid CSV" in response.get_data(as_text=True)


def test_a_service_refusal_no_view_handles_is_a_page_with_its_status(make_app):
    # The access-request search does not catch the search bound itself: the one handler for
    # service errors renders it (400, translated), never a 500. (It searches only on a server
    # with a private eID provider; nothing is fetched from it here.)
    app = make_app(private_eid_issuer="https://eid.example.dk", private_eid_client_id="lokal")
    response = app.test_client().get("/request-access", query_string={"q": "a" * 300})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Search for at most 254 characters" in response.get_data(as_text=True)
