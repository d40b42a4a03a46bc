"""Proofing routes other than private eID, organisation settings, and administrator
adjustments: every proofing writes a record and an audit event."""

from __future__ import annotations

import json
import shlex
from datetime import date, timedelta

from idp.extensions import db
from idp.models import AuditEvent, ProofingRecord, User
from tests.support.helpers import make_user


def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def _level(app, username):
    with app.app_context():
        return db.session.query(User).filter_by(username=username).one().identity_level


def _registrar(app, username="reg", cvr="12345678"):
    person = make_user(app, username, cvr=cvr)
    assert _run(app, f"admins grant {username} registrar --org {cvr}").exit_code == 0
    return person


def _future() -> str:
    return (date.today() + timedelta(days=365)).isoformat()


def test_in_person_proofing_records_substantial_with_evidence(app):
    person = make_user(app, "anna", ial=None)
    _registrar(app)
    result = _run(
        app,
        f"proofing in-person {person.username} --registrar reg "
        f"--document passport --last4 12ab --expires {_future()} --json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"route": "in_person", "level": "Substantial"}
    assert _level(app, "anna") == "Substantial"
    with app.app_context():
        record = db.session.query(ProofingRecord).filter_by(route="in_person").one()
        assert record.evidence == {
            "document_type": "passport",
            "last4": "12AB",
            "expires": _future(),
            "registrar": "reg",
        }
        assert db.session.query(AuditEvent).filter_by(action="proofing.recorded").count() >= 1


def test_expired_document_is_refused_and_nothing_changes(app):
    make_user(app, "anna", ial=None)
    _registrar(app)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    result = _run(
        app,
        f"proofing in-person anna --registrar reg --document passport "
        f"--last4 1234 --expires {yesterday}",
    )
    assert result.exit_code != 0
    assert "expired" in result.output
    assert _level(app, "anna") is None
    with app.app_context():
        assert db.session.query(ProofingRecord).filter_by(route="in_person").count() == 0


def test_registrar_must_be_of_the_same_organisation(app):
    make_user(app, "anna", ial=None)
    _registrar(app, "outsider", cvr="87654321")
    result = _run(
        app,
        f"proofing in-person anna --registrar outsider --document passport "
        f"--last4 1234 --expires {_future()}",
    )
    assert result.exit_code != 0
    assert "own organisation" in result.output
    assert _level(app, "anna") is None


def test_only_a_registrar_may_record(app):
    make_user(app, "anna", ial=None)
    make_user(app, "colleague")
    result = _run(
        app,
        f"proofing in-person anna --registrar colleague --document passport "
        f"--last4 1234 --expires {_future()}",
    )
    assert result.exit_code != 0 and "not a registrar" in result.output


def test_in_person_cap_is_configurable(app):
    make_user(app, "anna", ial=None)
    _registrar(app)
    _run(app, "orgs configure 12345678 --route-cap in_person=High --minimum-ial Low")
    _run(
        app,
        f"proofing in-person anna --registrar reg --document residence_card "
        f"--last4 9876 --expires {_future()}",
    )
    assert _level(app, "anna") == "High"


def test_attestation_is_low_and_off_by_default(app):
    make_user(app, "anna", ial=None)
    make_user(app, "boss")
    refused = _run(app, "proofing attest anna --manager boss")
    assert refused.exit_code != 0 and "does not accept the attestation route" in refused.output
    _run(app, "orgs configure 12345678 --enable-route attestation --minimum-ial Low")
    assert _run(app, "proofing attest anna --manager boss").exit_code == 0
    assert _level(app, "anna") == "Low"


def test_level_below_the_organisation_minimum_is_refused(app):
    make_user(app, "anna", ial=None)
    make_user(app, "boss")
    _run(app, "orgs configure 12345678 --enable-route attestation")  # minimum stays Substantial
    result = _run(app, "proofing attest anna --manager boss")
    assert result.exit_code != 0
    assert "requires at least Substantial" in result.output
    assert _level(app, "anna") is None


def test_reproofing_higher_raises_and_lower_does_not_lower(app):
    make_user(app, "anna", ial=None)
    make_user(app, "boss")
    _registrar(app)
    _run(app, "orgs configure 12345678 --enable-route attestation --minimum-ial Low")
    _run(app, "proofing attest anna --manager boss")
    assert _level(app, "anna") == "Low"
    _run(
        app,
        f"proofing in-person anna --registrar reg --document passport --last4 1234 "
        f"--expires {_future()}",
    )
    assert _level(app, "anna") == "Substantial"
    _run(app, "proofing attest anna --manager boss")
    assert _level(app, "anna") == "Substantial"


def test_administrator_lowers_and_revokes_with_a_reason(app):
    make_user(app, "anna", ial="Substantial")
    assert _run(app, "proofing adjust anna --level High --reason x").exit_code != 0  # no raising
    assert _run(app, "proofing adjust anna --level Low --reason 'doubt'").exit_code == 0
    assert _level(app, "anna") == "Low"
    assert _run(app, "proofing adjust anna --level none --reason 'left'").exit_code == 0
    assert _level(app, "anna") is None
    listed = json.loads(_run(app, "proofing list anna --json").output)
    assert [r["route"] for r in listed["records"]] == ["operator", "adjustment", "adjustment"]


def test_operator_attested_level_is_a_proofing_record(app):
    make_user(app, "anna", ial="Substantial")
    with app.app_context():
        record = db.session.query(ProofingRecord).one()
        assert (record.route, record.level, record.actor) == ("operator", "Substantial", "test")


def test_orgs_configure_validates(app):
    make_user(app)
    assert "Unknown proofing route" in _run(app, "orgs configure 12345678 --enable-route x").output
    assert "at most Low" in _run(app, "orgs configure 12345678 --route-cap attestation=High").output
    ok = _run(
        app, "orgs configure 12345678 --disable-route in_person --allow-access-requests --json"
    )
    data = json.loads(ok.output)
    assert data["routes"]["in_person"]["enabled"] is False
    assert data["allow_access_requests"] is True
