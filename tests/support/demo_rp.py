"""The IdP with its example relying party /demo-rp/ (the ``dev_stand_ins`` switch) and the
demo loaded (`idp demo`: the demo client, its secret in the instance folder, the demo person
at Substantial), served on a real server on 127.0.0.1."""

from __future__ import annotations

from typing import Any

import pyotp
from flask import Flask

from .e2e import Server, cli


def served_demo(make_app: Any, server: Server, **extra: Any) -> tuple[Flask, dict[str, Any]]:
    """The app ``server`` serves, and what `idp demo --json` printed."""
    app: Flask = make_app(issuer=server.url, dev_stand_ins=True, **extra)
    info: dict[str, Any] = cli(app, "demo --json")
    server.serve(app)
    return app, info


def demo_code(info: dict[str, Any]) -> str:
    return str(pyotp.TOTP(info["totp_secret"]).now())
