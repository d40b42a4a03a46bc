"""Configuration: defaults, IDP_* environment, validation naming the key."""

from __future__ import annotations

import pytest

from idp.config import ConfigError, load_settings


def test_defaults_load():
    cfg = load_settings()
    assert cfg.issuer == "http://127.0.0.1:5000"
    assert cfg.port == 5000
    assert cfg.require_pkce is True


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("IDP_ISSUER", "https://login.example.dk")
    monkeypatch.setenv("IDP_PORT", "8080")
    monkeypatch.setenv("IDP_HOST", "0.0.0.0")
    monkeypatch.setenv("IDP_DATABASE_URL", "postgresql+psycopg://x@db/idp")
    monkeypatch.setenv("IDP_INSTANCE_PATH", "/var/lib/idp")
    monkeypatch.setenv("IDP_KEYS_DIR", "/etc/idp/keys")
    monkeypatch.setenv("IDP_SECRET_KEY", "s3cret")
    cfg = load_settings()
    assert (cfg.issuer, cfg.port, cfg.host) == ("https://login.example.dk", 8080, "0.0.0.0")
    assert cfg.database_url.startswith("postgresql")
    assert cfg.instance_path == "/var/lib/idp" and cfg.keys_dir == "/etc/idp/keys"
    assert cfg.secret_key == "s3cret"


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("port", "eighty", "port: expected a whole number"),
        ("port", "70000", "port: must be between"),
        ("id_token_default_alg", "HS256", "id_token_default_alg: must be one of RS256, ES256"),
        ("issuer", "ftp://x", "issuer: must be an absolute https URL"),
        ("issuer", "http://login.example.dk", "issuer: http is allowed only"),
        ("issuer", "https://login.example.dk/", "issuer: no query, fragment or trailing slash"),
        ("require_pkce", "maybe", "require_pkce: expected true or false"),
        ("authorization_code_lifetime", "600", "authorization_code_lifetime: must be between"),
        ("database_url", "mysql://x", "database_url:"),
    ],
)
def test_bad_value_names_the_key(monkeypatch, key, value, words):
    monkeypatch.setenv(f"IDP_{key.upper()}", value)
    with pytest.raises(ConfigError, match=words):
        load_settings()


def test_insecure_cookie_only_for_local_http_issuer():
    load_settings({"session_cookie_secure": False})
    with pytest.raises(ConfigError, match="session_cookie_secure"):
        load_settings({"issuer": "https://login.example.dk", "session_cookie_secure": False})


def test_unknown_setting_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "extra.toml"
    path.write_text('isuer = "https://typo.example"\n')
    monkeypatch.setenv("IDP_CONFIG", str(path))
    with pytest.raises(ConfigError, match="isuer: unknown setting"):
        load_settings()


def test_bad_value_stops_the_cli_with_the_key_named(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "idp.cli", "orgs", "list"],
        env={"IDP_PORT": "eighty", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode != 0
    assert "port: expected a whole number" in result.stderr


@pytest.mark.parametrize(
    "issuer", ["http://127.0.0.1:5000", "http://localhost:8080", "http://[::1]:5000"]
)
def test_dev_stand_ins_are_allowed_on_a_loopback_issuer(issuer):
    assert load_settings({"issuer": issuer, "dev_stand_ins": True}).dev_stand_ins is True


@pytest.mark.parametrize("issuer", ["https://login.example.dk", "https://127.0.0.1.example.dk"])
def test_dev_stand_ins_are_refused_with_any_other_issuer(issuer):
    with pytest.raises(ConfigError, match=r"dev_stand_ins: only with a 127\.0\.0\.1/localhost"):
        load_settings({"issuer": issuer, "dev_stand_ins": True})
    assert load_settings({"issuer": issuer}).dev_stand_ins is False


def test_the_production_example_loads_and_names_every_secret_nodes_share(monkeypatch):
    from tests.support.helpers import ROOT

    example = ROOT / "config" / "production.example.toml"
    monkeypatch.setenv("IDP_CONFIG", str(example))
    cfg = load_settings()
    assert cfg.issuer.startswith("https://") and cfg.mail_transport == "smtp"
    assert cfg.ratelimit_storage_url.startswith("redis://")
    text = example.read_text()
    assert cfg.key_store == "database" and cfg.master_key_file
    for shared in ("secret_key", "secret_encryption_keys", "pairwise_salt", "keys_dir"):
        assert f"# - {shared}" in text, shared  # said to be shared and backed up
        assert f"\n{shared} = " in text, shared  # and present as a key to fill in
    assert "# - master_key" in text and "never stored" in text


def test_flask_limiters_own_name_for_the_rate_limit_storage_is_understood(monkeypatch):
    monkeypatch.setenv("IDP_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/3")
    assert load_settings().ratelimit_storage_url == "redis://127.0.0.1:6379/3"
    # Our own name wins when both are given.
    monkeypatch.setenv("IDP_RATELIMIT_STORAGE_URL", "redis://127.0.0.1:6379/4")
    assert load_settings().ratelimit_storage_url == "redis://127.0.0.1:6379/4"
    monkeypatch.setenv("IDP_RATELIMIT_STORAGE_URI", "ftp://nowhere")
    monkeypatch.delenv("IDP_RATELIMIT_STORAGE_URL")
    with pytest.raises(ConfigError, match="ratelimit_storage_url"):
        load_settings()
