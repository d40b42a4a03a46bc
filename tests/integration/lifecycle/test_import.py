"""Employee import (`idp users import`) and `idp users list`: format, matching, idempotency,
validation report, dry run, skip-invalid, protected CPR, privileges and legacy_import proofing."""

from __future__ import annotations

import json
import shlex

from sqlalchemy import func, select

from idp.extensions import db
from idp.models import AuditEvent, ProofingRecord, User
from idp.services.platform.runtime import secretbox
from tests.support.helpers import make_org, make_user

CVR = "12345678"
HEADER = "rid,name,email,cpr,username,privileges,login_means\n"
ROWS = (
    "1001,Anna Jensen,anna.jensen@example.dk,010203-1234,,urn:dk:kommune:sag|urn:dk:a,app\n"
    "1002,Bo Hansen,Bo@Example.dk,,bo.h,,code_display\n"
)


def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def _import(app, tmp_path, content, flags="--json", *, name="people.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return _run(app, f"users import {path} --org {CVR} {flags}")


def _report(result):
    return json.loads(result.output)


def _actions(result):
    return [r["action"] for r in _report(result)["rows"]]


def _people(app):
    """Every stored column of every person, by username."""
    with app.app_context():
        table = User.__table__
        rows = db.session.execute(select(table).order_by(table.c.id)).mappings()
        return {r["username"]: dict(r) for r in rows}


def _count(app, model):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_bom_semicolon_separator_and_derived_usernames(app, tmp_path):
    make_org(app, CVR)
    content = "\ufeffRID;Name;Email;Cpr\n" + (
        "77001;Søren Ærø Østergård;søren@example.dk;0102031234\n"
        "77002;Anna Jensen;anna@example.dk;\n"
        "77003;Anna Berg;anna@other.dk;\n"
    )
    result = _import(app, tmp_path, content.encode("utf-8"))
    assert result.exit_code == 0, result.output
    assert _actions(result) == ["created"] * 3
    people = _people(app)
    assert set(people) == {"soeren", "anna", "anna2"}
    soeren = people["soeren"]
    assert soeren["status"] == "imported" and soeren["rid"] == "77001"
    assert (soeren["given_name"], soeren["family_name"]) == ("Søren Ærø", "Østergård")
    assert soeren["identity_level"] is None


def test_comma_separator_with_given_and_family_name(app, tmp_path):
    make_org(app, CVR)
    make_user(app, "carl", totp=False)  # the derived username must avoid an existing one
    content = "given_name,family_name,email\nCarl,Nielsen,carl@elsewhere.dk\n"
    result = _import(app, tmp_path, content)
    assert result.exit_code == 0, result.output
    (row,) = _report(result)["rows"]
    assert row["action"] == "created" and row["username"] == "carl2"
    person = _people(app)["carl2"]
    assert (person["name"], person["given_name"], person["family_name"]) == (
        "Carl Nielsen",
        "Carl",
        "Nielsen",
    )


def test_same_file_twice_changes_nothing(app, tmp_path):
    make_org(app, CVR)
    first = _import(app, tmp_path, HEADER + ROWS)
    assert _actions(first) == ["created", "created"]
    before = (_people(app), _count(app, AuditEvent))
    second = _import(app, tmp_path, HEADER + ROWS)
    assert second.exit_code == 0, second.output
    assert _actions(second) == ["unchanged", "unchanged"]
    assert _report(second)["written"] is False
    assert (_people(app), _count(app, AuditEvent)) == before


def test_changed_rows_update_by_rid_and_by_email_when_rid_is_empty(app, tmp_path):
    make_org(app, CVR)
    _import(app, tmp_path, HEADER + ROWS)
    changed = HEADER + (
        "1001,Anna Jensen-Berg,anna.berg@example.dk,010203-1234,,urn:dk:a,\n"
        ",Bo Hansen,bo@example.dk,,,,app\n"
    )
    result = _import(app, tmp_path, changed)
    assert result.exit_code == 0, result.output
    assert _actions(result) == ["updated", "updated"]
    people = _people(app)
    anna = people["anna.jensen"]  # the username stays; the e-mail changed
    assert (anna["name"], anna["email"], anna["status"]) == (
        "Anna Jensen-Berg",
        "anna.berg@example.dk",
        "imported",
    )
    assert anna["privileges"] == ["urn:dk:a"] and anna["login_means"] is None
    bo = people["bo.h"]
    assert (bo["rid"], bo["email"], bo["login_means"]) == ("1002", "bo@example.dk", "app")
    with app.app_context():
        event = (
            db.session.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "users.imported")
                .order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
        assert event.details == {
            "created": 0,
            "updated": 2,
            "unchanged": 0,
            "skipped": 0,
            "invalid": 0,
        }


def test_active_and_pending_people_are_reported_and_left_alone(app, tmp_path):
    make_user(app, "anna", totp=False)  # active, anna@example.dk
    make_user(app, "bent", totp=False)
    with app.app_context():
        db.session.execute(
            User.__table__.update()
            .where(User.__table__.c.username == "bent")
            .values(status="pending_activation")
        )
        db.session.commit()
    before = _people(app)
    content = "email,name\nANNA@example.dk,Someone Else\nbent@example.dk,Bent New\n"
    result = _import(app, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert _actions(result) == ["skipped_active", "skipped_pending_activation"]
    assert _people(app) == before
    text = _import(app, tmp_path, content, flags="")
    assert "line 2: ANNA@example.dk: skipped_active" in text.output


def test_validation_report_names_every_rule_and_imports_nothing(app, tmp_path):
    make_org(app, CVR)
    content = HEADER + (
        "2001,Ok Person,ok@example.dk,,,,\n"  # line 2: valid
        "2002,Bad Mail,not-an-email,,,,\n"
        "2003,Bad Cpr,cpr@example.dk,12345,,,\n"
        "20 04,Bad Rid,rid@example.dk,,,,\n"
        "2005,Dup Rid A,dup1@example.dk,,,,\n"
        "2005,Dup Rid B,dup2@example.dk,,,,\n"
        "2007,Dup Mail A,same@example.dk,,,,\n"
        "2008,Dup Mail B,SAME@example.dk,,,,\n"
        "2009,Bad Right,right@example.dk,,,not a urn,\n"
        "2010,Bad Means,means@example.dk,,,,sms\n"
        "2011,,noname@example.dk,,,,\n"
    )
    result = _import(app, tmp_path, content)
    assert result.exit_code == 1
    report = _report(result)
    assert report["ok"] is False and report["written"] is False
    errors = {r["line"]: r["errors"] for r in report["rows"]}
    assert errors[2] == []
    assert errors[3] == ["email: not a valid e-mail address"]
    assert errors[4] == ["cpr: invalid"]
    assert errors[5] == ["rid: 1-40 letters, digits or -"]
    assert errors[6] == errors[7] == ["rid: appears more than once in the file"]
    assert errors[8] == errors[9] == ["email: appears more than once in the file"]
    assert errors[10] == ["privileges: not a URN: not a urn"]
    assert errors[11] == ["login_means: must be app or code_display"]
    assert errors[12] == ["name: missing"]
    assert "12345" not in result.output
    assert _people(app) == {}
    text = _import(app, tmp_path, content, flags="")
    assert text.exit_code == 1 and "Nothing was imported" in text.output


def test_skip_invalid_imports_the_valid_rows(app, tmp_path):
    make_org(app, CVR)
    content = "rid,name,email\n3001,Good One,good@example.dk\n3002,Bad One,bad@\n"
    result = _import(app, tmp_path, content, flags="--skip-invalid --json")
    assert result.exit_code == 0, result.output
    assert _actions(result) == ["created", "invalid"]
    assert set(_people(app)) == {"good"}


def test_dry_run_reports_what_would_happen_and_writes_nothing(app, tmp_path):
    make_org(app, CVR)
    _import(app, tmp_path, HEADER + ROWS)
    before = (_people(app), _count(app, AuditEvent))
    content = (
        HEADER + ROWS.replace("Bo Hansen", "Bo Hansen Jr") + "1003,New One,new@example.dk,,,,\n"
    )
    result = _import(app, tmp_path, content, flags="--dry-run --json")
    assert result.exit_code == 0, result.output
    assert _actions(result) == ["unchanged", "updated", "created"]
    assert _report(result)["dry_run"] is True
    assert (_people(app), _count(app, AuditEvent)) == before


def test_cpr_is_stored_encrypted_and_never_output(app, tmp_path):
    make_org(app, CVR)
    results = [_import(app, tmp_path, HEADER + ROWS, flags=f) for f in ("--json", "")]
    results.append(_run(app, f"users list --org {CVR} --json"))
    for result in results:
        assert "0102031234" not in result.output and "010203-1234" not in result.output
    with app.app_context():
        anna = db.session.execute(select(User).where(User.rid == "1001")).scalar_one()
        assert b"0102031234" not in anna.cpr_encrypted
        assert secretbox().decrypt(anna.cpr_encrypted, b"idp:cpr") == b"0102031234"
        details = [e.details for e in db.session.execute(select(AuditEvent)).scalars()]
        assert "0102031234" not in json.dumps(details)
    # A changed CPR is re-encrypted; an unchanged one keeps its ciphertext.
    result = _import(app, tmp_path, HEADER + ROWS.replace("010203-1234", "0102035678"))
    assert _actions(result) == ["updated", "unchanged"]
    with app.app_context():
        anna = db.session.execute(select(User).where(User.rid == "1001")).scalar_one()
        assert secretbox().decrypt(anna.cpr_encrypted, b"idp:cpr") == b"0102035678"


def test_privileges_carried_by_the_import_are_kept(app, tmp_path):
    make_org(app, CVR)
    _import(app, tmp_path, HEADER + ROWS)
    assert _people(app)["anna.jensen"]["privileges"] == ["urn:dk:a", "urn:dk:kommune:sag"]
    # A file without the privileges column leaves them as they are.
    result = _import(app, tmp_path, "rid,name,email\n1001,Anna Jensen,anna.jensen@example.dk\n")
    assert _actions(result) == ["unchanged"]
    assert _people(app)["anna.jensen"]["privileges"] == ["urn:dk:a", "urn:dk:kommune:sag"]


def test_legacy_import_proofing_only_when_the_route_is_enabled(app, tmp_path):
    make_org(app, CVR)
    _import(app, tmp_path, HEADER + ROWS)
    assert _count(app, ProofingRecord) == 0
    assert _people(app)["bo.h"]["identity_level"] is None
    configured = _run(app, f"orgs configure {CVR} --enable-route legacy_import --minimum-ial Low")
    assert configured.exit_code == 0, configured.output
    result = _import(app, tmp_path, "email,name\nny@example.dk,Ny Person\n", name="second.csv")
    assert _actions(result) == ["created"]
    assert _people(app)["ny"]["identity_level"] == "Low"
    with app.app_context():
        (record,) = db.session.execute(select(ProofingRecord)).scalars()
        assert (record.route, record.level, record.evidence) == (
            "legacy_import",
            "Low",
            {"source": "second.csv"},
        )


def test_matching_conflicts_and_taken_usernames_are_row_errors(app, tmp_path):
    make_user(app, "taken", totp=False)
    _import(app, tmp_path, HEADER + ROWS)
    content = HEADER + (
        "4001,Someone,someone@example.dk,,taken,,\n"
        "4002,Twice A,twice.a@example.dk,,twice,,\n"
        "4003,Twice B,twice.b@example.dk,,twice,,\n"
    )
    result = _import(app, tmp_path, content)
    assert result.exit_code == 1
    assert [r["errors"] for r in _report(result)["rows"]] == [
        ["username: taken by another person"],
        ["username: appears more than once in the file"],
        ["username: appears more than once in the file"],
    ]
    content = HEADER + "1001,Anna Jensen,bo@example.dk,,,,\n2,Bo,x@example.dk,,,,\n"
    errors = [r["errors"] for r in _report(_import(app, tmp_path, content))["rows"]]
    assert errors[0] == ["email: belongs to another person in the organisation"]
    content = HEADER + "9999,Bo Hansen,bo@example.dk,,,,\n"
    errors = [r["errors"] for r in _report(_import(app, tmp_path, content))["rows"]]
    assert errors[0] == ["rid: the person with this e-mail has RID 1002"]


def test_unusable_files_are_refused_with_a_message(app, tmp_path):
    make_org(app, CVR)
    for content, message in [
        ("name,mail\nA,a@example.dk\n", "Unknown column(s) 'mail'"),
        ("rid,name\n1,A\n", "needs an 'email' column"),
        ("name,email\n", "holds no people"),
        (b"name,email\n\xff,a@example.dk\n", "not UTF-8"),
    ]:
        result = _import(app, tmp_path, content, flags="")
        assert result.exit_code == 1 and message in result.output, result.output


def test_users_list_filters_by_status_and_search(app, tmp_path):
    make_user(app, "anna", totp=False)
    _import(app, tmp_path, HEADER + ROWS)
    listed = _report(_run(app, f"users list --org {CVR} --status imported --json"))
    assert [p["username"] for p in listed] == ["anna.jensen", "bo.h"]
    assert "cpr" not in json.dumps(listed)
    listed = _report(_run(app, f"users list --org {CVR} --search EXAMPLE.DK --json"))
    assert [p["username"] for p in listed] == ["anna", "anna.jensen", "bo.h"]
    listed = _report(_run(app, f"users list --org {CVR} --search 1002 --json"))
    assert [(p["username"], p["status"]) for p in listed] == [("bo.h", "imported")]
    text = _run(app, f"users list --org {CVR} --search %")
    assert text.exit_code == 0 and text.output.strip() == "no people"
