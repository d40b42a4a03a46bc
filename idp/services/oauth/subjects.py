"""Subject identifiers: the ``sub`` a client sees (OIDC Core §8: public or pairwise)."""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol

from ..platform.runtime import settings


class _Person(Protocol):
    @property
    def uuid(self) -> str: ...


class _Client(Protocol):
    @property
    def subject_type(self) -> str: ...
    @property
    def sector_identifier(self) -> str | None: ...


def subject_for(user: _Person, client: _Client) -> str:
    """``sub``: the persistent UUID, or a pairwise value per sector (OIDC Core §8.1)."""
    if client.subject_type != "pairwise":
        return user.uuid
    sector = client.sector_identifier or ""
    raw = f"{sector}|{user.uuid}|{settings().pairwise_salt}".encode()
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).rstrip(b"=").decode()
