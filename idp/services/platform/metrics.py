"""What operators scrape at /metrics (Prometheus): counters the services move as things happen,
and the outbox's numbers, read from the database at scrape time.

Under ``idp serve`` every granian worker counts into files of its own (prometheus_client's
multiprocess mode, set up in idp/serve.py) and a scrape of any worker adds them all up. The
granian main process imports this module before it forks the workers, so every metric here has
labels: a labelled metric makes its values per label set when first moved, in the worker, in
that worker's file; one without labels would make its value at import, in the master's memory,
where no scrape sees what the workers count (tests/unit/test_metrics_shape.py holds this).
Label values are named sets (below), endpoint names and status codes: never a path, a
username or anything a client chose, so the number of series stays bounded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ...extensions import db
from ...models import OutboxMail
from ...models.types import utcnow
from .runtime import settings


class LoginFailure(StrEnum):
    """Why a login attempt failed; each attempt is counted once, at the step it failed at."""

    UNKNOWN_USER = "unknown_user"  # no such username
    INACTIVE_USER = "inactive_user"  # the account is not active (or stopped being so)
    THROTTLED = "throttled"  # refused unchecked: account locked or this address held back
    WRONG_PASSWORD = "wrong_password"
    WRONG_CODE = "wrong_code"  # a wrong or replayed one-time code
    MEANS_LOCKED = "means_locked"  # the login means is locked after wrong codes


class Lockout(StrEnum):
    """What a run of failures locked (NIST SP 800-63B §5.2.2 throttling)."""

    PASSWORD_ADDRESS = "password_address"  # one address held back for one account
    PASSWORD_ACCOUNT = "password_account"  # the account locked for every address
    OTP = "otp"  # a login means locked after wrong codes


REQUESTS = Counter(
    "idp_http_requests",
    "HTTP requests answered by the app, by Flask endpoint and status",
    ["endpoint", "status"],
)
LATENCY = Histogram(
    "idp_http_request_duration_seconds",
    "Time from the start of a request to its response, by Flask endpoint",
    ["endpoint"],
)
LOGINS = Counter(
    "idp_logins", "Successful logins at the IdP, by login means (password: no code)", ["means"]
)
LOGIN_FAILURES = Counter("idp_login_failures", "Failed login attempts, by reason", ["reason"])
TOKENS = Counter("idp_tokens_issued", "Tokens issued at /token, by grant type", ["grant_type"])
LOCKOUTS = Counter("idp_lockouts", "Lockouts after repeated failures, by kind", ["kind"])


def request_served(endpoint: str, status: int, seconds: float) -> None:
    """Count one answered request of ``endpoint`` (a Flask endpoint name) and its latency."""
    count, latency = _served_series(endpoint, status)
    count.inc()
    latency.observe(seconds)


@cache  # endpoint names and status codes: a fixed set
def _served_series(endpoint: str, status: int) -> tuple[Any, Any]:
    """The series of ``request_served``: labels() finds the same children every time, at
    about ten times the cost of this lookup."""
    return REQUESTS.labels(endpoint, str(status)), LATENCY.labels(endpoint)


def login_succeeded(means: str) -> None:
    """Count a completed login; ``means`` is the login means used, or ``password`` alone."""
    LOGINS.labels(means).inc()


def login_failed(reason: LoginFailure) -> None:
    """Count a failed login attempt."""
    LOGIN_FAILURES.labels(reason.value).inc()


def token_issued(grant_type: str) -> None:
    """Count a token response of a registered grant (the grant types are a fixed set)."""
    TOKENS.labels(grant_type).inc()


def locked_out(kind: Lockout) -> None:
    """Count a lockout that was just committed."""
    LOCKOUTS.labels(kind.value).inc()


def declare_known_series() -> None:
    """Make the series of every known reason and kind exist (at 0) in this process, so a
    dashboard sees a rate of 0 rather than nothing. Called at scrape time: in a worker, never
    in the master before the fork (see the module docstring)."""
    for reason in LoginFailure:
        LOGIN_FAILURES.labels(reason.value)
    for kind in Lockout:
        LOCKOUTS.labels(kind.value)


def exposition() -> bytes:
    """The Prometheus text format of every metric: the workers' files added up under
    ``idp serve`` (``PROMETHEUS_MULTIPROC_DIR`` set), else this process's own; then the outbox."""
    declare_known_series()
    registry = CollectorRegistry()
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_ThisProcess())
    registry.register(OutboxCollector())
    return generate_latest(registry)


class _ThisProcess:
    """The default registry of this process (our metrics and the process's own numbers)."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


class OutboxCollector:
    """The mail outbox at scrape time: mails waiting, the oldest one's age and the mails
    given up. Read from the database, so every node and worker reports the same numbers;
    ``idp_database_up`` is 0 (and the outbox numbers are missing) when the query fails."""

    def collect(self) -> Iterator[Metric]:
        try:
            waiting, oldest, given_up = outbox_numbers()
        except SQLAlchemyError:
            db.session.rollback()
            yield _gauge("idp_database_up", "1 when the scrape could read the database", 0)
            return
        yield _gauge("idp_database_up", "1 when the scrape could read the database", 1)
        age = (utcnow() - oldest).total_seconds() if oldest is not None else 0.0
        yield _gauge("idp_outbox_mails_waiting", "Unsent mails that will be tried", waiting)
        yield _gauge(
            "idp_outbox_oldest_waiting_seconds",
            "Age of the oldest unsent mail that will be tried (0 when none waits)",
            max(age, 0.0),
        )
        yield _gauge(
            "idp_outbox_mails_given_up",
            "Unsent mails that reached mail_max_attempts (kept with their last error)",
            given_up,
        )


def outbox_numbers() -> tuple[int, datetime | None, int]:
    """(mails waiting, when the oldest waiting one was queued, mails given up): unsent mails
    below ``mail_max_attempts`` wait, those at it are given up (as in services/mail/outbox)."""
    limit = settings().mail_max_attempts
    waiting, oldest = db.session.execute(
        select(func.count(OutboxMail.id), func.min(OutboxMail.created_at)).where(
            OutboxMail.sent_at.is_(None), OutboxMail.attempts < limit
        )
    ).one()
    given_up = db.session.execute(
        select(func.count(OutboxMail.id)).where(
            OutboxMail.sent_at.is_(None), OutboxMail.attempts >= limit
        )
    ).scalar_one()
    db.session.rollback()  # a read only: end the transaction
    return int(waiting), oldest, int(given_up)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)
