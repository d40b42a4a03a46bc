"""Login pages: username -> password -> code; no enumeration; CSRF; session renewal."""

from __future__ import annotations

import re

from tests.support.helpers import csrf_of, login, make_user

GENERIC = "The username, password or code is not right"


def _attempt(client, username, password, code="000000"):
    token = csrf_of(client.get("/login/").get_data(as_text=True))
    client.post("/login/", data={"csrf_token": token, "username": username})
    after_password = client.post(
        "/login/password", data={"csrf_token": token, "password": password}
    )
    if after_password.status_code == 303 and after_password.location.endswith("/login/code"):
        return after_password, client.post("/login/code", data={"csrf_token": token, "code": code})
    return after_password, after_password


def test_login_with_password_and_code_starts_a_session(app, client):
    user = make_user(app)
    response = login(client, user)
    assert response.status_code == 303
    assert client.get("/account/").status_code == 200


def test_unknown_user_and_wrong_password_look_the_same(app, client):
    user = make_user(app)
    step_unknown, end_unknown = _attempt(client, "nobody", "whatever-password")
    step_wrong, end_wrong = _attempt(client, user.username, "wrong-password-123")
    # Both go on to the code step, and both fail with the same words.
    assert step_unknown.location == step_wrong.location
    assert GENERIC in end_unknown.get_data(as_text=True)
    assert GENERIC in end_wrong.get_data(as_text=True)
    assert end_unknown.status_code == end_wrong.status_code


def test_wrong_code_fails_with_the_same_message(app, client):
    user = make_user(app)
    _, end = _attempt(client, user.username, user.password, code="000000")
    assert GENERIC in end.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


def test_login_state_cookie_does_not_reveal_password_result(app, client):
    user = make_user(app)
    token = csrf_of(client.get("/login/").get_data(as_text=True))
    client.post("/login/", data={"csrf_token": token, "username": user.username})
    client.post("/login/password", data={"csrf_token": token, "password": user.password})
    cookie = client.get_cookie("idp_session").value
    import base64
    import zlib

    payload = cookie.split(".")[0] if not cookie.startswith(".") else cookie.split(".")[1]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.startswith("."):
        raw = zlib.decompress(raw)
    assert b'"ok"' not in raw and b"true" not in raw.lower()


def test_session_id_is_renewed_at_login(app, client):
    user = make_user(app)
    login(client, user)
    first = client.get_cookie("idp_session").value
    client.post(
        "/logout",
        data={
            "confirm": "yes",
            "csrf_token": csrf_of(client.get("/account/").get_data(as_text=True)),
        },
    )
    login(client, user, code=user.code(offset_steps=1))
    assert client.get_cookie("idp_session").value != first


def test_old_session_cookie_is_useless_after_logout(app, client):
    user = make_user(app)
    login(client, user)
    stolen = client.get_cookie("idp_session").value
    token = csrf_of(client.get("/account/").get_data(as_text=True))
    client.post("/logout", data={"confirm": "yes", "csrf_token": token})
    client.set_cookie("idp_session", stolen)
    assert client.get("/account/").status_code == 302


def test_session_cookie_flags(make_app):
    app = make_app(session_cookie_secure=True)
    client = app.test_client()
    user = make_user(app)
    response = login(client, user)
    header = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" in header


def test_forms_refuse_posts_without_csrf_token(app, client):
    make_user(app)
    response = client.post("/login/", data={"username": "anna"})
    assert response.status_code == 400
    response = client.post("/login/password", data={"password": "x"})
    assert response.status_code == 400
    assert client.get("/account/").status_code == 302


def test_password_lockout_after_too_many_failures(make_app):
    app = make_app(password_max_failures=3)
    client = app.test_client()
    user = make_user(app)
    for _ in range(3):
        _attempt(client, user.username, "wrong-password-123")
    # Now even the right password and code fail, with the same generic message.
    _, end = _attempt(client, user.username, user.password, code=user.code())
    assert GENERIC in end.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


def test_login_is_throttled_per_address(make_app):
    app = make_app(ratelimit_enabled=True, login_rate_limit="3 per minute")
    client = app.test_client()
    token = csrf_of(client.get("/login/").get_data(as_text=True))
    codes = [
        client.post("/login/", data={"csrf_token": token, "username": "x"}).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [303, 303, 303]
    assert codes[3] == 429


def test_security_headers_on_pages(app, client):
    response = client.get("/login/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_login_hint_prefills_username(app, client):
    page = client.get("/login/?login_hint=anna").get_data(as_text=True)
    assert re.search(r'name="username" value="anna"', page)
