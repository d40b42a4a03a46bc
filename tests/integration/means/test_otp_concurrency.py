"""Two app processes on one PostgreSQL database cannot both accept the same code."""

from __future__ import annotations

import multiprocessing
from typing import Any

from tests.support.helpers import make_user, postgresql_only

pytestmark = postgresql_only("SQLite serialises writers, so it cannot show two app nodes racing")


def _present_code(
    config: dict[str, Any], username: str, code: str, barrier: Any, results: Any
) -> None:
    """Run in a separate process: its own app, its own connection pool."""
    from idp import create_app
    from idp.services import users
    from idp.services.errors import ServiceError
    from idp.services.means import verification

    app = create_app(config)
    with app.app_context():
        user = users.find_user(username)
        barrier.wait(timeout=30)
        try:
            verification.verify_login_code(user, code)
            results.put("accepted")
        except ServiceError:
            results.put("refused")


def test_same_code_is_accepted_by_only_one_process(app, database_url, keys_dir, tmp_path):
    from tests.conftest import base_config

    config = base_config(database_url, keys_dir, tmp_path / "instance")
    ctx = multiprocessing.get_context("spawn")
    for round_number in range(3):
        person = make_user(app, f"racer{round_number}")
        code = person.code()
        barrier = ctx.Barrier(2)
        results = ctx.Queue()
        workers = [
            ctx.Process(
                target=_present_code, args=(config, person.username, code, barrier, results)
            )
            for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        outcomes = sorted(results.get(timeout=60) for _ in workers)
        for worker in workers:
            worker.join(timeout=30)
            assert worker.exitcode == 0
        assert outcomes == ["accepted", "refused"], f"round {round_number}: {outcomes}"
