"""The ``idp`` command group (operators and automation; ``--json`` for machine output)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext

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
    from ..serve import run_gunicorn

    run_gunicorn()


def register_commands(app: Flask) -> None:
    from .admins import admins_group
    from .clients import clients_group
    from .keys import keys_group
    from .mail import mail_group
    from .means import means_group, tokens_group
    from .orgs import orgs_group
    from .proofing import proofing_group
    from .users import users_group

    for command in (
        proofing_group,
        admins_group,
        tokens_group,
        means_group,
        mail_group,
        keys_group,
        orgs_group,
        users_group,
        clients_group,
        demo,
        purge_expired,
        serve,
    ):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from .. import create_app

    return create_app()


@click.group(
    cls=FlaskGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
def main() -> None:
    """Lokal IdP operator commands."""


if __name__ == "__main__":
    main()
