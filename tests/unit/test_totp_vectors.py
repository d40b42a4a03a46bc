"""RFC 6238 Appendix B test vectors, through the pure functions and through the service path
(code displays imported from CSV with SHA-1/256/512 and 8 digits, then bound)."""

from __future__ import annotations

import binascii

import pytest

from idp.services.means import code_display, otp

SEEDS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
# RFC 6238 Appendix B: (time, TOTP, mode)
VECTORS = [
    (59, "94287082", "SHA1"),
    (59, "46119246", "SHA256"),
    (59, "90693936", "SHA512"),
    (1111111109, "07081804", "SHA1"),
    (1111111109, "68084774", "SHA256"),
    (1111111109, "25091201", "SHA512"),
    (1111111111, "14050471", "SHA1"),
    (1111111111, "67062674", "SHA256"),
    (1111111111, "99943326", "SHA512"),
    (1234567890, "89005924", "SHA1"),
    (1234567890, "91819424", "SHA256"),
    (1234567890, "93441116", "SHA512"),
    (2000000000, "69279037", "SHA1"),
    (2000000000, "90698825", "SHA256"),
    (2000000000, "38618901", "SHA512"),
    (20000000000, "65353130", "SHA1"),
    (20000000000, "77737706", "SHA256"),
    (20000000000, "47863826", "SHA512"),
]


@pytest.mark.parametrize(("when", "expected", "mode"), VECTORS)
def test_rfc6238_appendix_b(when, expected, mode):
    step = otp.time_step(when, period=30)
    assert otp.code_at(SEEDS[mode], step, digits=8, algorithm=mode) == expected
    assert otp.matching_step(SEEDS[mode], expected, step, 1, digits=8, algorithm=mode) == step


@pytest.mark.parametrize("mode", ["SHA1", "SHA256", "SHA512"])
def test_vectors_through_import_and_binding(app, frozen_clock, mode):
    from idp.extensions import db
    from idp.services import orgs, users
    from idp.services.means import inventory, seed_files
    from tests.support.helpers import make_user

    person = make_user(app, totp=False)
    csv = (
        "serial,secret,encoding,digits,period,algorithm\n"
        f"VEC-{mode},{binascii.hexlify(SEEDS[mode]).decode()},hex,8,30,{mode}\n"
    ).encode()
    frozen_clock.t = 1111111109
    with app.app_context():
        org = orgs.get_by_cvr("12345678")
        report = inventory.import_code_displays(
            org,
            seed_files.read_seed_file(csv),
            source="vectors.csv",
            replace=False,
            dry_run=False,
            actor="test",
        )
        assert report.ok and report.imported == 1
        user = users.find_user(person.username)
        expected = {"SHA1": "07081804", "SHA256": "68084774", "SHA512": "25091201"}[mode]
        auth = code_display.bind_code_display(user, f"VEC-{mode}", expected, actor="test")
        assert auth.status == "active" and auth.drift_steps == 0
        db.session.remove()
