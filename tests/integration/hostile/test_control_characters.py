"""Control characters refused at the edge (issue 9 §3): a NUL in a username once reached
PostgreSQL and answered 500; now every text input with a C0/C1 control character is a 400."""

from __future__ import annotations

import pytest

from tests.support.helpers import csrf_of, make_client

REFUSED = "The request contains characters that are not allowed."


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x1b[31m", "\x7f", "\x85"])
def test_control_character_in_the_username_is_a_plain_400(client, bad):
    token = csrf_of(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"csrf_token": token, "username": f"anna{bad}"})
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    # Nothing was kept for the next step.
    assert client.get("/login/password").status_code in (302, 303)


def test_nul_in_an_admin_search_is_a_plain_400(admin_http):
    response = admin_http.get("/admin/imported?q=%00")
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)


def test_control_character_in_a_parameter_name_is_refused(client):
    assert client.get("/login/?x%00y=1").status_code == 400


def test_tab_and_newline_stay_allowed(client):
    token = csrf_of(client.get("/login/").get_data(as_text=True))
    response = client.post("/login/", data={"csrf_token": token, "username": "anna\t\r\n"})
    assert response.status_code in (302, 303)


def test_protocol_endpoints_answer_invalid_request(app, client):
    rp = make_client(app)
    response = client.post(
        "/token",
        data={"grant_type": "client_credentials", "scope": "openid\x00"},
        auth=(rp.client_id, rp.client_secret),
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_request"
    assert response.headers["Cache-Control"] == "no-store"


def test_control_character_in_a_path_value_is_refused(client):
    assert client.get("/authorize/resume/abc%01def").status_code == 400
