"""Organisations."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Organisation, User
from ..models.enums import AdminRole, UserStatus
from . import audit
from .errors import N_, Conflict, InvalidInput, NotFound

CVR_PATTERN = re.compile(r"^\d{8}$")


def create_organisation(cvr: str, name: str, *, actor: str) -> Organisation:
    """Create an organisation identified by its 8-digit CVR number."""
    cvr = cvr.strip()
    name = name.strip()
    if not CVR_PATTERN.match(cvr):
        raise InvalidInput(N_("CVR must be 8 digits, got %(cvr)r"), cvr=cvr)
    if not name:
        raise InvalidInput(N_("The organisation needs a name"))
    if db.session.execute(select(Organisation.id).where(Organisation.cvr == cvr)).first():
        raise Conflict(N_("An organisation with CVR %(cvr)s exists already"), cvr=cvr)
    org = Organisation(cvr=cvr, name=name)
    db.session.add(org)
    db.session.flush()
    audit.record("org.created", actor=actor, org_id=org.id, target=cvr, details={"name": name})
    db.session.commit()
    return org


def get_by_cvr(cvr: str) -> Organisation:
    """The organisation with this CVR number, or :class:`NotFound`."""
    org = db.session.execute(
        select(Organisation).where(Organisation.cvr == cvr.strip())
    ).scalar_one_or_none()
    if org is None:
        raise NotFound(N_("No organisation with CVR %(cvr)s"), cvr=cvr)
    return org


def list_organisations() -> list[Organisation]:
    """Every organisation, by CVR number."""
    return list(db.session.execute(select(Organisation).order_by(Organisation.cvr)).scalars())


def administrators(org: Organisation, role: str = AdminRole.USER_ADMIN) -> list[User]:
    """The organisation's active people holding the administrative ``role``, oldest first."""
    people = db.session.execute(
        select(User)
        .where(User.org_id == org.id, User.status == UserStatus.ACTIVE)
        .order_by(User.id)
    ).scalars()
    return [p for p in people if role in (p.roles or [])]


def notify_user_admins(org: Organisation, template: str, *, path: str, **context: Any) -> None:
    """Queue the mail ``template`` to each user administrator (in the caller's transaction),
    with ``org_name``, ``admin_name`` and a ``link`` to ``path`` on this IdP in its context."""
    from .mail.outbox import queue_mail
    from .platform.runtime import settings

    for admin in administrators(org):
        queue_mail(
            template,
            to=admin.email,
            template=template,
            context={
                "org_name": org.name,
                "admin_name": admin.name,
                "link": settings().url(path),
                **context,
            },
            org_id=org.id,
            user_id=admin.id,
        )
