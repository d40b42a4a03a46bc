"""Time the admin dashboard (``/admin/``) of an organisation with 100,000 people on SQLite.

Alone: `.venv/bin/python bench/dashboard_bench.py [--people 100000]`. It builds a fresh, migrated
instance under a temporary folder with two organisations of that many people each (40 %
imported, 10 % mailed, 10 % proven, 40 % active, a live activation link for every waiting person,
an app for every active person, some of them locked, code displays in stock, access requests),
prints the query plan and time of each count, then renders the dashboard page as a user
administrator (the view behind its login check, with the full page template) and prints the
wall and CPU times.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

_BENCH_DIR = str(Path(__file__).resolve().parent)
if _BENCH_DIR not in sys.path:
    sys.path.insert(0, _BENCH_DIR)

from common import log  # noqa: E402

RUNS = 20


def _rows(org_id: int, people: int, first_id: int) -> dict[str, list[dict[str, Any]]]:
    """People, links and login means of one organisation (ids from ``first_id``)."""
    from idp.models.types import utcnow

    now = utcnow()
    users, links, means = [], [], []
    for i in range(people):
        uid = first_id + i
        kind = i % 10
        status = "imported" if kind < 4 else "pending_activation" if kind < 6 else "active"
        users.append(
            {
                "id": uid,
                "uuid": f"{uid:036d}",
                "org_id": org_id,
                "status": status,
                "username": f"p{uid}",
                "name": f"Person {uid}",
                "email": f"p{uid}@example.dk",
                "identity_level": "Substantial" if kind == 5 or status == "active" else None,
                "privileges": [],
                "roles": [],
            }
        )
        if status == "pending_activation":
            links.append(
                {
                    "user_id": uid,
                    "token_hash": f"{uid:064d}",
                    "created_by": "bench",
                    "expires_at": now + timedelta(days=1 + i % 14),
                }
            )
        if status == "active":
            locked = now + timedelta(hours=1) if i % 500 == 0 else None
            means.append(_means(org_id, uid, "active", None, locked))
    means += [_means(org_id, None, "in_stock", f"s{org_id}-{n}", None) for n in range(2000)]
    return {"user_account": users, "activation": links, "authenticator": means}


def _means(org_id: int, uid: int | None, status: str, serial: str | None, locked: Any) -> dict:
    return {
        "org_id": org_id,
        "user_id": uid,
        "type": "app" if uid else "code_display",
        "status": status,
        "secret_encrypted": b"x",
        "serial": serial,
        "locked_until": locked,
    }


def _fill(people: int) -> None:
    from idp.extensions import db
    from idp.models import AccessRequest, Activation, Authenticator, User
    from idp.services.orgs import create_organisation

    for n, cvr in enumerate(("87654321", "87654322")):
        org = create_organisation(cvr, f"Bench {n} ApS", actor="bench")
        rows = _rows(org.id, people, 1_000_000 * (n + 1))
        for model in (User, Activation, Authenticator):
            db.session.execute(db.insert(model), rows[model.__tablename__])
        requests = [
            {
                "org_id": org.id,
                "issuer": "https://op",
                "subject": f"s{k}",
                "level": "Substantial",
                "name": f"R {k}",
                "email": f"r{k}@example.dk",
            }
            for k in range(50)
        ]
        db.session.execute(db.insert(AccessRequest), requests)
        db.session.commit()
        log(f"organisation {cvr}: {people:,} people")


def filled_app(database_url: str, tmp: str, people: int) -> tuple[Any, int, int]:
    """A migrated app on ``database_url`` filled by :func:`_fill`, and the ids of a user
    administrator of the first organisation and of that organisation."""
    from flask_migrate import upgrade

    from idp import create_app
    from idp.extensions import db
    from idp.models import Organisation, User

    app = create_app(
        {
            "database_url": database_url,
            "instance_path": f"{tmp}/instance",
            "keys_dir": f"{tmp}/keys",
            "session_cookie_secure": False,
        }
    )
    with app.app_context():
        upgrade()
        _fill(people)
        org = db.session.query(Organisation).filter_by(cvr="87654321").one()
        admin = db.session.query(User).filter_by(org_id=org.id, status="active").first()
        admin.roles = ["user_admin"]
        admin_id, org_id = admin.id, org.id
        db.session.commit()
    return app, admin_id, org_id


def _plans(org: Any) -> None:
    """The query plan of every count the dashboard makes (SQLite's EXPLAIN QUERY PLAN)."""
    from sqlalchemy import event

    from idp.extensions import db
    from idp.services.lifecycle import funnel

    seen: list[tuple[str, Any]] = []

    def grab(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "count(" in statement:
            seen.append((statement, params))

    event.listen(db.engine, "before_cursor_execute", grab)
    funnel.stage_counts(org), funnel.expiring_links(org), funnel.locked_means(org)
    funnel.pending_requests(org), funnel.codes_in_stock(org)
    event.remove(db.engine, "before_cursor_execute", grab)
    raw = db.engine.raw_connection()
    for statement, params in seen:
        plan = raw.cursor().execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
        started = time.perf_counter()
        raw.cursor().execute(statement, params).fetchall()
        took = (time.perf_counter() - started) * 1000
        print(f"{took:6.1f} ms  " + " ".join(statement.split())[:150])
        for row in plan:
            print("    ", row[-1])
    raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    people = parser.parse_args().people
    from flask import g

    from idp.extensions import db
    from idp.models import Organisation, User
    from idp.web.admin.home import home

    with tempfile.TemporaryDirectory() as tmp:
        app, admin_id, org_id = filled_app(f"sqlite:///{tmp}/bench.db", tmp, people)
        with app.app_context():
            _plans(db.session.get(Organisation, org_id))
        times, cpu = [], []
        for _ in range(RUNS):
            with app.test_request_context("/admin/", headers={"Accept-Language": "da"}):
                g.admin, g.org = (
                    db.session.get(User, admin_id),
                    db.session.get(Organisation, org_id),
                )
                started, cpu_started = time.perf_counter(), time.process_time()
                response = home.__wrapped__()  # type: ignore[attr-defined]
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - cpu_started) * 1000)
                assert response.status_code == 200
                db.session.remove()
        print(
            f"/admin/ for {people:,} people (SQLite, {RUNS} runs): median "
            f"{statistics.median(times):.1f} ms, max {max(times):.1f} ms, first {times[0]:.1f} ms "
            f"(CPU of this process: median {statistics.median(cpu):.1f} ms; the wall times grow "
            f"when other processes share the cores, see `uptime`)"
        )


if __name__ == "__main__":
    main()
