"""Key material shared by every node when ``key_store = "database"``: the signing keys and the
keys that encrypt authenticator secrets at rest. Private parts are sealed (AES-256-GCM) under the
master key, which is never stored here."""

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class SigningKey(db.Model):  # type: ignore[name-defined]
    """One signing key: active (signs), retiring (published until ``retire_at``), retired."""

    __tablename__ = "signing_keys"

    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    alg: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    retire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The PKCS#8 PEM, sealed under the master key with the kid as associated data.
    sealed_private: Mapped[bytes] = mapped_column(LargeBinary)


class EncryptionKey(db.Model):  # type: ignore[name-defined]
    """One version of the key that encrypts authenticator secrets (the highest encrypts)."""

    __tablename__ = "encryption_keys"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The 32-byte AES key, sealed under the master key with the version as associated data.
    sealed_key: Mapped[bytes] = mapped_column(LargeBinary)
