"""The private eID round trip that three journeys share: proving one's identity from the
account, in the activation journey, and when asking an organisation for access.

:func:`start` builds the authorization request (PKCE, state, nonce) and seals a
:class:`RoundTrip` in the session; the upstream provider sends the browser back to the
callback (idp/web/proofing.py), which :func:`returned` the sealed trip to the journey that
started it. Journeys register their ending with :func:`journey`, so that the three modules
need not import each other. :func:`verify` checks the upstream's answer (idp/oidc/federation.py)
and reads the identity it proves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from functools import partial
from typing import Any

from flask import session
from werkzeug.wrappers import Response

from ..models import User
from ..models.enums import ProofingRoute
from ..oidc import federation
from ..services.errors import N_, InvalidInput, ServiceError
from ..services.platform.runtime import settings
from ..services.proofing import settings as proofing_settings
from ..services.proofing.private_eid import record_private_eid, upstream_level
from .errors import shown_on
from .pages import page, redirect_to
from .sealing import seal, unseal

PURPOSE = "private-eid"
SESSION_KEY = "eid"
TTL = 900  # seconds from the start of the round trip to its return
CALLBACK_PATH = "/proofing/private-eid/callback"


@dataclass(frozen=True)
class RoundTrip:
    """What the browser carries to the upstream provider and back, sealed."""

    journey: str  # the name a journey registered with :func:`journey`
    state: str
    nonce: str
    code_verifier: str
    return_to: str  # where the browser goes once the identity is proven
    started_at: int
    user_id: int | None = None  # the person proving their identity
    org_id: int | None = None  # the organisation asked for access

    def pending(self) -> federation.PendingLogin:
        return federation.PendingLogin(self.state, self.nonce, self.code_verifier)


@dataclass(frozen=True)
class Proven:
    """The identity the upstream provider vouched for."""

    issuer: str
    subject: str
    level: str  # the upstream's level claim, mapped by the services
    name: str  # empty when the provider gave none


Ending = Callable[[RoundTrip], Response]
_endings: dict[str, Ending] = {}


def journey(name: str) -> Callable[[Ending], Ending]:
    """Register the function that ends the round trips a journey named ``name`` starts."""

    def register(ending: Ending) -> Ending:
        _endings[name] = ending
        return ending

    return register


def upstream() -> federation.Upstream | None:
    """The configured upstream eID provider, or None when the route is not set up here."""
    if proofing_settings.missing(ProofingRoute.PRIVATE_EID) is not None:
        return None
    cfg = settings()
    return federation.Upstream(
        issuer=cfg.private_eid_issuer,
        client_id=cfg.private_eid_client_id,
        client_secret=cfg.private_eid_client_secret,
        scopes=cfg.private_eid_scopes,
        redirect_uri=cfg.url(CALLBACK_PATH),
        timeout=cfg.private_eid_timeout_seconds,
    )


def offered_to(user: User) -> bool:
    """Whether ``user`` may prove their identity with a private eID (set up on this server,
    and enabled by their organisation)."""
    return proofing_settings.available(user.organisation, ProofingRoute.PRIVATE_EID)


def not_available() -> ServiceError:
    return ServiceError(N_("The private eID route is not available."))


def not_this_session() -> ServiceError:
    return ServiceError(N_("This private eID login does not belong to this session."))


def start(journey: str, return_to: str, **ids: int) -> Response:
    """Send the browser to the upstream provider for ``journey`` (``user_id=`` or ``org_id=``
    name whom it is for). Raises ``UpstreamError`` when the provider cannot be used."""
    target = upstream()
    if target is None:
        raise not_available()
    url, pending = federation.start(target)
    trip = RoundTrip(
        journey=journey,
        state=pending.state,
        nonce=pending.nonce,
        code_verifier=pending.code_verifier,
        return_to=return_to,
        started_at=int(time.time()),
        **ids,
    )
    session[SESSION_KEY] = seal(PURPOSE, asdict(trip))
    return redirect_to(url)


def returned() -> Response:
    """The callback: end the round trip sealed in this browser with its journey's ending."""
    trip = _unsealed(session.pop(SESSION_KEY, None))
    ending = _endings.get(trip.journey) if trip is not None else None
    if trip is None or ending is None or upstream() is None:
        raise ServiceError(
            N_("This private eID login has expired or was not started here. Start again.")
        )
    return ending(trip)


def _unsealed(token: str | None) -> RoundTrip | None:
    data = unseal(PURPOSE, token, TTL)
    names = {f.name for f in fields(RoundTrip)}
    if data is None or not names >= data.keys():
        return None
    try:
        return RoundTrip(**data)
    except TypeError:  # a field missing
        return None


def verify(trip: RoundTrip, answer: dict[str, Any]) -> Proven:
    """The identity the upstream's ``answer`` (the callback's query) proves for ``trip``.

    Raises ``UpstreamError`` when the answer does not validate, ``InvalidInput`` when it
    does not say at which level the login was made.
    """
    target = upstream()
    if target is None:
        raise not_available()
    claims = federation.finish(target, answer, trip.pending())
    level = upstream_level(claims, settings().private_eid_level_claim)
    if level is None:
        raise InvalidInput(
            N_(
                "The private eID login did not say at which level it was made, "
                "so it cannot prove your identity."
            )
        )
    return Proven(target.issuer, claims["sub"], level, _name(claims))


def _name(claims: dict[str, Any]) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    return name.strip()


# -- the person's journeys (from the account, and in the activation journey) -----------------
def result_page(user: User | None, status: int, /, *, error: str) -> Response:
    """The proofing result page telling why the private eID did not prove the identity."""
    return page("proofing/result.html", status, user=user, message=error, ok=False)


def start_proving(user: User, journey: str, return_to: str) -> Response:
    """Send ``user`` to the upstream provider to prove their identity."""
    with shown_on(partial(result_page, user)):
        if not offered_to(user):
            raise not_available()
        return start(journey, return_to, user_id=user.id)


def prove(user: User, trip: RoundTrip, answer: dict[str, Any]) -> Response:
    """Record the identity the upstream proved for ``user``, then on to the trip's page."""
    with shown_on(partial(result_page, user)):
        proven = verify(trip, answer)
    with shown_on(partial(result_page, user)):
        record_private_eid(
            user,
            issuer=proven.issuer,
            subject=proven.subject,
            upstream_level=proven.level,
            actor=user.username,
        )
    return redirect_to(trip.return_to)
