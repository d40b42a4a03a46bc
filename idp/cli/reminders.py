"""CLI for the reminders before activation links expire (`idp reminders send`, for cron)."""

from __future__ import annotations

import dataclasses

import click
from flask.cli import with_appcontext

from .util import out


@click.group("reminders", help="Reminders before activation links expire.")
def reminders_group() -> None:
    pass


@reminders_group.command(
    "send", help="Queue the reminders due now (7 days and 1 day before a link expires), once each."
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def reminders_send(as_json: bool) -> None:
    from ..services.lifecycle.reminders import send_due_reminders

    report = send_due_reminders()
    out(
        as_json,
        dataclasses.asdict(report),
        f"queued {report.seven_days} 7-day and {report.one_day} 1-day reminders",
    )
