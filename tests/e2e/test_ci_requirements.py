"""CI must not skip what users depend on: with CI=true a missing Chromium, Playwright or
PostgreSQL fails the run; locally it skips and says why. Each rule is seen at work by running
pytest in a subprocess with the part taken away."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support import helpers
from tests.support.helpers import ROOT

OTP_CONCURRENCY = "tests/integration/means/test_otp_concurrency.py"  # a PostgreSQL-only test
UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/test"


def run_pytest(*args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in env}
    environment.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_require_skips_locally_and_fails_under_ci(monkeypatch):
    helpers.require(True, "present")  # nothing happens
    # Skipped and Failed are BaseExceptions: catch both, so that a wrong one fails this test
    # instead of skipping it.
    monkeypatch.setattr(helpers, "IN_CI", False)
    with pytest.raises(BaseException, match="Chromium is missing") as local:
        helpers.require(False, "Chromium is missing")
    assert local.type is pytest.skip.Exception
    monkeypatch.setattr(helpers, "IN_CI", True)
    with pytest.raises(BaseException, match=r"Chromium is missing.*CI=true") as in_ci:
        helpers.require(False, "Chromium is missing")
    assert in_ci.type is pytest.fail.Exception


def test_browser_tests_without_chromium_skip_locally_and_fail_under_ci():
    missing = "/nonexistent/chromium"
    local = run_pytest("tests/browser/test_browser_login.py", CI=None, IDP_TEST_CHROMIUM=missing)
    # 5: pytest collected nothing to run (the module skipped), which is not a failure.
    assert local.returncode in (0, 5), local.stdout + local.stderr
    assert f"browser tests need Chromium at {missing}" in local.stdout
    assert "skipped" in local.stdout and "passed" not in local.stdout

    in_ci = run_pytest("tests/browser/test_browser_login.py", CI="true", IDP_TEST_CHROMIUM=missing)
    assert in_ci.returncode != 0, in_ci.stdout
    assert f"browser tests need Chromium at {missing}" in in_ci.stdout
    assert "CI=true: this is a failure here, not a skip" in in_ci.stdout


def test_postgresql_only_tests_say_where_they_run():
    local = run_pytest(OTP_CONCURRENCY, CI=None, IDP_TEST_DATABASE_URL=None)
    assert local.returncode == 0 and "needs PostgreSQL: set IDP_TEST_DATABASE_URL" in local.stdout
    in_ci = run_pytest(OTP_CONCURRENCY, CI="true", IDP_TEST_DATABASE_URL=None)
    assert in_ci.returncode == 0 and "runs in the PostgreSQL pass of .ci/run" in in_ci.stdout


def test_an_unreachable_postgresql_fails_the_postgresql_pass():
    result = run_pytest(OTP_CONCURRENCY, CI="true", IDP_TEST_DATABASE_URL=UNREACHABLE_POSTGRES)
    assert result.returncode != 0, result.stdout
    assert "IDP_TEST_DATABASE_URL is set, but that database cannot be reached" in result.stdout
    assert "skipped" not in result.stdout
