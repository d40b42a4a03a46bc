"""Key material many nodes share through the database (``key_store = "database"``): the master
key that seals it, and the secret box whose keys live in the ``encryption_keys`` table.

The master key comes from the ``master_key`` setting (``IDP_MASTER_KEY``) or the file named by
``master_key_file``; it is never written to the database or a backup. Losing it makes every
sealed key, and so every authenticator secret, unrecoverable: keep it as the one secret an
operator must never lose.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from ...extensions import db
from ...models.keys import EncryptionKey
from ...models.types import utcnow
from .key_sources import KeyStoreError, SealedTable, lock_keys
from .runtime import settings
from .secret_box import SecretBox, parse_master_key

if TYPE_CHECKING:
    from ...config import Settings


def master_key_text(cfg: Settings) -> str:
    """The master key's base64 text, from the setting or its file."""
    if cfg.master_key:
        return cfg.master_key
    try:
        return Path(cfg.master_key_file).read_text().strip()
    except OSError as error:
        raise KeyStoreError(
            f"master_key_file: cannot read {cfg.master_key_file}: {error}"
        ) from None


def master_box(cfg: Settings) -> SecretBox:
    """AES-256-GCM under the master key (version 1: the master key itself is not rotated)."""
    try:
        return SecretBox({1: parse_master_key(master_key_text(cfg))})
    except ValueError as error:
        raise KeyStoreError(str(error)) from None


def _aad(version: int) -> bytes:
    return b"encryption-key:%d" % version


class DatabaseSecretBox(SealedTable):
    """A :class:`SecretBox` whose keys are the rows of ``encryption_keys``: re-read at most
    every ``refresh_seconds``, and at once when a secret names a version not yet in hand (a
    key added on another node)."""

    _box: SecretBox | None = None
    _loaded_at = float("-inf")

    def _load(self) -> SecretBox:
        with self._context():
            rows = db.session.scalars(select(EncryptionKey)).all()
            keys = {
                row.version: self._master.decrypt(row.sealed_key, _aad(row.version)) for row in rows
            }
            db.session.rollback()
        if not keys:
            raise KeyStoreError("no secret-encryption key in the database; run `idp keys init`")
        return SecretBox(keys)

    def _current(self, force: bool = False) -> SecretBox:
        now = time.monotonic()
        if force or self._box is None or now - self._loaded_at >= self.refresh_seconds:
            with self._lock:
                try:
                    self._box = self._load()
                except Exception:
                    if self._box is None:
                        raise
                self._loaded_at = now
        assert self._box is not None
        return self._box

    @property
    def current_version(self) -> int:
        return self._current().current_version

    def encrypt(self, plaintext: bytes, associated: bytes = b"") -> bytes:
        return self._current().encrypt(plaintext, associated)

    def decrypt(self, blob: bytes, associated: bytes = b"") -> bytes:
        box = self._current()
        if blob and not box.knows(blob[0]):
            box = self._current(force=True)
        return box.decrypt(blob, associated)


def ensure_encryption_key() -> int | None:
    """With the keys in the database and none there yet: store the configured encryption keys
    (``secret_encryption_keys``, moving a single box's keys to the cluster) or a new version 1.
    Returns the current version created, or None when nothing was needed. The caller commits."""
    cfg = settings()
    if cfg.key_store != "database":
        return None
    lock_keys()
    if db.session.scalars(select(EncryptionKey.version).limit(1)).first() is not None:
        return None
    source = SecretBox.from_setting(cfg.secret_encryption_keys or SecretBox.new_setting())
    master = master_box(cfg)
    for version, key in source.keys().items():
        db.session.add(
            EncryptionKey(
                version=version,
                created_at=utcnow(),
                sealed_key=master.encrypt(key, _aad(version)),
            )
        )
    db.session.flush()
    return source.current_version
