"""Configuration: defaults -> config file -> IDP_* environment -> test overrides.

One validated object. A bad value stops start-up with a :class:`ConfigError` naming the key
and what is allowed.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .config_checks import CHECKS, ConfigError
from .models.enums import NsisLevel

DEFAULTS_FILE = Path(__file__).resolve().parent.parent / "config" / "default.toml"


@dataclass(frozen=True)
class Settings:
    issuer: str = "http://127.0.0.1:5000"
    host: str = "127.0.0.1"
    port: int = 5000
    workers: int = 2
    threads: int = 4  # per worker: 4 beat 8 on 2 cores in make bench (README, Benchmark)
    instance_path: str = "instance"
    database_url: str = ""
    keys_dir: str = "keys"
    key_store: str = "file"
    master_key: str = ""
    master_key_file: str = ""
    key_refresh_seconds: int = 10
    secret_key: str = ""
    session_cookie_secure: bool = True
    session_cookie_name: str = "idp_session"
    session_lifetime_low_minutes: int = 180
    session_lifetime_substantial_minutes: int = 60
    session_lifetime_high_minutes: int = 60
    authorization_code_lifetime: int = 60
    access_token_lifetime: int = 600
    id_token_lifetime: int = 600
    refresh_token_lifetime: int = 2592000
    id_token_default_alg: str = "RS256"
    require_pkce: bool = True
    pairwise_salt: str = ""
    secret_encryption_keys: str = ""
    ratelimit_storage_url: str = "memory://"
    ratelimit_key_prefix: str = "idp"
    login_rate_limit: str = "30 per minute"
    client_failure_rate_limit: str = "20 per minute"
    source_failure_rate_limit: str = "40 per minute"
    trusted_proxies: str = ""
    password_source_max_failures: int = 10
    password_source_window_seconds: int = 900
    password_source_block_seconds: int = 900
    password_max_failures: int = 100
    password_lock_seconds: int = 300
    password_attack_alert_hours: int = 6
    otp_max_failures: int = 5
    otp_lock_seconds: int = 300
    otp_bind_window_steps: int = 10
    app_enrolment_hours: int = 24
    dev_stand_ins: bool = False
    private_eid_issuer: str = ""
    private_eid_client_id: str = ""
    private_eid_client_secret: str = ""
    private_eid_scopes: str = "openid"
    private_eid_level_claim: str = "https://data.gov.dk/concept/core/nsis/loa"
    private_eid_timeout_seconds: int = 10
    activation_link_days: int = 30
    resend_min_seconds: int = 60
    mail_transport: str = "file"
    mail_from: str = "Lokal IdP <no-reply@localhost>"
    mail_background: bool = True
    mail_max_attempts: int = 20
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_security: str = "none"
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: int = 10
    default_locale: str = "da"
    log_format: str = "text"
    ratelimit_enabled: bool = True
    thin_path: bool = True
    password_hash_memory_kib: int = 65536
    password_hash_time_cost: int = 3
    password_hash_parallelism: int = 4
    testing: bool = False
    max_upload_mb: int = 20
    metrics_allowed_networks: str = "127.0.0.1/32 ::1/128"
    metrics_dir: str = ""

    @property
    def instance_dir(self) -> Path:
        return Path(self.instance_path).resolve()

    @property
    def keys_path(self) -> Path:
        return Path(self.keys_dir).resolve()

    def session_lifetime(self, level: str) -> int:
        """Minutes a login counts at ``level`` (NSIS: a stronger level lives shorter)."""
        return {
            NsisLevel.LOW.value: self.session_lifetime_low_minutes,
            NsisLevel.SUBSTANTIAL.value: self.session_lifetime_substantial_minutes,
            NsisLevel.HIGH.value: self.session_lifetime_high_minutes,
        }[level]

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_dir / 'idp.sqlite3'}"

    def url(self, path: str) -> str:
        """An absolute URL under the issuer (never from the request's Host header)."""
        return self.issuer.rstrip("/") + path


def _coerce(name: str, kind: type, raw: Any) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name}: expected true or false, got {raw!r}")
    if kind is int:
        if isinstance(raw, bool):
            raise ConfigError(f"{name}: expected a whole number, got {raw!r}")
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: expected a whole number, got {raw!r}") from None
    if not isinstance(raw, str | int | float):
        raise ConfigError(f"{name}: expected text, got {raw!r}")
    return str(raw)


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Build the settings from defaults, ``IDP_CONFIG`` file, ``IDP_*`` env and overrides."""
    kinds = {f.name: f.type for f in fields(Settings)}
    types = {"str": str, "int": int, "bool": bool}
    values: dict[str, Any] = {f.name: f.default for f in fields(Settings)}

    sources: list[tuple[str, dict[str, Any]]] = []
    if DEFAULTS_FILE.exists():
        sources.append((str(DEFAULTS_FILE), tomllib.loads(DEFAULTS_FILE.read_text())))
    extra_file = os.environ.get("IDP_CONFIG")
    if extra_file:
        try:
            sources.append((extra_file, tomllib.loads(Path(extra_file).read_text())))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"IDP_CONFIG: cannot read {extra_file}: {exc}") from None
    env = {
        name: os.environ[f"IDP_{name.upper()}"]
        for name in kinds
        if f"IDP_{name.upper()}" in os.environ and name != "testing"
    }
    # Flask-Limiter's own name for the storage setting, as operators know it.
    if "IDP_RATELIMIT_STORAGE_URI" in os.environ and "ratelimit_storage_url" not in env:
        env["ratelimit_storage_url"] = os.environ["IDP_RATELIMIT_STORAGE_URI"]
    sources.append(("environment", env))
    sources.append(("overrides", dict(overrides or {})))

    for origin, data in sources:
        for name, raw in data.items():
            if name not in kinds:
                raise ConfigError(f"{name}: unknown setting (from {origin})")
            values[name] = _coerce(name, types[str(kinds[name])], raw)
    for check in CHECKS:
        check(values)
    return Settings(**values)
