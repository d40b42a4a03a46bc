"""The ``idp`` command group (operators and automation; ``--json`` for machine output)."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup


def register_commands(app: Flask) -> None:
    """Add every ``idp`` command group, one module each, to ``app.cli`` (wiring only)."""
    from .admins import admins_group
    from .backup import backup, restore
    from .clients import clients_group
    from .code_displays import tokens_group
    from .keys import keys_group
    from .mail import mail_group
    from .maintenance import check, demo, purge_expired, serve
    from .means import means_group
    from .orgs import orgs_group
    from .prepare import prepare
    from .privileges import privileges_group
    from .proofing import proofing_group
    from .reminders import reminders_group
    from .saml import saml_group
    from .users import users_group

    for command in (
        users_group,
        privileges_group,
        orgs_group,
        admins_group,
        clients_group,
        saml_group,
        tokens_group,
        means_group,
        proofing_group,
        keys_group,
        mail_group,
        reminders_group,
        check,
        backup,
        restore,
        prepare,
        demo,
        purge_expired,
        serve,
    ):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from .. import create_app

    return create_app()


class IdpGroup(FlaskGroup):
    """Flask's command group showing only what is ours: the app is always Lokal IdP, so there
    is no ``--app``, ``--env-file`` or ``--debug``, and no commands from other packages' entry
    points (Flask-Limiter's ``limiter``)."""

    FLASK_OPTIONS = frozenset({"app", "env_file", "debug"})

    def __init__(self, **extra: Any) -> None:
        super().__init__(**extra)
        self.params = [p for p in self.params if p.name not in self.FLASK_OPTIONS]

    def _load_plugin_commands(self) -> None:
        self._loaded_plugin_commands = True


@click.group(
    cls=IdpGroup,
    create_app=_create_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
)
# The version has one home, pyproject.toml; the installed package's metadata carries it here.
@click.version_option(package_name="lokal-idp", prog_name="idp", message="%(prog)s %(version)s")
def main() -> None:
    """Lokal IdP operator commands."""
