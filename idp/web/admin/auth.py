"""Who may use the admin: a person of the organisation holding an administrative role, in a
session that is still at least Substantial (password + code, within its lifetime)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, g, request, url_for

from ... import assurance
from ...models import Organisation, User
from ...models.enums import AdminRole, NsisLevel
from ...services.sessions import current_aal
from ..pages import page, redirect_to
from ..state import current_session

F = TypeVar("F", bound=Callable[..., Any])
ROLES: tuple[str, ...] = tuple(AdminRole)
REQUIRED_LEVEL = NsisLevel.SUBSTANTIAL


def session_level() -> str | None:
    """The level the current browser session counts at now (IAL x ageing AAL)."""
    browser_session, user = current_session()
    if browser_session is None or user is None:
        return None
    return assurance.level_of_assurance(user.identity_level, current_aal(browser_session))


def admin_required(*roles: str) -> Callable[[F], F]:
    """Require one of ``roles`` (any administrative role when none are named)."""
    wanted = set(roles or ROLES)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _browser_session, user = current_session()
            if user is None or not assurance.at_least(session_level(), REQUIRED_LEVEL):
                # No session, or one below Substantial: log in (again) with two factors.
                return redirect_to(url_for("login.start", next=request.full_path.rstrip("?")))
            if not wanted & set(user.roles or []):
                return page("admin/forbidden.html", 403)
            g.admin = user
            g.org = user.organisation
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def current_admin() -> tuple[User, Organisation]:
    return g.admin, g.org


def person_of_org(user_id: int) -> User:
    """A person of the administrator's organisation; a forged id from another gets 404."""
    from ...extensions import db

    person = db.session.get(User, user_id)
    if person is None or person.org_id != g.org.id:
        abort(404)
    return person
