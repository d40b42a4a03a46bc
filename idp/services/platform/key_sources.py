"""Where the signing keys are kept: a folder on one box, or the database that every node shares.

Both answer the same four questions for :class:`~.keys.KeyStore`: has anything changed
(``stamp``), what are the keys (``load``), add the missing ones (``add_missing``) and replace one
(``rotate``). The store caches what ``load`` returned and asks ``stamp`` again at most every
``refresh_seconds``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select, text

from ...extensions import db
from ...models.keys import SigningKey
from .secret_box import SecretBox

MANIFEST = "keys.json"
# One PostgreSQL advisory lock for every change to the key tables, so that two nodes adding or
# rotating keys at once cannot both make an active key (taken per transaction).
KEY_LOCK = 0x1D9_4B3E_0001


class KeyStoreError(Exception):
    """The signing-key store cannot do what was asked (no keys, no active key, an unknown
    algorithm, no master key). An operator's fault, told to the operator: not a
    ``ServiceError``, so it never becomes a page naming the key folder."""


@dataclass(frozen=True)
class KeyEntry:
    kid: str
    alg: str
    file: str  # the PEM's file name in the keys folder; "" for a key in the database
    status: str  # active | retiring | retired
    created_at: str
    retire_at: str | None = None

    def published(self, now: datetime) -> bool:
        if self.status == "active":
            return True
        if self.status == "retiring" and self.retire_at:
            return datetime.fromisoformat(self.retire_at) > now
        return False


# A new key: (alg) -> its entry (kid, created_at; file and status filled by the source) and PEM.
MakeKey = Callable[[str], tuple[KeyEntry, bytes]]
Loaded = list[tuple[KeyEntry, bytes]]


class KeySource(Protocol):
    refresh_seconds: float

    def stamp(self) -> Any: ...
    def load(self) -> Loaded: ...
    def add_missing(self, algs: Iterable[str], make: MakeKey) -> list[KeyEntry]: ...
    def rotate(self, alg: str, make: MakeKey, retire_at: str) -> KeyEntry: ...


def _retire(entry: KeyEntry, retire_at: str) -> KeyEntry:
    return KeyEntry(**{**entry.__dict__, "status": "retiring", "retire_at": retire_at})


class FileKeys:
    """A folder: ``keys.json`` lists the keys, each private key a PEM file of mode 0600."""

    refresh_seconds = 1.0

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    def stamp(self) -> float:
        try:
            return self.manifest_path.stat().st_mtime
        except FileNotFoundError:
            raise KeyStoreError(
                f"no signing keys in {self.folder}; run `idp keys init` once"
            ) from None

    def _entries(self) -> list[KeyEntry]:
        if not self.manifest_path.exists():
            return []
        data = json.loads(self.manifest_path.read_text())
        return [KeyEntry(**item) for item in data.get("keys", [])]

    def load(self) -> Loaded:
        return [
            (entry, (self.folder / entry.file).read_bytes())
            for entry in self._entries()
            if entry.status != "retired"
        ]

    def _write(self, entries: list[KeyEntry]) -> None:
        tmp = self.manifest_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": [e.__dict__ for e in entries]}, indent=2))
        os.replace(tmp, self.manifest_path)

    def _new(self, alg: str, make: MakeKey) -> KeyEntry:
        entry, pem = make(alg)
        entry = KeyEntry(**{**entry.__dict__, "file": f"{entry.kid}.pem"})
        fd = os.open(self.folder / entry.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        return entry

    def add_missing(self, algs: Iterable[str], make: MakeKey) -> list[KeyEntry]:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        entries = self._entries()
        created = [
            self._new(alg, make)
            for alg in algs
            if not any(e.alg == alg and e.status == "active" for e in entries)
        ]
        if created:
            self._write(entries + created)
        return created

    def rotate(self, alg: str, make: MakeKey, retire_at: str) -> KeyEntry:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        entries = [
            _retire(e, retire_at) if e.alg == alg and e.status == "active" else e
            for e in self._entries()
        ]
        new = self._new(alg, make)
        self._write([*entries, new])
        return new


class SealedTable:
    """Key material in a table, sealed under the master key, re-read every
    ``refresh_seconds``. It is read outside requests too (the JWKS middleware): each read runs
    in an application context (and so a database session) of its own from ``context``."""

    def __init__(
        self,
        context: Callable[[], AbstractContextManager[Any]],
        master: SecretBox,
        refresh_seconds: float,
    ) -> None:
        self._context = context
        self._master = master
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()


class DatabaseKeys(SealedTable):
    """The ``signing_keys`` table, private keys sealed under the master key (kid as associated
    data, so a sealed key cannot be moved to another row). Every node reads it at most every
    ``key_refresh_seconds``; changes are made under :data:`KEY_LOCK`."""

    def stamp(self) -> Any:
        with self._context():
            rows = db.session.execute(
                select(SigningKey.kid, SigningKey.status, SigningKey.retire_at).order_by(
                    SigningKey.created_at, SigningKey.kid
                )
            ).all()
            db.session.rollback()
        if not rows:
            raise KeyStoreError("no signing keys in the database; run `idp keys init` once")
        return tuple(tuple(row) for row in rows)

    def load(self) -> Loaded:
        with self._context():
            rows = db.session.scalars(
                select(SigningKey)
                .where(SigningKey.status != "retired")
                .order_by(SigningKey.created_at, SigningKey.kid)
            ).all()
            loaded = [(self._entry(row), self._unseal(row)) for row in rows]
            db.session.rollback()
        return loaded

    @staticmethod
    def _entry(row: SigningKey) -> KeyEntry:
        return KeyEntry(
            kid=row.kid,
            alg=row.alg,
            file="",
            status=row.status,
            created_at=row.created_at.isoformat(timespec="seconds"),
            retire_at=row.retire_at.isoformat(timespec="seconds") if row.retire_at else None,
        )

    def _unseal(self, row: SigningKey) -> bytes:
        try:
            return self._master.decrypt(row.sealed_private, b"signing-key:" + row.kid.encode())
        except Exception:
            raise KeyStoreError(
                f"signing key {row.kid} cannot be opened with this master key"
            ) from None

    def _insert(self, alg: str, make: MakeKey) -> KeyEntry:
        entry, pem = make(alg)
        db.session.add(
            SigningKey(
                kid=entry.kid,
                alg=alg,
                status="active",
                created_at=datetime.fromisoformat(entry.created_at),
                retire_at=None,
                sealed_private=self._master.encrypt(pem, b"signing-key:" + entry.kid.encode()),
            )
        )
        return entry

    def add_missing(self, algs: Iterable[str], make: MakeKey) -> list[KeyEntry]:
        with self._context():
            lock_keys()
            active = set(
                db.session.scalars(select(SigningKey.alg).where(SigningKey.status == "active"))
            )
            created = [self._insert(alg, make) for alg in algs if alg not in active]
            db.session.commit()
        return created

    def rotate(self, alg: str, make: MakeKey, retire_at: str) -> KeyEntry:
        with self._context():
            lock_keys()
            for row in db.session.scalars(
                select(SigningKey).where(SigningKey.alg == alg, SigningKey.status == "active")
            ):
                row.status = "retiring"
                row.retire_at = datetime.fromisoformat(retire_at)
            new = self._insert(alg, make)
            db.session.commit()
        return new


def lock_keys() -> None:
    """Take the key tables' lock for this transaction: a PostgreSQL advisory lock; on SQLite a
    write that changes nothing, which takes the database's write lock at once (a read first
    would let two writers decide on the same snapshot)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": KEY_LOCK})
    else:
        db.session.execute(text("UPDATE encryption_keys SET version = version WHERE 1 = 0"))
