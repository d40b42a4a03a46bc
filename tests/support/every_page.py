"""Data in every list, and every GET page of the URL map, for the browser test that visits all
pages (tests/browser/test_every_page.py).

``seed`` fills one organisation through the operator's CLI and the services, so that every
admin list and every account page has rows: imported, pending and active people, a code
display in stock and one assigned, proofing records, audit events, an access request, a
registered service and a consent. ``pages`` turns each GET rule of ``app.url_map`` into a
path, its parameters filled from that data; a rule it cannot fill fails the test, so a new page
is visited from the day it is added."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask

from idp.extensions import db
from idp.import_worker import ImportWorker
from idp.models import Client, Organisation, User
from idp.services.lifecycle import access_requests, import_jobs
from idp.services.oauth import consent

from .e2e import Smtp, activation_link, cli, write_csv
from .helpers import TestClient, TestUser, auth_params, make_user, pkce_pair
from .saml import serving, sp_metadata

CVR = "12345678"
ORG_NAME = "Eksempel Kommune"
# The people who log in to look at the pages: None is the anonymous visitor.
ROLES = ("user_admin", "registrar", "org_admin")
PERSONAS: tuple[str | None, ...] = (None, "employee", *ROLES)
# Usernames of people, never equal to a stored value (the Danish check would take the
# registrar's username "registrar" for the untranslated role).
USERNAMES = {"user_admin": "ulla.admin", "registrar": "rita.registrator", "org_admin": "ole.org"}
IMPORTED = [  # username, name, e-mail, RID
    ("ida.imported", "Ida Importeret", "ida@example.dk", "5001"),
    ("per.pending", "Per Ventende", "per@example.dk", "5002"),
    ("kim.koder", "Kim Kodeviser", "kim@example.dk", "5003"),
]
CODE_DISPLAYS = (
    "serial,secret,encoding,digits,period,algorithm\n"
    "CD-1001,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,base32,6,30,SHA1\n"
    "CD-1002,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJR,base32,6,30,SHA1\n"
)
# Not pages: protocol endpoints answering JSON or files (and the static files the pages load,
# which the checks on each page cover as sub-requests).
SKIPPED = {
    "static": "static files (CSS, JS, images): checked as each page's sub-requests",
    "health.ready": "the load balancer's readiness check, JSON",
    "health.live": "the orchestrator's liveness check, JSON",
    "metrics.scrape": "Prometheus text format for a scraper (test_metrics.py)",
    "oidc.userinfo": "OIDC UserInfo, JSON for relying parties (needs a bearer token)",
    "admin.import_report": "an import's invalid rows as a CSV download (test_import_page.py)",
    "admin.export_users": "a CSV download (tests/integration/admin/test_export.py)",
    "admin.export_imported": "a CSV download (tests/integration/admin/test_export.py)",
}
# /token, /jwks and /.well-known/openid-configuration are not GET rules of the URL map
# (POST only, or served by idp/web/documents.py): nothing to skip there.


@dataclass
class Seeded:
    people: dict[str, TestUser]  # persona -> the person who logs in
    pending_id: int  # a person whose activation link was mailed
    imported_id: int  # a person imported, not yet activated
    service_id: str  # the organisation's registered service (client_id)
    activation_token: str
    authorize_query: str  # a valid authorization request for a service not consented to
    import_job_id: int  # an employee file checked in the background, with an invalid row


def seed(app: Flask, smtp: Smtp, tmp_path: Path) -> Seeded:
    """One organisation with data in every list; the people who look at the pages."""
    cli(app, f"orgs create --cvr {CVR} --name '{ORG_NAME}' --json")
    cli(app, f"orgs configure {CVR} --route-cap in_person=Substantial --allow-access-requests")
    people = {"employee": make_user(app, "emil.employee", cvr=CVR)}
    for role in ROLES:
        people[role] = make_user(app, USERNAMES[role], cvr=CVR)
        cli(app, f"admins grant {people[role].username} {role} --org {CVR}")
    rows = [{"rid": r, "username": u, "name": n, "email": e} for u, n, e, r in IMPORTED]
    cli(app, f"users import {write_csv(tmp_path / 'people.csv', rows)} --org {CVR} --json")
    cli(app, f"users activate {IMPORTED[1][0]} --org {CVR} --login-means app --json")
    (tmp_path / "displays.csv").write_text(CODE_DISPLAYS, encoding="utf-8")
    cli(app, f"tokens import {tmp_path / 'displays.csv'} --org {CVR} --json")
    cli(app, f"means assign {IMPORTED[2][0]} --serial CD-1001 --json")
    registrar = people["registrar"].username
    for username in (IMPORTED[1][0], IMPORTED[2][0]):
        cli(
            app,
            f"proofing in-person {username} --registrar {registrar} --document passport "
            "--last4 1234 --expires 2031-05-01 --json",
        )
    smtp.start()
    cli(app, "mail send")
    mails = smtp.handler.wait_for(1)
    link = next(activation_link(m) for m in mails if IMPORTED[1][2] in str(m["To"]))
    return Seeded(
        people=people,
        pending_id=_user_id(app, IMPORTED[1][0]),
        imported_id=_user_id(app, IMPORTED[0][0]),
        service_id=_services(app, people["employee"], tmp_path),
        activation_token=link.rsplit("/", 1)[1],
        authorize_query=_authorize_query(app),
        import_job_id=_import_job(app, people["user_admin"].username),
    )


def _user_id(app: Flask, username: str) -> int:
    with app.app_context():
        return db.session.query(User).filter_by(username=username).one().id


def _services(app: Flask, employee: TestUser, tmp_path: Path) -> str:
    """The organisation's service (consented to by the employee), a service of another kind
    for the authorization request, a SAML service and a pending access request; returns the
    first's id."""
    result = cli(
        app,
        f"clients add --name Lønportal --org {CVR} --redirect-uri https://lon.example.dk/cb "
        "--post-logout-redirect-uri https://lon.example.dk/farvel --json",
    )
    cli(
        app,
        f"clients add --name Intranet --org {CVR} --redirect-uri https://intra.example.dk/cb "
        "--public --json",
    )
    metadata = tmp_path / "saml-sp.xml"
    metadata.write_bytes(sp_metadata())
    cli(app, f"saml sp add --metadata {metadata} --org {CVR} --json")
    with serving() as (base, served):  # one from an URL too: its row has a refresh button
        served["/md.xml"] = sp_metadata(entity_id="https://saml.intranet.example.dk")
        cli(app, f"saml sp add --metadata {base}/md.xml --org {CVR} --name Intranet --json")
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=CVR).one()
        person = db.session.get(User, employee.id)
        client = db.session.query(Client).filter_by(client_id=result["client_id"]).one()
        assert person is not None
        consent.grant_consent(person, client, "openid profile email")
        access_requests.submit(
            org,
            issuer="https://private-eid.example.dk",
            subject="pia-0001",
            level="Substantial",
            name="Pia Pedersen",
            email="pia.pedersen@example.dk",
        )
        db.session.remove()
    return str(result["client_id"])


def _import_job(app: Flask, admin: str) -> int:
    """A checked import job (the worker run once): its page has a summary and invalid rows."""
    rows = "rid;name;email\n6001;Ole Olsen;ole@example.dk\n6002;Bo;ikke-en-adresse\n"
    with app.app_context():
        org = db.session.query(Organisation).filter_by(cvr=CVR).one()
        job = import_jobs.create_job(org, rows.encode(), filename="ansatte.csv", actor=admin)
        job_id = job.id
        db.session.remove()
    ImportWorker(app).run_once()
    return job_id


def _authorize_query(app: Flask) -> str:
    with app.app_context():
        client = db.session.query(Client).filter_by(name="Intranet").one()
        target = TestClient(client.client_id, None, "https://intra.example.dk/cb")
        db.session.remove()
    return urlencode(auth_params(target, pkce_pair()[1]))


def pages(app: Flask, data: Seeded) -> dict[str, str]:
    """endpoint -> path of every GET rule of the URL map but ``SKIPPED``, and a path that
    matches no rule."""
    fill = {
        "token": data.activation_token,
        "user_id": str(data.pending_id),
        "client_id": data.service_id,
        "key": "{key}",
        "job_id": str(
            data.import_job_id
        ),  # a pending authorization request's key: known once a browser has one
    }
    found: dict[str, str] = {}
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in SKIPPED:
            continue
        missing = set(rule.arguments) - set(fill)
        assert not missing, f"{rule.rule}: no seeded value for {missing}; add one to fill"
        path = rule.rule
        for name in rule.arguments:
            path = _filled(path, name, fill[name])
        found[rule.endpoint] = path
    found["admin.registrar_person"] = f"/admin/registrar/{data.imported_id}"
    found["oidc.authorize"] = "/authorize?" + data.authorize_query
    found["(no such page)"] = "/no-such-page"  # the 404 page, in the product's layout
    return dict(sorted(found.items()))


def _filled(path: str, name: str, value: str) -> str:
    for pattern in (f"<{name}>", f"<int:{name}>", f"<path:{name}>", f"<string:{name}>"):
        path = path.replace(pattern, value)
    return path
