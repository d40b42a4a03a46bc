"""CLI for the mail outbox (`idp mail`): deliver pending mail once, list the outbox."""

from __future__ import annotations

import dataclasses

import click
from flask.cli import with_appcontext

from .util import out


@click.group("mail", help="The mail outbox.")
def mail_group() -> None:
    pass


@mail_group.command("send", help="Deliver the mail that is due now, once (retries included).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10000))
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def mail_send(limit: int, as_json: bool) -> None:
    from ..services.mail.outbox import deliver_pending

    report = deliver_pending(limit)
    out(
        as_json,
        dataclasses.asdict(report),
        f"sent {report.sent}, failed {report.failed}, waiting {report.waiting}, "
        f"given up {report.given_up}",
    )


@mail_group.command("list", help="List outbox mails (never their bodies).")
@click.option("--pending", is_flag=True, help="Only mails not sent yet")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def mail_list(pending: bool, as_json: bool) -> None:
    from ..services.mail.outbox import list_outbox, mail_status

    rows = [
        {
            "id": m.id,
            "kind": m.kind,
            "to": m.to_address,
            "subject": m.subject,
            "status": mail_status(m),
            "attempts": m.attempts,
            "next_attempt_at": None if m.sent_at else m.next_attempt_at.isoformat(),
            "last_error": m.last_error,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
        }
        for m in list_outbox(pending_only=pending)
    ]
    lines = [
        f"{r['id']}  {r['status']:<7}  {r['to']}  {r['subject']}  attempts {r['attempts']}"
        + (f"  sent {r['sent_at']}" if r["sent_at"] else "")
        + (f"  last error: {r['last_error']}" if r["last_error"] else "")
        for r in rows
    ]
    out(as_json, rows, "\n".join(lines) if lines else "no mails")
