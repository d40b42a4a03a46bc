"""Which address a request counts as: the direct peer, or behind a trusted proxy the right-most
X-Forwarded-For address that is not a trusted proxy. Every throttle keys on it."""

from __future__ import annotations

import pytest

from idp.config import ConfigError, load_settings
from idp.web.client_address import forwarded_client, proxy_networks
from tests.support.helpers import GENERIC, csrf_of, make_user

PROXY = "10.0.0.5"
NETS = proxy_networks("10.0.0.5, 10.1.0.0/16 2001:db8:ff::/48")
pytestmark = pytest.mark.usefixtures("cheap_password_hashes")


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("192.0.2.1", [], "192.0.2.1"),
        ("192.0.2.1", ["198.51.100.9"], "192.0.2.1"),  # untrusted peer: header ignored
        (PROXY, ["198.51.100.9"], "198.51.100.9"),
        (PROXY, ["6.6.6.6, 198.51.100.9"], "198.51.100.9"),  # left of it: the client's own
        (PROXY, ["198.51.100.9, 10.1.2.3"], "198.51.100.9"),  # a chain of trusted proxies
        (PROXY, ["6.6.6.6", "198.51.100.9"], "198.51.100.9"),  # two header lines
        (PROXY, ["10.1.2.3"], "10.1.2.3"),  # nothing but proxies: the left-most
        (PROXY, [], PROXY),
        (PROXY, ["not-an-address"], PROXY),
        (PROXY, ["198.51.100.9:4711"], "198.51.100.9"),
        (PROXY, ["[2001:db8::7]:443"], "2001:db8::7"),
        ("2001:db8:ff::1", ["2001:db8::7"], "2001:db8::7"),
        ("::ffff:10.0.0.5", ["198.51.100.9"], "198.51.100.9"),
    ],
)
def test_the_client_address_rule(peer, forwarded, client):
    assert forwarded_client(peer, forwarded, NETS) == client


def test_without_trusted_proxies_the_header_is_ignored():
    assert forwarded_client("192.0.2.1", ["198.51.100.9"], ()) == "192.0.2.1"


def test_a_bad_trusted_proxies_setting_stops_start_up():
    with pytest.raises(ConfigError, match="trusted_proxies"):
        load_settings({"trusted_proxies": "10.0.0.5, proxy.example.dk"})


def _username_posts(app, peer, forwarded, count):
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = peer
    http.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    token = csrf_of(http.get("/login/").get_data(as_text=True))
    return [
        http.post("/login/", data={"csrf_token": token, "username": "x"}).status_code
        for _ in range(count)
    ]


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_counter(make_app):
    app = make_app(ratelimit_enabled=True, login_rate_limit="2 per minute", trusted_proxies=PROXY)
    assert _username_posts(app, PROXY, "198.51.100.1", 3) == [303, 303, 429]
    assert _username_posts(app, PROXY, "198.51.100.2", 2) == [303, 303]


def test_from_an_untrusted_peer_x_forwarded_for_is_ignored(make_app):
    app = make_app(ratelimit_enabled=True, login_rate_limit="2 per minute", trusted_proxies=PROXY)
    assert _username_posts(app, "192.0.2.44", "198.51.100.1", 2) == [303, 303]
    assert _username_posts(app, "192.0.2.44", "198.51.100.2", 1) == [429]


def test_ipv6_clients_are_counted_per_64(make_app):
    app = make_app(ratelimit_enabled=True, login_rate_limit="2 per minute")
    assert _username_posts(app, "2001:db8:1:2::1", "", 2) == [303, 303]
    assert _username_posts(app, "2001:db8:1:2:ffff::9", "", 1) == [429]
    assert _username_posts(app, "2001:db8:1:3::1", "", 1) == [303]


def _login(app, person, password, forwarded):
    http = app.test_client()
    http.environ_base["REMOTE_ADDR"] = PROXY
    http.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    token = csrf_of(http.get("/login/").get_data(as_text=True))
    http.post("/login/", data={"csrf_token": token, "username": person.username})
    http.post("/login/password", data={"csrf_token": token, "password": password})
    end = http.post("/login/code", data={"csrf_token": token, "code": person.code()})
    return end, http.get("/account/").status_code == 200


def test_the_account_throttle_counts_the_forwarded_client(make_app):
    app = make_app(trusted_proxies=PROXY, password_source_max_failures=3)
    person = make_user(app)
    for _ in range(3):
        _login(app, person, "wrong guess 123", "198.51.100.1")
    end, logged_in = _login(app, person, person.password, "198.51.100.1")
    assert not logged_in and GENERIC in end.get_data(as_text=True)
    _end, logged_in = _login(app, person, person.password, "198.51.100.2")
    assert logged_in
