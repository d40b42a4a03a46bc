"""Signing keys: generated into keys/, published as JWKS, rotated with a retiring period.

The manifest ``keys.json`` lists every key with its kid, algorithm, state and, for a
retiring key, the time after which no token it signed can still be valid. Private key files
are written with mode 0600.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey, KeySet, RSAKey

from ...extensions import db
from .. import audit
from .runtime import keystore

ALGORITHMS = ("RS256", "ES256")
MANIFEST = "keys.json"


class KeyStoreError(Exception):
    """The signing-key store cannot do what was asked (no keys, no active key, an unknown
    algorithm). An operator's fault, told to the operator: not a ``ServiceError``, so it never
    becomes a page naming the key folder; a request that meets it is a plain 500."""


@dataclass(frozen=True)
class KeyEntry:
    kid: str
    alg: str
    file: str
    status: str  # active | retiring | retired
    created_at: str
    retire_at: str | None = None

    def published(self, now: datetime) -> bool:
        if self.status == "active":
            return True
        if self.status == "retiring" and self.retire_at:
            return datetime.fromisoformat(self.retire_at) > now
        return False


def _generate_private_pem(alg: str) -> bytes:
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if alg == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        raise KeyStoreError(f"unsupported algorithm {alg!r}; allowed: {', '.join(ALGORITHMS)}")
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


class KeyStore:
    """Loads the keys from a folder and serves signing keys and the public JWKS.

    Reloads when the manifest changes on disk (checked at most once a second), so that
    ``idp keys rotate`` reaches running processes without a restart.
    """

    def __init__(self, folder: Path, retire_margin_seconds: int) -> None:
        self.folder = folder
        self.retire_margin_seconds = retire_margin_seconds
        self._lock = threading.Lock()
        self._checked = 0.0
        self._mtime = -1.0
        self._entries: list[KeyEntry] = []
        self._private: dict[str, RSAKey | ECKey] = {}
        self._jwks_bytes = b""
        self._jwks_etag = ""
        self._jwks_built_for: tuple[float, int] = (-1.0, -1)

    # -- manifest ------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    def _read_manifest(self) -> list[KeyEntry]:
        if not self.manifest_path.exists():
            return []
        data = json.loads(self.manifest_path.read_text())
        return [KeyEntry(**item) for item in data.get("keys", [])]

    def _write_manifest(self, entries: list[KeyEntry]) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": [e.__dict__ for e in entries]}, indent=2))
        os.replace(tmp, self.manifest_path)
        self._checked = 0.0

    def ensure_keys(self) -> list[KeyEntry]:
        """Create the keys folder and one active key per algorithm where missing."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        entries = self._read_manifest()
        created = []
        for alg in ALGORITHMS:
            if not any(e.alg == alg and e.status == "active" for e in entries):
                entry = self._new_entry(alg)
                entries.append(entry)
                created.append(entry)
        if created:
            self._write_manifest(entries)
        return created

    def _new_entry(self, alg: str) -> KeyEntry:
        pem = _generate_private_pem(alg)
        key = self._import(pem, alg, kid=None)
        kid = key.thumbprint()
        filename = f"{kid}.pem"
        _write_private(self.folder / filename, pem)
        return KeyEntry(
            kid=kid,
            alg=alg,
            file=filename,
            status="active",
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    @staticmethod
    def _import(pem: bytes, alg: str, kid: str | None) -> RSAKey | ECKey:
        params: Any = {"alg": alg, "use": "sig"}
        if kid:
            params["kid"] = kid
        if alg == "RS256":
            return RSAKey.import_key(pem, params)
        return ECKey.import_key(pem, params)

    def rotate(self, alg: str) -> KeyEntry:
        """Make a new active key for ``alg``; the previous one keeps being published until
        every token it signed has expired."""
        if alg not in ALGORITHMS:
            raise KeyStoreError(f"unsupported algorithm {alg!r}; allowed: {', '.join(ALGORITHMS)}")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        entries = self._read_manifest()
        retire_at = (datetime.now(UTC) + timedelta(seconds=self.retire_margin_seconds)).isoformat(
            timespec="seconds"
        )
        updated = [
            KeyEntry(**{**e.__dict__, "status": "retiring", "retire_at": retire_at})
            if e.alg == alg and e.status == "active"
            else e
            for e in entries
        ]
        new = self._new_entry(alg)
        updated.append(new)
        self._write_manifest(updated)
        return new

    def entries(self) -> list[KeyEntry]:
        self._maybe_reload()
        return list(self._entries)

    # -- loading -------------------------------------------------------------------------
    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked < 1.0:
            return
        with self._lock:
            # Another thread may have reloaded while this one waited for the lock.
            if now - self._checked < 1.0:
                return
            try:
                mtime = self.manifest_path.stat().st_mtime
            except FileNotFoundError:
                raise KeyStoreError(
                    f"no signing keys in {self.folder}; run `idp keys init` or start the app"
                ) from None
            if mtime != self._mtime:
                entries = self._read_manifest()
                private = {}
                for entry in entries:
                    if entry.status == "retired":
                        continue
                    pem = (self.folder / entry.file).read_bytes()
                    private[entry.kid] = self._import(pem, entry.alg, entry.kid)
                self._entries, self._private, self._mtime = entries, private, mtime
            # Only now, with the keys in place, may other threads skip the check: marking
            # it earlier let them read an empty key list during a cold start.
            self._checked = now

    def signing_key(self, alg: str) -> RSAKey | ECKey:
        self._maybe_reload()
        for entry in reversed(self._entries):
            if entry.alg == alg and entry.status == "active":
                return self._private[entry.kid]
        raise KeyStoreError(f"no active {alg} key; run `idp keys rotate --alg {alg}`")

    def public_key_set(self) -> KeySet:
        self._maybe_reload()
        now = datetime.now(UTC)
        keys: list[Any] = [self._private[e.kid] for e in self._entries if e.published(now)]
        return KeySet(keys)

    def jwks(self) -> tuple[bytes, str]:
        """The JWKS document as pre-serialised bytes and its ETag, rebuilt only on change."""
        self._maybe_reload()
        # Rebuild when the manifest changed or once a minute (a retiring key may drop out).
        stamp = (self._mtime, int(time.time() // 60))
        if stamp != self._jwks_built_for:
            now = datetime.now(UTC)
            keys = [
                self._private[e.kid].as_dict(private=False)
                for e in self._entries
                if e.published(now)
            ]
            body = json.dumps({"keys": keys}, separators=(",", ":")).encode()
            self._jwks_bytes = body
            self._jwks_etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            self._jwks_built_for = stamp
        return self._jwks_bytes, self._jwks_etag


def rotate_keys(algs: Sequence[str], *, actor: str) -> list[KeyEntry]:
    """Give each algorithm in ``algs`` a new active signing key, audit every rotation and
    commit. The keys they replace stay published until the tokens they signed have expired."""
    new = [keystore().rotate(alg) for alg in algs]
    for entry in new:
        audit.record("keys.rotated", actor=actor, target=entry.kid, details={"alg": entry.alg})
    db.session.commit()
    return new
