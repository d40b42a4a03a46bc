"""Full logins per core: username, password, then a one-time code, through the real pages.

Alone: `.venv/bin/python bench/login_bench.py [--logins 60]` (`make bench` runs it too). On a
fresh, migrated SQLite instance under a temporary folder it makes that many people with a
password and an authenticator app, then logs each in once (after three untimed logins)
through the login pages (GET the form, POST the username, the password, the code: CSRF
tokens, sessions, throttles, the audit log and the argon2id verification all as in
production, in this one process) and prints the
logins per CPU-second (one core), for the OWASP minimum argon2id parameters (m=19 MiB, t=2,
p=1) and the default ones, and what the password check alone costs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from common import BenchError, log, run_script  # noqa: E402

PASSWORD = "correct horse battery staple 42"
PROFILES = {
    "OWASP minimum (m=19 MiB, t=2, p=1)": ("19456", "2", "1"),
    "default (m=64 MiB, t=3, p=4)": ("65536", "3", "4"),
}
WARM_UP = 3
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def measure(logins: int, memory: str, time_cost: str, parallelism: str) -> tuple[float, float]:
    """(logins per CPU-second, ms of CPU per password check) for one set of parameters."""
    import pyotp

    folder = Path(tempfile.mkdtemp(prefix="login-bench-"))
    os.environ.update(
        IDP_INSTANCE_PATH=str(folder / "instance"),
        IDP_KEYS_DIR=str(folder / "keys"),
        IDP_SESSION_COOKIE_SECURE="false",
        IDP_RATELIMIT_ENABLED="false",  # one address logs in many people here
        IDP_MAIL_BACKGROUND="false",
        IDP_PASSWORD_HASH_MEMORY_KIB=memory,
        IDP_PASSWORD_HASH_TIME_COST=time_cost,
        IDP_PASSWORD_HASH_PARALLELISM=parallelism,
    )
    from flask_migrate import upgrade
    from sqlalchemy import select

    from idp import create_app
    from idp.extensions import db
    from idp.models import User
    from idp.services import orgs, users
    from idp.services.platform import passwords
    from idp.services.platform.keys import ensure_keys

    app = create_app()
    with app.app_context():
        upgrade()
        ensure_keys(actor="bench")  # as `idp keys init`: a node never makes its own
        org = orgs.create_organisation("11223344", "Login Bench ApS", actor="bench")
        people = []
        for i in range(logins + WARM_UP):
            user, secret = users.create_user(
                org, username=f"p{i}", name=f"Person {i}", email=f"p{i}@example.dk",
                password=PASSWORD, with_totp=True, ial="Substantial", actor="bench",
            )  # fmt: skip
            people.append((user.username, pyotp.TOTP(secret)))
        stored = db.session.scalars(select(User.password_hash).where(User.username == "p0")).one()
        started = time.process_time()
        for _ in range(5):
            passwords.verify_password(stored, PASSWORD)
        check_ms = (time.process_time() - started) / 5 * 1000
    for username, totp in people[:WARM_UP]:  # templates compiled, keys loaded: once a process
        _login(app.test_client(), username, totp.now())
    started = time.process_time()
    for username, totp in people[WARM_UP:]:
        _login(app.test_client(), username, totp.now())
    seconds = time.process_time() - started
    return logins / seconds, check_ms


def _login(http, username: str, code: str) -> None:
    page = http.get("/login/")
    token = CSRF.search(page.get_data(as_text=True))
    if token is None:
        raise BenchError("the login page has no CSRF token")
    http.post("/login/", data={"csrf_token": token.group(1), "username": username})
    http.post("/login/password", data={"csrf_token": token.group(1), "password": PASSWORD})
    done = http.post("/login/code", data={"csrf_token": token.group(1), "code": code})
    if done.status_code not in (302, 303) or "/login/" in (done.location or ""):
        raise BenchError(f"the login of {username} did not finish ({done.status_code})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--logins", type=int, default=60)
    args = parser.parse_args()
    print("| argon2id parameters | full logins per CPU-second | password check, ms CPU |")
    print("|---|---:|---:|")
    for name, params in PROFILES.items():
        log(f"logins with {name}")
        rate, check_ms = measure(args.logins, *params)
        print(f"| {name} | {rate:.1f} | {check_ms:.1f} |", flush=True)
    print(
        f"\n{args.logins} logins each (username, password, one-time code), one process, "
        "in-process requests (no HTTP server), SQLite."
    )
    return 0


if __name__ == "__main__":
    run_script(main)
