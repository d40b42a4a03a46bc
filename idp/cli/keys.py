"""CLI for the signing keys (`idp keys`): create, list, rotate."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from .util import OPERATOR, out


@click.group("keys", help="Signing keys.")
def keys_group() -> None:
    pass


@keys_group.command(
    "init",
    help="Create missing signing keys (one RS256, one ES256) and, with the keys in the "
    "database, the secret-encryption key. Run once per installation.",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def keys_init(as_json: bool) -> None:
    from ..services.platform.keys import ensure_keys

    created = ensure_keys(actor=OPERATOR)
    out(as_json, [e.__dict__ for e in created], f"{len(created)} key(s) created")


@keys_group.command("list", help="List keys with their state.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def keys_list(as_json: bool) -> None:
    from ..services.platform.runtime import keystore

    entries = keystore().entries()
    lines = [
        f"{e.kid}  {e.alg}  {e.status}  created {e.created_at}"
        + (f"  published until {e.retire_at}" if e.retire_at else "")
        for e in entries
    ]
    out(as_json, [e.__dict__ for e in entries], "\n".join(lines))


@keys_group.command(
    "rotate", help="New active key; the old one stays published until its tokens have expired."
)
@click.option(
    "--alg", type=click.Choice(["RS256", "ES256", "all"]), default="all", show_default=True
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def keys_rotate(alg: str, as_json: bool) -> None:
    from ..services.platform.keys import ALGORITHMS, rotate_keys

    new = rotate_keys(list(ALGORITHMS) if alg == "all" else [alg], actor=OPERATOR)
    out(
        as_json,
        [e.__dict__ for e in new],
        "\n".join(f"new active {e.alg} key {e.kid}" for e in new),
    )
