"""Login pages: username, then password, then the one-time code."""

from __future__ import annotations

from flask import Blueprint, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..services import sessions as session_service
from ..services.errors import AccountLocked, LoginFailed
from ..services.platform.runtime import settings
from ..services.sessions import PendingLogin
from .client_address import source_key
from .pages import page, redirect_to
from .state import begin_browser_session, clear_login, load_login, save_login

bp = Blueprint("login", __name__, url_prefix="/login")


def _login_limit() -> str:
    return settings().login_rate_limit


LOCAL_TARGETS = ("/admin", "/account")
# Both wait in the session cookie between the steps (a browser drops a cookie over 4 KB).
MAX_USERNAME = 254
MAX_RETURN_TO = 512


def safe_next(path: str | None) -> str | None:
    """A local path to return to after login; anything else (other hosts, //x) is dropped."""
    if not path or not path.startswith(LOCAL_TARGETS) or "//" in path or "\\" in path:
        return None
    return path


def _pending_key(value: str | None) -> str | None:
    """The ``r`` field: a pending request's key or a local path, never more than fits in the
    session cookie beside the rest."""
    if not value or len(value) > MAX_RETURN_TO:
        return None
    return value


def _return_to(key: str | None) -> str:
    if key and key.startswith("/"):
        return safe_next(key) or url_for("account.home")
    if key:
        return url_for("oidc.resume", key=key)
    return url_for("account.home")


@bp.get("/")
def start() -> Response:
    key = _pending_key(request.args.get("r")) or safe_next(request.args.get("next"))
    hint = request.args.get("login_hint", "")
    clear_login()
    return page("login/username.html", key=key, username=hint)


@bp.post("/")
@limiter.limit(_login_limit)
def username() -> Response:
    key = _pending_key(request.form.get("r"))
    name = request.form.get("username", "").strip()
    if len(name) > MAX_USERNAME:
        return page(
            "login/username.html", key=key, username="", error=_("That username is too long.")
        )
    if not name:
        return page("login/username.html", key=key, username="", error=_("Enter your username."))
    save_login(name, None, key)
    return redirect_to(url_for("login.password"))


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def password() -> Response:
    state = load_login()
    if state is None:
        return redirect_to(url_for("login.start"))
    if request.method == "GET":
        return page("login/password.html", username=state["u"])
    pending = session_service.check_password(
        state["u"], request.form.get("password", ""), source=source_key()
    )
    save_login(state["u"], pending, state.get("r"))
    if not pending.needs_code:
        return _finish(pending, None, state["u"], state.get("r"))
    return redirect_to(url_for("login.code"))


@bp.route("/code", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def code() -> Response:
    state = load_login()
    if state is None or "ok" not in state:
        return redirect_to(url_for("login.start"))
    if request.method == "GET":
        return page("login/code.html", username=state["u"])
    pending = PendingLogin(user_id=state["id"], password_ok=state["ok"], needs_code=state["c"])
    return _finish(pending, request.form.get("code", ""), state["u"], state.get("r"))


def _finish(pending: PendingLogin, code: str | None, name: str, key: str | None) -> Response:
    try:
        user, amr = session_service.complete_login(pending, code, source=source_key())
    except (AccountLocked, LoginFailed) as error:
        # Back to the password step with the username kept (not the page posted): the
        # password and the code are asked again, and a LoginFailed never says which part
        # was wrong.
        save_login(name, None, key)
        return page("login/password.html", username=name, error=error.localized())
    clear_login()
    sid = session_service.start_session(user, amr)
    begin_browser_session(sid)
    return redirect_to(_return_to(key))
