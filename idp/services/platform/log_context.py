"""Who a request is about, for its log lines: the relying party's client id and the person's
UUID, noted by the code that learns them (the OIDC server, the login, the browser session).

Only these two identifiers are ever noted: never a username, an e-mail address, a CPR number
or a secret. They live in the request's ``g`` and end with it; outside a request nothing is
noted. idp/web/request_log.py writes them into every JSON log line of the request.
"""

from __future__ import annotations

from flask import g, has_request_context


def note(*, client_id: str | None = None, user_uuid: str | None = None) -> None:
    """Remember the client id and/or the person's UUID of the current request."""
    if not has_request_context():
        return
    if client_id:
        g.log_client_id = client_id
    if user_uuid:
        g.log_user_uuid = user_uuid


def noted() -> dict[str, str]:
    """What the current request has noted, as ``client_id`` and ``user_uuid`` (when known)."""
    if not has_request_context():
        return {}
    found = {"client_id": g.get("log_client_id"), "user_uuid": g.get("log_user_uuid")}
    return {key: value for key, value in found.items() if value}
