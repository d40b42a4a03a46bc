"""A one-time code is ASCII digits only: a right code typed in full-width (or other Unicode)
digits is a wrong code at every place a code is typed, counted as a failure, never a 500."""

from __future__ import annotations

import re

import pyotp
import pytest

from idp.extensions import db
from idp.models import Authenticator
from idp.services.means import otp
from tests.support.activation import _link, _path, _post, _proof_in_person, _run, make_imported
from tests.support.helpers import csrf_of, login, make_user
from tests.support.one_time_codes import SECRET, SERIAL, _import

FULL_WIDTH = {ord(d): ord(d) + 0xFEE0 for d in "0123456789"}  # '1' -> U+FF11


def full_width(code: str) -> str:
    return code.translate(FULL_WIDTH)


def _failures(app, **where) -> int:
    with app.app_context():
        auth = db.session.query(Authenticator).filter_by(**where).one()
        return auth.failed_attempts


@pytest.mark.parametrize(
    "typed",
    [
        "\uff11\uff12\uff13\uff14\uff15\uff16",  # full-width
        "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic
        "\u00b9\u00b2\u00b3\u2074\u2075\u2076",  # superscript
        "12345\uff16",
        "",
        "12 34-56x",
    ],
)
def test_only_ascii_digits_make_a_code(typed):
    assert otp.normalise_code(typed) is None


def test_ascii_digits_with_spaces_and_dashes_still_make_a_code():
    assert otp.normalise_code(" 123 456 ") == "123456"
    assert otp.normalise_code("123-456") == "123456"


def test_full_width_code_at_login_is_a_counted_wrong_code(app, client):
    person = make_user(app)
    answer = login(client, person, code=full_width(person.code()))
    assert answer.status_code == 200
    assert "The username, password or code is not right" in answer.get_data(as_text=True)
    assert _failures(app, user_id=person.id) == 1
    assert client.get("/account/").status_code == 302


def _enrolment(client, person):
    login(client, person)  # no login means yet: password only
    page = client.get("/account/means/").get_data(as_text=True)
    shown = client.post("/account/means/app", data={"csrf_token": csrf_of(page)})
    html = shown.get_data(as_text=True)
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    return html, secret


def test_full_width_code_confirming_an_app_at_account_means(app, client):
    person = make_user(app, totp=False)
    html, secret = _enrolment(client, person)
    answer = client.post(
        "/account/means/app/confirm",
        data={"csrf_token": csrf_of(html), "code": full_width(pyotp.TOTP(secret).now())},
    )
    assert answer.status_code == 400
    assert "The code is not right" in answer.get_data(as_text=True)
    assert _failures(app, user_id=person.id, status="assigned") == 1


def test_full_width_code_binding_a_code_display_at_account_means(app, client, frozen_clock):
    person = make_user(app, totp=False)
    _import(app)
    login(client, person)
    page = client.get("/account/means/").get_data(as_text=True)
    code = otp.code_at(SECRET, otp.time_step(frozen_clock.t), digits=8)
    answer = client.post(
        "/account/means/code-display",
        data={"csrf_token": csrf_of(page), "serial": SERIAL, "code": full_width(code)},
    )
    assert answer.status_code == 400
    assert _failures(app, serial=SERIAL, status="in_stock") == 1


def _activation_at_login_means(app, client, username, means):
    make_imported(app, username)
    if means == "code_display":
        _import(app)
    _run(app, f"users activate {username} --org 12345678 --login-means {means}")
    _proof_in_person(app, username)
    path = _path(_link(app, username))
    page = client.get(path)
    passphrase = "a fine long passphrase"
    _post(client, path + "/password", page, password=passphrase, password2=passphrase)
    return path, client.get(path)


def test_full_width_code_confirming_an_app_in_the_activation_journey(app, client):
    path, page = _activation_at_login_means(app, client, "anna", "app")
    qr = _post(client, path + "/app", page)
    secret = re.search(r'<code id="secret">([A-Z2-7 ]+)</code>', qr.get_data(as_text=True))
    code = pyotp.TOTP(secret.group(1).replace(" ", "")).now()
    answer = _post(client, path + "/app/confirm", qr, code=full_width(code))
    assert answer.status_code == 400
    assert "The code is not right" in answer.get_data(as_text=True)
    assert _failures(app, status="assigned", type="app") == 1


def test_full_width_code_binding_a_code_display_in_the_activation_journey(
    app, client, frozen_clock
):
    path, page = _activation_at_login_means(app, client, "bo", "code_display")
    code = otp.code_at(SECRET, otp.time_step(frozen_clock.t), digits=8)
    answer = _post(client, path + "/code-display", page, serial=SERIAL, code=full_width(code))
    assert answer.status_code == 400
    assert _failures(app, serial=SERIAL, status="in_stock") == 1
