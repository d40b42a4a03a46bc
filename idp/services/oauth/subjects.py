"""Subject identifiers: the ``sub`` a client sees (OIDC Core §8: public or pairwise)."""

from __future__ import annotations

import base64
import hashlib

from ...models import Client, User
from ..platform.runtime import settings


def subject_for(user: User, client: Client) -> str:
    """``sub``: the persistent UUID, or a pairwise value per sector (OIDC Core §8.1)."""
    if client.subject_type != "pairwise":
        return user.uuid
    sector = client.sector_identifier or ""
    raw = f"{sector}|{user.uuid}|{settings().pairwise_salt}".encode()
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest()).rstrip(b"=").decode()
