"""`idp prepare`: what a node does before it serves (deploy/entrypoint.sh runs it)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .util import OPERATOR, out


@click.command(
    "prepare",
    help="Before serving: wait until the database accepts connections, then, one node at a "
    "time (a lock in the database), migrate it to the head and create the missing signing "
    "keys. Safe to run on every node at every start. Exit 1 when the database does not "
    "answer within --wait seconds.",
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(0, 3600),
    default=60,
    show_default=True,
    help="Seconds to wait for the database",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def prepare(wait_seconds: float, as_json: bool) -> None:
    from ..services.platform.prepare import DatabaseUnavailable
    from ..services.platform.prepare import prepare as run

    def report(line: str) -> None:
        click.echo(line, err=True)

    try:
        done = run(wait_seconds, report, actor=OPERATOR)
    except DatabaseUnavailable as error:
        raise click.ClickException(str(error)) from None
    after = ", ".join(done.revisions_after) or "none"
    lines = [
        f"database {done.database}: "
        + (
            f"migrated from {', '.join(done.revisions_before) or 'empty'} to {after}"
            if done.migrated
            else f"already at {after}"
        ),
        f"{len(done.keys_created)} signing key(s) created",
    ]
    out(as_json, done.as_dict(), "\n".join(lines))
