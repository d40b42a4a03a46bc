"""The person's login means: set up an authenticator app, or bind a code display.

Someone who already has an active login means must have used it in this session (two
factors) before adding or replacing one; a person without any may set one up after the
password step.
"""

from __future__ import annotations

from functools import partial

from flask import Blueprint, request, url_for
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..models import User
from ..services.means import app_enrolment, authenticators, code_display
from .errors import shown_on
from .login import _login_limit
from .pages import page, redirect_to
from .state import current_session

bp = Blueprint("means", __name__, url_prefix="/account/means")


def _person() -> User | Response:
    """The logged-in person allowed to change login means, or a redirect."""
    browser_session, user = current_session()
    if user is None or browser_session is None:
        return redirect_to(url_for("login.start"))
    active = authenticators.active_authenticator(user)
    if active is not None and "otp" not in (browser_session.amr or []):
        return redirect_to(url_for("means.home", need="2fa"))
    return user


def _home(user: User, status: int = 200, **extra: object) -> Response:
    return page(
        "means/home.html",
        status,
        user=user,
        means=authenticators.authenticators_of(user),
        need_2fa=request.args.get("need") == "2fa",
        done=request.args.get("done"),
        **extra,
    )


@bp.get("/")
def home() -> Response:
    _browser_session, user = current_session()
    if user is None:
        return redirect_to(url_for("login.start"))
    return _home(user)


@bp.post("/app")
def start_app() -> Response:
    user = _person()
    if isinstance(user, Response):
        return user
    enrolment = app_enrolment.start_app_enrolment(user, actor=user.username)
    return page("means/app.html", enrolment=enrolment)


@bp.post("/app/confirm")
@limiter.limit(_login_limit)
def confirm_app() -> Response:
    user = _person()
    if isinstance(user, Response):
        return user
    with shown_on(partial(_home, user)):
        app_enrolment.confirm_app(user, request.form.get("code", ""), actor=user.username)
    return redirect_to(url_for("means.home", done="app"))


@bp.post("/code-display")
@limiter.limit(_login_limit)
def bind_code_display() -> Response:
    user = _person()
    if isinstance(user, Response):
        return user
    serial = request.form.get("serial", "")
    with shown_on(partial(_home, user), serial=serial):
        code_display.bind_code_display(
            user, serial, request.form.get("code", ""), actor=user.username
        )
    return redirect_to(url_for("means.home", done="code_display"))
