"""The authorization request, from validation to the response at the redirect URI.

The web layer supplies who is logged in and renders pages; the decisions live here as small
named steps run in order, as node oidc-provider composes its check_* steps: is a login needed,
is the level enough, is consent needed, then respond. Each raises an OAuth error that says
where it goes, or asks for a page (login, consent). Whether the request is well-formed at all
is :mod:`.authorize_request`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from authlib.oauth2.rfc6749.errors import AccessDeniedError, OAuth2Error
from authlib.oidc.core.errors import ConsentRequiredError, LoginRequiredError

from .. import assurance
from ..models import BrowserSession, Client, User
from ..services import clients as client_service
from ..services.means.authenticators import best_aal
from ..services.oauth import consent, subjects
from ..services.oauth.tokens import AuthContext
from ..services.platform.runtime import settings
from ..services.sessions import current_aal
from .authorize_request import (
    RESPONSE_MODES,
    SINGLE_VALUED,  # noqa: F401 (the web layer reads it from here)
    required_level,
    validate,
)
from .id_token_hint import verify_id_token_hint
from .server import get_server


class UnmetAuthenticationRequirements(OAuth2Error):
    # OpenID Connect Core 1.0 errata / EAP ACR Values §3: the OP cannot authenticate the
    # person as the RP asked.
    error = "unmet_authentication_requirements"


@dataclass
class Outcome:
    """What the web layer must do next."""

    kind: str  # login | consent | respond | error_page
    redirect_uri: str | None = None
    response_mode: str = "query"
    params: list[tuple[str, str]] | None = None
    error: OAuth2Error | None = None
    grant: Any = None


def redirect_location(redirect_uri: str, params: list[tuple[str, str]]) -> str:
    """The redirect URI with the response parameters added to its query."""
    from authlib.common.urls import add_params_to_uri

    return str(add_params_to_uri(redirect_uri, params))


def denied_params(state: str | None) -> list[tuple[str, str]]:
    """The response when the person declines (RFC 6749 §4.1.2.1 access_denied)."""
    out = [("error", "access_denied"), ("error_description", "The person declined the request")]
    if state:
        out.append(("state", state))
    return _with_iss(out)


def validate_end_session() -> tuple[Any, str | None]:
    """Validate an RP-initiated logout request: (request, None) or (None, error message)."""
    try:
        return get_server().validate_endpoint_request("end_session"), None
    except OAuth2Error as error:
        return None, error.description or error.error


def needs_login(params: dict[str, str], session: BrowserSession | None, started: float) -> bool:
    """Whether the person must (re)authenticate for this request.

    ``started`` is when the request first arrived; a login after it satisfies prompt=login.
    """
    if session is None:
        return True
    auth_time = session.auth_time.timestamp()
    if auth_time > started:
        return False  # the person logged in for this very request
    if "login" in params.get("prompt", "").split():
        return True
    # OIDC Core §3.1.2.1: a login older than max_age -> actively re-authenticate.
    return "max_age" in params and time.time() - auth_time > int(params["max_age"])


@dataclass
class Pending:
    """An authorization request under decision: the validated grant and who is logged in."""

    params: dict[str, str]
    grant: Any
    user: User | None
    session: BrowserSession | None
    started: float  # when the request first arrived
    redirect_uri: str  # the one validated with the client (RFC 6749 §3.1.2)

    @property
    def mode(self) -> str:
        return self.params.get("response_mode", "query")

    @property
    def prompts(self) -> list[str]:
        return self.params.get("prompt", "").split()

    @property
    def client(self) -> Client:
        return self.grant.request.client.row

    def person(self) -> tuple[User, BrowserSession]:
        """Who is logged in; only after :func:`login_needed` said no."""
        assert self.user is not None and self.session is not None
        return self.user, self.session

    def ask(self, kind: str, instead: type[OAuth2Error], grant: Any = None) -> Outcome:
        """Show the person a page (login or consent); with prompt=none the RP wants no page,
        so the request fails with ``instead`` (OIDC Core §3.1.2.6)."""
        if "none" in self.prompts:
            raise instead()
        return Outcome(kind, self.redirect_uri, self.mode, grant=grant)


def decide(
    params: dict[str, str],
    method: str,
    user: User | None,
    session: BrowserSession | None,
    started: float,
    consent_given: bool = False,
) -> Outcome:
    """Run the request through every step and say what happens next."""
    try:
        grant = validate(params, method, user if session else None)
    except OAuth2Error as error:
        return _error_outcome(error, params)
    pending = Pending(params, grant, user, session, started, grant.redirect_uri)
    try:
        return _run_steps(pending, consent_given)
    except OAuth2Error as error:
        error.redirect_uri = pending.redirect_uri
        return _error_outcome(error, params)


def _run_steps(pending: Pending, consent_given: bool) -> Outcome:
    if login_needed(pending):
        return pending.ask("login", LoginRequiredError)
    user, session = pending.person()
    check_organisation_admitted(pending.client, user)
    context = _context(user, session)
    if step_up_needed(pending, context):
        return pending.ask("login", LoginRequiredError)  # step-up with stronger means
    if consent_needed(pending, consent_given):
        return pending.ask("consent", ConsentRequiredError, grant=pending.grant)
    return respond(pending, context)


def login_needed(pending: Pending) -> bool:
    """No one is logged in, the login is too old or prompt=login asks for a new one, or a
    verified id_token_hint names someone else."""
    hint = verified_hint(pending.params, client_id=pending.client.client_id)
    return needs_login(pending.params, pending.session, pending.started) or (
        hint_names_another_person(
            hint, pending.user, pending.session, pending.client, pending.started
        )
    )


def step_up_needed(pending: Pending, context: AuthContext) -> bool:
    """Is the level enough? When the RP requires more than this login's level, a login with
    stronger means is needed, unless the person cannot reach the level at all or has just
    logged in for this request; then the requirements are unmet. A person whose identity is
    not proofed has no level and gets no login."""
    user, session = pending.person()
    loa = assurance.level_of_assurance(context.ial, context.aal)
    required = required_level(pending.params)
    if required is not None and not assurance.at_least(loa, required):
        reachable = assurance.level_of_assurance(user.identity_level, best_aal(user))
        if (
            not assurance.at_least(reachable, required)
            or session.auth_time.timestamp() > pending.started
        ):
            raise UnmetAuthenticationRequirements(
                f"The person cannot be authenticated at {required}"
            )
        return True
    if loa is None:
        raise UnmetAuthenticationRequirements(
            "The person's identity has not been proofed; no login can be issued"
        )
    return False


def consent_needed(pending: Pending, consent_given: bool) -> bool:
    """Consent just given is recorded; otherwise the person is asked when prompt=consent
    says so or they have not consented to this client and scope before."""
    user, _ = pending.person()
    scope = pending.grant.request.scope
    if consent_given:
        consent.grant_consent(user, pending.client, scope)
        return False
    return "consent" in pending.prompts or not consent.has_consent(user, pending.client, scope)


def respond(pending: Pending, context: AuthContext) -> Outcome:
    """Issue the authorization code at the redirect URI, with this login's context."""
    user, _ = pending.person()
    pending.grant.request.auth_context = context
    params_out = pending.grant.create_authorization_response(pending.redirect_uri, user)
    return Outcome("respond", pending.redirect_uri, pending.mode, params=_with_iss(params_out))


def verified_hint(params: dict[str, str], client_id: str) -> dict[str, Any] | None:
    """The claims of a verified ``id_token_hint``, None without one (OIDC Core §3.1.2.1); a
    hint that fails verification is an invalid request (§3.1.2.6)."""
    hint = params.get("id_token_hint")
    if not hint:
        return None
    return verify_id_token_hint(hint, client_id)


def hint_names_another_person(
    hint: dict[str, Any] | None,
    user: User | None,
    session: BrowserSession | None,
    client: Client,
    started: float,
) -> bool:
    """Whether the hint names someone other than the logged-in person (OIDC Core §3.1.2.2:
    then prompt=none is login_required, and otherwise the person logs in afresh). A login made
    for this very request stands: the hint is a hint, not a lock."""
    if hint is None or user is None or session is None:
        return False
    if session.auth_time.timestamp() > started:
        return False
    return bool(hint["sub"] != subjects.subject_for(user, client))


def check_organisation_admitted(client: Client, user: User) -> None:
    """An organisation's service admits only the organisations it allows (its own by
    default); anyone else is refused at the redirect URI (RFC 6749 §4.1.2.1 access_denied)."""
    if not client_service.may_log_in(client, user):
        raise AccessDeniedError("People of your organisation may not log in to this service")


def _context(user: User, session: BrowserSession) -> AuthContext:
    """How sure we are now: a login's level ages (NSIS session lifetimes per level)."""
    context = AuthContext(
        auth_time=session.auth_time,
        amr=list(session.amr),
        ial=user.identity_level,
        aal=current_aal(session),
        session_id=session.id,
    )
    loa = assurance.level_of_assurance(context.ial, context.aal)
    context.acr = assurance.acr_for(loa) if loa else None
    return context


def _with_iss(params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [*params, ("iss", settings().issuer)]  # RFC 9207 §2


def _error_outcome(error: OAuth2Error, params: dict[str, str]) -> Outcome:
    if not error.redirect_uri:
        return Outcome("error_page", error=error)
    out = [("error", error.error)]
    if error.description:
        out.append(("error_description", error.description))
    if params.get("state"):
        out.append(("state", params["state"]))
    mode = params.get("response_mode", "query")
    if mode not in RESPONSE_MODES:
        mode = "query"
    return Outcome("respond", error.redirect_uri, mode, params=_with_iss(out), error=error)
