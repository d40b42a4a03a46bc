"""Signing keys: kept in a folder (one box) or the database (many nodes, :mod:`.key_sources`),
published as JWKS, rotated with a retiring period.

The app never makes keys when it starts: a node that finds none is not ready, rather than
quietly signing with keys no other node knows. ``idp keys init`` (:func:`ensure_keys`) makes
them once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc.jwk import ECKey, KeySet, RSAKey

from ...extensions import db
from .. import audit
from .key_sources import FileKeys, KeyEntry, KeySource, KeyStoreError
from .runtime import keystore

ALGORITHMS = ("RS256", "ES256")
log = logging.getLogger("idp.keys")
__all__ = ["ALGORITHMS", "KeyEntry", "KeyStore", "KeyStoreError", "ensure_keys", "rotate_keys"]


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


def _import(pem: bytes, alg: str, kid: str | None) -> RSAKey | ECKey:
    params: Any = {"alg": alg, "use": "sig"}
    if kid:
        params["kid"] = kid
    if alg == "RS256":
        return RSAKey.import_key(pem, params)
    return ECKey.import_key(pem, params)


def _make_key(alg: str) -> tuple[KeyEntry, bytes]:
    """A new private key and its entry; the kid is the JWK thumbprint (RFC 7638)."""
    pem = _generate_private_pem(alg)
    kid = _import(pem, alg, kid=None).thumbprint()
    created = datetime.now(UTC).isoformat(timespec="seconds")
    return KeyEntry(kid=kid, alg=alg, file="", status="active", created_at=created), pem


class KeyStore:
    """Serves signing keys and the public JWKS from a :class:`~.key_sources.KeySource`.

    Re-reads the source when it changed (asked at most every ``refresh_seconds`` of the
    source), so that ``idp keys rotate`` on any node reaches every running process without a
    restart. When a re-read fails (the database is away) the keys in hand keep being served.
    """

    def __init__(self, source: Path | KeySource, retire_margin_seconds: int) -> None:
        self.source: KeySource = FileKeys(source) if isinstance(source, Path) else source
        self.retire_margin_seconds = retire_margin_seconds
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._stamp: Any = None
        self._entries: list[KeyEntry] = []
        self._private: dict[str, RSAKey | ECKey] = {}
        self._jwks_bytes = b""
        self._jwks_etag = ""
        self._jwks_built_for: tuple[Any, int] = (None, -1)

    def ensure_keys(self) -> list[KeyEntry]:
        """One active key per algorithm where missing (``idp keys init``)."""
        created = self.source.add_missing(ALGORITHMS, _make_key)
        self._checked = float("-inf")
        return created

    def rotate(self, alg: str) -> KeyEntry:
        """Make a new active key for ``alg``; the previous one keeps being published until
        every token it signed has expired."""
        if alg not in ALGORITHMS:
            raise KeyStoreError(f"unsupported algorithm {alg!r}; allowed: {', '.join(ALGORITHMS)}")
        retire_at = (datetime.now(UTC) + timedelta(seconds=self.retire_margin_seconds)).isoformat(
            timespec="seconds"
        )
        new = self.source.rotate(alg, _make_key, retire_at)
        self._checked = float("-inf")
        return new

    def entries(self) -> list[KeyEntry]:
        self._maybe_reload()
        return list(self._entries)

    # -- loading -------------------------------------------------------------------------
    def _maybe_reload(self) -> None:
        now = time.monotonic()
        if now - self._checked < self.source.refresh_seconds:
            return
        with self._lock:
            # Another thread may have reloaded while this one waited for the lock.
            if now - self._checked < self.source.refresh_seconds:
                return
            try:
                self._reload()
            except Exception as error:
                if not self._entries:
                    if isinstance(error, KeyStoreError):
                        raise
                    raise KeyStoreError(f"the signing keys cannot be read: {error}") from None
                log.warning("signing keys not re-read, serving the ones in hand: %s", error)
            # Only now, with the keys in place, may other threads skip the check: marking
            # it earlier let them read an empty key list during a cold start.
            self._checked = now

    def _reload(self) -> None:
        stamp = self.source.stamp()
        if stamp == self._stamp:
            return
        entries, private = [], {}
        for entry, pem in self.source.load():
            entries.append(entry)
            known = self._private.get(entry.kid)
            private[entry.kid] = known or _import(pem, entry.alg, entry.kid)
        self._entries, self._private, self._stamp = entries, private, stamp

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
        stamp = (self._stamp, int(time.time() // 60))
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


def ensure_keys(*, actor: str) -> list[KeyEntry]:
    """Create the missing signing keys (one active per algorithm) and, with the keys in the
    database, the secret-encryption key; audit what was made and commit."""
    from .shared_secrets import ensure_encryption_key

    created = keystore().ensure_keys()
    version = ensure_encryption_key()
    for entry in created:
        audit.record("keys.created", actor=actor, target=entry.kid, details={"alg": entry.alg})
    if version is not None:
        audit.record("keys.encryption_created", actor=actor, target=str(version))
    db.session.commit()
    return created


def rotate_keys(algs: Sequence[str], *, actor: str) -> list[KeyEntry]:
    """Give each algorithm in ``algs`` a new active signing key, audit every rotation and
    commit. The keys they replace stay published until the tokens they signed have expired."""
    new = [keystore().rotate(alg) for alg in algs]
    for entry in new:
        audit.record("keys.rotated", actor=actor, target=entry.kid, details={"alg": entry.alg})
    db.session.commit()
    return new
