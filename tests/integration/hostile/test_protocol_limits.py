"""Guessing at /token, /userinfo, /introspect and /revoke is throttled (RFC 6819 §4.3.5):
failed client authentications per client id, failed requests per client address; good
requests are not counted; a breach is 429 with Retry-After and an OAuth-style JSON body."""

from __future__ import annotations

import pytest

from idp.config import ConfigError, load_settings
from tests.support.helpers import make_client

SOURCE = "192.0.2.10"


@pytest.fixture
def limited(make_app):
    def build(client_limit="3 per minute", source_limit="100 per minute"):
        return make_app(
            ratelimit_enabled=True,
            client_failure_rate_limit=client_limit,
            source_failure_rate_limit=source_limit,
        )

    return build


def token(http, client_id, secret="wrong-secret", source=SOURCE, path="/token"):  # noqa: S107
    data = {"grant_type": "client_credentials"} if path == "/token" else {"token": "x" * 20}
    return http.post(
        path, data=data, auth=(client_id, secret), environ_base={"REMOTE_ADDR": source}
    )


def userinfo(http, bearer="not-a-token", source=SOURCE):
    return http.get(
        "/userinfo",
        headers={"Authorization": f"Bearer {bearer}"},
        environ_base={"REMOTE_ADDR": source},
    )


def test_bad_secrets_end_in_429_for_that_client_id_only(limited):
    app = limited()
    http = app.test_client()
    first, second = make_client(app), make_client(app)
    codes = [token(http, first.client_id).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    # RFC 6819 §5.1.4.2.3: the client id is held back for the window, its secret or not.
    assert token(http, first.client_id, first.client_secret).status_code == 429
    # Another client id from the same address is not affected.
    assert token(http, second.client_id).status_code == 401
    assert token(http, second.client_id, second.client_secret).status_code == 200


def test_429_is_an_oauth_json_error_with_retry_after(limited):
    app = limited(client_limit="1 per minute")
    http = app.test_client()
    rp = make_client(app)
    token(http, rp.client_id)
    refused = token(http, rp.client_id)
    assert refused.status_code == 429
    assert refused.mimetype == "application/json"
    assert refused.json["error"] == "temporarily_unavailable"
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the one-minute window
    assert refused.headers["Cache-Control"] == "no-store"


def test_good_requests_are_not_counted(limited):
    app = limited(client_limit="2 per minute", source_limit="2 per minute")
    http = app.test_client()
    rp = make_client(app)
    assert {token(http, rp.client_id, rp.client_secret).status_code for _ in range(6)} == {200}


def test_client_id_sent_in_the_form_is_counted_too(limited):
    app = limited(client_limit="2 per minute")
    http = app.test_client()
    rp = make_client(app, auth_method="client_secret_post")
    form = {"grant_type": "client_credentials", "client_id": rp.client_id, "client_secret": "no"}
    codes = [http.post("/token", data=form).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


def test_introspect_revoke_and_token_share_the_client_count(limited):
    app = limited(client_limit="3 per minute")
    http = app.test_client()
    rp = make_client(app)
    assert token(http, rp.client_id).status_code == 401
    assert token(http, rp.client_id, path="/introspect").status_code == 401
    assert token(http, rp.client_id, path="/revoke").status_code == 401
    assert token(http, rp.client_id, path="/introspect").status_code == 429


def test_bad_secrets_for_many_client_ids_are_counted_per_address(limited):
    app = limited(client_limit="100 per minute", source_limit="4 per minute")
    http = app.test_client()
    codes = [token(http, f"guess-{n}").status_code for n in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    assert token(http, "guess-9", source="192.0.2.11").status_code == 401


def test_bad_bearer_tokens_at_userinfo_end_in_429_per_address(limited):
    app = limited(source_limit="3 per minute")
    http = app.test_client()
    codes = [userinfo(http).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert userinfo(http).json["error"] == "temporarily_unavailable"
    assert userinfo(http, source="192.0.2.11").status_code == 401


@pytest.mark.parametrize(
    "key", ["login_rate_limit", "client_failure_rate_limit", "source_failure_rate_limit"]
)
def test_a_bad_rate_limit_setting_stops_start_up(key):
    with pytest.raises(ConfigError, match=key):
        load_settings({key: "lots"})
