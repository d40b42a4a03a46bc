"""Who may log in to a client, and who skips its consent page."""

from __future__ import annotations

from ...models import Client, User


def is_own_person(client: Client, user: User) -> bool:
    """Whether the person belongs to the client's organisation (an operator client, with no
    organisation, counts everyone as its own)."""
    return client.org_id is None or client.org_id == user.org_id


def may_log_in(client: Client, user: User) -> bool:
    """Whether the person's organisation is admitted to the client: its own organisation, any
    organisation when the client allows it, or one of the listed CVRs."""
    if is_own_person(client, user) or client.allow_any_org:
        return True
    return user.organisation.cvr in (client.allowed_org_cvrs or [])


def skips_consent(client: Client, user: User) -> bool:
    """A first-party client skips the consent page only for its own organisation's people:
    another organisation's person always decides for themselves what is released."""
    return client.first_party and is_own_person(client, user)
