"""The protocol rules of the thin path (idp/web/thin.py): client authentication, the
client_credentials and authorization_code grants, and UserInfo, on Core statements.

Every function here either answers a request it has checked completely and that succeeds, or
returns None: then the request goes on, unchanged, to the full Authlib path, which owns every
error response (the negative tests and the conformance suite run against both). Nothing is
written before all checks pass; the one write (the stored token, the consumed code) is the last
step and is committed before the answer is sent (RFC 6749 §4.1.2: the code is single-use).

Where the full path and this one could parse an input differently, this one declines: a Basic
credential with percent-escapes, a parameter outside printable ASCII, anything repeated.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from ..config import Settings
from ..models.types import utcnow
from ..services.clients.cache import ClientCache, ClientView
from ..services.oauth import hot_exchange, hot_store
from ..services.platform.group_commit import Writes
from ..services.platform.hot_sql import Hot, Statements, unit
from ..services.platform.runtime import settings
from ..services.platform.secrets import digest
from .claims import assurance_claims, user_claims
from .grants import build_id_token
from .thin_checks import (
    SECRET_METHODS,
    Presented,
    authenticates,
    may_exchange,
    may_have_credentials,
    s256,
    user_token,
    with_scope,
)

# RFC 7636 §4.1: code_verifier = 43*128unreserved
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces
SCOPE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+(?: [\x21\x23-\x5b\x5d-\x7e]+)*")
# A redeemed code, its person and the token response (still without its ID token)
Exchanged = tuple[hot_store.Redeemed, hot_store.PersonView, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful answer: its JSON body and who it was about, for the log and metrics."""

    body: dict[str, Any]
    client_id: str
    user_uuid: str | None = None
    grant_type: str | None = None


class _Decline(Exception):
    """Raised inside a transaction to roll it back and leave the request to the full path."""


class ThinProtocol:
    """The thin path's protocol work for one app (its engine and its client cache)."""

    def __init__(self, engine: Engine) -> None:
        self.statements = Statements(engine)
        self.writes = Writes(self.statements)
        self.clients = ClientCache()
        # The code exchange as one statement (PostgreSQL; SQLite groups its writes instead).
        self.in_one_statement = engine.dialect.name == "postgresql"

    # -- /token ------------------------------------------------------------------------------
    def token(self, form: Mapping[str, str], presented: Presented) -> Answer | None:
        """``presented``: :func:`credentials` of this request."""
        grant_type = form.get("grant_type")
        if grant_type == "client_credentials":
            return self._client_credentials(form, presented)
        if grant_type == "authorization_code":
            return self._authorization_code(form, presented)
        return None

    def _client_credentials(self, form: Mapping[str, str], presented: Presented) -> Answer | None:
        scope = form.get("scope", "")
        if scope and not SCOPE.fullmatch(scope):
            return None
        method, client_id, secret = presented
        cfg, wanted = settings(), scope.split()
        token: dict[str, Any] = {
            "access_token": secrets.token_urlsafe(32),
            "expires_in": cfg.access_token_lifetime,
            "token_type": "Bearer",
        }
        if wanted:
            token["scope"] = scope  # Authlib's get_allowed_scope keeps the requested order
        row = {
            "access_hash": digest(token["access_token"]),
            "refresh_hash": None,
            "client_id": client_id,
            "scope": scope,
            "now": utcnow(),
            "expires_in": cfg.access_token_lifetime,
            "refresh_lifetime": cfg.refresh_token_lifetime,
        }

        def store(hot: Hot) -> bool:
            cached = self.clients.peek(client_id)
            if cached is not None:
                view, version = cached
                if (
                    view is not None
                    and may_have_credentials(view, method, secret, wanted)
                    and hot_store.insert_token_while_clients_are(hot, version, **row)
                ):
                    return True
            # Not cached, refused by what is cached, or a client changed since: as the
            # database has it now.
            view = self.clients.get(hot, client_id)
            if view is None or not may_have_credentials(view, method, secret, wanted):
                return False
            hot_store.insert_token(hot, **row)
            return True

        # Each statement commits alone: the INSERT is its own transaction, durable when this
        # returns.
        if not self.writes.run(store, transaction=False):
            return None
        return Answer(token, client_id, grant_type="client_credentials")

    def _authorization_code(self, form: Mapping[str, str], presented: Presented) -> Answer | None:
        code, redirect_uri = form.get("code", ""), form.get("redirect_uri", "")
        verifier = form.get("code_verifier")
        if not code or not redirect_uri:
            return None
        if verifier is not None and not VERIFIER.fullmatch(verifier):
            return None
        challenge = s256(verifier) if verifier is not None else None
        cfg = settings()
        if self.in_one_statement:
            done = self._exchange_cached(presented, code, redirect_uri, challenge, cfg)
            if done is not None:
                return done

        def exchange(hot: Hot) -> tuple[ClientView, Exchanged]:
            client = self._client(hot, presented, (*SECRET_METHODS, "none"))
            if client is None or "authorization_code" not in client.grant_types:
                raise _Decline
            if challenge is None and client.token_endpoint_auth_method == "none":
                raise _Decline  # a public client must use PKCE (the full path says so)
            return client, self._redeem(hot, client, code, redirect_uri, challenge, cfg)

        try:
            client, (redeemed, person, token) = self.writes.run(exchange)
        except _Decline:
            return None  # rolled back: the code stays as it was, for the full path to judge
        if "openid" in redeemed.scope.split():
            token["id_token"] = build_id_token(
                token, client, person, redeemed.context, redeemed.nonce
            )
        return Answer(token, client.client_id, person.uuid, "authorization_code")

    def _exchange_cached(
        self,
        presented: Presented,
        code: str,
        redirect_uri: str,
        challenge: str | None,
        cfg: Settings,
    ) -> Answer | None:
        """PostgreSQL, a client in the cache: the whole exchange in one statement
        (:mod:`..services.oauth.hot_exchange`), or None with nothing written."""
        method, client_id, secret = presented
        client, version = self.clients.peek(client_id) or (None, "")
        if client is None or not may_exchange(client, method, secret, challenge):
            return None
        token = user_token(cfg.access_token_lifetime, "", client)
        refresh = token.get("refresh_token")
        with unit(self.statements, transaction=False) as hot:
            done = hot_exchange.exchange(
                hot,
                code_hash=digest(code),
                client_id=client_id,
                redirect_uri=redirect_uri,
                challenge=challenge,
                version=version,
                access_hash=digest(token["access_token"]),
                refresh_hash=digest(refresh) if refresh else None,
                now=utcnow(),
                expires_in=cfg.access_token_lifetime,
                refresh_lifetime=cfg.refresh_token_lifetime,
            )
        if done is None:
            return None
        redeemed, person = done
        token = with_scope(token, redeemed.scope)
        if "openid" in redeemed.scope.split():
            token["id_token"] = build_id_token(
                token, client, person, redeemed.context, redeemed.nonce
            )
        return Answer(token, client_id, person.uuid, "authorization_code")

    def _redeem(
        self,
        hot: Hot,
        client: ClientView,
        code: str,
        redirect_uri: str,
        challenge: str | None,
        cfg: Settings,
    ) -> Exchanged:
        """Consume the code and store its tokens, in the caller's transaction; _Decline (the
        caller rolls back) when the code does not match or its person is no longer active.
        Runs on SQLite's writer thread, outside the app context: ``cfg`` comes along."""
        now = utcnow()
        redeemed = hot_store.redeem_code(
            hot,
            code_hash=digest(code),
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            challenge=challenge,
            now=now,
        )
        if redeemed is None or redeemed.claims_request:
            raise _Decline
        person = hot_store.active_person(hot, redeemed.user_id)
        if person is None:
            raise _Decline
        token = user_token(cfg.access_token_lifetime, redeemed.scope, client)
        hot_store.insert_token(
            hot,
            access_hash=digest(token["access_token"]),
            refresh_hash=digest(token["refresh_token"]) if "refresh_token" in token else None,
            client_id=client.client_id,
            scope=redeemed.scope,
            now=now,
            expires_in=cfg.access_token_lifetime,
            refresh_lifetime=cfg.refresh_token_lifetime,
            user_id=person.id,
            family_id=redeemed.family_id,
            context=redeemed.context,
        )
        return redeemed, person, token

    # -- /userinfo ---------------------------------------------------------------------------
    def userinfo(self, authorization: str) -> Answer | None:
        scheme, _, raw = authorization.partition(" ")
        if scheme.lower() != "bearer" or not raw or not raw.isascii() or " " in raw:
            return None
        with unit(self.statements, transaction=False) as hot:
            grant = hot_store.bearer_grant(hot, digest(raw), utcnow())
            if grant is None or grant.person is None or "openid" not in grant.scope.split():
                return None
            client = self.clients.get(hot, grant.client_id, grant.client_version)
        if client is None:
            return None
        info = user_claims(grant.person, client, grant.scope)
        context = assurance_claims(grant.context)
        info.update({k: v for k, v in context.items() if k != "auth_time"})
        return Answer(info, client.client_id, grant.person.uuid)

    # -- client authentication (RFC 6749 §2.3.1) ---------------------------------------------
    def _client(
        self, hot: Hot, presented: Presented, methods: tuple[str, ...]
    ) -> ClientView | None:
        method, client_id, secret = presented
        if method not in methods:
            return None
        client = self.clients.get(hot, client_id)
        if client is None or not authenticates(client, method, secret):
            return None
        return client
