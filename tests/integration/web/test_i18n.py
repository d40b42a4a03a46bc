"""Pages are Danish by default and English on request (Accept-Language or ui_locales); the Danish
catalogue translates every message, and translations/messages.pot matches the sources."""

from __future__ import annotations

import io
import re
import shlex
from pathlib import Path
from typing import Any

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from flask import Flask

from idp.import_worker import ImportWorker
from tests.support.helpers import (
    ROOT,
    auth_params,
    csrf_of,
    login,
    make_client,
    make_org,
    make_user,
    pkce_pair,
)

TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[a-z]")


def browser(app: Flask, language: str | None) -> Any:
    """A test client whose browser asks for ``language``, or sends no Accept-Language at all."""
    http = app.test_client()
    http.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    if language:
        http.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return http


def catalogue(path: Path) -> Any:
    with path.open("rb") as fh:
        return read_po(fh)


def msgids(catalog: Any) -> set[str]:
    return {message.id for message in catalog if message.id}


def test_login_page_is_danish_by_default(app: Flask) -> None:
    html = browser(app, None).get("/login/").get_data(as_text=True)
    assert '<html lang="da">' in html
    assert "Log ind" in html and "Brugernavn" in html and "Fortsæt" in html
    assert "Username" not in html


def test_messages_from_python_code_are_danish_too(app: Flask) -> None:
    http = browser(app, None)
    token = csrf_of(http.get("/login/").get_data(as_text=True))
    html = http.post("/login/", data={"csrf_token": token, "username": ""}).get_data(as_text=True)
    assert "Indtast dit brugernavn." in html


def test_login_page_is_english_when_the_browser_asks_for_it(app: Flask) -> None:
    html = browser(app, "en").get("/login/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html and "Username" in html
    assert "Brugernavn" not in html


def test_danish_browser_gets_danish(app: Flask) -> None:
    html = browser(app, "da-DK,da;q=0.9,en;q=0.5").get("/login/").get_data(as_text=True)
    assert '<html lang="da">' in html and "Brugernavn" in html


def test_ui_locales_en_beats_a_danish_browser(app: Flask) -> None:
    rp = make_client(app)
    _, challenge = pkce_pair()
    http = browser(app, "da")
    response = http.get("/authorize", query_string=auth_params(rp, challenge, ui_locales="en"))
    assert response.status_code == 302 and "/login/" in response.location
    html = http.get(response.location).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html and "Username" in html
    assert "Brugernavn" not in html


def test_activation_link_problem_page_is_danish_by_default(app: Flask) -> None:
    response = browser(app, None).get("/activate/not-a-token")
    html = response.get_data(as_text=True)
    assert '<html lang="da">' in html
    assert "Dette aktiveringslink kan ikke bruges" in html
    assert "Din administrator kan sende dig en ny aktiveringsmail." in html


def forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """A message's text as a tuple: one form, or singular and plural."""
    return text if isinstance(text, tuple) else (text,)


def test_danish_catalogue_translates_every_message() -> None:
    template = msgids(catalogue(TRANSLATIONS / "messages.pot"))
    danish = {m.id: m for m in catalogue(TRANSLATIONS / "da" / "LC_MESSAGES" / "messages.po")}
    untranslated = sorted(
        (i for i in template if i not in danish or not all(forms(danish[i].string))), key=str
    )
    assert not untranslated, f"no Danish translation (run `make translations`): {untranslated}"
    fuzzy = sorted((i for i, m in danish.items() if i and m.fuzzy), key=str)
    assert not fuzzy, f"fuzzy Danish entries: {fuzzy}"
    for msgid in template:
        wanted = sorted(PLACEHOLDER.findall(forms(msgid)[-1]))
        for text in forms(danish[msgid].string):
            assert sorted(PLACEHOLDER.findall(text)) == wanted, msgid
    english = msgids(catalogue(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"))
    assert template <= english, "the English catalogue is behind: run `make translations`"


def test_template_is_up_to_date_with_the_sources(tmp_path: Path) -> None:
    extracted = tmp_path / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l"]
    argv += [
        "-k",
        "lazy_gettext",
        "-k",
        "N_",
        "-o",
        str(extracted),
        str(ROOT),
    ]  # as `make translations`
    CommandLineInterface().run(argv)
    current = msgids(catalogue(extracted))
    stored = msgids(catalogue(TRANSLATIONS / "messages.pot"))
    assert current == stored, (
        "translations/messages.pot is out of date: run `make translations` and translate; "
        f"new: {sorted(current - stored, key=str)}, gone: {sorted(stored - current, key=str)}"
    )


def _short_password_page(app: Flask, language: str | None) -> str:
    """The activation journey's password step refusing a password that is too short."""
    from tests.support.activation import _link, _path, _post, _proof_in_person, _run, make_imported

    make_org(app)
    make_imported(app, "anna")
    assert _run(app, "users activate anna --org 12345678 --login-means app").exit_code == 0
    _proof_in_person(app, "anna")
    http = browser(app, language)
    path = _path(_link(app, "anna"))
    page = http.get(path)
    response = _post(http, path + "/password", page, password="kort1", password2="kort1")
    assert response.status_code == 400
    return str(response.get_data(as_text=True))


def test_a_service_refusal_is_danish_on_a_danish_page(app: Flask) -> None:
    html = _short_password_page(app, None)
    assert "Adgangskoden skal være på mindst 12 tegn" in html
    assert "The password must be at least" not in html


def test_a_service_refusal_is_english_on_an_english_page(app: Flask) -> None:
    html = _short_password_page(app, "en")
    assert "The password must be at least 12 characters" in html


def test_the_locked_login_means_message_is_danish_by_default(make_app: Any) -> None:
    from tests.support.one_time_codes import _try, _wrong

    locked_app = make_app(otp_max_failures=3, otp_lock_seconds=600)
    person = make_user(locked_app)
    for _ in range(3):
        _try(locked_app, person.username, _wrong(person))
    danish = login(browser(locked_app, None), person).get_data(as_text=True)
    assert "Dit loginmiddel er låst efter for mange forkerte koder." in danish
    english = login(browser(locked_app, "en"), person).get_data(as_text=True)
    assert "Your login means is locked after too many wrong codes." in english


def test_import_row_errors_are_in_the_language_of_the_page(app: Flask) -> None:
    admin = make_user(app, "boss")
    granted = app.test_cli_runner().invoke(
        args=shlex.split("admins grant boss user_admin --org 12345678")
    )
    assert granted.exit_code == 0, granted.output
    http = browser(app, "da")
    login(http, admin)
    content = b"rid,name,email\n9001,Anna Jensen,anna@example.dk\n9002,Cy Bad,not-an-email\n"

    def dry_run(language: str) -> str:
        http.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        token = csrf_of(http.get("/login/").get_data(as_text=True))
        data = {"csrf_token": token, "file": (io.BytesIO(content), "people.csv")}
        upload = http.post("/admin/import", data=data, content_type="multipart/form-data")
        assert upload.status_code == 303
        ImportWorker(app).run_once()  # the check runs in the background
        return http.get(upload.headers["Location"]).get_data(as_text=True)

    danish = dry_run("da")
    assert "email: ikke en gyldig e-mailadresse" in danish
    assert "not a valid e-mail address" not in danish
    english = dry_run("en")
    assert "email: not a valid e-mail address" in english
    assert "ikke en gyldig" not in english
