"""Access requests: a person without a business identity asks an organisation for one.

The person proves who they are with their private eID (a route the organisation accepts, at its
minimum level or above) and gives a work e-mail; the organisation's user administrators are mailed
and approve (the person then continues as in an activation, with a mailed link) or reject (with an
optional reason mailed to the person). One pending request per upstream person and organisation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from ... import assurance
from ...extensions import db
from ...models import AccessRequest, Organisation, ProofingRoute, RequestStatus, User, UserStatus
from ...models.types import utcnow
from .. import audit
from ..errors import N_, Conflict, InvalidInput, NotFound
from ..mail.outbox import queue_mail
from ..orgs import notify_user_admins
from ..platform.search import MAX_SEARCH
from ..proofing.private_eid import record_private_eid
from ..proofing.settings import available, minimum_ial, route_settings
from ..users import EMAIL_PATTERN, USERNAME_PATTERN
from ..wording import word
from .activation import activate_users, check_choices
from .employee_file import username_base

ROUTE = ProofingRoute.PRIVATE_EID
STATUSES = tuple(RequestStatus)
SEARCH_LIMIT = 50


def search_organisations(query: str) -> list[Organisation]:
    """Organisations that take access requests (see :func:`requestable`) whose name contains
    ``query`` or whose CVR is ``query``; nothing for an empty query."""
    query = query.strip()
    if not query:
        return []
    if len(query) > MAX_SEARCH:
        raise InvalidInput(N_("Search for at most %(count)s characters"), count=MAX_SEARCH)
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    found = db.session.execute(
        select(Organisation)
        .where(
            Organisation.allow_access_requests.is_(True),
            or_(
                func.lower(Organisation.name).like(pattern, escape="\\"),
                Organisation.cvr == query.replace(" ", ""),
            ),
        )
        .order_by(Organisation.name, Organisation.id)
        .limit(SEARCH_LIMIT)
    ).scalars()
    return [org for org in found if available(org, ROUTE)]


def requestable(org_id: int) -> Organisation:
    """An organisation that takes access requests by the private eID route, or NotFound."""
    org = db.session.get(Organisation, org_id)
    if org is None or not org.allow_access_requests:
        raise NotFound(N_("No such organisation takes access requests."))
    if not available(org, ROUTE):
        raise InvalidInput(
            N_("%(org)s does not accept the private eID route for requests."), org=org.name
        )
    return org


def _pending(org_id: int, issuer: str, subject: str) -> AccessRequest | None:
    return db.session.execute(
        select(AccessRequest).where(
            AccessRequest.org_id == org_id,
            AccessRequest.issuer == issuer,
            AccessRequest.subject == subject,
            AccessRequest.status == RequestStatus.PENDING,
        )
    ).scalar_one_or_none()


def submit(
    org: Organisation, *, issuer: str, subject: str, level: str, name: str, email: str
) -> AccessRequest:
    """Record a pending request and mail the organisation's user administrators."""
    org = requestable(org.id)
    name, email = _checked_requester(org, level, name, email)
    if _pending(org.id, issuer, subject) is not None:
        raise _already_pending(org)
    request = AccessRequest(
        org_id=org.id,
        status=RequestStatus.PENDING,
        issuer=issuer,
        subject=subject,
        level=level,
        name=name[:200],
        email=email,
    )
    db.session.add(request)
    with _one_pending_request(org):
        db.session.flush()
    audit.record(
        "access_request.submitted",
        actor=f"{issuer}#{subject}"[:200],
        org_id=org.id,
        target=email,
        details={"request": request.id, "level": level},
    )
    notify_user_admins(
        org, "access_request_new", path="/admin/requests", name=request.name, email=request.email
    )
    with _one_pending_request(org):
        db.session.commit()
    return request


def _checked_requester(org: Organisation, level: str, name: str, email: str) -> tuple[str, str]:
    """The requester's private eID level, capped by the route, reaches the organisation's
    minimum, and they gave a name and a valid work e-mail (both returned trimmed)."""
    if not assurance.is_level(level):
        raise InvalidInput(N_("Your private eID login did not give a known level."))
    capped = assurance.capped(level, route_settings(org, ROUTE)["cap"])
    needed = minimum_ial(org)
    if capped is None or assurance.rank(capped) < assurance.rank(needed):
        raise InvalidInput(
            N_(
                "Your private eID login proves your identity at level %(level)s, but %(org)s "
                "requires at least %(needed)s."
            ),
            level=word(capped or level),
            org=org.name,
            needed=word(needed),
        )
    name, email = name.strip(), email.strip()
    if not name:
        raise InvalidInput(N_("Type your name."), field="name")
    if len(email) > 254 or not EMAIL_PATTERN.match(email):
        raise InvalidInput(N_("Type a valid work e-mail address."), field="email")
    return name, email


def _already_pending(org: Organisation) -> Conflict:
    return Conflict(N_("You already have a pending request to %(org)s."), org=org.name)


@contextmanager
def _one_pending_request(org: Organisation) -> Iterator[None]:
    """A concurrent request from the same person breaks the unique index: a Conflict."""
    try:
        yield
    except IntegrityError:
        db.session.rollback()
        raise _already_pending(org) from None


def list_requests(org: Organisation, status: str = RequestStatus.PENDING) -> list[AccessRequest]:
    """The organisation's requests with this status, oldest first."""
    return list(
        db.session.execute(
            select(AccessRequest)
            .where(AccessRequest.org_id == org.id, AccessRequest.status == status)
            .order_by(AccessRequest.created_at, AccessRequest.id)
        ).scalars()
    )


def request_of_org(org: Organisation, request_id: int) -> AccessRequest:
    """A request to this organisation; another organisation's request is not found."""
    request = db.session.get(AccessRequest, request_id)
    if request is None or request.org_id != org.id:
        raise NotFound(N_("No such access request."))
    return request


def status_for(request_id: int, *, issuer: str, subject: str) -> AccessRequest | None:
    """The requester's own request (the upstream identity must match), else None."""
    request = db.session.get(AccessRequest, request_id)
    if request is None or request.issuer != issuer or request.subject != subject:
        return None
    return request


def _free_username(email: str) -> str:
    base = username_base(email)
    taken = set(
        db.session.execute(select(User.username).where(User.username.like(base + "%"))).scalars()
    )
    candidate, n = base, 1
    while candidate in taken or not USERNAME_PATTERN.match(candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _decide(request: AccessRequest, status: str, actor: str) -> None:
    if request.status != RequestStatus.PENDING:
        raise Conflict(N_("This request is already %(status)s."), status=word(request.status))
    request.status = status
    request.decided_at = utcnow()
    request.decided_by = actor


def approve(request: AccessRequest, *, login_means: str, privileges: list[str], actor: str) -> User:
    """Create the person (imported, bound to the upstream identity, so proven), then
    activate them: an activation link is mailed."""
    check_choices(login_means, privileges)
    org = request.organisation
    _decide(request, RequestStatus.APPROVED, actor)
    person = _imported_person(request)
    db.session.add(person)
    db.session.flush()
    request.user_id = person.id
    audit.record("user.created", actor=actor, org_id=org.id, target=person.username)
    audit.record(
        "access_request.approved",
        actor=actor,
        org_id=org.id,
        target=request.email,
        details={"request": request.id, "username": person.username},
    )
    _bind_upstream_identity(person, request, actor)
    [result] = activate_users(
        org, [person], login_means=login_means, privileges=privileges, actor=actor
    )
    if not result.ok:
        if result.error is not None:
            raise Conflict(result.error.message, **result.error.params)
        raise Conflict(result.message)
    return person


def _imported_person(request: AccessRequest) -> User:
    """The requester as an imported person of the organisation, with a free username."""
    given, _, family = request.name.rpartition(" ")
    return User(
        org_id=request.organisation.id,
        organisation=request.organisation,
        status=UserStatus.IMPORTED,
        username=_free_username(request.email),
        name=request.name,
        given_name=given or None,
        family_name=family or None,
        email=request.email,
        email_verified=False,
        identity_level=None,
        privileges=[],
        roles=[],
    )


def _bind_upstream_identity(person: User, request: AccessRequest, actor: str) -> None:
    """Commits the person, the binding, the proofing and the decision together."""
    try:
        record_private_eid(
            person,
            issuer=request.issuer,
            subject=request.subject,
            upstream_level=request.level,
            actor=actor,
        )
    except Exception:
        db.session.rollback()
        raise


def reject(request: AccessRequest, *, reason: str, actor: str) -> None:
    """Refuse the request; the person is mailed, with the reason when one is given."""
    reason = reason.strip()[:1000]
    _decide(request, RequestStatus.REJECTED, actor)
    request.reason = reason or None
    audit.record(
        "access_request.rejected",
        actor=actor,
        org_id=request.org_id,
        target=request.email,
        details={"request": request.id, "reason_given": bool(reason)},
    )
    try:
        queue_mail(
            "access_request_rejected",
            to=request.email,
            template="access_request_rejected",
            context={
                "org_name": request.organisation.name,
                "name": request.name,
                "reason": reason,
            },
            org_id=request.org_id,
        )
    except ValueError as error:
        db.session.rollback()
        raise InvalidInput(
            N_("Cannot send to %(email)r: %(error)s"), email=request.email, error=error
        ) from None
    db.session.commit()
