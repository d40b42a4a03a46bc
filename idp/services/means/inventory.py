"""The code-display inventory of an organisation: import (one transaction), list, revoke."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ...extensions import db
from ...models import Authenticator, Organisation, User
from ...models.enums import AuthenticatorStatus, LoginMeans
from ...models.types import utcnow
from .. import audit
from ..errors import N_, InvalidInput, Message, NotFound
from ..wording import word
from .authenticators import seal
from .code_display import find_code_display
from .seed_files import SeedRow

STATUSES = tuple(AuthenticatorStatus)


@dataclass
class ImportReport:
    """Every row of an import with its errors, and how many code displays it imported or
    replaced (none on a dry run or when any row is bad)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    imported: int = 0
    replaced: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return all(not r["errors"] for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "imported": self.imported,
            "replaced": self.replaced,
            "rows": self.rows,
        }


def import_code_displays(
    org: Organisation,
    rows: list[SeedRow],
    *,
    source: str,
    replace: bool,
    dry_run: bool,
    actor: str,
) -> ImportReport:
    """Add code displays to the organisation's stock, all or nothing.

    Every row is checked; if any row is bad nothing is imported and the report names every
    bad row and why. An existing serial is refused unless the token is still in stock and
    ``replace`` is given.
    """
    existing = _stored_displays(org, rows)
    report = ImportReport(dry_run=dry_run)
    counts = Counter(r.serial for r in rows if r.serial)
    for row in rows:
        errors = [*row.errors, *_serial_problems(row, counts, existing.get(row.serial), replace)]
        report.rows.append({"where": row.where, "serial": row.serial, "errors": errors})
    if not report.ok or dry_run:
        return report
    for row in rows:
        found = existing.get(row.serial)
        _stock(found, org, row, source)
        if found is None:
            report.imported += 1
        else:
            report.replaced += 1
    audit.record(
        "code_displays.imported",
        actor=actor,
        org_id=org.id,
        target=source[:200],
        details={"imported": report.imported, "replaced": report.replaced},
    )
    db.session.commit()
    return report


def _stored_displays(org: Organisation, rows: list[SeedRow]) -> dict[str | None, Authenticator]:
    """The organisation's code displays with a serial of the file, by serial."""
    return {
        a.serial: a
        for a in db.session.execute(
            select(Authenticator).where(
                Authenticator.org_id == org.id,
                Authenticator.type == LoginMeans.CODE_DISPLAY,
                Authenticator.serial.in_([r.serial for r in rows if r.serial]),
            )
        ).scalars()
    }


def _serial_problems(
    row: SeedRow, counts: Counter[str], found: Authenticator | None, replace: bool
) -> list[Message]:
    """A serial appears once in the file and is new, unless it is in stock and replaced."""
    errors = []
    if row.serial and counts[row.serial] > 1:
        errors.append(
            Message(N_("serial %(serial)s appears more than once in the file"), serial=row.serial)
        )
    if found is not None and not (replace and found.status == AuthenticatorStatus.IN_STOCK):
        if found.status == AuthenticatorStatus.IN_STOCK:
            template = N_("serial %(serial)s is already imported (%(status)s) (use --replace)")
        else:
            template = N_("serial %(serial)s is already imported (%(status)s)")
        errors.append(Message(template, serial=row.serial, status=word(found.status)))
    return errors


def _stock(found: Authenticator | None, org: Organisation, row: SeedRow, source: str) -> None:
    """Put the row's token in stock: a new code display, or the replaced one reset."""
    target = found or Authenticator(org_id=org.id, type=LoginMeans.CODE_DISPLAY, serial=row.serial)
    target.status = AuthenticatorStatus.IN_STOCK
    target.user_id = None
    target.secret_encrypted = seal(row.secret)
    target.digits, target.period = row.digits, row.period
    target.algorithm, target.t0 = row.algorithm, row.t0
    target.last_time_step, target.drift_steps, target.failed_attempts = None, 0, 0
    target.source = source[:200]
    if found is None:
        db.session.add(target)


def list_code_displays(org: Organisation, status: str | None = None) -> list[Authenticator]:
    """The organisation's code displays by serial, optionally only those with ``status``."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(N_("status must be one of %(choices)s"), choices=", ".join(STATUSES))
    query = select(Authenticator).where(
        Authenticator.org_id == org.id, Authenticator.type == LoginMeans.CODE_DISPLAY
    )
    if status:
        query = query.where(Authenticator.status == status)
    return list(db.session.execute(query.order_by(Authenticator.serial)).scalars())


def holders(org: Organisation, displays: list[Authenticator]) -> dict[int, str]:
    """Username by user id of the people of ``org`` holding any of ``displays``."""
    ids = {a.user_id for a in displays if a.user_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.username).where(User.org_id == org.id, User.id.in_(ids))
    )
    return {user_id: username for user_id, username in rows}


def revoke_code_display(org: Organisation, serial: str, *, actor: str) -> Authenticator:
    """Mark a code display of the organisation revoked, audited; an unknown serial is
    NotFound."""
    auth = find_code_display(org.id, serial)
    if auth is None:
        raise NotFound(
            N_("No code display with serial number %(serial)s in %(cvr)s"),
            serial=serial,
            cvr=org.cvr,
        )
    auth.status = AuthenticatorStatus.REVOKED
    auth.revoked_at = utcnow()
    audit.record(
        "authenticator.revoked",
        actor=actor,
        org_id=org.id,
        target=serial,
        details={"type": LoginMeans.CODE_DISPLAY},
    )
    db.session.commit()
    return auth
