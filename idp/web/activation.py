"""The person's activation journey at /activate/<token>.

Opening the link (GET, HEAD — mail scanners do this) changes nothing; only the person's own
submissions advance it. The step comes from the database (proofing -> password -> login means
-> complete), so the journey can be interrupted and resumed with the same link, and a later
step cannot be reached by calling its URL.
"""

from __future__ import annotations

from flask import Blueprint, abort, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..models import Activation, User
from ..services.errors import ServiceError
from ..services.lifecycle import activation as activation_service
from ..services.means import app_enrolment as app_service
from ..services.means import code_display as code_display_service
from ..services.proofing import records as proofing_service
from .login import _login_limit
from .pages import page, redirect_to
from .proofing import start_private_eid, upstream

bp = Blueprint("activation", __name__, url_prefix="/activate")
SESSION_KEY = "activation"


def _load(token: str) -> tuple[Activation, User] | Response:
    try:
        return activation_service.check_link(token)
    except activation_service.LinkProblem as problem:
        status = 410 if problem.kind != "unknown" else 404
        return page("activation/link_problem.html", status, kind=problem.kind)


def _page(token: str, person: User, status: int = 200, **extra: object) -> Response:
    step = activation_service.journey_step(person)
    org = person.organisation
    context = {
        "token": token,
        "person": person,
        "org": org,
        "step": step,
        "minimum": proofing_service.minimum_ial(org),
        "private_eid": upstream() is not None
        and proofing_service.route_settings(org, "private_eid")["enabled"],
        "in_person": proofing_service.route_settings(org, "in_person")["enabled"],
        **extra,
    }
    return page("activation/journey.html", status, **context)


@bp.route("/<token>", methods=["GET", "HEAD"])
def show(token: str) -> Response:
    loaded = _load(token)
    if isinstance(loaded, Response):
        return loaded
    _activation, person = loaded
    return _page(token, person)


def _at_step(token: str, step: str) -> tuple[Activation, User] | Response:
    """The link's person, if they are at ``step``; else back to the journey page."""
    loaded = _load(token)
    if isinstance(loaded, Response):
        return loaded
    if activation_service.journey_step(loaded[1]) != step:
        return redirect_to(url_for("activation.show", token=token))
    return loaded


@bp.post("/<token>/private-eid")
def private_eid(token: str) -> Response:
    loaded = _at_step(token, "proofing")
    if isinstance(loaded, Response):
        return loaded
    session[SESSION_KEY] = token  # lets the callback act for this person
    return start_private_eid(loaded[1], url_for("activation.show", token=token))


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
    try:
        activation_service.set_password(person, first)
    except ServiceError as error:
        return _page(token, person, 400, error=error.localized())
    return redirect_to(url_for("activation.show", token=token))


@bp.post("/<token>/app")
def app_enrolment(token: str) -> Response:
    loaded = _at_step(token, "login_means")
    if isinstance(loaded, Response):
        return loaded
    _activation, person = loaded
    if person.login_means != "app":
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
    try:
        app_service.confirm_app(person, request.form.get("code", ""), actor=person.username)
    except ServiceError as error:
        return _page(token, person, 400, error=error.localized())
    return _finish(token)


@bp.post("/<token>/code-display")
@limiter.limit(_login_limit)
def code_display(token: str) -> Response:
    loaded = _at_step(token, "login_means")
    if isinstance(loaded, Response):
        return loaded
    _activation, person = loaded
    serial = request.form.get("serial", "")
    try:
        code_display_service.bind_code_display(
            person, serial, request.form.get("code", ""), actor=person.username
        )
    except ServiceError as error:
        return _page(token, person, 400, error=error.localized(), serial=serial)
    return _finish(token)


def _finish(token: str) -> Response:
    loaded = _at_step(token, "complete")
    if isinstance(loaded, Response):
        return loaded
    activation, person = loaded
    activation_service.complete(activation, person)
    session.pop(SESSION_KEY, None)
    return page("activation/done.html", person=person)


def person_for_activation(user_id: int) -> User | None:
    """For the private eID callback: the person of the activation link in this browser."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    try:
        _activation, person = activation_service.check_link(token)
    except activation_service.LinkProblem:
        return None
    return person if person.id == user_id else None


@bp.post("/<token>/finish")
def finish(token: str) -> Response:
    return _finish(token)
