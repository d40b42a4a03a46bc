"""After a wrong one-time code the person is back at the password step with the username
kept, and the page still does not say which part was wrong."""

from __future__ import annotations

from tests.support.helpers import csrf_of, make_user


def test_a_wrong_code_keeps_the_username(app):
    user = make_user(app, "anna")
    http = app.test_client()
    csrf = csrf_of(http.get("/login/").get_data(as_text=True))
    http.post("/login/", data={"csrf_token": csrf, "username": "anna"})
    http.post("/login/password", data={"csrf_token": csrf, "password": user.password})
    wrong = "000000" if user.code() != "000000" else "111111"
    failed = http.post("/login/code", data={"csrf_token": csrf, "code": wrong})
    html = failed.get_data(as_text=True)
    assert failed.status_code == 200
    assert 'id="login-username">anna<' in html and 'id="login-error"' in html
    assert 'id="forgot-password"' in html
    # the password step again, for the same username: the right password and code log in
    again = http.post("/login/password", data={"csrf_token": csrf, "password": user.password})
    assert again.location.endswith("/login/code")
    done = http.post("/login/code", data={"csrf_token": csrf, "code": user.code()})
    assert done.status_code == 303 and "/login/" not in done.location


def test_a_wrong_password_and_a_wrong_code_read_the_same(app):
    user = make_user(app, "anna")

    def failure(password: str, code: str) -> str:
        http = app.test_client()
        csrf = csrf_of(http.get("/login/").get_data(as_text=True))
        http.post("/login/", data={"csrf_token": csrf, "username": "anna"})
        http.post("/login/password", data={"csrf_token": csrf, "password": password})
        page = http.post("/login/code", data={"csrf_token": csrf, "code": code})
        html = page.get_data(as_text=True)
        return html[html.index('id="login-error"') :][:200]

    wrong = "000000" if user.code() != "000000" else "111111"
    assert failure("not the password at all", user.code()) == failure(user.password, wrong)
