"""The authorization-code exchange in one PostgreSQL statement (a round trip instead of six).

:mod:`.hot_store` consumes the code, reads its person and stores the tokens in three
statements inside a transaction (BEGIN and COMMIT are two more round trips, and the clients'
version a sixth). On PostgreSQL, for a client read from the cache, one statement in autocommit
does all of it: a data-modifying CTE consumes the code (``UPDATE … WHERE used_at IS NULL …
RETURNING``, with every check of :func:`.hot_store.redeem_code`), only while the person is
active, the code carries no ``claims`` request and ``client_version`` still holds the version
the client was cached under; a second CTE inserts the token row from what the first returned;
the outer SELECT reads the person. The statement is atomic and durable when it returns
(``synchronous_commit`` as configured, on by default). When it returns no row nothing was
written, and the caller takes the step-by-step path, which re-reads the client and decides.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, cast, insert, or_, select
from sqlalchemy.types import Text

from ...models import AuthorizationCode, Organisation, Token, User
from ...models.enums import UserStatus
from ..platform.hot_sql import Hot
from . import hot_store
from .hot_store import (
    _CONTEXT,
    _PERSON,
    _TOKEN_COLUMNS,
    PersonView,
    Redeemed,
    _context,
    _person,
)

_CODE = AuthorizationCode
_ACTIVE = select(User.id).where(User.id == _CODE.user_id, User.status == UserStatus.ACTIVE).exists()
# A code stored without a claims request holds SQL NULL or JSON null (SQLAlchemy's JSON type
# writes None as 'null'); any other value goes to the full path, which applies it.
_NO_CLAIMS = or_(_CODE.claims_request.is_(None), cast(_CODE.claims_request, Text) == "null")


def _redeeming(with_challenge: bool) -> Any:
    """The CTE that consumes the code: :func:`.hot_store.redeem_code`'s own statement, and
    only while the person is active, without a claims request, under the cached version."""
    redeem = hot_store._WITH_CHALLENGE if with_challenge else hot_store._WITHOUT_CHALLENGE
    guards = (_NO_CLAIMS, _ACTIVE, bindparam("b_version") == hot_store._CLIENT_VERSION)
    return redeem.where(*guards).cte("redeemed")


def _statement(with_challenge: bool) -> Any:
    redeem = _redeeming(with_challenge)
    code = redeem.c
    token = Token.__table__.c
    values = {
        "family_id": code.family_id,
        "client_id": cast(bindparam("b_client"), token.client_id.type),
        "user_id": code.user_id,
        "session_id": code.session_id,
        "scope": code.scope,
        "access_token_hash": cast(bindparam("b_access"), token.access_token_hash.type),
        "refresh_token_hash": cast(bindparam("b_refresh"), token.refresh_token_hash.type),
        "issued_at": cast(bindparam("b_now"), token.issued_at.type),
        "expires_at": cast(bindparam("b_expires"), token.expires_at.type),
        "refresh_expires_at": cast(bindparam("b_refresh_expires"), token.expires_at.type),
        **{name: getattr(code, name) for name in ("auth_time", "amr", "ial", "aal", "acr")},
    }
    assert set(values) == set(_TOKEN_COLUMNS)  # the row hot_store.token_row makes, no other
    store = (
        insert(Token)
        .from_select(list(values), select(*values.values()).select_from(redeem))
        .returning(Token.id)
        .cte("stored")
    )
    return (
        select(
            code.family_id,
            code.scope,
            code.nonce,
            *(getattr(code, name) for name in _CONTEXT),
            *_PERSON,
        )
        .select_from(redeem)
        .join(User, User.id == code.user_id)
        .join(Organisation, Organisation.id == User.org_id)
        .add_cte(store)
    )


_WITH_CHALLENGE = _statement(True)
_WITHOUT_CHALLENGE = _statement(False)


def exchange(
    hot: Hot,
    *,
    code_hash: str,
    client_id: str,
    redirect_uri: str,
    challenge: str | None,
    version: str,
    access_hash: str,
    refresh_hash: str | None,
    now: datetime,
    expires_in: int,
    refresh_lifetime: int,
) -> tuple[Redeemed, PersonView] | None:
    """Consume the code and store its tokens in one statement, or None with nothing written
    (the code does not match, its person is not active, it has a claims request, or a client
    changed since ``version``). PostgreSQL only; the caller runs it in autocommit."""
    params = {
        "b_hash": code_hash,
        "b_client": client_id,
        "b_now": now,
        "b_redirect": redirect_uri,
        "b_challenge": challenge,
        "b_version": version,
        "b_access": access_hash,
        "b_refresh": refresh_hash,
        "b_expires": now + timedelta(seconds=expires_in),
        "b_refresh_expires": now + timedelta(seconds=refresh_lifetime) if refresh_hash else None,
    }
    statement = _WITHOUT_CHALLENGE if challenge is None else _WITH_CHALLENGE
    row = hot.first(statement, params)
    if row is None:
        return None
    family_id, scope, nonce, *rest = row
    context, person = rest[: len(_CONTEXT)], rest[len(_CONTEXT) :]
    person_view = _person(tuple(person))
    redeemed = Redeemed(family_id, person_view.id, scope, nonce, None, _context(context))
    return redeemed, person_view
