"""App processes racing on one PostgreSQL database count every wrong password, throttle every
address and mail the administrators exactly once."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest
from sqlalchemy import func, select

from idp.extensions import db
from idp.models import AuditEvent, OutboxMail, User
from tests.support.helpers import make_admin, make_user, postgresql_only

pytestmark = [
    postgresql_only("SQLite serialises writers, so it cannot show app nodes racing"),
    pytest.mark.usefixtures("cheap_password_hashes"),
]
PROCESSES = 4


def _guess(config: dict[str, Any], username: str, source: str, barrier: Any, results: Any) -> None:
    """Run in a separate process: its own app, its own connection pool."""
    from idp import create_app
    from idp.services import sessions

    app = create_app(config)
    with app.app_context():
        barrier.wait(timeout=30)
        try:
            for _ in range(5):
                sessions.check_password(username, "wrong guess 123", source=source)
            results.put("ok")
        except Exception as error:  # reported to the test
            results.put(repr(error))


def test_racing_processes_count_throttle_and_mail_once(app, database_url, keys_dir, tmp_path):
    from tests.conftest import base_config

    config = base_config(
        database_url, keys_dir, tmp_path / "instance", password_source_max_failures=3
    )
    make_admin(app, "boss", cvr="12345678")
    person = make_user(app)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_guess, args=(config, person.username, f"192.0.2.{n}", barrier, results))
        for n in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert outcomes == ["ok"] * PROCESSES
    with app.app_context():
        # Each address: three counted, then refused uncounted.
        assert db.session.get(User, person.id).failed_logins == 3 * PROCESSES
        assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == 1
        throttled = select(func.count()).where(AuditEvent.action == "user.address_throttled")
        assert db.session.scalar(throttled) == PROCESSES
