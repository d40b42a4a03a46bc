"""The checks every setting passes before the app starts: allowed values, ranges, URLs,
rate limits and proxies. The first check that fails names its key in the ConfigError."""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A configuration value is missing or not allowed."""


_ALLOWED = {
    "mail_transport": ("file", "smtp"),
    "smtp_security": ("none", "starttls", "tls"),
    "id_token_default_alg": ("RS256", "ES256"),
    "default_locale": ("da", "en"),
    "log_format": ("text", "json"),
    "key_store": ("file", "database"),
}
_RANGES = {
    "port": (1, 65535),
    "workers": (1, 64),
    "threads": (1, 256),
    "session_lifetime_low_minutes": (1, 24 * 60),
    "session_lifetime_substantial_minutes": (1, 24 * 60),
    "session_lifetime_high_minutes": (1, 24 * 60),
    "private_eid_timeout_seconds": (1, 120),
    "activation_link_days": (1, 365),
    "resend_min_seconds": (0, 86400),
    "mail_max_attempts": (1, 1000),
    "smtp_timeout_seconds": (1, 300),
    "authorization_code_lifetime": (1, 60),  # issue bar: codes live at most 60 s
    "access_token_lifetime": (30, 86400),
    "id_token_lifetime": (30, 86400),
    "refresh_token_lifetime": (60, 365 * 86400),
    "password_source_max_failures": (1, 100),
    "password_source_window_seconds": (1, 86400),
    "password_source_block_seconds": (1, 86400),
    # NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account.
    "password_max_failures": (1, 100),
    "password_lock_seconds": (1, 86400),
    "password_attack_alert_hours": (1, 24 * 7),
    # NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts.
    "otp_max_failures": (1, 100),
    "otp_lock_seconds": (1, 86400),
    "otp_bind_window_steps": (1, 20),
    "app_enrolment_hours": (1, 24 * 30),
    "max_upload_mb": (1, 200),
    "key_refresh_seconds": (1, 300),
    "password_hash_memory_kib": (7168, 4 * 1024 * 1024),
    "password_hash_time_cost": (1, 20),
    "password_hash_parallelism": (1, 16),
}


Values = dict[str, Any]
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def _check_tables(values: Values) -> None:
    for name, allowed in _ALLOWED.items():
        if values[name] not in allowed:
            raise ConfigError(f"{name}: must be one of {', '.join(allowed)}, got {values[name]!r}")
    for name, (low, high) in _RANGES.items():
        if not low <= values[name] <= high:
            raise ConfigError(f"{name}: must be between {low} and {high}, got {values[name]!r}")


def _check_issuer(values: Values) -> None:
    issuer = values["issuer"]
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(f"issuer: must be an absolute https URL, got {issuer!r}")
    if parts.query or parts.fragment or issuer.endswith("/"):
        # OpenID Connect Discovery §3: no query or fragment; we also refuse a trailing slash
        # so that issuer + "/.well-known/..." is unambiguous.
        raise ConfigError(f"issuer: no query, fragment or trailing slash allowed, got {issuer!r}")
    local = parts.hostname in _LOCAL_HOSTS
    if parts.scheme == "http" and not local:
        raise ConfigError(f"issuer: http is allowed only for 127.0.0.1/localhost, got {issuer!r}")
    if not values["session_cookie_secure"] and not (parts.scheme == "http" and local):
        raise ConfigError(
            "session_cookie_secure: may be false only for an http://127.0.0.1 or "
            "http://localhost issuer"
        )


def _check_private_eid(values: Values) -> None:
    if values["dev_stand_ins"] and urlsplit(values["issuer"]).hostname not in _LOCAL_HOSTS:
        raise ConfigError("dev_stand_ins: only with a 127.0.0.1/localhost issuer (development)")
    if not values["private_eid_issuer"]:
        return
    upstream = urlsplit(values["private_eid_issuer"])
    upstream_local = upstream.hostname in _LOCAL_HOSTS
    if upstream.scheme != "https" and not (upstream.scheme == "http" and upstream_local):
        raise ConfigError("private_eid_issuer: must be an https URL")
    if not values["private_eid_client_id"]:
        raise ConfigError("private_eid_client_id: required when private_eid_issuer is set")


def _check_names_and_urls(values: Values) -> None:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", values["session_cookie_name"]):
        raise ConfigError("session_cookie_name: 1-64 letters, digits, '_' or '-'")
    if values["database_url"] and not values["database_url"].startswith(
        ("sqlite:", "postgresql", "postgres")
    ):
        raise ConfigError(
            "database_url: must be a sqlite:/// or postgresql+psycopg:// URL, "
            f"got {values['database_url']!r}"
        )
    if not values["ratelimit_storage_url"].startswith(("memory://", "redis://", "rediss://")):
        raise ConfigError("ratelimit_storage_url: must be memory:// or a redis:// URL")
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,64}", values["ratelimit_key_prefix"]):
        raise ConfigError("ratelimit_key_prefix: 1-64 letters, digits, '_', '.', ':' or '-'")


def _check_rate_limits_and_proxies(values: Values) -> None:
    from limits import parse_many

    for name in ("login_rate_limit", "client_failure_rate_limit", "source_failure_rate_limit"):
        try:
            parse_many(values[name])
        except ValueError:
            raise ConfigError(
                f"{name}: expected a rate limit such as '20 per minute' or '5/second;100/hour', "
                f"got {values[name]!r}"
            ) from None
    for name in ("trusted_proxies", "metrics_allowed_networks"):
        for item in values[name].replace(",", " ").split():
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ConfigError(
                    f"{name}: expected IP addresses or CIDR ranges, got {item!r}"
                ) from None


def _check_password_hashing(values: Values) -> None:
    # OWASP Password Storage Cheat Sheet, argon2id: the least it allows trades memory for
    # passes, from m=47104 (46 MiB), t=1 to m=7168 (7 MiB), t=5; each at least 35840 KiB-passes.
    memory, passes = values["password_hash_memory_kib"], values["password_hash_time_cost"]
    if memory * passes < 35840:
        raise ConfigError(
            "password_hash_memory_kib x password_hash_time_cost: below the OWASP minimum for "
            f"argon2id (e.g. 19456 KiB x 2), got {memory} x {passes}"
        )


def _check_key_store(values: Values) -> None:
    if values["master_key"] and values["master_key_file"]:
        raise ConfigError("master_key: give master_key or master_key_file, not both")
    if values["key_store"] != "database":
        return
    if not (values["master_key"] or values["master_key_file"]):
        raise ConfigError(
            "master_key: required with key_store = database (or master_key_file, a file holding "
            "it): 32 random bytes in base64"
        )
    if values["master_key"]:
        from .services.platform.secret_box import parse_master_key

        try:
            parse_master_key(values["master_key"])
        except ValueError as error:
            raise ConfigError(f"master_key: {error}") from None


# Run in this order: the first check that fails names its key in the ConfigError.
CHECKS = (
    _check_tables,
    _check_issuer,
    _check_private_eid,
    _check_names_and_urls,
    _check_rate_limits_and_proxies,
    _check_key_store,
    _check_password_hashing,
)
