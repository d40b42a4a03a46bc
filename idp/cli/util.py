"""Helpers shared by the CLI modules."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from ..services.errors import ServiceError

if TYPE_CHECKING:
    from ..models import User

OPERATOR = "operator:cli"


def out(as_json: bool, data: Any, text: str) -> None:
    """Print ``data`` as JSON for automation, or ``text`` for people."""
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def service_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a service call; a rule's refusal becomes a plain CLI error (exit 1)."""
    try:
        return fn(*args, **kwargs)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None


def find_person(ref: str) -> User:
    """The one person ``ref`` names (username, e-mail or UUID), or a CLI error (exit 1)."""
    from ..services.users import find_user

    return service_call(find_user, ref)
