"""Business identities (users)."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select

from .. import assurance
from ..extensions import db
from ..models import Organisation, User
from ..models.enums import AdminRole, UserStatus
from . import audit
from .errors import N_, Conflict, InvalidInput, NotFound
from .means.app_enrolment import enrol_totp_app
from .platform.passwords import check_password_rules, hash_password

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_username(username: str) -> str:
    """Usernames compare without surrounding spaces and case: stored trimmed, lower-case."""
    return username.strip().lower()


def create_user(
    org: Organisation,
    *,
    username: str,
    name: str,
    email: str,
    password: str | None,
    with_totp: bool,
    ial: str | None,
    actor: str,
) -> tuple[User, str | None]:
    """Create an active user; returns the user and the TOTP secret (shown once) if any.

    ``ial`` records an operator-attested identity level, audited.
    """
    username = normalise_username(username)
    _check_new_user(username, name, email, password, ial)
    user = _new_user(org, username, name, email, password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=actor, org_id=org.id, target=username)
    if ial is not None:
        _attest_identity_level(user, ial, actor)
    secret = enrol_totp_app(user, activate=True, actor=actor) if with_totp else None
    db.session.commit()
    return user, secret


def _check_new_user(
    username: str, name: str, email: str, password: str | None, ial: str | None
) -> None:
    """A new user's username, name, e-mail, password and level are valid; the username free."""
    if not USERNAME_PATTERN.match(username):
        raise InvalidInput(
            N_(
                "Username: 2-100 characters, letters a-z, digits and . _ @ -, starting with a "
                "letter or digit"
            )
        )
    if not name.strip():
        raise InvalidInput(N_("The user needs a name"))
    if not EMAIL_PATTERN.match(email.strip()):
        raise InvalidInput(N_("Not a valid e-mail address: %(email)r"), email=email)
    if ial is not None and not assurance.is_level(ial):
        raise InvalidInput(
            N_("Identity level must be one of %(levels)s"), levels=", ".join(assurance.LEVELS)
        )
    if password is not None:
        check_password_rules(password, username)
    if db.session.execute(select(User.id).where(User.username == username)).first():
        raise Conflict(N_("The username %(username)r is taken"), username=username)


def _new_user(
    org: Organisation, username: str, name: str, email: str, password: str | None
) -> User:
    given, _, family = name.strip().rpartition(" ")
    return User(
        org_id=org.id,
        status=UserStatus.ACTIVE,
        username=username,
        name=name.strip(),
        given_name=given or None,
        family_name=family or None,
        email=email.strip(),
        email_verified=False,
        password_hash=hash_password(password) if password else None,
        identity_level=None,
    )


def _attest_identity_level(user: User, ial: str, actor: str) -> None:
    """An operator-attested identity level: a proofing record and an audit entry."""
    from .proofing.records import record_operator

    record_operator(user, ial, actor=actor)
    audit.record(
        "user.identity_level_attested",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={"level": ial, "route": "operator"},
    )


def find_user(ref: str, org: Organisation | None = None) -> User:
    """Find a user by username, e-mail or uuid (optionally within one organisation)."""
    ref = ref.strip()
    query = select(User).where(
        or_(User.username == ref.lower(), func.lower(User.email) == ref.lower(), User.uuid == ref)
    )
    if org is not None:
        query = query.where(User.org_id == org.id)
    found = list(db.session.execute(query.limit(2)).scalars())
    if len(found) != 1:
        raise NotFound(N_("No single user matches %(ref)r"), ref=ref)
    return found[0]


def get_active_user(user_id: int) -> User | None:
    """The user with this id, or None unless the account's status is active."""
    user = db.session.get(User, user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        return None
    return user


ROLES: tuple[str, ...] = tuple(AdminRole)


def set_roles(
    user: User, org: Organisation, *, add: list[str], remove: list[str], actor: str
) -> list[str]:
    """Grant or take administrative roles in the person's own organisation (audited)."""
    if user.org_id != org.id:
        raise InvalidInput(
            N_("%(username)s does not belong to %(cvr)s"), username=user.username, cvr=org.cvr
        )
    unknown = [r for r in [*add, *remove] if r not in ROLES]
    if unknown:
        raise InvalidInput(
            N_("Unknown role(s) %(unknown)s; roles: %(roles)s"),
            unknown=unknown,
            roles=", ".join(ROLES),
        )
    roles = sorted((set(user.roles or []) | set(add)) - set(remove))
    user.roles = roles
    audit.record(
        "user.roles_changed",
        actor=actor,
        org_id=org.id,
        target=user.username,
        details={"added": add, "removed": remove, "roles": roles},
    )
    db.session.commit()
    return roles


def check_privileges(urns: list[str]) -> None:
    """Refuse (InvalidInput) any entry that is not a privilege URN."""
    from ..privileges import is_privilege

    bad = [p for p in urns if not is_privilege(p)]
    if bad:
        raise InvalidInput(N_("Not a privilege URN: %(urns)s"), urns=", ".join(bad))


def set_privileges(user: User, *, add: list[str], remove: list[str], actor: str) -> list[str]:
    """Add or remove rights (privilege URNs) of a person, audited."""
    check_privileges(add)
    rights = sorted((set(user.privileges or []) | set(add)) - set(remove))
    user.privileges = rights
    audit.record(
        "user.privileges_changed",
        actor=actor,
        org_id=user.org_id,
        target=user.username,
        details={"added": add, "removed": remove},
    )
    db.session.commit()
    return rights
