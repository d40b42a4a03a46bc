"""Recovery pages at /recovery: ask for a link, then follow it (idp/services/lifecycle/recovery.py
holds the rules).

The start page answers the same whether or not the account exists. Opening a link (GET, HEAD:
mail scanners do this) changes nothing; the step comes from the database, so a new password
or a new login means cannot be reached by calling its URL before the person proved it is them.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..models import RecoveryLink, User
from ..models.enums import LinkProblemKind, RecoveryKind
from ..services.errors import ServiceError
from ..services.lifecycle import recovery as recovery_service
from ..services.lifecycle.activation import LinkProblem
from ..services.means import app_enrolment as app_service
from ..services.means import code_display as code_display_service
from . import private_eid as round_trip
from .errors import shown_on
from .login import _login_limit
from .pages import page, redirect_to

bp = Blueprint("recovery", __name__, url_prefix="/recovery")
SESSION_KEY = "recovery"
JOURNEY = "recovery"


@bp.get("/")
def start() -> Response:
    kind = request.args.get("kind", RecoveryKind.PASSWORD)
    if kind not in set(RecoveryKind):
        kind = RecoveryKind.PASSWORD
    return page("recovery/start.html", kind=kind)


@bp.post("/")
@limiter.limit(_login_limit)
def ask() -> Response:
    kind = request.form.get("kind", "")
    recovery_service.request_link(request.form.get("identifier", ""), kind)
    # NIST SP 800-63B §6.1.2.3 / no enumeration: the same page whatever the account.
    return page("recovery/sent.html")


def _link_problem(problem: ServiceError) -> Response:
    kind = problem.kind if isinstance(problem, LinkProblem) else LinkProblemKind.UNKNOWN
    return page("recovery/link_problem.html", problem.status, kind=kind)


def _load(token: str) -> tuple[RecoveryLink, User]:
    with shown_on(render=_link_problem, only=LinkProblem):
        return recovery_service.check_link(token)


def _page(
    token: str, link: RecoveryLink, person: User, status: int = 200, **extra: object
) -> Response:
    context = {
        "token": token,
        "link": link,
        "person": person,
        "step": recovery_service.step(link),
        "private_eid": round_trip.offered_to(person),
        **extra,
    }
    return page("recovery/journey.html", status, **context)


@bp.route("/<token>", methods=["GET", "HEAD"])
def show(token: str) -> Response:
    link, person = _load(token)
    return _page(token, link, person)


def _at_step(token: str, wanted: str) -> tuple[RecoveryLink, User] | Response:
    """The link and its person if the journey is at ``wanted``; else back to its page."""
    link, person = _load(token)
    if recovery_service.step(link) != wanted:
        return redirect_to(url_for("recovery.show", token=token))
    return link, person


@bp.post("/<token>/code")
@limiter.limit(_login_limit)
def code(token: str) -> Response:
    loaded = _at_step(token, "prove")
    if isinstance(loaded, Response):
        return loaded
    link, person = loaded
    with shown_on(partial(_page, token, link, person)):
        recovery_service.prove_with_code(link, person, request.form.get("code", ""))
    return redirect_to(url_for("recovery.show", token=token))


@bp.post("/<token>/private-eid")
def private_eid(token: str) -> Response:
    loaded = _at_step(token, "prove")
    if isinstance(loaded, Response):
        return loaded
    session[SESSION_KEY] = token  # lets the callback act for this link
    return round_trip.start_proving(loaded[1], JOURNEY, url_for("recovery.show", token=token))


@round_trip.journey(JOURNEY)
def _proven(trip: round_trip.RoundTrip) -> Response:
    """The person whose recovery link is followed in this browser re-proves their identity."""
    token = session.get(SESSION_KEY)
    loaded = _link_of_browser(token, trip.user_id)
    if token is None or loaded is None:
        raise round_trip.not_this_session()
    link, person = loaded
    show = partial(_page, token, link, person)
    with shown_on(show):
        proven = round_trip.verify(trip, dict(request.args))
        recovery_service.prove_with_private_eid(
            link, person, issuer=proven.issuer, subject=proven.subject, level=proven.level
        )
    return redirect_to(trip.return_to)


def _link_of_browser(token: str | None, user_id: int | None) -> tuple[RecoveryLink, User] | None:
    if not token:
        return None
    try:
        link, person = recovery_service.check_link(token)
    except LinkProblem:
        return None
    return (link, person) if person.id == user_id else None


@bp.post("/<token>/password")
@limiter.limit(_login_limit)
def password(token: str) -> Response:
    loaded = _at_step(token, "password")
    if isinstance(loaded, Response):
        return loaded
    link, person = loaded
    first, second = request.form.get("password", ""), request.form.get("password2", "")
    if first != second:
        return _page(token, link, person, 400, error=_("The two passwords are not the same."))
    with shown_on(partial(_page, token, link, person)):
        recovery_service.set_password(link, person, first)
    return _done(RecoveryKind.PASSWORD)


@bp.post("/<token>/app")
def app_enrolment(token: str) -> Response:
    loaded = _at_step(token, "means")
    if isinstance(loaded, Response):
        return loaded
    link, person = loaded
    enrolment = app_service.start_app_enrolment(person, actor=person.username)
    return _page(token, link, person, enrolment=enrolment)


@bp.post("/<token>/app/confirm")
@limiter.limit(_login_limit)
def app_confirm(token: str) -> Response:
    loaded = _at_step(token, "means")
    if isinstance(loaded, Response):
        return loaded
    link, person = loaded
    with shown_on(partial(_page, token, link, person)):
        app_service.confirm_app(person, request.form.get("code", ""), actor=person.username)
        recovery_service.means_replaced(link, person)
    return _done(RecoveryKind.MEANS)


@bp.post("/<token>/code-display")
@limiter.limit(_login_limit)
def code_display(token: str) -> Response:
    loaded = _at_step(token, "means")
    if isinstance(loaded, Response):
        return loaded
    link, person = loaded
    serial = request.form.get("serial", "")
    with shown_on(partial(_page, token, link, person), serial=serial):
        code_display_service.bind_code_display(
            person, serial, request.form.get("code", ""), actor=person.username
        )
        recovery_service.means_replaced(link, person)
    return _done(RecoveryKind.MEANS)


def _done(kind: str) -> Response:
    session.pop(SESSION_KEY, None)
    return page("recovery/done.html", kind=kind)
