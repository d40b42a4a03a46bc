"""Serve the app with gunicorn (threaded workers), bound to the configured host and port or to
those `idp serve` was given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gunicorn.app.base import BaseApplication

from .services.platform.runtime import settings


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        return create_app()


@dataclass(frozen=True)
class Listen:
    """Where and with how many request slots to serve: the settings, or `idp serve`'s options
    in their place."""

    host: str
    port: int
    workers: int
    threads: int


def listen(
    host: str | None = None,
    port: int | None = None,
    workers: int | None = None,
    threads: int | None = None,
) -> Listen:
    """The settings' host, port, workers and threads, each replaced by the one given."""
    cfg = settings()
    return Listen(
        host or cfg.host,
        port or cfg.port,
        workers or cfg.workers,
        threads or cfg.threads,
    )


def gunicorn_options(where: Listen | None = None) -> dict[str, Any]:
    where = where or listen()
    return {
        "bind": f"[{where.host}]:{where.port}"
        if ":" in where.host
        else f"{where.host}:{where.port}",
        "workers": where.workers,
        "worker_class": "gthread",
        "threads": where.threads,
        "keepalive": 5,
        "accesslog": None,
        "preload_app": False,
        "control_socket_disable": True,
    }


class CannotServe(Exception):
    """The settings do not allow serving; the message says why and what to change."""


def check_request_slots(where: Listen) -> None:
    """With ``dev_stand_ins`` the IdP calls its own /dev-eid stand-in over HTTP while it
    answers a request (discovery, JWKS, token): one request slot would wait for itself."""
    if settings().dev_stand_ins and where.workers * where.threads < 2:
        raise CannotServe(
            f"dev_stand_ins needs at least 2 concurrent requests (workers x threads), got "
            f"workers={where.workers} threads={where.threads}: the IdP calls its own /dev-eid "
            "stand-in during a request. Set IDP_THREADS=2 or more."
        )


def run_gunicorn(where: Listen | None = None) -> None:
    where = where or listen()
    check_request_slots(where)
    _Gunicorn(gunicorn_options(where)).run()
