"""Login pages: username, then password, then the one-time code."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..services import sessions as session_service
from ..services.errors import AccountLocked, LoginFailed
from ..services.runtime import settings
from ..services.sessions import PendingLogin
from .client_address import source_key
from .state import begin_browser_session, clear_login, load_login, save_login

bp = Blueprint("login", __name__, url_prefix="/login")


def _login_limit() -> str:
    return settings().login_rate_limit


LOCAL_TARGETS = ("/admin", "/account")


def safe_next(path: str | None) -> str | None:
    """A local path to return to after login; anything else (other hosts, //x) is dropped."""
    if not path or not path.startswith(LOCAL_TARGETS) or "//" in path or "\\" in path:
        return None
    return path


def _return_to(key: str | None) -> str:
    if key and key.startswith("/"):
        return safe_next(key) or url_for("account.home")
    if key:
        return url_for("oidc.resume", key=key)
    return url_for("account.home")


@bp.get("/")
def start() -> str:
    key = request.args.get("r") or safe_next(request.args.get("next"))
    hint = request.args.get("login_hint", "")
    clear_login()
    return render_template("login/username.html", key=key, username=hint)


@bp.post("/")
@limiter.limit(_login_limit)
def username() -> Response | str:
    key = request.form.get("r") or None
    name = request.form.get("username", "").strip()
    if not name:
        return render_template(
            "login/username.html", key=key, username="", error=_("Enter your username.")
        )
    save_login(name, None, key)
    return redirect(url_for("login.password"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def password() -> Response | str:
    state = load_login()
    if state is None:
        return redirect(url_for("login.start"))
    if request.method == "GET":
        return render_template("login/password.html", username=state["u"])
    pending = session_service.check_password(
        state["u"], request.form.get("password", ""), source=source_key()
    )
    save_login(state["u"], pending, state.get("r"))
    if not pending.needs_code:
        return _finish(pending, None, state.get("r"))
    return redirect(url_for("login.code"))


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def code() -> Response | str:
    state = load_login()
    if state is None or "ok" not in state:
        return redirect(url_for("login.start"))
    if request.method == "GET":
        return render_template("login/code.html", username=state["u"])
    pending = PendingLogin(user_id=state["id"], password_ok=state["ok"], needs_code=state["c"])
    return _finish(pending, request.form.get("code", ""), state.get("r"))


def _finish(pending: PendingLogin, code: str | None, key: str | None) -> Response | str:
    try:
        user, amr = session_service.complete_login(pending, code, source=source_key())
    except AccountLocked as error:
        clear_login()
        return render_template("login/username.html", key=key, username="", error=error.localized())
    except LoginFailed:
        # Start again from the username: the message never says which part was wrong.
        clear_login()
        return render_template(
            "login/username.html",
            key=key,
            username="",
            error=_("The username, password or code is not right. Try again."),
        )
    clear_login()
    sid = session_service.start_session(user, amr)
    begin_browser_session(sid)
    return redirect(_return_to(key))
