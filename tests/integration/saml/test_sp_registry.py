"""SAML service providers registered from their metadata (`idp saml sp add|refresh|list|remove`):
NemLog-in-shaped metadata is accepted with what it asks for; hostile or weak metadata is refused
with a plain message and nothing stored; every act is audited."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from idp.extensions import db
from idp.models import AuditEvent, SamlServiceProvider
from idp.models.types import utcnow
from tests.support.helpers import make_org
from tests.support.saml import (
    ACS,
    ENTITY_ID,
    REQUESTED,
    certificate,
    serving,
    sha1_certificate,
    sp_metadata,
)

ORG = "12345678"


def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def _file(tmp_path: Path, data: bytes, name: str = "sp.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _stored(app) -> list[str]:
    with app.app_context():
        return [sp.entity_id for sp in db.session.query(SamlServiceProvider)]


def _actions(app) -> list[str]:
    with app.app_context():
        return [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.id)]


def test_nemlog_in_shaped_metadata_is_registered_with_what_it_asks_for(app, tmp_path):
    make_org(app, ORG)
    path = _file(tmp_path, sp_metadata())
    added = _run(app, f"saml sp add --metadata {path} --org {ORG} --json")
    assert added.exit_code == 0, added.output
    data = json.loads(added.output)
    assert data["entity_id"] == ENTITY_ID and data["org"] == ORG
    assert data["name"] == "Lønportal"  # the metadata's OrganizationDisplayName
    assert data["assertion_consumer_services"] == [ACS]
    assert data["requested_attributes"] == [name for name, _ in REQUESTED]
    assert data["metadata_url"] is None
    listed = _run(app, "saml sp list --json")
    assert [row["entity_id"] for row in json.loads(listed.output)] == [ENTITY_ID]
    assert "saml_sp.registered" in _actions(app)


def test_the_same_entity_twice_is_refused(app, tmp_path):
    make_org(app, ORG)
    path = _file(tmp_path, sp_metadata())
    assert _run(app, f"saml sp add --metadata {path} --org {ORG}").exit_code == 0
    again = _run(app, f"saml sp add --metadata {path} --org {ORG}")
    assert again.exit_code == 1
    assert f"The SAML service provider {ENTITY_ID} is registered already" in again.output


def test_an_unknown_organisation_is_refused(app, tmp_path):
    path = _file(tmp_path, sp_metadata())
    unknown = _run(app, f"saml sp add --metadata {path} --org 11111111")
    assert unknown.exit_code == 1 and "No organisation with CVR 11111111" in unknown.output
    assert _stored(app) == []


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
)
EXTERNAL = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
BARE_DTD = '<?xml version="1.0"?><!DOCTYPE md:EntityDescriptor>'


BAD = {
    "billion-laughs": (lambda: sp_metadata(prolog=BILLION_LAUGHS), "without a DTD"),
    "external-entity": (lambda: sp_metadata(prolog=EXTERNAL), "without a DTD"),
    # A DTD without entities: defusedxml alone lets it through; OIOSAML 3.0 §3.1.2 does not.
    "bare-dtd": (lambda: sp_metadata(prolog=BARE_DTD), "without a DTD"),
    "not-xml": (lambda: b"<md:EntityDescriptor", "not well-formed XML"),
    "entities-descriptor": (
        lambda: b'<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>',
        "must be one md:EntityDescriptor",
    ),
    "no-encryption-cert": (lambda: sp_metadata(encryption=None), "no encryption certificate"),
    "no-signing-cert": (lambda: sp_metadata(signing=None), "no signing certificate"),
    "expired-cert": (
        lambda: sp_metadata(signing=certificate(days=1, starts=timedelta(days=-3))),
        "is not valid now",
    ),
    "not-yet-valid-cert": (
        lambda: sp_metadata(encryption=certificate(starts=timedelta(days=2))),
        "is not valid now",
    ),
    "rsa-1024": (lambda: sp_metadata(encryption=certificate(key_size=1024)), "2048 bits"),
    "sha1-cert": (lambda: sp_metadata(signing=sha1_certificate()), "signed with SHA-1 or MD5"),
    "http-acs": (lambda: sp_metadata(acs="http://lonportal.example.dk/acs"), "an https URL"),
    "acs-fragment": (lambda: sp_metadata(acs="https://lonportal.example.dk/a#x"), "an https URL"),
    "no-post-acs": (
        lambda: sp_metadata(acs_binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"),
        "no AssertionConsumerService with HTTP-POST",
    ),
    "expired-metadata": (
        lambda: sp_metadata(valid_until="2020-01-01T00:00:00Z"),
        "The metadata expired",
    ),
    "no-entity-id": (lambda: sp_metadata(entity_id=""), "entityID must be a URI"),
    "latin-1": (
        lambda: (
            b'<?xml version="1.0" encoding="ISO-8859-1"?>'
            + sp_metadata().replace("Lønportal".encode(), "L\xf8nportal".encode("latin-1"))
        ),
        "must be UTF-8",
    ),
    "acs-index-not-a-number": (
        lambda: sp_metadata().replace(b'index="0" isDefault', b'index="nul" isDefault'),
        "an index that is not a number",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_metadata_is_refused_and_nothing_stored(app, tmp_path, case):
    make, message = BAD[case]
    make_org(app, ORG)
    path = _file(tmp_path, make())
    refused = _run(app, f"saml sp add --metadata {path} --org {ORG}")
    assert refused.exit_code == 1, refused.output
    assert message in refused.output
    assert "Traceback" not in refused.output
    assert _stored(app) == []
    assert "saml_sp.registered" not in _actions(app)


def test_loopback_http_acs_is_allowed_for_local_services(app, tmp_path):
    make_org(app, ORG)
    path = _file(tmp_path, sp_metadata(acs="http://127.0.0.1:8080/acs"))
    assert _run(app, f"saml sp add --metadata {path} --org {ORG}").exit_code == 0


def test_refresh_replaces_the_metadata_of_the_same_entity_only(app, tmp_path):
    make_org(app, ORG)
    first = _file(tmp_path, sp_metadata())
    assert _run(app, f"saml sp add --metadata {first} --org {ORG}").exit_code == 0
    from_file = _run(app, f"saml sp refresh {ENTITY_ID}")
    assert from_file.exit_code == 1 and "registered from a file" in from_file.output
    moved = _file(tmp_path, sp_metadata(acs="https://ny.lonportal.example.dk/acs"), "new.xml")
    refreshed = _run(app, f"saml sp refresh {ENTITY_ID} --metadata {moved} --json")
    assert refreshed.exit_code == 0, refreshed.output
    assert json.loads(refreshed.output)["assertion_consumer_services"] == [
        "https://ny.lonportal.example.dk/acs"
    ]
    other = _file(tmp_path, sp_metadata(entity_id="https://andet.example.dk"), "other.xml")
    wrong = _run(app, f"saml sp refresh {ENTITY_ID} --metadata {other}")
    assert wrong.exit_code == 1
    assert f"The metadata is for https://andet.example.dk, not {ENTITY_ID}" in wrong.output
    assert "saml_sp.refreshed" in _actions(app)


def test_remove(app, tmp_path):
    make_org(app, ORG)
    path = _file(tmp_path, sp_metadata())
    assert _run(app, f"saml sp add --metadata {path} --org {ORG}").exit_code == 0
    assert _run(app, f"saml sp remove {ENTITY_ID}").exit_code == 0
    assert _stored(app) == []
    assert _actions(app)[-1] == "saml_sp.removed"
    gone = _run(app, f"saml sp remove {ENTITY_ID}")
    assert gone.exit_code == 1 and f"No SAML service provider {ENTITY_ID}" in gone.output


@pytest.fixture
def metadata_server() -> Iterator[tuple[str, dict[str, bytes]]]:
    with serving() as server:
        yield server


def test_metadata_from_an_url_is_fetched_again_on_refresh(app, metadata_server):
    base, served = metadata_server
    make_org(app, ORG)
    served["/sp.xml"] = sp_metadata()
    added = _run(app, f"saml sp add --metadata {base}/sp.xml --org {ORG} --json")
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["metadata_url"] == f"{base}/sp.xml"
    served["/sp.xml"] = sp_metadata(acs="https://ny.lonportal.example.dk/acs")
    refreshed = _run(app, f"saml sp refresh {ENTITY_ID} --json")
    assert refreshed.exit_code == 0, refreshed.output
    assert json.loads(refreshed.output)["assertion_consumer_services"] == [
        "https://ny.lonportal.example.dk/acs"
    ]
    missing = _run(app, f"saml sp add --metadata {base}/nothing.xml --org {ORG}")
    assert missing.exit_code == 1 and "could not be fetched" in missing.output


def test_metadata_urls_must_be_https_off_loopback(app):
    make_org(app, ORG)
    plain = _run(app, f"saml sp add --metadata http://sp.example.dk/md.xml --org {ORG}")
    assert plain.exit_code == 1 and "must be https (http only on loopback)" in plain.output


def test_two_registrations_of_one_entity_at_once_have_one_winner(app):
    """The other registration commits between this one's check and its insert (forced by a
    flush hook, on a connection of its own): this one is refused as a Conflict, not a crash,
    and writes nothing (no audit event either)."""
    from sqlalchemy import event, insert

    from idp.services.errors import Conflict
    from idp.services.orgs import get_by_cvr
    from idp.services.saml import register_sp

    org_id = make_org(app, ORG)
    with app.app_context():
        done: list[bool] = []

        def the_other_wins(*_args: object) -> None:
            if done:
                return
            done.append(True)
            now = utcnow()
            with db.engine.begin() as other:
                other.execute(
                    insert(SamlServiceProvider.__table__).values(
                        entity_id=ENTITY_ID,
                        org_id=org_id,
                        name="Den anden",
                        metadata_xml=sp_metadata().decode(),
                        created_at=now,
                        refreshed_at=now,
                    )
                )

        event.listen(db.session, "before_flush", the_other_wins)
        try:
            with pytest.raises(Conflict, match="is registered already"):
                register_sp(get_by_cvr(ORG), sp_metadata(), actor="test")
        finally:
            event.remove(db.session, "before_flush", the_other_wins)
        assert done
        assert [sp.name for sp in db.session.query(SamlServiceProvider)] == ["Den anden"]
    assert "saml_sp.registered" not in _actions(app)
