"""Commands outside any group: load the demo, purge expired codes and tokens, serve, check."""

from __future__ import annotations

import ipaddress
import re

import click
from flask.cli import with_appcontext

from .util import OPERATOR, out


@click.command(
    "demo",
    help="Load the demo organisation, client and user, and the signing keys where missing "
    "(idempotent).",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def demo(as_json: bool) -> None:
    from ..demo import load_demo
    from ..services.platform.keys import ensure_keys

    ensure_keys(actor=OPERATOR)
    info = load_demo()
    out(as_json, info, info["text"])


@click.command("purge-expired", help="Delete codes and tokens that expired over a day ago.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def purge_expired(as_json: bool) -> None:
    from ..services.oauth.tokens import purge_expired as purge

    count = purge()
    out(as_json, {"deleted": count}, f"deleted {count} expired codes and tokens")


def _bind_host(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An IP address or a host name, else a usage error naming the option."""
    if value is None:
        return None
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?", value):
            raise click.BadParameter(f"not an IP address or host name: {value!r}") from None
    return value


@click.command(
    "serve",
    help="Serve the IdP with granian on the configured host and port (the options override "
    "the settings host, port, workers and threads for this run).",
)
@click.option("--host", callback=_bind_host, help="Address to bind (default: the host setting)")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: the port setting)")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes")
@click.option("--threads", type=click.IntRange(1, 256), help="Threads per worker process")
@with_appcontext
def serve(host: str | None, port: int | None, workers: int | None, threads: int | None) -> None:
    from ..serve import CannotServe, listen, run

    try:
        run(listen(host, port, workers, threads))
    except CannotServe as error:
        raise click.ClickException(str(error)) from None


@click.command(
    "check",
    help="Check this node before a start: the settings (loading them checks every key), the "
    "database and its migrations, the signing keys, the pages' files, and the SMTP server and "
    "Redis when configured. Exit 1 when anything is wrong.",
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def check(as_json: bool) -> None:
    from ..services.platform.readiness import connectivity_checks, node_checks

    checks = {"settings": "ok", **node_checks(), **connectivity_checks()}
    good = all(value in ("ok", "not used") for value in checks.values())
    text = "\n".join(f"{name:20} {value}" for name, value in checks.items())
    out(as_json, {"ok": good, "checks": checks}, text)
    if not good:
        raise SystemExit(1)
