"""Prepared statements on the pool's DBAPI connection (idp/services/platform/hot_sql.py), on
the test's database: values are written and read as the ORM writes and reads them, a unit of
work commits alone or all together, a failing statement drops its connection, and a pooled
connection goes back to the pool as transactional as it came."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from idp.extensions import db
from idp.models import Token
from idp.services.oauth import hot_store
from idp.services.oauth.tokens import AuthContext
from idp.services.platform.hot_sql import StatementFailed, Statements, unit
from tests.support.helpers import make_client, postgresql_only

WHEN = datetime(2026, 12, 4, 12, 30, 15, 123456, tzinfo=UTC)


def _token(access_hash: str, client_id: str) -> dict:
    context = AuthContext(WHEN, ["pwd", "otp"], "Substantial", "Substantial", "acr-x", None)
    return dict(
        access_hash=access_hash,
        refresh_hash=None,
        client_id=client_id,
        scope="openid profile",
        now=WHEN,
        expires_in=600,
        refresh_lifetime=3600,
        context=context,
    )


@pytest.fixture
def statements(app) -> Statements:
    with app.app_context():
        return Statements(db.engine)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Token))


def test_a_token_written_here_reads_back_through_the_orm_as_written(app, statements):
    rp = make_client(app)
    with unit(statements, transaction=False) as hot:
        hot_store.insert_token(hot, **_token("a" * 64, rp.client_id))
    with app.app_context():
        token = db.session.scalars(select(Token).where(Token.access_token_hash == "a" * 64)).one()
        assert (token.issued_at, token.auth_time) == (WHEN, WHEN)
        assert token.expires_at == WHEN + timedelta(seconds=600)
        assert token.amr == ["pwd", "otp"] and token.scope == "openid profile"
    with unit(statements, transaction=False) as hot:
        grant = hot_store.bearer_grant(hot, "a" * 64, WHEN)
    assert grant is not None and grant.context.auth_time == WHEN
    assert grant.context.amr == ["pwd", "otp"] and grant.client_id == rp.client_id


def test_a_unit_of_work_commits_all_or_nothing(app, statements):
    rp = make_client(app)
    with pytest.raises(RuntimeError), unit(statements, transaction=True) as hot:
        hot_store.insert_token(hot, **_token("b" * 64, rp.client_id))
        raise RuntimeError("a check failed after the first write")
    assert _count(app) == 0
    with unit(statements, transaction=True) as hot:
        hot_store.insert_token(hot, **_token("c" * 64, rp.client_id))
        hot_store.insert_token(hot, **_token("d" * 64, rp.client_id))
    assert _count(app) == 2


def test_a_failing_statement_is_reported_and_what_committed_before_it_stays(app, statements):
    rp = make_client(app)
    # The second token has the first one's hash.
    with pytest.raises(StatementFailed), unit(statements, transaction=False) as hot:
        hot_store.insert_token(hot, **_token("e" * 64, rp.client_id))
        hot_store.insert_token(hot, **_token("e" * 64, rp.client_id))
    assert _count(app) == 1  # the first committed alone
    with unit(statements, transaction=False) as hot:
        assert hot_store.bearer_grant(hot, "e" * 64, WHEN) is not None


@postgresql_only("the driver's autocommit, which the unit switches on PostgreSQL only")
def test_a_pooled_connection_goes_back_transactional(make_app):
    """PostgreSQL: outside a transaction the unit turns on the driver's autocommit. It must be
    off again when the connection is back in the pool, even when the block raised, or the ORM
    sessions that get the connection next would commit every statement alone."""
    app = make_app()
    with app.app_context():
        statements = Statements(db.engine)
    for fail in (False, True):
        with (
            pytest.raises(RuntimeError) if fail else nullcontext(),
            unit(statements, transaction=False) as hot,
        ):
            hot.first(select(text("1")), {})
            if fail:
                raise RuntimeError("after a statement")
        with app.app_context():
            # Every connection the pool holds: none is left in autocommit.
            pool = db.engine.pool
            held = [pool.connect() for _ in range(pool.checkedin())]
            try:
                assert held and not any(c.driver_connection.autocommit for c in held)
            finally:
                for connection in held:
                    connection.close()
