"""Importing code displays: PSKC (RFC 6030) and CSV, all or nothing, with a per-row report."""

from __future__ import annotations

import json
import shlex

import pytest

from idp.extensions import db
from idp.models import Authenticator
from tests.support.helpers import SEED_FILES, make_org

DATA = SEED_FILES
PSK = "12345678901234567890123456789012"


def _run(app, command):
    return app.test_cli_runner().invoke(args=shlex.split(command))


def _stock(app):
    with app.app_context():
        rows = db.session.query(Authenticator).filter_by(type="code_display").all()
        return {a.serial: a.status for a in rows}


@pytest.fixture
def psk_file(tmp_path):
    path = tmp_path / "psk.hex"
    path.write_text(PSK + "\n")
    return path


def test_plain_pskc_example_imports(app):
    make_org(app)
    result = _run(
        app, f"tokens import {DATA / 'rfc6030-figure3-totp.pskcxml'} --org 12345678 --json"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and report["imported"] == 1
    assert _stock(app) == {"987654321": "in_stock"}
    with app.app_context():
        token = db.session.query(Authenticator).one()
        assert (token.digits, token.period, token.algorithm) == (8, 30, "SHA1")
        assert b"12345678901234567890" not in token.secret_encrypted  # encrypted at rest


def test_psk_encrypted_pskc_example_imports_with_mac_checked(app, psk_file):
    make_org(app)
    result = _run(
        app,
        f"tokens import {DATA / 'rfc6030-figure6-totp.pskcxml'} --org 12345678 "
        f"--psk-file {psk_file} --json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["imported"] == 1
    assert _stock(app) == {"987654321": "in_stock"}


def test_encrypted_pskc_without_key_is_refused(app):
    make_org(app)
    result = _run(app, f"tokens import {DATA / 'rfc6030-figure6-totp.pskcxml'} --org 12345678")
    assert result.exit_code != 0
    assert "cannot decrypt" in result.output
    assert _stock(app) == {}


def test_wrong_mac_is_refused_and_nothing_imported(app, psk_file, tmp_path):
    make_org(app)
    text = (DATA / "rfc6030-figure6-totp.pskcxml").read_text()
    bad = tmp_path / "bad-mac.pskcxml"
    bad.write_text(text.replace("Su+NvtQfmvfJzF6bmQiJqoLRExc=", "AAAAvtQfmvfJzF6bmQiJqoLRExc="))
    result = _run(app, f"tokens import {bad} --org 12345678 --psk-file {psk_file} --json")
    assert result.exit_code != 0
    report = json.loads(result.output)
    assert not report["ok"]
    assert "MAC" in " ".join(report["rows"][0]["errors"])
    assert _stock(app) == {}


def test_hotp_is_refused_with_a_clear_message(app, psk_file):
    make_org(app)
    result = _run(
        app,
        f"tokens import {DATA / 'rfc6030-figure6.pskcxml'} --org 12345678 --psk-file {psk_file}",
    )
    assert result.exit_code != 0
    assert "HOTP (counter-based) is not supported" in result.output
    assert _stock(app) == {}


def test_missing_serial_is_refused(app):
    make_org(app)
    result = _run(app, f"tokens import {DATA / 'rfc6030-figure2.pskcxml'} --org 12345678")
    assert result.exit_code != 0
    assert "missing serial number" in result.output or "HOTP" in result.output
    assert _stock(app) == {}


def test_missing_serial_on_a_totp_key_is_named(app, tmp_path):
    make_org(app)
    text = (DATA / "rfc6030-figure3-totp.pskcxml").read_text()
    path = tmp_path / "noserial.pskcxml"
    path.write_text(text.replace("<SerialNo>987654321</SerialNo>", ""))
    result = _run(app, f"tokens import {path} --org 12345678")
    assert result.exit_code != 0
    assert "key 1: ?: missing serial number" in result.output


def test_duplicate_serial_in_one_file_refuses_the_whole_file(app, tmp_path):
    make_org(app)
    text = (DATA / "rfc6030-figure3-totp.pskcxml").read_text()
    start, end = text.index("<KeyPackage>"), text.index("</KeyPackage>") + len("</KeyPackage>")
    package = text[start:end]
    second = package.replace("MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=", "MDk4NzY1NDMyMTA5ODc2NTQzMjE=")
    path = tmp_path / "dup.pskcxml"
    path.write_text(text[:end] + second + text[end:])
    result = _run(app, f"tokens import {path} --org 12345678 --json")
    report = json.loads(result.output)
    assert result.exit_code != 0 and not report["ok"]
    assert all("appears more than once" in " ".join(r["errors"]) for r in report["rows"])
    assert _stock(app) == {}


def test_reimport_is_refused_unless_in_stock_and_replace(app):
    make_org(app)
    path = DATA / "rfc6030-figure3-totp.pskcxml"
    assert _run(app, f"tokens import {path} --org 12345678").exit_code == 0
    again = _run(app, f"tokens import {path} --org 12345678")
    assert again.exit_code != 0 and "already imported (in stock) (use --replace)" in again.output
    replaced = _run(app, f"tokens import {path} --org 12345678 --replace --json")
    assert json.loads(replaced.output)["replaced"] == 1


def test_billion_laughs_is_refused(app, tmp_path):
    make_org(app)
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">'
            for i in range(1, 10)
        )
        + ']><KeyContainer xmlns="urn:ietf:params:xml:ns:keyprov:pskc">&lol9;</KeyContainer>'
    )
    path = tmp_path / "lol.xml"
    path.write_text(lol)
    result = _run(app, f"tokens import {path} --org 12345678")
    assert result.exit_code != 0
    assert "The XML file is refused" in result.output
    assert _stock(app) == {}


def test_external_entity_is_refused(app, tmp_path):
    make_org(app)
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("top secret")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
        '<KeyContainer xmlns="urn:ietf:params:xml:ns:keyprov:pskc">&xxe;</KeyContainer>'
    )
    path = tmp_path / "xxe.xml"
    path.write_text(xxe)
    result = _run(app, f"tokens import {path} --org 12345678")
    assert result.exit_code != 0
    assert "The XML file is refused" in result.output
    assert "top secret" not in result.output


def test_csv_import_reports_every_bad_row_and_imports_nothing(app, tmp_path):
    make_org(app)
    path = tmp_path / "tokens.csv"
    path.write_text(
        "serial,secret,encoding,digits,period,algorithm\n"
        "A1,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,base32,6,30,SHA1\n"
        "A2,not-hex,hex,6,30,SHA1\n"
        "A3,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,base32,7,45,MD5\n"
    )
    result = _run(app, f"tokens import {path} --org 12345678 --json")
    report = json.loads(result.output)
    assert result.exit_code != 0
    by_serial = {r["serial"]: r["errors"] for r in report["rows"]}
    assert by_serial["A1"] == []
    assert by_serial["A2"] == ["secret is not valid hex"]
    assert set(by_serial["A3"]) == {
        "digits must be 6 or 8, not 7",
        "time interval must be 30 or 60 seconds, not 45",
        "unsupported hash algorithm 'MD5'",
    }
    assert _stock(app) == {}


def test_csv_dry_run_changes_nothing(app, tmp_path):
    make_org(app)
    path = tmp_path / "tokens.csv"
    path.write_text(
        "serial,secret,encoding,digits,period,algorithm\n"
        "B1,3132333435363738393031323334353637383930,hex,6,60,SHA1\n"
    )
    result = _run(app, f"tokens import {path} --org 12345678 --dry-run")
    assert result.exit_code == 0 and "would be imported" in result.output
    assert _stock(app) == {}
    assert _run(app, f"tokens import {path} --org 12345678").exit_code == 0
    assert _stock(app) == {"B1": "in_stock"}


def test_tokens_list_and_revoke(app, tmp_path):
    make_org(app)
    _run(app, f"tokens import {DATA / 'rfc6030-figure3-totp.pskcxml'} --org 12345678")
    listed = json.loads(_run(app, "tokens list --org 12345678 --status in_stock --json").output)
    assert [t["serial"] for t in listed] == ["987654321"]
    assert "secret" not in json.dumps(listed).lower()
    assert _run(app, "tokens revoke 987654321 --org 12345678").exit_code == 0
    assert _stock(app) == {"987654321": "revoked"}
