"""/metrics as Prometheus reads it: the text format parses with prometheus_client's own parser;
a login, a failed login, a token grant and a lockout move their counters by exactly one; the
outbox numbers are the queued mail's; only allowed addresses read it (404 for anyone else)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram
from prometheus_client.parser import text_string_to_metric_families

import idp
from idp.extensions import db
from idp.models import OutboxMail
from idp.models.types import utcnow
from idp.services.mail.outbox import queue_mail
from idp.services.platform import metrics as metrics_module
from tests.support.helpers import authorize_code, csrf_of, make_client, make_user, redeem

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
MAIL_CONTEXT = {
    "org_name": "Eksempel Kommune",
    "name": "Bo Hansen",
    "link": "http://127.0.0.1:5000/activate/x",
    "expires": "31-01-2030",
    "login_means": "app",
}


def scrape(client, **environ: str) -> Samples:
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1", **environ})
    assert response.status_code == 200, response.get_data(as_text=True)
    samples: Samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """The series of ``name`` that changed between two scrapes, and by how much."""
    keys = {labels for (n, labels) in {**before, **after} if n == name}
    changes = {k: after.get((name, k), 0.0) - before.get((name, k), 0.0) for k in keys}
    return {k: v for k, v in changes.items() if v}


def failures(before: Samples, after: Samples) -> dict[str, float]:
    changed = moved(before, after, "idp_login_failures_total")
    return {dict(labels)["reason"]: amount for labels, amount in changed.items()}


def attempt(client, username: str, password: str, code: str = "000000") -> None:
    token = csrf_of(client.get("/login/").get_data(as_text=True))
    client.post("/login/", data={"csrf_token": token, "username": username})
    step = client.post("/login/password", data={"csrf_token": token, "password": password})
    if step.location and step.location.endswith("/login/code"):
        client.post("/login/code", data={"csrf_token": token, "code": code})


def test_the_answer_parses_counts_requests_by_endpoint_and_sets_no_cookie(app, client):
    before = scrape(client)
    for _ in range(3):
        assert client.get("/health/live").status_code == 200
    client.get("/no/such/page/e3b0c442")
    response = client.get("/metrics")
    after = scrape(client)

    assert response.headers["Content-Type"] == CONTENT_TYPE_LATEST
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    live = {"endpoint": "health.live", "status": "200"}
    assert (
        value(after, "idp_http_requests_total", **live)
        - value(before, "idp_http_requests_total", **live)
        == 3
    )
    count = "idp_http_request_duration_seconds_count"
    assert (
        value(after, count, endpoint="health.live") - value(before, count, endpoint="health.live")
        == 3
    )
    unmatched = {"endpoint": "unmatched", "status": "404"}
    assert (
        value(after, "idp_http_requests_total", **unmatched)
        - value(before, "idp_http_requests_total", **unmatched)
        == 1
    )
    assert "e3b0c442" not in response.get_data(as_text=True)  # never a raw path


def test_a_login_and_a_token_grant_count_once_each(app, client):
    user, rp = make_user(app), make_client(app)
    before = scrape(client)
    code, verifier, _ = authorize_code(client, rp, user)
    assert redeem(client, rp, code, verifier).status_code == 200
    credentials = client.post(
        "/token", data={"grant_type": "client_credentials"}, auth=(rp.client_id, rp.client_secret)
    )
    assert credentials.status_code == 200
    after = scrape(client)

    assert moved(before, after, "idp_logins_total") == {frozenset({("means", "app")}): 1}
    assert failures(before, after) == {}
    assert moved(before, after, "idp_tokens_issued_total") == {
        frozenset({("grant_type", "authorization_code")}): 1,
        frozenset({("grant_type", "client_credentials")}): 1,
    }


def test_failed_logins_are_counted_once_each_with_their_reason(app, client):
    user = make_user(app)
    before = scrape(client)
    attempt(client, "nobody-here", "whatever-password")
    attempt(client, user.username, "wrong-password-123")
    attempt(client, user.username, user.password, code="000000")
    after = scrape(client)

    assert failures(before, after) == {"unknown_user": 1, "wrong_password": 1, "wrong_code": 1}
    assert moved(before, after, "idp_logins_total") == {}
    # Every known reason is a series from the first scrape on, at 0 until it happens.
    assert ("idp_login_failures_total", frozenset({("reason", "means_locked")})) in after


def test_lockouts_are_counted_by_kind(make_app):
    app = make_app(password_source_max_failures=2, password_max_failures=3, otp_max_failures=2)
    client = app.test_client()
    attacked, careless = make_user(app, "attacked"), make_user(app, "careless")
    before = scrape(client)
    for _ in range(3):  # the 2nd holds this address back, the 3rd (refused unchecked) counts
        attempt(client, attacked.username, "wrong-password-123")
    for _ in range(2):
        attempt(client, careless.username, careless.password, code="000000")
    attempt(client, careless.username, careless.password, code=careless.code())
    after = scrape(client)

    assert {dict(k)["kind"]: v for k, v in moved(before, after, "idp_lockouts_total").items()} == {
        "password_address": 1,
        "otp": 1,
    }
    assert failures(before, after) == {
        "wrong_password": 2,
        "throttled": 1,
        "wrong_code": 2,
        "means_locked": 1,
    }


def test_the_account_lock_is_a_lockout_of_its_own(make_app):
    app = make_app(password_max_failures=2)
    client = app.test_client()
    user = make_user(app)
    before = scrape(client)
    for address in ("192.0.2.1", "192.0.2.2"):  # from two addresses: no address is held back
        client.environ_base["REMOTE_ADDR"] = address
        attempt(client, user.username, "wrong-password-123")
    after = scrape(client)
    changed = moved(before, after, "idp_lockouts_total")
    assert changed == {frozenset({("kind", "password_account")}): 1}


def test_outbox_depth_age_and_given_up_mails_are_read_at_scrape_time(make_app):
    app = make_app(mail_max_attempts=3)
    client = app.test_client()
    assert value(scrape(client), "idp_outbox_mails_waiting") == 0
    with app.app_context():
        for age_minutes, attempts in ((90, 0), (10, 1), (300, 3)):
            mail = queue_mail(
                "activation", to="bo@example.dk", template="activation", context=MAIL_CONTEXT
            )
            mail.created_at = utcnow() - timedelta(minutes=age_minutes)
            mail.attempts = attempts
        sent = queue_mail(
            "activation", to="bo@example.dk", template="activation", context=MAIL_CONTEXT
        )
        sent.created_at, sent.sent_at = utcnow() - timedelta(days=1), utcnow()
        db.session.commit()
        assert db.session.query(OutboxMail).count() == 4
    samples = scrape(client)

    assert value(samples, "idp_database_up") == 1
    assert value(samples, "idp_outbox_mails_waiting") == 2
    assert value(samples, "idp_outbox_mails_given_up") == 1
    # The oldest waiting one is 90 minutes old (the given-up and the sent ones do not count).
    assert 90 * 60 <= value(samples, "idp_outbox_oldest_waiting_seconds") < 90 * 60 + 30


@pytest.mark.parametrize(
    ("peer", "headers"),
    [
        ("203.0.113.9", {}),  # not loopback
        ("10.0.0.7", {}),
        ("::ffff:192.0.2.1", {}),
        # A proxy on this host that we were not told to trust: the client is somewhere else.
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"}),
        ("127.0.0.1", {"Forwarded": "for=203.0.113.9"}),
    ],
)
def test_anyone_but_loopback_gets_404(client, peer, headers):
    response = client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": peer})
    assert response.status_code == 404
    assert b"idp_http_requests_total" not in response.data


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_loopback_reads_it(client, peer):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": peer}).status_code == 200


def test_the_allowed_networks_and_trusted_proxies_decide(make_app):
    app = make_app(metrics_allowed_networks="10.20.0.0/16", trusted_proxies="10.0.0.5")
    client = app.test_client()

    def status(peer: str, forwarded_for: str | None = None) -> int:
        headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
        return client.get(
            "/metrics", headers=headers, environ_base={"REMOTE_ADDR": peer}
        ).status_code

    assert status("10.20.3.4") == 200
    assert status("127.0.0.1") == 404  # loopback is not in the setting any more
    assert status("10.0.0.5", "10.20.3.4") == 200  # through the trusted proxy
    assert status("10.0.0.5", "203.0.113.9") == 404
    assert status("10.20.3.4", "10.20.9.9") == 404  # forwarded by a proxy we do not trust


def test_without_the_database_the_counters_still_answer(keys_dir, tmp_path):
    from tests.conftest import base_config

    unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'idp.sqlite3'}"
    app = idp.create_app(base_config(unreachable, keys_dir, tmp_path / "instance"))
    samples = scrape(app.test_client())
    assert value(samples, "idp_database_up") == 0
    assert ("idp_outbox_mails_waiting", frozenset()) not in samples
    assert any(name == "idp_http_requests_total" for name, _ in samples)


def test_every_metric_has_labels():
    """Under `idp serve` the master imports the metrics before it forks the workers: an
    unlabelled one would hold a value made in the master, which no scrape of the workers'
    files sees (see idp/services/platform/metrics.py)."""
    found = [
        item for item in vars(metrics_module).values() if isinstance(item, Counter | Histogram)
    ]
    assert len(found) == 6
    for metric in found:
        assert metric._labelnames, metric._name
        assert metric._name.startswith("idp_")


@pytest.mark.parametrize("bad", ["10.0.0.0/33", "loopback", "127.0.0.1/8,nonsense"])
def test_a_bad_allowed_network_stops_start_up_naming_the_key(bad):
    from idp.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="metrics_allowed_networks: expected IP addresses"):
        load_settings({"metrics_allowed_networks": bad})
