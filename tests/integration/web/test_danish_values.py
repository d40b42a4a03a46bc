"""In Danish, no page shows an internal key or an English label: with data in every list, the
pages are rendered through the test client, their tags stripped, and the text searched for the
stored values of idp/models/enums.py (those that are not also Danish words), the dotted audit
action keys, Python reprs and the English words of idp/services/wording.py and the audit."""

from __future__ import annotations

import io
import re
from typing import Any

from flask import Flask

from idp.extensions import db
from idp.import_worker import ImportWorker
from idp.models import AccessRequest
from idp.services import orgs
from idp.services.lifecycle.imports import import_users
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
from tests.support.danish_text import DanishCheck
from tests.support.helpers import (
    auth_params,
    csrf_of,
    login,
    make_client,
    make_user,
    pkce_pair,
)


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
    upload = http.post(
        "/admin/import",
        data={"csrf_token": token(http), "file": (io.BytesIO(csv), "people.csv")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 303, upload.status_code
    ImportWorker(app).run_once()  # the check runs in the background
    report = http.get(upload.headers["Location"])
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


def test_every_page_with_data_shows_values_in_danish(app: Flask) -> None:
    people = _people(app)
    pages = _admin_pages(app, people) + _consent_pages(app, people["anna"]) + _journey_page(app)
    check = DanishCheck(app)
    problems = {name: found for name, page in pages if (found := check.leaks(page))}
    assert not problems, problems
