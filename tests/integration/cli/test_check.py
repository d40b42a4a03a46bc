"""`idp check` before a start: every check of /health/ready plus the SMTP server and the rate
limits' Redis where configured, each named with what is wrong; exit 1 when anything is."""

from __future__ import annotations

import json

from tests.support.e2e import Smtp


def _check(app):
    result = app.test_cli_runner().invoke(args=["check", "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_a_node_that_can_serve_passes(make_app):
    code, report = _check(make_app())
    assert code == 0 and report["ok"] is True
    assert report["checks"] == {
        "settings": "ok",
        "database": "ok",
        "migrations": "ok",
        "keys": "ok",
        "templates": "ok",
        "static": "ok",
        "translations": "ok",
        "smtp": "not used",
        "rate_limit_storage": "not used",
    }


def test_the_smtp_server_is_reached_or_named_unreachable(make_app):
    smtp = Smtp()  # its port is free until it starts
    settings = {"mail_transport": "smtp", "smtp_host": "127.0.0.1", "smtp_port": smtp.port}
    code, report = _check(make_app(**settings, smtp_timeout_seconds=2))
    assert code == 1 and report["checks"]["smtp"] == "unreachable"
    smtp.start()
    try:
        code, report = _check(make_app(**settings))
        assert code == 0 and report["checks"]["smtp"] == "ok"
    finally:
        smtp.stop()


def test_the_rate_limit_redis_is_reached_or_named_unreachable(make_app):
    code, report = _check(make_app(ratelimit_storage_url="redis://127.0.0.1:6379/0"))
    assert code == 0 and report["checks"]["rate_limit_storage"] == "ok"
    code, report = _check(make_app(ratelimit_storage_url="redis://127.0.0.1:1/0"))
    assert code == 1 and report["checks"]["rate_limit_storage"] == "unreachable"


def test_a_schema_behind_the_migrations_fails_the_check(unmigrated_app):
    result = unmigrated_app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "migrations           behind" in result.output
