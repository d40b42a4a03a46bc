"""The database work of the hot protocol path, as precompiled Core statements.

No ORM here: each statement is built once, at import, compiled once per dialect and run with
bound parameters on the DBAPI connection the caller holds (idp/services/platform/hot_sql.py),
so a token request costs one or two round trips and no unit of work. The rules are the
services' own (:mod:`.tokens`, :mod:`.codes`); what is different is only how the rows are read
and written:

- a code is consumed by one ``UPDATE … WHERE used_at IS NULL … RETURNING`` that also checks
  its client, its expiry, its ``redirect_uri`` and its PKCE challenge, so of two concurrent
  redemptions exactly one gets the row, and a code that does not match in every respect is
  left untouched for the full path to refuse (RFC 6749 §4.1.2 replay handling included);
- the bearer token of a UserInfo request is read together with its person, its organisation
  and the clients' version (idp/services/clients/cache.py) in one statement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, cast, insert, select, update

from ...models import AuthorizationCode, ClientVersion, Organisation, Token, User
from ...models.enums import UserStatus
from ..platform.hot_sql import Hot
from .tokens import AuthContext


@dataclass(frozen=True, slots=True)
class OrgView:
    cvr: str
    name: str


@dataclass(frozen=True, slots=True)
class PersonView:
    """What claims need of an active person (read-only, the attributes of :class:`User`)."""

    id: int
    uuid: str
    name: str
    given_name: str | None
    family_name: str | None
    email: str
    email_verified: bool
    privileges: list[str]
    organisation: OrgView


@dataclass(frozen=True, slots=True)
class Redeemed:
    """A code consumed by this request: what its tokens inherit."""

    family_id: str
    user_id: int
    scope: str
    nonce: str | None
    claims_request: dict[str, Any] | None
    context: AuthContext


@dataclass(frozen=True, slots=True)
class BearerGrant:
    """An active access token with its scope, client, login context and (active) person, and
    the clients' version read in the same statement (for the client cache)."""

    client_id: str
    scope: str
    context: AuthContext
    person: PersonView | None
    client_version: str | None


_PERSON = (
    User.id,
    User.uuid,
    User.name,
    User.given_name,
    User.family_name,
    User.email,
    User.email_verified,
    User.privileges,
    Organisation.cvr,
    Organisation.name,
)
_CONTEXT = ("auth_time", "amr", "ial", "aal", "acr", "session_id")
# The clients' version (idp/services/clients/cache.py), read inside another statement.
_CLIENT_VERSION = select(ClientVersion.version).where(ClientVersion.id == 1).scalar_subquery()

_REDEEM = (
    update(AuthorizationCode)
    .where(
        AuthorizationCode.code_hash == bindparam("b_hash"),
        AuthorizationCode.client_id == bindparam("b_client"),
        AuthorizationCode.used_at.is_(None),
        AuthorizationCode.expires_at > bindparam("b_now"),
        AuthorizationCode.redirect_uri == bindparam("b_redirect"),
    )
    .values(used_at=bindparam("b_now"))
    .returning(
        AuthorizationCode.family_id,
        AuthorizationCode.user_id,
        AuthorizationCode.scope,
        AuthorizationCode.nonce,
        AuthorizationCode.claims_request,
        *(getattr(AuthorizationCode, name) for name in _CONTEXT),
    )
)
_WITH_CHALLENGE = _REDEEM.where(
    AuthorizationCode.code_challenge == bindparam("b_challenge"),
    AuthorizationCode.code_challenge_method == "S256",
)
_WITHOUT_CHALLENGE = _REDEEM.where(AuthorizationCode.code_challenge.is_(None))
_ACTIVE_PERSON = (
    select(*_PERSON)
    .join(Organisation, Organisation.id == User.org_id)
    .where(User.id == bindparam("user_id"), User.status == UserStatus.ACTIVE)
)
_BEARER = (
    select(
        Token.client_id,
        Token.scope,
        *(getattr(Token, name) for name in _CONTEXT),
        Token.user_id,
        Token.revoked_at,
        Token.expires_at,
        *_PERSON,
        _CLIENT_VERSION,
    )
    .outerjoin(User, (User.id == Token.user_id) & (User.status == UserStatus.ACTIVE))
    .outerjoin(Organisation, Organisation.id == User.org_id)
    .where(Token.access_token_hash == bindparam("hash"))
)


def insert_token(hot: Hot, **token: Any) -> None:
    """Store an issued access token (and refresh token) hashed, as :func:`.tokens.store_token`
    does (the arguments of :func:`token_row`); the caller commits."""
    hot.run(_INSERT_TOKEN, _token_params(**token))


def insert_token_while_clients_are(hot: Hot, version: str, **token: Any) -> bool:
    """:func:`insert_token`, in the same statement only while ``client_version`` still holds
    ``version`` (the value a cached client was read under): True when stored. One round trip
    both checks that no client changed and stores the token."""
    statement = _guarded_insert(hot.dialect_name)
    return hot.first(statement, {**_token_params(**token), "p_version": version}) is not None


def token_row(
    *,
    access_hash: str,
    refresh_hash: str | None,
    client_id: str,
    scope: str,
    now: datetime,
    expires_in: int,
    refresh_lifetime: int,
    user_id: int | None = None,
    family_id: str | None = None,
    context: AuthContext | None = None,
) -> dict[str, Any]:
    """The ``oauth_token`` row of an issued token."""
    ctx = context or AuthContext()
    return {
        "family_id": family_id or str(uuid.uuid4()),
        "client_id": client_id,
        "user_id": user_id,
        "session_id": ctx.session_id,
        "scope": scope,
        "access_token_hash": access_hash,
        "refresh_token_hash": refresh_hash,
        "issued_at": now,
        "expires_at": now + timedelta(seconds=expires_in),
        "refresh_expires_at": now + timedelta(seconds=refresh_lifetime) if refresh_hash else None,
        "auth_time": ctx.auth_time,
        "amr": ctx.amr,
        "ial": ctx.ial,
        "aal": ctx.aal,
        "acr": ctx.acr,
    }


def _token_params(**token: Any) -> dict[str, Any]:
    """:func:`token_row` as the parameters of the INSERT statements (``p_<column>``)."""
    return {f"p_{name}": value for name, value in token_row(**token).items()}


# The columns token_row fills: every column with a default is among them, so neither INSERT
# computes anything in Python.
_TOKEN_COLUMNS = tuple(
    token_row(
        access_hash="",
        refresh_hash=None,
        client_id="",
        scope="",
        now=datetime.now(UTC),
        expires_in=0,
        refresh_lifetime=0,
    )
)
_INSERT_TOKEN = insert(Token).values(
    {name: bindparam(f"p_{name}", type_=Token.__table__.c[name].type) for name in _TOKEN_COLUMNS}
)


@lru_cache(maxsize=4)
def _guarded_insert(dialect: str) -> Any:
    """INSERT INTO oauth_token (…) SELECT :values WHERE (client_version) = :version. On
    PostgreSQL each value is cast to its column's type (a parameter in a SELECT list has none
    of its own; json would not take text); SQLite needs no casts (and a CAST to a date type
    there would turn the stored text into a number)."""
    columns = list(_TOKEN_COLUMNS)
    table = Token.__table__
    values = []
    for name in columns:
        param = bindparam(f"p_{name}", type_=table.c[name].type)
        values.append(cast(param, table.c[name].type) if dialect == "postgresql" else param)
    guard = select(*values).where(bindparam("p_version") == _CLIENT_VERSION)
    return insert(Token).from_select(columns, guard).returning(Token.id)


def redeem_code(
    hot: Hot,
    *,
    code_hash: str,
    client_id: str,
    redirect_uri: str,
    challenge: str | None,
    now: datetime,
) -> Redeemed | None:
    """Consume the code if it is unused, unexpired, this client's, issued for this
    ``redirect_uri`` and (PKCE S256) for this ``challenge`` — or None, leaving it untouched."""
    params = {
        "b_hash": code_hash,
        "b_client": client_id,
        "b_now": now,
        "b_redirect": redirect_uri,
        "b_challenge": challenge,
    }
    statement = _WITHOUT_CHALLENGE if challenge is None else _WITH_CHALLENGE
    row = hot.first(statement, params)
    if row is None:
        return None
    family_id, user_id, scope, nonce, claims_request, *context = row
    return Redeemed(family_id, user_id, scope, nonce, claims_request, _context(context))


def active_person(hot: Hot, user_id: int) -> PersonView | None:
    """The person with this id if their account is active, with their organisation."""
    row = hot.first(_ACTIVE_PERSON, {"user_id": user_id})
    return None if row is None else _person(row)


def bearer_grant(hot: Hot, access_hash: str, now: datetime) -> BearerGrant | None:
    """The active (unrevoked, unexpired) access token with this hash, or None."""
    row = hot.first(_BEARER, {"hash": access_hash})
    if row is None:
        return None
    client_id, scope, *rest, client_version = row
    context, (user_id, revoked_at, expires_at), person = rest[:6], rest[6:9], rest[9:]
    if revoked_at is not None or expires_at <= now:
        return None
    found = _person(tuple(person)) if user_id is not None and person[0] is not None else None
    if user_id is not None and found is None:
        return None  # the person's account is no longer active
    return BearerGrant(client_id, scope, _context(context), found, client_version)


def _context(values: list[Any]) -> AuthContext:
    auth_time, amr, ial, aal, acr, session_id = values
    return AuthContext(auth_time, list(amr or []), ial, aal, acr, session_id)


def _person(row: tuple[Any, ...]) -> PersonView:
    *person, cvr, org_name = row
    pid, puuid, name, given, family, email, verified, privileges = person
    return PersonView(
        pid, puuid, name, given, family, email, bool(verified), list(privileges or []),
        OrgView(cvr, org_name),
    )  # fmt: skip
