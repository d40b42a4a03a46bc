"""What an administrator chooses for a person being activated: a login means and rights
from the organisation's catalogue (bulk or single activation, an approved access request)."""

from __future__ import annotations

from ...models import Organisation
from ...models.enums import LoginMeans
from ..errors import N_, InvalidInput
from ..users import check_privileges
from .privileges import check_known

LOGIN_MEANS = tuple(LoginMeans)


def check_choices(login_means: str, privileges: list[str], org: Organisation | None = None) -> None:
    """Refuse (InvalidInput) an unknown login means, an entry that is not a privilege URN or,
    given ``org``, a right not in its catalogue: what an administrator chooses when
    activating someone or approving a request."""
    if login_means not in LOGIN_MEANS:
        raise InvalidInput(
            N_("login means must be one of %(choices)s"), choices=", ".join(LOGIN_MEANS)
        )
    check_privileges(privileges)
    if org is not None:
        check_known(org, privileges)
