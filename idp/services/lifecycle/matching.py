"""Matching the rows of an employee import to the organisation's people and planning what
each row does (see :mod:`idp.services.lifecycle.imports` for the rules). Reads, never writes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import Organisation, User
from ...models.enums import ImportOutcome, UserStatus
from ..errors import N_, Message
from ..platform.runtime import secretbox
from ..users import USERNAME_PATTERN
from .employee_file import PeopleFile, PersonRow, username_base

CPR_ASSOCIATED_DATA = b"idp:cpr"
FIELDS = ("rid", "name", "given_name", "family_name", "email", "username", "privileges")
_CHUNK = 1000
_FEW_STEMS = 20


@dataclass(slots=True)
class Person:
    """A stored person of the organisation, as far as the import needs one."""

    id: int
    status: str
    login_means: str | None
    cpr_encrypted: bytes | None
    rid: str | None
    name: str
    given_name: str | None
    family_name: str | None
    email: str
    username: str
    privileges: list[str] | None


@dataclass
class Plan:
    """What one row does: ``action`` and, for created/updated, the ``values`` to write."""

    row: PersonRow
    action: ImportOutcome
    target: Person | None = None  # the matched person, if any
    values: dict[str, Any] = field(default_factory=dict)


def plan_rows(org: Organisation, people: PeopleFile) -> list[Plan]:
    """One plan per row, in file order; matching problems are added to the rows' errors."""
    by_rid, by_email = _existing(org)
    targets = _match(people.rows, by_rid, by_email)
    _check_usernames(people.rows, targets)
    plans = [_plan(row, targets.get(row.line), people.columns) for row in people.rows]
    _derive_usernames(plans)
    return plans


def _existing(org: Organisation) -> tuple[dict[str, Person], dict[str, list[Person]]]:
    """Every person of the organisation in one query, by RID and by lower-case e-mail."""
    table = User.__table__
    columns = [table.c[n] for n in ("id", "status", "login_means", "cpr_encrypted", *FIELDS)]
    by_rid: dict[str, Person] = {}
    by_email: dict[str, list[Person]] = {}
    for row in db.session.execute(select(*columns).where(table.c.org_id == org.id)):
        person = Person(*row)
        if person.rid:
            by_rid[person.rid] = person
        by_email.setdefault(person.email.lower(), []).append(person)
    return by_rid, by_email


def _match(
    rows: list[PersonRow], by_rid: dict[str, Person], by_email: dict[str, list[Person]]
) -> dict[int, Person]:
    """The existing person each row finds, by line; matching problems go into row errors."""
    _flag_repeated_keys(rows)
    targets: dict[int, Person] = {}
    for row in rows:
        if row.errors:
            continue
        target = _target_of(row, by_rid, by_email)
        if target is not None and not row.errors:
            targets[row.line] = target
    _flag_shared_targets(rows, targets)
    return targets


def _flag_repeated_keys(rows: list[PersonRow]) -> None:
    """A RID or an e-mail names one person: the file may not repeat it."""
    rids = Counter(r.rid for r in rows if r.rid)
    emails = Counter(r.email_key for r in rows if r.email)
    for row in rows:
        if row.rid and rids[row.rid] > 1:
            row.errors.append(Message(N_("rid: appears more than once in the file")))
        if row.email and emails[row.email_key] > 1:
            row.errors.append(Message(N_("email: appears more than once in the file")))


def _target_of(
    row: PersonRow, by_rid: dict[str, Person], by_email: dict[str, list[Person]]
) -> Person | None:
    """The person a row matches: by RID first, else by e-mail; an e-mail held by someone
    else, by several people, or by a person with another RID is a row error."""
    owners = by_email.get(row.email_key, [])
    target = by_rid.get(row.rid) if row.rid else None
    if target is not None:
        if any(p.id != target.id for p in owners):
            row.errors.append(Message(N_("email: belongs to another person in the organisation")))
        return target
    if len(owners) > 1:
        row.errors.append(Message(N_("email: more than one person in the organisation has it")))
    elif owners and row.rid and owners[0].rid and owners[0].rid != row.rid:
        row.errors.append(
            Message(N_("rid: the person with this e-mail has RID %(rid)s"), rid=owners[0].rid)
        )
    elif owners:
        return owners[0]
    return None


def _flag_shared_targets(rows: list[PersonRow], targets: dict[int, Person]) -> None:
    """Two rows may not match the same person."""
    found = Counter(t.id for t in targets.values())
    for row in rows:
        if row.line in targets and found[targets[row.line].id] > 1:
            row.errors.append(Message(N_("matches the same person as another row")))


def _check_usernames(rows: list[PersonRow], targets: dict[int, Person]) -> None:
    counts = Counter(r.username for r in rows if r.username)
    wanted = {r.username for r in rows if r.username and not r.errors}
    table = User.__table__
    owners: dict[str, int] = {}
    for chunk in _chunks(sorted(wanted)):
        query = select(table.c.username, table.c.id).where(table.c.username.in_(chunk))
        owners.update({name: id_ for name, id_ in db.session.execute(query)})
    for row in rows:
        if not row.username:
            continue
        if counts[row.username] > 1:
            row.errors.append(Message(N_("username: appears more than once in the file")))
        elif row.username in owners:
            target = targets.get(row.line)
            if target is None or owners[row.username] != target.id:
                row.errors.append(Message(N_("username: taken by another person")))


def _plan(row: PersonRow, target: Person | None, columns: frozenset[str]) -> Plan:
    if row.errors:
        return Plan(row, ImportOutcome.INVALID, target)
    values: dict[str, Any] = {
        "rid": row.rid,
        "name": row.name,
        "given_name": row.given_name,
        "family_name": row.family_name,
        "email": row.email,
        "username": row.username,
        "privileges": row.privileges,
        "login_means": row.login_means,
        "cpr": row.cpr,
    }
    if target is None:
        return Plan(row, ImportOutcome.CREATED, None, values)
    if target.status != UserStatus.IMPORTED:
        return Plan(row, ImportOutcome.skipped(target.status), target)
    values["rid"] = row.rid or target.rid
    values["username"] = row.username or target.username
    if "privileges" not in columns:
        values["privileges"] = sorted(set(target.privileges or []))
    if "login_means" not in columns:
        values["login_means"] = target.login_means
    values["cpr_encrypted"] = target.cpr_encrypted
    if row.cpr and _decrypt_cpr(target.cpr_encrypted) != row.cpr:
        values["cpr_encrypted"] = None  # encrypted when written
    else:
        values["cpr"] = None
    same = all(values[k] == getattr(target, k) for k in (*FIELDS, "login_means"))
    action = ImportOutcome.UNCHANGED if same and not values["cpr"] else ImportOutcome.UPDATED
    return Plan(row, action, target, values)


def _decrypt_cpr(blob: bytes | None) -> str | None:
    if blob is None:
        return None
    try:
        return secretbox().decrypt(blob, CPR_ASSOCIATED_DATA).decode()
    except Exception:  # an unreadable value is replaced by the file's
        return None


def _derive_usernames(plans: list[Plan]) -> None:
    """Usernames for new people without one, unique against all users and the file."""
    needing = [p for p in plans if p.action == ImportOutcome.CREATED and not p.values["username"]]
    if not needing:
        return
    bases = [username_base(p.row.email) for p in needing]
    taken = {p.values["username"] for p in plans if p.values.get("username")}
    taken |= _taken(set(bases))
    seen = Counter(bases)
    crowded = {b for b in bases if b in taken or seen[b] > 1 or not USERNAME_PATTERN.match(b)}
    taken |= _starting_with(crowded)
    suffix: dict[str, int] = {}
    for plan, base in zip(needing, bases, strict=True):
        candidate = base
        while candidate in taken or not USERNAME_PATTERN.match(candidate):
            suffix[base] = suffix.get(base, 1) + 1
            candidate = f"{base}{suffix[base]}"
        taken.add(candidate)
        plan.values["username"] = candidate


def _starting_with(stems: set[str]) -> set[str]:
    """Existing usernames that start with one of ``stems``: a query per stem when they are
    few, else one pass over every username (a suffixed name always starts with its stem)."""
    table = User.__table__
    column = table.c.username
    if len(stems) <= _FEW_STEMS:
        found: set[str] = set()
        for stem in stems:
            query = select(column).where(column.startswith(stem, autoescape=True))
            found.update(db.session.execute(query).scalars())
        return found
    lengths = {len(s) for s in stems}
    return {
        name
        for name in db.session.execute(select(column)).scalars()
        if any(name[:n] in stems for n in lengths)
    }


def _taken(names: set[str]) -> set[str]:
    table = User.__table__
    found: set[str] = set()
    for chunk in _chunks(sorted(names)):
        query = select(table.c.username).where(table.c.username.in_(chunk))
        found.update(db.session.execute(query).scalars())
    return found


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
