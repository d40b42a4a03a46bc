"""Relying parties (OAuth clients): registration (:mod:`.registry`) and the rules on what is
registered (:mod:`.checks`) and who may log in or skip consent (:mod:`.admission`).

Callers import from here: ``from idp.services import clients`` or
``from idp.services.clients import get_client``.
"""

from .admission import is_own_person, may_log_in, skips_consent
from .checks import GRANT_TYPES, INFO_URIS
from .registry import (
    DEFAULT_SCOPE,
    SCOPES,
    client_of,
    create_client,
    get_client,
    list_clients,
    remove_client,
    rotate_secret,
    set_first_party,
    set_organisation,
    update_client,
)

__all__ = [
    "DEFAULT_SCOPE",
    "GRANT_TYPES",
    "INFO_URIS",
    "SCOPES",
    "client_of",
    "create_client",
    "get_client",
    "is_own_person",
    "list_clients",
    "may_log_in",
    "remove_client",
    "rotate_secret",
    "set_first_party",
    "set_organisation",
    "skips_consent",
    "update_client",
]
