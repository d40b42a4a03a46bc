"""Fixtures for the cluster tests: two ``idp serve`` nodes behind HAProxy on one PostgreSQL
(a schema of this run's own) and one Redis (a key prefix of this run's own), with an SMTP
server (tests/support/cluster.py). It runs in both passes of the suite, on PostgreSQL in
each: the cluster is what an organisation runs, whatever the rest of the suite uses.

A failing test here prints the nodes' and HAProxy's output."""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from idp.extensions import db
from tests.cluster.flows import new_address
from tests.conftest import _drop_postgres_schema, _private_postgres_schema
from tests.support.browser import Browser
from tests.support.cluster import (
    HAPROXY,
    KEY_TABLES,
    Cluster,
    SenderCollector,
    answers,
    postgres_url,
)
from tests.support.e2e import Smtp
from tests.support.helpers import LiveServer, require

_running: list[Cluster] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    """A failing cluster test shows what the nodes and HAProxy wrote."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and _running:
        report.sections.append(("cluster logs", _running[-1].logs()))


@pytest.fixture(scope="module")
def smtp() -> Iterator[Smtp]:
    server = Smtp()
    server.handler = SenderCollector()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, smtp: Smtp, compiled_translations: None
) -> Iterator[Cluster]:
    require(
        HAPROXY.exists(), f"the cluster tests need HAProxy at {HAPROXY} (apt-get install haproxy)"
    )
    require(answers("127.0.0.1", 6379), "the cluster tests need Redis at 127.0.0.1:6379")
    try:
        url, schema = _private_postgres_schema(postgres_url(), "_cluster")
    except OperationalError as error:
        require(False, f"the cluster tests need PostgreSQL at {postgres_url()}: {error}")
        raise
    running = Cluster(tmp_path_factory.mktemp("cluster"), url, smtp.port)
    try:
        running.start()
        _running.append(running)
        yield running
    finally:
        _running.clear()
        running.stop()
        _drop_postgres_schema(postgres_url(), schema)


def empty_tables(cluster: Cluster) -> None:
    """Empty every table but the keys' (the nodes keep serving)."""
    with cluster.app.app_context():
        db.session.remove()
        names = ", ".join(
            f'"{t.name}"' for t in db.metadata.sorted_tables if t.name not in KEY_TABLES
        )
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))  # fail, never hang
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def browser_at() -> Iterator[Callable[..., Browser]]:
    """Make browsers (English pages) for some sites, each from a client address of its own;
    all are closed afterwards."""
    made: list[Browser] = []

    def make(*sites: str) -> Browser:
        browser = Browser(*sites, language="en")
        browser.http.headers["X-Forwarded-For"] = new_address()
        made.append(browser)
        return browser

    yield make
    for browser in made:
        browser.close()


@pytest.fixture
def live_server(cluster: Cluster) -> Iterator[LiveServer]:
    """The issuer is HAProxy's URL; the app is the test process's own, never served (for the
    demo data and the factories). Each test must have reached both nodes through HAProxy;
    the tables are emptied afterwards (the demo's one-time codes work once)."""
    before = cluster.requests_served()
    yield LiveServer(url=cluster.url, app=cluster.app)
    after = cluster.requests_served()
    empty_tables(cluster)
    served = {name: after[name] - before[name] for name in after}
    assert all(count > 0 for count in served.values()), f"requests per node: {served}"
