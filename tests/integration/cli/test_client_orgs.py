"""Every client the CLI registers is a service of an organisation (`idp clients add --org CVR`):
it shows under that organisation's Tjenester and nowhere else; an organisation-less client
(one made before the rule) is put into an organisation with `idp clients update --org`, and
`idp clients list` says whose each client is. `idp demo` does the same for the demo client."""

from __future__ import annotations

import json
import shlex

from idp.extensions import db
from idp.models import Client
from idp.services.clients import create_client
from tests.support.admin import ORG, OTHER, admin, browser, text
from tests.support.helpers import make_org

ADD = "clients add --name Lønportal --redirect-uri https://lon.example.dk/cb"


def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def _admins(app):
    """Each organisation's administrator, logged in: their Tjenester page, by CVR."""
    make_org(app, ORG)
    make_org(app, OTHER, "Andet Firma ApS")
    http = {cvr: browser(app, admin(app, f"oa{cvr}", "org_admin", cvr=cvr)) for cvr in (ORG, OTHER)}
    return lambda cvr: text(http[cvr].get("/admin/services"))


def test_clients_add_requires_an_organisation(app):
    make_org(app)
    without = _run(app, ADD)
    assert without.exit_code == 2 and "Missing option '--org'" in without.output
    unknown = _run(app, f"{ADD} --org 11111111")
    assert unknown.exit_code == 1
    assert "Error: No organisation with CVR 11111111" in unknown.output
    assert "Traceback" not in unknown.output
    with app.app_context():
        assert db.session.query(Client).count() == 0


def test_a_cli_client_shows_in_its_organisations_services_only(app):
    services = _admins(app)
    added = _run(app, f"{ADD} --org {ORG} --json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.output)
    assert data["org"] == ORG
    assert data["client_id"] in services(ORG) and "Lønportal" in services(ORG)
    assert data["client_id"] not in services(OTHER)
    listed = json.loads(_run(app, "clients list --json").output)
    assert [(c["client_id"], c["org"]) for c in listed] == [(data["client_id"], ORG)]
    assert f"{data['client_id']}  {ORG}  Lønportal" in _run(app, "clients list").output


def _orphan(app) -> str:
    with app.app_context():
        client, _secret = create_client(
            name="Gammel portal", redirect_uris=["https://old.example.dk/cb"], actor="test"
        )
        return client.client_id


def test_an_organisation_less_client_is_put_into_an_organisation(app):
    services = _admins(app)
    client_id = _orphan(app)
    assert f"{client_id}  -  Gammel portal" in _run(app, "clients list").output
    assert client_id not in services(ORG)
    unknown = _run(app, f"clients update {client_id} --org 11111111")
    assert unknown.exit_code == 1 and "No organisation with CVR 11111111" in unknown.output
    moved = _run(app, f"clients update {client_id} --org {ORG} --json")
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.output)["org"] == ORG
    assert client_id in services(ORG)
    # A client of one organisation is not taken from it.
    taken = _run(app, f"clients update {client_id} --org {OTHER}")
    assert taken.exit_code == 1 and "already belongs to another organisation" in taken.output
    assert _run(app, f"clients update {client_id} --org {ORG}").exit_code == 0  # no change
    listed = json.loads(_run(app, "clients list --json").output)
    assert [c["org"] for c in listed] == [ORG]


def test_demo_puts_its_client_in_the_demo_organisation(app):
    runner = app.test_cli_runner()
    with app.app_context():  # a demo client made before clients belonged to an organisation
        create_client(
            client_id="demo-rp",
            name="Demo relying party",
            redirect_uris=["http://127.0.0.1:5000/cb"],
            actor="test",
        )
    info = json.loads(runner.invoke(args=["demo", "--json"]).output)
    [row] = json.loads(_run(app, "clients list --json").output)
    assert row["client_id"] == "demo-rp" and row["org"] == info["organisation"]["cvr"]


def test_demo_creates_its_client_in_the_demo_organisation(app):
    info = json.loads(app.test_cli_runner().invoke(args=["demo", "--json"]).output)
    [row] = json.loads(_run(app, "clients list --json").output)
    assert row["client_id"] == "demo-rp" and row["org"] == info["organisation"]["cvr"]
