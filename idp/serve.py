"""Serve the app with gunicorn (threaded workers), bound to the configured host and port."""

from __future__ import annotations

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


def gunicorn_options() -> dict[str, Any]:
    cfg = settings()
    return {
        "bind": f"{cfg.host}:{cfg.port}",
        "workers": cfg.workers,
        "worker_class": "gthread",
        "threads": cfg.threads,
        "keepalive": 5,
        "accesslog": None,
        "preload_app": False,
        "control_socket_disable": True,
    }


class CannotServe(Exception):
    """The settings do not allow serving; the message says why and what to change."""


def check_request_slots() -> None:
    """With ``dev_stand_ins`` the IdP calls its own /dev-eid stand-in over HTTP while it
    answers a request (discovery, JWKS, token): one request slot would wait for itself."""
    cfg = settings()
    if cfg.dev_stand_ins and cfg.workers * cfg.threads < 2:
        raise CannotServe(
            f"dev_stand_ins needs at least 2 concurrent requests (workers x threads), got "
            f"workers={cfg.workers} threads={cfg.threads}: the IdP calls its own /dev-eid "
            "stand-in during a request. Set IDP_THREADS=2 or more."
        )


def run_gunicorn() -> None:
    check_request_slots()
    _Gunicorn(gunicorn_options()).run()
