"""Clients cached per process, checked against the database on every request.

The hot protocol endpoints (/token, /userinfo) need a client's registration on every request,
and it almost never changes. Each process keeps what it read, together with the value of
``client_version`` at the time; every lookup first reads that one value (one indexed row) and
drops everything cached when it changed. The database's own triggers change it with every
INSERT, UPDATE or DELETE of ``oauth_client`` (migration a9e3f5c7b1d2), so a removed client or
a rotated secret stops working on the very next request, on every node: never a blind TTL.

The version is read before the client row: a change committed in between makes the row newer
than the version it is cached under, never older, and the next lookup sees the new version and
reads again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select

from ...models import Client, ClientVersion
from ..platform.hot_sql import Hot

# Unknown client ids are cached too (as None) so guessing cannot make every request read the
# table; the cache is emptied when it holds this many entries.
MAX_ENTRIES = 10_000

_VERSION = select(ClientVersion.version).where(ClientVersion.id == 1)
_COLUMNS = (
    Client.client_id,
    Client.client_secret_hash,
    Client.token_endpoint_auth_method,
    Client.grant_types,
    Client.scope,
    Client.redirect_uris,
    Client.id_token_signed_response_alg,
    Client.subject_type,
    Client.sector_identifier,
)
_CLIENT = select(*_COLUMNS).where(Client.client_id == bindparam("client_id"))


class _Unread:
    """``version`` not given: read it."""


UNREAD = _Unread()


@dataclass(frozen=True, slots=True)
class ClientView:
    """What the hot path needs of one client's registration (read-only)."""

    client_id: str
    client_secret_hash: str | None
    token_endpoint_auth_method: str
    grant_types: frozenset[str]
    scope: frozenset[str]
    redirect_uris: tuple[str, ...]
    id_token_signed_response_alg: str | None
    subject_type: str
    sector_identifier: str | None


class ClientCache:
    """One process's clients, valid for one value of ``client_version``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: str | None = None
        self._clients: dict[str, ClientView | None] = {}

    def peek(self, client_id: str) -> tuple[ClientView | None, str] | None:
        """What is cached for ``client_id`` and the version it was read under, unchecked: a
        caller may act on it only in a statement that checks the version is still the same
        (hot_store.insert_token_while_clients_are), or to decline."""
        with self._lock:
            if self._version is None or client_id not in self._clients:
                return None
            return self._clients[client_id], self._version

    def get(
        self, hot: Hot, client_id: str, version: str | _Unread | None = UNREAD
    ) -> ClientView | None:
        """The client registered as ``client_id`` as the database has it now, or None.
        ``version``: the value of ``client_version`` the caller has just read on ``hot``
        (in a statement before this call), saving the read here."""
        if isinstance(version, _Unread):
            read = hot.first(_VERSION, {})
            version = None if read is None else read[0]
        with self._lock:
            if version is None or version != self._version:
                self._clients = {}
                self._version = version
            elif client_id in self._clients:
                return self._clients[client_id]
            clients = self._clients
        row = hot.first(_CLIENT, {"client_id": client_id})
        view = None if row is None else _view(row)
        with self._lock:
            # Kept only if nothing newer replaced the dictionary meanwhile.
            if clients is self._clients and version is not None:
                if len(clients) >= MAX_ENTRIES:
                    clients.clear()
                clients[client_id] = view
        return view


def _view(row: Any) -> ClientView:
    cid, secret_hash, method, grants, scope, uris, alg, subject_type, sector = tuple(row)
    return ClientView(
        client_id=cid,
        client_secret_hash=secret_hash,
        token_endpoint_auth_method=method,
        grant_types=frozenset(grants or ()),
        scope=frozenset((scope or "").split()),
        redirect_uris=tuple(uris or ()),
        id_token_signed_response_alg=alg,
        subject_type=subject_type or "public",
        sector_identifier=sector,
    )
