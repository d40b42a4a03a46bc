"""In Danish, no page shows an internal key or an English label: with data in every list, the
pages are rendered through the test client, their tags stripped, and the text searched for the
stored values of idp/models/enums.py (those that are not also Danish words), the dotted audit
action keys, Python reprs and the English words of idp/services/wording.py and the audit."""

from __future__ import annotations

import html as entities
import io
import re
from typing import Any

from flask import Flask
from flask_babel import force_locale, gettext

from idp.extensions import db
from idp.models import AccessRequest
from idp.services import orgs
from idp.services.lifecycle.imports import import_users
from idp.services.wording import WORDS
from idp.web import audit_text, labels
from tests.support.activation import _link, _path, _run
from tests.support.admin import (
    ORG,
    PSKC,
    admin,
    browser,
    future,
    import_seed_file,
    pending_person,
    register_service,
    text,
    token,
)
from tests.support.helpers import (
    auth_params,
    csrf_of,
    login,
    make_client,
    make_user,
    pkce_pair,
)

DANISH_WORDS = {"app", "sent", "attestation"}  # stored values that are Danish words too
SCOPES = ("openid", "offline_access", "organization", "privileges")
# The import page names the CSV file's column headers, which are written as they are.
COLUMNS = re.compile(r"\b(username|privileges|login_means|given_name|family_name)\b(?=[ ,]| og)")
REPRS = ("None", "True", "False", "{'", "UTC")


def _keys() -> set[str]:
    values = {m.value for kind in WORDS for m in kind if m.value.lower() not in DANISH_WORDS}
    values |= set(labels.SUBJECT_TYPES) | set(audit_text.METHODS)
    return values | {"totp_app"} | set(audit_text.ACTIONS) | set(SCOPES)


def _english(app: Flask) -> set[str]:
    """The English words that have a different Danish translation."""
    texts = {text for table in WORDS.values() for text in table.values()}
    texts |= set(labels.SCOPE_WORDS.values()) | set(audit_text.FIELDS.values())
    texts |= {short for short, _ in audit_text.ACTIONS.values()}
    with app.test_request_context("/"), force_locale("da"):
        return {text for text in texts if gettext(text) != text}


def _text(page: str) -> str:
    page = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", page)
    return COLUMNS.sub(" ", entities.unescape(re.sub(r"<[^>]+>", " ", page)))


def _danish(http: Any) -> Any:
    http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "da"
    return http


def _people(app: Flask) -> dict[str, int]:
    boss = admin(app, "boss", "user_admin", "registrar", "org_admin")
    anna = make_user(app, "anna")
    expires = future()
    registrar = "proofing in-person anna --registrar boss --document passport --last4 7788"
    registrar += f" --expires {expires}"
    assert _run(app, registrar).exit_code == 0
    pia = pending_person(app, "pia")
    with app.app_context():
        org = orgs.get_by_cvr(ORG)
        rows = b"rid,name,email,cpr\n9001,Ida Ibsen,ida@example.dk,\n"
        import_users(org, rows, source="test", dry_run=False, skip_invalid=False, actor="boss")
        db.session.add(
            AccessRequest(
                org_id=org.id,
                issuer="https://op",
                subject="s1",
                level="Substantial",
                name="Rasmus Rask",
                email="rasmus@example.dk",
            )
        )
        db.session.commit()
    return {"boss": boss, "anna": anna, "pia": pia}  # type: ignore[dict-item]


def _journey_page(app: Flask) -> list[tuple[str, str]]:
    """The first step of an activation journey (it names the organisation's minimum level)."""
    assert _run(app, f"users activate ida --org {ORG} --login-means app").exit_code == 0
    response = _danish(app.test_client()).get(_path(_link(app, "ida")))
    assert response.status_code == 200
    return [("activation", response.get_data(as_text=True))]


def _consent_pages(app: Flask, anna: Any) -> list[tuple[str, str]]:
    rp = make_client(app, first_party=False)
    http = _danish(app.test_client())
    start = http.get(
        "/authorize",
        query_string=auth_params(
            rp, pkce_pair()[1], scope="openid profile email organization privileges offline_access"
        ),
    )
    done = login(http, anna, start=start.location)
    consent = http.get(done.location)
    page = consent.get_data(as_text=True)
    assert consent.status_code == 200 and "Dit navn" in page, page
    action = re.search(r'action="([^"]*consent[^"]*)"', page).group(1)
    http.post(action, data={"csrf_token": csrf_of(page), "decision": "allow"})
    pages = [("consent", page)]
    for path in ("/account/", "/account/means/", "/account/proofing"):
        response = http.get(path)
        assert response.status_code == 200, path
        pages.append((path, response.get_data(as_text=True)))
    return pages


def _admin_pages(app: Flask, people: dict[str, Any]) -> list[tuple[str, str]]:
    http = _danish(browser(app, people["boss"]))
    import_seed_file(http)
    anna, pia = people["anna"].id, people["pia"]
    paths = [
        "/admin/",
        "/admin/imported",
        "/admin/users",
        "/admin/audit",
        "/admin/login-means",
        "/admin/requests",
        "/admin/settings",
        "/admin/registrar",
        f"/admin/people/{anna}",
        f"/admin/people/{pia}",
        f"/admin/registrar/{anna}",
        "/admin/services",
    ]
    pages = []
    for path in paths:
        response = http.get(path)
        assert response.status_code == 200, path
        pages.append((path, response.get_data(as_text=True)))
    csv = b"rid,name,email,cpr\n9001,Ida Ibsen,ida@example.dk,\n9002,Bo,not-an-email,\n"
    csv += b"9003,Cy Holm,cy@example.dk,\n"
    report = http.post(
        "/admin/import",
        data={"csrf_token": token(http), "file": (io.BytesIO(csv), "people.csv")},
        content_type="multipart/form-data",
    )
    pages.append(("import report", report.get_data(as_text=True)))
    service = register_service(http)
    assert service.status_code == 201, service.status_code
    pages.append(("service secret", text(service)))
    client_id = re.search(r'href="/admin/services/([^"]+)"', text(http.get("/admin/services")))
    assert client_id, "no registered service"
    pages.append(("service", text(http.get(f"/admin/services/{client_id.group(1)}"))))
    seeds = PSKC.read_bytes()
    upload = http.post(
        "/admin/login-means/upload",
        data={"csrf_token": token(http), "seed_file": (io.BytesIO(seeds), "seeds.pskcxml")},
        content_type="multipart/form-data",
    )
    pages.append(("seed report", upload.get_data(as_text=True)))
    return pages


def _found(text: str, keys: set[str], english: set[str]) -> list[str]:
    hits = [k for k in keys if re.search(rf"(?<![\w.-]){re.escape(k)}(?![\w-])", text, re.I)]
    hits += [e for e in english if re.search(rf"(?<![\w-]){re.escape(e)}(?![\w-])", text)]
    return sorted(hits + [r for r in REPRS if r in text])


def test_every_page_with_data_shows_values_in_danish(app: Flask) -> None:
    people = _people(app)
    pages = _admin_pages(app, people) + _consent_pages(app, people["anna"]) + _journey_page(app)
    keys, english = _keys(), _english(app)
    problems = {
        name: found for name, page in pages if (found := _found(_text(page), keys, english))
    }
    assert not problems, problems
