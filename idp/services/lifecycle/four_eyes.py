"""Four eyes: an administrator's change to their OWN rights waits for a second administrator
of the same organisation, who approves (the change is applied) or rejects it. The proposer
cannot decide their own change. Changes to other people's rights stay one step.

Roles are granted only by the operator (``idp admins grant``), so in the web only rights
(privileges) come here; the table's ``kind`` leaves room for roles.
"""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...models import Organisation, PendingChange, User
from ...models.enums import AdminRole, RequestStatus
from ...models.types import utcnow
from .. import audit
from ..errors import N_, Conflict, NotFound
from ..orgs import administrators
from ..users import check_privileges, set_privileges

# The role whose holders may approve a change of each kind.
APPROVER_ROLE = {"privileges": AdminRole.USER_ADMIN}


class SecondAdministratorNeeded(Conflict):
    """The organisation has no other administrator who could approve the change."""


def is_own_change(actor: User, person: User) -> bool:
    """Whether an administrator is changing their own rights (which needs a second admin)."""
    return actor.id == person.id


def approvers(org: Organisation, proposer: User, kind: str = "privileges") -> list[User]:
    """The other active administrators of the organisation who may approve a change."""
    return [p for p in administrators(org, APPROVER_ROLE[kind]) if p.id != proposer.id]


def propose_privileges(actor: User, *, add: list[str], remove: list[str]) -> PendingChange:
    """Record an administrator's change to their own rights as pending (audited); refused with
    a message naming the way out when nobody else could approve it."""
    check_privileges(add)
    if not approvers(actor.organisation, actor):
        raise SecondAdministratorNeeded(
            N_(
                "A change to your own rights must be approved by a second user administrator "
                "of your organisation, and there is none. Ask another person to be made user "
                "administrator, or ask the operator to make the change "
                "(idp users privileges)."
            )
        )
    change = PendingChange(
        org_id=actor.org_id,
        target_id=actor.id,
        kind="privileges",
        proposed={"add": add, "remove": remove},
        proposed_by=actor.id,
        status=RequestStatus.PENDING,
    )
    db.session.add(change)
    db.session.flush()
    audit.record(
        "change.proposed",
        actor=actor.username,
        org_id=actor.org_id,
        target=actor.username,
        details={"change": change.id, "kind": "privileges", "add": add, "remove": remove},
    )
    db.session.commit()
    return change


def pending_changes(org: Organisation, person: User) -> list[PendingChange]:
    """The person's changes waiting for a decision, oldest first."""
    return list(
        db.session.execute(
            select(PendingChange)
            .where(
                PendingChange.org_id == org.id,
                PendingChange.target_id == person.id,
                PendingChange.status == RequestStatus.PENDING,
            )
            .order_by(PendingChange.id)
        ).scalars()
    )


def _pending_of(org: Organisation, person: User, change_id: int) -> PendingChange:
    change = db.session.get(PendingChange, change_id)
    if (
        change is None
        or change.org_id != org.id
        or change.target_id != person.id
        or change.status != RequestStatus.PENDING
    ):
        raise NotFound(N_("No pending change %(id)s"), id=change_id)
    return change


def _check_decider(change: PendingChange, decider: User) -> None:
    if decider.id == change.proposed_by:
        raise Conflict(N_("You proposed this change: a second administrator must decide it."))
    if decider.org_id != change.org_id or APPROVER_ROLE[change.kind] not in (decider.roles or []):
        raise NotFound(N_("No pending change %(id)s"), id=change.id)


def approve(org: Organisation, person: User, change_id: int, decider: User) -> PendingChange:
    """A second administrator approves: the change is applied and audited with both names,
    in one transaction."""
    change = _decide(org, person, change_id, decider, RequestStatus.APPROVED)
    proposer = db.session.get(User, change.proposed_by)
    proposer_name = proposer.username if proposer is not None else str(change.proposed_by)
    audit.record(
        "change.approved",
        actor=decider.username,
        org_id=org.id,
        target=person.username,
        details={
            "change": change.id,
            "proposed_by": proposer_name,
            "approved_by": decider.username,
        },
    )
    # set_privileges audits the change itself and commits everything above with it.
    try:
        set_privileges(
            person,
            add=list(change.proposed.get("add", [])),
            remove=list(change.proposed.get("remove", [])),
            actor=f"{decider.username} (approving {proposer_name})",
        )
    except Exception:
        db.session.rollback()
        raise
    return change


def _decide(
    org: Organisation, person: User, change_id: int, decider: User, status: str
) -> PendingChange:
    """The waiting change, decided by ``decider`` (who may not be its proposer)."""
    change = _pending_of(org, person, change_id)
    _check_decider(change, decider)
    change.status = status
    change.decided_by = decider.id
    change.decided_at = utcnow()
    return change


def reject(org: Organisation, person: User, change_id: int, decider: User) -> PendingChange:
    """A second administrator rejects the change; nothing is applied (audited)."""
    change = _decide(org, person, change_id, decider, RequestStatus.REJECTED)
    audit.record(
        "change.rejected",
        actor=decider.username,
        org_id=org.id,
        target=person.username,
        details={"change": change.id, "proposed_by": change.proposed_by},
    )
    db.session.commit()
    return change
