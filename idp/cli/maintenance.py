"""Commands outside any group: load the demo, purge expired codes and tokens, serve."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .util import out


@click.command("demo", help="Load the demo organisation, client and user (idempotent).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def demo(as_json: bool) -> None:
    from ..demo import load_demo

    info = load_demo()
    out(as_json, info, info["text"])


@click.command("purge-expired", help="Delete codes and tokens that expired over a day ago.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def purge_expired(as_json: bool) -> None:
    from ..services.oauth.tokens import purge_expired as purge

    count = purge()
    out(as_json, {"deleted": count}, f"deleted {count} expired codes and tokens")


@click.command("serve", help="Serve the IdP with gunicorn on the configured host and port.")
@with_appcontext
def serve() -> None:
    from ..serve import CannotServe, run_gunicorn

    try:
        run_gunicorn()
    except CannotServe as error:
        raise click.ClickException(str(error)) from None
