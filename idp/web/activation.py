"""The person's activation journey at /activate/<token>.

Opening the link (GET, HEAD — mail scanners do this) changes nothing; only the person's own
submissions advance it. The step comes from the database (proofing -> password -> login means
-> complete), so the journey can be interrupted and resumed with the same link, and a later
step cannot be reached by calling its URL.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..models import Activation, User
from ..models.enums import LinkProblemKind, LoginMeans, ProofingRoute
from ..services.errors import ServiceError
from ..services.lifecycle import activation as activation_service
from ..services.means import app_enrolment as app_service
from ..services.means import code_display as code_display_service
from ..services.proofing import settings as proofing_settings
from . import private_eid as round_trip
from .errors import shown_on
from .login import _login_limit
from .pages import page, redirect_to

bp = Blueprint("activation", __name__, url_prefix="/activate")
SESSION_KEY = "activation"
JOURNEY = "activation"


def _link_problem(problem: ServiceError) -> Response:
    kind = (
        problem.kind
        if isinstance(problem, activation_service.LinkProblem)
        else LinkProblemKind.UNKNOWN
    )
    return page("activation/link_problem.html", problem.status, kind=kind)


def _load(token: str) -> tuple[Activation, User]:
    with shown_on(render=_link_problem, only=activation_service.LinkProblem):
        return activation_service.check_link(token)


def _page(token: str, person: User, status: int = 200, **extra: object) -> Response:
    step = activation_service.journey_step(person)
    org = person.organisation
    context = {
        "token": token,
        "person": person,
        "org": org,
        "step": step,
        "minimum": proofing_settings.minimum_ial(org),
        "private_eid": round_trip.offered_to(person),
        "in_person": proofing_settings.available(org, ProofingRoute.IN_PERSON),
        **extra,
    }
    return page("activation/journey.html", status, **context)


@bp.route("/<token>", methods=["GET", "HEAD"])
def show(token: str) -> Response:
    _activation, person = _load(token)
    return _page(token, person)


def _at_step(token: str, step: str) -> tuple[Activation, User] | Response:
    """The link's person, if they are at ``step``; else back to the journey page."""
    loaded = _load(token)
    if activation_service.journey_step(loaded[1]) != step:
        return redirect_to(url_for("activation.show", token=token))
    return loaded


@bp.post("/<token>/private-eid")
def private_eid(token: str) -> Response:
    loaded = _at_step(token, "proofing")
    if isinstance(loaded, Response):
        return loaded
    session[SESSION_KEY] = token  # lets the callback act for this person
    return round_trip.start_proving(loaded[1], JOURNEY, url_for("activation.show", token=token))


@round_trip.journey(JOURNEY)
def _proven(trip: round_trip.RoundTrip) -> Response:
    """The person whose activation link is followed in this browser proves their identity."""
    person = _person_of_link(trip.user_id)
    if person is None:
        raise round_trip.not_this_session()
    return round_trip.prove(person, trip, dict(request.args))


@bp.post("/<token>/password")
@limiter.limit(_login_limit)
def password(token: str) -> Response:
    loaded = _at_step(token, "password")
    if isinstance(loaded, Response):
        return loaded
    _activation, person = loaded
    first, second = request.form.get("password", ""), request.form.get("password2", "")
    if first != second:
        return _page(token, person, 400, error=_("The two passwords are not the same."))
    with shown_on(partial(_page, token, person)):
        activation_service.set_password(person, first)
    return redirect_to(url_for("activation.show", token=token))


@bp.post("/<token>/app")
def app_enrolment(token: str) -> Response:
    loaded = _at_step(token, "login_means")
    if isinstance(loaded, Response):
        return loaded
    _activation, person = loaded
    if person.login_means != LoginMeans.APP:
        abort(404)
    enrolment = app_service.start_app_enrolment(person, actor=person.username)
    return _page(token, person, enrolment=enrolment)


@bp.post("/<token>/app/confirm")
@limiter.limit(_login_limit)
def app_confirm(token: str) -> Response:
    loaded = _at_step(token, "login_means")
    if isinstance(loaded, Response):
        return loaded
    _activation, person = loaded
    with shown_on(partial(_page, token, person)):
        app_service.confirm_app(person, request.form.get("code", ""), actor=person.username)
    return _finish(token)


@bp.post("/<token>/code-display")
@limiter.limit(_login_limit)
def code_display(token: str) -> Response:
    loaded = _at_step(token, "login_means")
    if isinstance(loaded, Response):
        return loaded
    _activation, person = loaded
    serial = request.form.get("serial", "")
    with shown_on(partial(_page, token, person), serial=serial):
        code_display_service.bind_code_display(
            person, serial, request.form.get("code", ""), actor=person.username
        )
    return _finish(token)


def _finish(token: str) -> Response:
    loaded = _at_step(token, "complete")
    if isinstance(loaded, Response):
        return loaded
    activation, person = loaded
    with shown_on(render=_link_problem, only=activation_service.LinkProblem):
        activation_service.complete(activation, person)
    session.pop(SESSION_KEY, None)
    return page("activation/done.html", person=person)


def _person_of_link(user_id: int | None) -> User | None:
    """For the private eID callback: the person of the activation link in this browser."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    try:
        _activation, person = activation_service.check_link(token)
    except activation_service.LinkProblem:  # fall through: the round trip is not this link's
        return None
    return person if person.id == user_id else None


@bp.post("/<token>/finish")
def finish(token: str) -> Response:
    return _finish(token)
