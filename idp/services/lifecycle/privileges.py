"""The organisation's catalogue of rights: the privilege URNs its administrators choose from
when they activate people or change a person's rights, with a Danish and an English label and
the services that use each. A URN typed by hand (CLI, API) must be in the catalogue.

Every change is audited. A right that people still hold is not removed: the administrator
withdraws it from them first (the refusal says how many hold it), so no person silently keeps
a right that is no longer described anywhere.
"""

from __future__ import annotations

from sqlalchemy import String, cast, func, select

from ...extensions import db
from ...models import Client, Organisation, Privilege, User
from ...privileges import is_privilege
from .. import audit
from ..errors import N_, Conflict, InvalidInput, NotFound

LABEL_MAX = 200
URN_MAX = 255


def catalogue(org: Organisation) -> list[Privilege]:
    """The organisation's rights, by URN."""
    query = select(Privilege).where(Privilege.org_id == org.id).order_by(Privilege.urn)
    return list(db.session.execute(query).scalars())


def catalogue_urns(org: Organisation) -> set[str]:
    """The URNs of the organisation's catalogue (what an import or a typed URN is checked
    against)."""
    query = select(Privilege.urn).where(Privilege.org_id == org.id)
    return set(db.session.execute(query).scalars())


def check_known(org: Organisation, urns: list[str]) -> None:
    """Refuse (InvalidInput) an entry that is not a URN, or a URN not in ``org``'s catalogue."""
    bad = [urn for urn in urns if not is_privilege(urn)]
    if bad:
        raise InvalidInput(N_("Not a privilege URN: %(urns)s"), urns=", ".join(bad))
    unknown = sorted(set(urns) - catalogue_urns(org)) if urns else []
    if unknown:
        raise InvalidInput(
            N_("Not in the catalogue of rights: %(urns)s"),
            urns=", ".join(unknown),
        )


def privilege_of(org: Organisation, privilege_id: int) -> Privilege:
    """One right of ``org``'s catalogue; another organisation's is NotFound."""
    found = db.session.get(Privilege, privilege_id)
    if found is None or found.org_id != org.id:
        raise NotFound(N_("No such right in the catalogue"))
    return found


def services_of(org: Organisation) -> list[Client]:
    """The organisation's own services (a right can name the ones that use it)."""
    query = select(Client).where(Client.org_id == org.id).order_by(Client.name)
    return list(db.session.execute(query).scalars())


def add_privilege(
    org: Organisation,
    *,
    urn: str,
    label_da: str,
    label_en: str,
    client_ids: list[str],
    actor: str,
) -> Privilege:
    """Add a right to the catalogue (URN syntax checked, unique in the organisation)."""
    urn = urn.strip()
    _check_urn(urn)
    labels = _labels(label_da, label_en)
    services = _own_services(org, client_ids)
    if urn in catalogue_urns(org):
        raise Conflict(N_("%(urn)s is already in the catalogue"), urn=urn)
    row = Privilege(org_id=org.id, urn=urn, label_da=labels[0], label_en=labels[1])
    row.client_ids = services
    db.session.add(row)
    audit.record(
        "privilege.added",
        actor=actor,
        org_id=org.id,
        target=urn,
        details={"label_da": labels[0], "label_en": labels[1], "services": services},
    )
    db.session.commit()
    return row


def edit_privilege(
    org: Organisation,
    privilege_id: int,
    *,
    label_da: str,
    label_en: str,
    client_ids: list[str],
    actor: str,
) -> Privilege:
    """Change a right's labels and services (its URN is what people hold, so it stays)."""
    row = privilege_of(org, privilege_id)
    row.label_da, row.label_en = _labels(label_da, label_en)
    row.client_ids = _own_services(org, client_ids)
    audit.record(
        "privilege.changed",
        actor=actor,
        org_id=org.id,
        target=row.urn,
        details={"label_da": row.label_da, "label_en": row.label_en, "services": row.client_ids},
    )
    db.session.commit()
    return row


def remove_privilege(org: Organisation, privilege_id: int, *, actor: str) -> None:
    """Remove a right nobody holds; while people hold it, Conflict says how many."""
    row = privilege_of(org, privilege_id)
    held = holders(org, row.urn)
    if held:
        raise Conflict(
            N_(
                "%(urn)s is still held (people: %(count)s); withdraw it from them before "
                "removing it from the catalogue"
            ),
            count=held,
            urn=row.urn,
        )
    audit.record("privilege.removed", actor=actor, org_id=org.id, target=row.urn)
    db.session.delete(row)
    db.session.commit()


def holders(org: Organisation, urn: str) -> int:
    """How many of the organisation's people hold ``urn``."""
    # The rights are a JSON list; a text match narrows the rows on SQLite and PostgreSQL
    # alike, and the exact check is made on the decoded lists.
    pattern = "%" + urn.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    query = select(User.privileges).where(
        User.org_id == org.id, cast(User.privileges, String).like(pattern, escape="\\")
    )
    return sum(1 for rights in db.session.execute(query).scalars() if urn in (rights or []))


def _check_urn(urn: str) -> None:
    if len(urn) > URN_MAX or not is_privilege(urn):
        raise InvalidInput(N_("Not a privilege URN: %(urns)s"), urns=urn[:80])


def _labels(label_da: str, label_en: str) -> tuple[str, str]:
    da, en = label_da.strip(), label_en.strip()
    if not da or not en:
        raise InvalidInput(N_("Give the right a Danish and an English label"))
    if len(da) > LABEL_MAX or len(en) > LABEL_MAX:
        raise InvalidInput(N_("A label is at most %(max)s characters"), max=LABEL_MAX)
    return da, en


def _own_services(org: Organisation, client_ids: list[str]) -> list[str]:
    """``client_ids``, each one of the organisation's own services (others are refused)."""
    wanted = sorted(set(client_ids))
    own = {client.client_id for client in services_of(org)}
    if set(wanted) - own:
        raise InvalidInput(N_("Choose among the organisation's own services"))
    return wanted


def count_in(org: Organisation) -> int:
    """How many rights the catalogue holds."""
    query = select(func.count(Privilege.id)).where(Privilege.org_id == org.id)
    return int(db.session.execute(query).scalar_one())
